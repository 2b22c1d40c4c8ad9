// Package live runs a scenario in real time over real sockets: vegeta attacks a gateway server
// on loopback, paced by the very arrival models the simulator uses.
package live

import (
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/throttlelab/throttlelab/model"
)

// Every arrival model is a vegeta Pacer, so live load follows the simulator's schedule exactly.
var _ vegeta.Pacer = model.Arrival(nil)
