package main

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/throttlelab/throttlelab/scenarios"
)

// k8sObject is what TestShardManifest reads of docs/kubernetes/shards.yaml and merge.yaml.
type k8sObject struct {
	Kind string                `yaml:"kind"`
	Meta struct{ Name string } `yaml:"metadata"`
	Data map[string]string     `yaml:"data"`
	Spec struct {
		CompletionMode string `yaml:"completionMode"`
		Completions    int    `yaml:"completions"`
		Parallelism    int    `yaml:"parallelism"`
		Template       struct {
			Spec struct {
				Containers []struct {
					Args []string `yaml:"args"`
				} `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

// TestShardManifest keeps the Kubernetes manifests of docs/kubernetes in step with the
// command line: its scenario is valid, the shards' Job is Indexed with one pod per shard and
// N = completions, every shard's flags are run's and parse (completion index → --shard), and
// the merge Job names each shard's --out once.
func TestShardManifest(t *testing.T) {
	objs := readManifests(t)
	for name, src := range objs["throttlelab-scenario"].Data {
		if _, err := scenarios.LoadBytes(name, []byte(src)); err != nil {
			t.Errorf("the manifest's scenario: %v", err)
		}
	}
	shards, merge := objs["throttlelab-shards"], objs["throttlelab-merge"]
	n := shards.Spec.Completions
	if shards.Spec.CompletionMode != "Indexed" || n < 2 || shards.Spec.Parallelism != n {
		t.Fatalf("shards Job: mode %q, completions %d, parallelism %d", shards.Spec.CompletionMode, n, shards.Spec.Parallelism)
	}
	args := shards.Spec.Template.Spec.Containers[0].Args
	var outs []string
	for i := range n {
		line := strings.NewReplacer("$(SHARD)", strconv.Itoa(i), "$(TARGET)", "https://api.example.invalid/prod",
			"$(START_AT)", time.Now().Add(time.Hour).UTC().Format(time.RFC3339)).Replace(strings.Join(args, "\x00"))
		f := parseRunLine(t, strings.Split(line, "\x00"))
		if f.shard.I != i || f.shard.N != n {
			t.Errorf("pod %d runs shard %v, want %d/%d", i, f.shard, i, n)
		}
		outs = append(outs, f.out)
	}
	margs := merge.Spec.Template.Spec.Containers[0].Args
	if len(margs) != n+2 || margs[0] != "merge" || strings.Join(margs[1:n+1], " ") != strings.Join(outs, " ") || !strings.HasPrefix(margs[n+1], "--out=") {
		t.Errorf("merge Job args %q: want merge, the shards' directories %q, --out", margs, outs)
	}
}

// parseRunLine parses a run command line's flags as run does, without running it.
func parseRunLine(t *testing.T, args []string) runFlags {
	t.Helper()
	if args[0] != "run" {
		t.Fatalf("not a run command line: %q", args)
	}
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var f runFlags
	defineRunFlags(fs, &f)
	if _, err := parseFlags(fs, args[1:], io.Discard); err != nil {
		t.Fatalf("run %q: %v", args, err)
	}
	f.set = map[string]bool{}
	if err := checkTargetFlags(fs, &f); err != nil {
		t.Fatalf("run %q: %v", args, err)
	}
	return f
}

// readManifests reads the objects of docs/kubernetes/shards.yaml and merge.yaml by name.
func readManifests(t *testing.T) map[string]k8sObject {
	t.Helper()
	objs := map[string]k8sObject{}
	for _, file := range []string{"shards.yaml", "merge.yaml"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "docs", "kubernetes", file))
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var o k8sObject
			if err := dec.Decode(&o); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			objs[o.Meta.Name] = o
		}
	}
	return objs
}
