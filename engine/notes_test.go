package engine

import (
	"slices"
	"testing"

	"github.com/throttlelab/throttlelab/model"
	"github.com/throttlelab/throttlelab/pipeline"
)

// notedArrival is an arrival that says how it went.
type notedArrival struct {
	model.Arrival
	notes []string
}

func (a notedArrival) Notes() []string { return a.notes }

// silentArrival is one that says nothing (its methods are never called here).
type silentArrival struct{ model.Arrival }

// TestArrivalNotes: one replaying client's notes are given as they are; with several, a note
// they give alike is given once, naming them, and each other note names its client.
func TestArrivalNotes(t *testing.T) {
	cut := "replay of t.log: the trace goes on past the run's duration (10s)"
	one := []pipeline.Client{{Name: "a", Arrival: notedArrival{notes: []string{cut}}}, {Name: "b", Arrival: silentArrival{}}}
	if got := arrivalNotes(one); !slices.Equal(got, []string{cut}) {
		t.Errorf("one noted client: %q", got)
	}
	three := []pipeline.Client{
		{Name: "acme", Arrival: notedArrival{notes: []string{cut, "replay of t.log: 3 lines could not be read"}}},
		{Name: "globex", Arrival: notedArrival{notes: []string{cut}}},
		{Name: "plain", Arrival: silentArrival{}},
		{Name: "initech", Arrival: notedArrival{notes: []string{cut}}},
	}
	want := []string{"clients acme, globex and initech: " + cut, "client acme: replay of t.log: 3 lines could not be read"}
	if got := arrivalNotes(three); !slices.Equal(got, want) {
		t.Errorf("three noted clients:\n got %q\nwant %q", got, want)
	}
}
