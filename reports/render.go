package reports

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/throttlelab/throttlelab/metrics"
	"github.com/throttlelab/throttlelab/scenarios"
)

// Input is everything a report is drawn from: the scenario as it was run, the run's summary and
// per-second series, and the alarms evaluated on that series.
//
// Scenario may be nil (a run directory without scenario.yaml): the report then leaves out what
// only the scenario knows (its YAML, quota lines, outage windows). SimSeries is the simulated
// series of a run in mode both, drawn dashed over the measured one; nil otherwise.
type Input struct {
	Scenario  *scenarios.Scenario
	Summary   *metrics.Summary
	Series    *metrics.Series
	SimSeries *metrics.Series
	Alarms    []AlarmResult
}

// Render writes the run's charts, each as NAME.png and NAME.svg (see the chart list in
// charts.go), and the self-contained report.html into dir, which must exist. A chart the run
// has nothing to show for (no queues, no concurrency limit) is left out.
func Render(dir string, in Input) error {
	if in.Summary == nil || in.Series == nil {
		return errors.New("render report: a summary and a series are required")
	}
	charts := buildCharts(in)
	figs := make([]figure, 0, len(charts))
	for _, c := range charts {
		svg, err := c.encode("svg")
		if err != nil {
			return fmt.Errorf("render chart %s: %w", c.name, err)
		}
		png, err := c.encode("png")
		if err != nil {
			return fmt.Errorf("render chart %s: %w", c.name, err)
		}
		if err := writeFile(dir, c.name+".svg", svg); err != nil {
			return err
		}
		if err := writeFile(dir, c.name+".png", png); err != nil {
			return err
		}
		figs = append(figs, figure{Name: c.name, Caption: c.caption, SVG: inlineSVG(svg)})
	}
	var buf bytes.Buffer
	if err := writeHTML(&buf, in, figs); err != nil {
		return fmt.Errorf("render report: %w", err)
	}
	return writeFile(dir, "report.html", buf.Bytes())
}

// writeFile writes one file of the report into dir.
func writeFile(dir, name string, data []byte) error {
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// RenderDir re-renders the charts and report.html of a run directory from the files the run
// wrote there: summary.json, series.csv, scenario.yaml (optional) and series-sim.csv (mode
// both, optional). Alarms are evaluated again on the series.
func RenderDir(dir string) error {
	in, err := readRunDir(dir)
	if err != nil {
		return err
	}
	return Render(dir, in)
}

// readRunDir reads a run directory into an Input, evaluating the scenario's alarms on its
// series.
func readRunDir(dir string) (Input, error) {
	var in Input
	var err error
	if in.Summary, err = metrics.ReadSummary(filepath.Join(dir, "summary.json")); err != nil {
		return in, err
	}
	if in.Series, err = metrics.ReadSeries(filepath.Join(dir, "series.csv")); err != nil {
		return in, err
	}
	simPath := filepath.Join(dir, "series-sim.csv")
	if _, statErr := os.Stat(simPath); statErr == nil {
		if in.SimSeries, err = metrics.ReadSeries(simPath); err != nil {
			return in, err
		}
	}
	if in.Scenario, err = loadRunScenario(dir, in.Summary.Scenario); err != nil {
		return in, err
	}
	if in.Scenario != nil {
		in.Alarms = EvaluateAlarms(in.Scenario.Alarms, in.Series)
	}
	return in, nil
}

// loadRunScenario reads the scenario.yaml copy of a run, or returns nil when there is none. The
// copy is decoded under its scenario's name so that the name-matches-file check holds.
func loadRunScenario(dir, name string) (*scenarios.Scenario, error) {
	path := filepath.Join(dir, "scenario.yaml")
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read scenario copy: %w", err)
	}
	sc, err := scenarios.LoadBytes(filepath.Join(dir, name+".yaml"), data)
	if err != nil {
		return nil, fmt.Errorf("read scenario copy %s: %w", path, err)
	}
	sc.File = path
	return sc, nil
}
