package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// baselineFiles are what `run --save-baseline DIR` copies from a run directory: what
// `compare` reads (summary.json) and the scenario as run (scenario.yaml, with any --set
// values). Both are small, and the same for the same scenario and seed, so they can be
// committed; run.json, which holds wall-clock times, is left out.
var baselineFiles = []string{"summary.json", "scenario.yaml"}

// saveBaseline copies the baseline files of the run directory runDir into dst (created if
// needed, files replaced) and says so on w. A partial run is not a baseline: it is refused.
// An empty dst does nothing.
func saveBaseline(dst, runDir string, partial bool, w io.Writer) error {
	if dst == "" {
		return nil
	}
	if partial {
		return &exitError{code: exitFailure, err: fmt.Errorf("save baseline %s: the run is partial, not saved", dst)}
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return &exitError{code: exitFailure, err: fmt.Errorf("save baseline: %w", err)}
	}
	for _, name := range baselineFiles {
		b, err := os.ReadFile(filepath.Join(runDir, name))
		if errors.Is(err, fs.ErrNotExist) && name != "summary.json" {
			continue
		}
		if err == nil {
			err = os.WriteFile(filepath.Join(dst, name), b, 0o644)
		}
		if err != nil {
			return &exitError{code: exitFailure, err: fmt.Errorf("save baseline: %w", err)}
		}
	}
	fmt.Fprintf(w, "  baseline    %s (compare with: throttlelab compare %s RUN_DIR)\n", dst, dst)
	return nil
}
