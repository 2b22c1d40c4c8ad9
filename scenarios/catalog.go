package scenarios

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
)

// catalogFS holds the scenario catalog: the *.yaml files of this directory, and the traces
// its replay scenarios replay.
//
//go:generate go run ./internal/gentrace -o traces/diurnal.jsonl.gz
//go:embed *.yaml traces
var catalogFS embed.FS

// ErrNotFound is wrapped by Resolve and LoadCatalog when a name is neither a file nor in the
// catalog.
var ErrNotFound = errors.New("scenario not found")

// Catalog returns the names of the embedded catalog's scenarios, sorted.
func Catalog() []string {
	files, _ := fs.Glob(catalogFS, "*.yaml")
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = strings.TrimSuffix(f, ".yaml")
	}
	slices.Sort(names)
	return names
}

// LoadCatalog loads the catalog scenario name (as Load does); its File is
// "scenarios/NAME.yaml".
func LoadCatalog(name string) (*Scenario, error) {
	data, err := catalogFS.ReadFile(name + ".yaml")
	if err != nil || strings.ContainsAny(name, `/\`) {
		return nil, fmt.Errorf("%w: %q is not in the catalog (catalog: %s)", ErrNotFound, name, strings.Join(Catalog(), ", "))
	}
	return LoadBytes("scenarios/"+name+".yaml", data)
}

// Resolve loads the scenario a command-line argument names: an existing file is loaded from
// disk; otherwise arg is a catalog name, with or without .yaml. Anything else is an error
// wrapping ErrNotFound that lists the catalog.
func Resolve(arg string) (*Scenario, error) {
	if st, err := os.Stat(arg); err == nil && !st.IsDir() {
		return Load(arg)
	}
	name := strings.TrimSuffix(strings.TrimSuffix(arg, ".yaml"), ".yml")
	if slices.Contains(Catalog(), name) {
		return LoadCatalog(name)
	}
	return nil, fmt.Errorf("%w: %q is neither a file nor a catalog name (catalog: %s)",
		ErrNotFound, arg, strings.Join(Catalog(), ", "))
}
