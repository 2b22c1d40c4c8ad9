package live

import (
	"fmt"
	"math/rand/v2"

	"github.com/throttlelab/throttlelab/internal/num"
	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/model"
	"github.com/throttlelab/throttlelab/pipeline"
)

// shortfall compares what each client offered with what its arrival model asked for (the
// same schedule, rebuilt from the same seed), and says so in the summary when the load
// generator fell behind: the numbers of such a run describe less load than the scenario's.
func (r *runner) shortfall(s *metrics.Summary) {
	for i, c := range r.sc.Clients {
		rng := rand.New(rand.NewPCG(uint64(r.e.Seed()), uint64(i+1)))
		a, err := model.NewArrival(pipeline.ArrivalConfig(c.Arrival), r.sc.Duration.D(), rng)
		if err != nil {
			continue
		}
		a = r.opts.Shard.Of(a)
		var want uint64
		for ; ; want++ {
			if _, ok := a.Next(want); !ok {
				break
			}
		}
		got := s.PerClient[c.Name]["offered_total"]
		if want > 0 && got < 0.99*float64(want) {
			s.Notes = append(s.Notes, fmt.Sprintf("the load generator offered %s of the %s requests client %q asked for (%.1f%%): the machine could not keep up, so this run saw less load than the scenario describes",
				num.Count(got), num.Count(float64(want)), c.Name, 100*got/float64(want)))
			s.Metrics["load_shortfall_total"] += float64(want) - got
		}
	}
}
