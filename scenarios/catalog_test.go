package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCatalogValid: every catalog file decodes strictly, validates, and is named after its file.
func TestCatalogValid(t *testing.T) {
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no catalog files: %v", err)
	}
	if len(files) != len(Catalog()) {
		t.Errorf("Catalog() = %v, files %v", Catalog(), files)
	}
	for _, name := range Catalog() {
		s, err := LoadCatalog(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if s.Name != name || s.File != "scenarios/"+name+".yaml" {
			t.Errorf("%s: Name %q, File %q", name, s.Name, s.File)
		}
		if ws := s.Warnings(); len(ws) > 0 {
			t.Errorf("%s: %v", name, ws)
		}
		if s.Description == "" {
			t.Errorf("%s: no description", name)
		}
	}
}

func TestCatalog(t *testing.T) {
	names := Catalog()
	if !slices.IsSorted(names) || !slices.Contains(names, "burst") || !slices.Contains(names, "steady") {
		t.Errorf("Catalog() = %v", names)
	}
	_, err := LoadCatalog("nope")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "burst") {
		t.Errorf("LoadCatalog(nope) = %v", err)
	}
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "mine.yaml")
	doc := "name: mine\nduration: 1m\n" + client
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	// A file in the working directory named like a catalog scenario wins over the catalog.
	t.Chdir(dir)
	if err := os.WriteFile("steady.yaml", []byte("name: steady\nduration: 7s\n"+client), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		arg, file, err string
	}{
		{arg: file, file: file},
		{arg: "burst", file: "scenarios/burst.yaml"},
		{arg: "burst.yaml", file: "scenarios/burst.yaml"},
		{arg: "steady", file: "scenarios/steady.yaml"},
		{arg: "steady.yaml", file: "steady.yaml"},
		{arg: "nope", err: `scenario not found: "nope" is neither a file nor a catalog name (catalog: `},
		{arg: dir, err: "is neither a file nor a catalog name"},
		{arg: filepath.Join(dir, "missing.yaml"), err: "is neither a file nor a catalog name"},
	}
	for _, tc := range cases {
		s, err := Resolve(tc.arg)
		switch {
		case tc.err != "":
			if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Resolve(%q) = %v, want an error containing %q", tc.arg, err, tc.err)
			}
		case err != nil:
			t.Errorf("Resolve(%q): %v", tc.arg, err)
		case s.File != tc.file:
			t.Errorf("Resolve(%q).File = %q, want %q", tc.arg, s.File, tc.file)
		}
	}
}
