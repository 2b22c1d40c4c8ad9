package scenarios

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadReportsEveryProblem is the project's acceptance test for scenario errors: a file
// with an unknown arrival shape on line 5 and an unknown field on line 6 gives two errors,
// naming FILE:5 and FILE:6.
func TestLoadReportsEveryProblem(t *testing.T) {
	file := filepath.Join(t.TempDir(), "bad.yaml")
	doc := `name: bad
duration: 1m
clients:
  - name: a
    arrival: {shape: zigzag, rate: 10/s}
    colour: blue
`
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(file)
	if s != nil {
		t.Errorf("Load returned a scenario with errors")
	}
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("errors.Is(err, ErrInvalid) = false for %v", err)
	}
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 2 {
		t.Fatalf("got %v, want two errors", err)
	}
	for i, want := range []string{file + ":5: clients[0].arrival.shape: unknown shape \"zigzag\"", file + ":6: clients[0].colour: unknown field"} {
		if !strings.HasPrefix(list[i].Error(), want) {
			t.Errorf("error %d = %q, want it to start %q", i, list[i], want)
		}
	}
}

func TestLoadUnreadable(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "missing.yaml"))
	if err == nil || !strings.HasPrefix(err.Error(), "read scenario: ") || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("got %v, want read scenario: … wrapping fs.ErrNotExist", err)
	}
	if errors.Is(err, ErrInvalid) {
		t.Errorf("an unreadable file is not ErrInvalid")
	}
}

// TestLoadBytesErrors covers how decoding and validation problems combine.
func TestLoadBytesErrors(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string // each error, in order
	}{
		{
			name: "yaml syntax",
			yaml: "name: t\nduration: [1m\n",
			want: []string{"t.yaml:2: did not find expected ',' or ']'"},
		},
		{
			name: "yaml parser error line",
			yaml: "name: t\n- b\n",
			want: []string{"t.yaml:2: did not find expected key"},
		},
		{
			name: "yaml scanner error line",
			yaml: "name: t\nclients:\n\t- 1\n",
			want: []string{"t.yaml:3: found character that cannot start any token"},
		},
		{
			name: "empty file",
			yaml: "",
			want: []string{"t.yaml:1: the file is empty"},
		},
		{
			name: "not a mapping",
			yaml: "- 1\n",
			want: []string{"t.yaml:1: want a mapping of fields, got a list"},
		},
		{
			name: "bad duration is not also zero",
			yaml: "name: t\nduration: 2x\n" + client,
			want: []string{`t.yaml:2: duration: "2x" is not a duration`},
		},
		{
			name: "misspelt required field is not also missing",
			yaml: "name: t\nduration: 1m\nclients:\n  - name: a\n    arival: {shape: poisson, rate: 1}\n",
			want: []string{`t.yaml:5: clients[0].arival: unknown field (did you mean "arrival"?)`},
		},
		{
			name: "decode and validate problems in line order",
			yaml: "name: t\nduration: 1m\nmode: fast\n" + client + "    retry: {policy: none, max_attempts: 2}\nbogus: 1\n",
			want: []string{
				`t.yaml:3: mode: unknown mode "fast"`,
				"t.yaml:7: clients[0].retry.max_attempts: policy none makes no retries",
				"t.yaml:8: bogus: unknown field",
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadBytes("t.yaml", []byte(tc.yaml))
			var list ErrorList
			if !errors.As(err, &list) || !errors.Is(err, ErrInvalid) || len(list) != len(tc.want) {
				t.Fatalf("got %v, want %d errors", err, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(list[i].Error(), w) {
					t.Errorf("error %d = %q, want it to start %q", i, list[i], w)
				}
			}
		})
	}
}

func TestLoadValidFile(t *testing.T) {
	s, err := Load("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if s.File != "testdata/full.yaml" || s.Name != "full" || len(s.Source) == 0 {
		t.Errorf("File %q, Name %q, %d bytes of Source", s.File, s.Name, len(s.Source))
	}
	if got := s.Line("clients[3].arrival.steps[1].rate"); got != 33 {
		t.Errorf("Line(clients[3].arrival.steps[1].rate) = %d, want 33", got)
	}
}

func TestRateRejectsNaNAndInf(t *testing.T) {
	for _, in := range []string{"NaN", "Inf/s", "-1/s", "1/fortnight"} {
		if _, err := ParseRate(in); err == nil {
			t.Errorf("ParseRate(%q) accepted", in)
		}
	}
}
