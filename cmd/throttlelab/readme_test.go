package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the README's sample output and its golden file from the code")

// The README's promise: every command it shows works as written. TestREADME builds
// bin/throttlelab with `make build`, then runs every command of the README's ```sh blocks, in
// order, in one temporary directory (so that runs/, baselines/ and my-scenario.yaml land
// there), and checks each one's exit status: 0, or the one its comment names ("exits 99").
// It checks that the binary names the commit it was built from, and that the sample output
// the README shows is what `bin/throttlelab run burst` prints (the golden file
// testdata/readme-run-burst.txt; -update rewrites both from the code).
//
// Not run: `make test` (the suite that runs this test). `make scenario NAME=burst` runs as
// the command its recipe runs (`make -n`), so that its results land in the temporary
// directory rather than the source tree. The files the README's commands read from the
// repository (an importer fixture, the catalog's trace) are copied there at the same paths.
func TestREADME(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs every README command (a minute or two)")
	}
	root, work := repoRoot(t), t.TempDir()
	needTools(t, "make", "bash")
	bin := filepath.Join(work, "bin", "throttlelab")
	if out, err := exec.Command("make", "-C", root, "build", "BIN="+bin).CombinedOutput(); err != nil {
		t.Fatalf("make build: %v\n%s", err, out)
	}
	for _, f := range []string{"cfnimport/testdata/sam-sqs.yaml", "scenarios/traces/diurnal.jsonl.gz"} {
		copyFile(t, filepath.Join(root, f), filepath.Join(work, f))
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var ran, skipped []string
	var sample string
	for _, cmd := range shellCommands(string(readme)) {
		if f := strings.Fields(cmd); len(f) > 1 && f[0] == "make" && f[1] == "build" {
			ran = append(ran, "make build (first of all, as make -C ROOT build BIN=TMP/bin/throttlelab)")
			continue
		}
		line, why := runnable(t, root, cmd)
		if line == "" {
			skipped = append(skipped, fmt.Sprintf("%s: %s", cmd, why))
			continue
		}
		stdout := runREADMECommand(t, work, line, expectedExit(cmd))
		if line != cmd {
			line = fmt.Sprintf("%s (as its recipe: %s)", strings.TrimSpace(strings.SplitN(cmd, "#", 2)[0]), line)
		}
		ran = append(ran, line)
		switch {
		case strings.HasSuffix(line, "(as its recipe: ./bin/throttlelab run burst)"):
			sample = stdout
		case strings.HasPrefix(line, "bin/throttlelab version"):
			checkCommit(t, root, stdout)
		}
	}
	t.Logf("ran %d README commands in %s:\n  %s", len(ran), work, strings.Join(ran, "\n  "))
	t.Logf("skipped %d:\n  %s", len(skipped), strings.Join(skipped, "\n  "))
	if sample == "" {
		t.Fatalf("the README no longer runs `make scenario NAME=burst`, whose output it shows")
	}
	checkSample(t, root, string(readme), sample)
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// needTools skips (fails under CI=true) when a tool is not installed.
func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed (CI=true)", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// shellCommands returns the command lines of the ```sh blocks of a Markdown text, in order,
// continuation lines (ending in \) joined, comments kept (the shell ignores them).
func shellCommands(md string) []string {
	var cmds []string
	in, cont := false, ""
	for _, line := range strings.Split(md, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case !in && trimmed == "```sh":
			in = true
		case in && trimmed == "```":
			in = false
		case in && strings.HasSuffix(trimmed, `\`):
			cont += strings.TrimSuffix(trimmed, `\`) + " "
		case in && trimmed != "":
			cmds = append(cmds, cont+trimmed)
			cont = ""
		}
	}
	return cmds
}

// runnable returns the shell line that runs a README command, or "" and why it is not run.
func runnable(t *testing.T, root, cmd string) (string, string) {
	t.Helper()
	switch {
	case strings.HasPrefix(cmd, "bin/throttlelab "):
		return cmd, ""
	case strings.HasPrefix(cmd, "make test"):
		return "", "the whole suite, which runs this test"
	case strings.HasPrefix(cmd, "make scenario "):
		return makeRecipe(t, root, cmd), ""
	}
	t.Errorf("README command %q: neither bin/throttlelab nor a make target this test knows; teach runnable about it", cmd)
	return "", "unknown"
}

// makeRecipe returns the bin/throttlelab line of a make target's recipe (make -n).
func makeRecipe(t *testing.T, root, cmd string) string {
	t.Helper()
	args := strings.Fields(strings.SplitN(cmd, "#", 2)[0])[1:]
	out, err := exec.Command("make", append([]string{"-n", "-C", root}, args...)...).Output()
	if err != nil {
		t.Fatalf("make -n %s: %v", strings.Join(args, " "), err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "./bin/throttlelab ") {
			return strings.TrimSpace(line)
		}
	}
	t.Fatalf("make -n %s runs no ./bin/throttlelab:\n%s", strings.Join(args, " "), out)
	return ""
}

var exitComment = regexp.MustCompile(`#.*\bexits? (\d+)`)

// expectedExit is the exit status a README command's comment names ("exits 99"), else 0.
func expectedExit(cmd string) int {
	if m := exitComment.FindStringSubmatch(cmd); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

// runREADMECommand runs line with bash in dir and checks its exit status; it returns stdout.
func runREADMECommand(t *testing.T, dir, line string, want int) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c := exec.CommandContext(ctx, "bash", "-c", line)
	c.Dir = dir
	var stdout, stderr strings.Builder
	c.Stdout, c.Stderr = &stdout, &stderr
	start := time.Now()
	err := c.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	if code != want {
		t.Errorf("README command %q: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", line, code, want, stdout.String(), stderr.String())
	}
	t.Logf("%s: exit %d in %s", line, code, time.Since(start).Round(100*time.Millisecond))
	return stdout.String()
}

// checkCommit checks that `version` names the commit of the checkout it was built from.
func checkCommit(t *testing.T, root, out string) {
	t.Helper()
	head, err := exec.Command("git", "-C", root, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Logf("not a git checkout (%v): the commit is not checked", err)
		return
	}
	if want := "  commit   " + strings.TrimSpace(string(head)); !strings.Contains(out, want) {
		t.Errorf("bin/throttlelab version does not say %q:\n%s", want, out)
	}
}

var runID = regexp.MustCompile(`results/burst/\d{8}-\d{6}-\d{3}`)

// checkSample compares the output of `bin/throttlelab run burst` (its run ID fixed) with the
// golden file and with the block the README shows after its "sample output" comment.
func checkSample(t *testing.T, root, readme, got string) {
	t.Helper()
	got = runID.ReplaceAllString(got, "results/burst/20260105-093000-123")
	golden := filepath.Join("testdata", "readme-run-burst.txt")
	start, end, ok := sampleBlock(readme)
	if !ok {
		t.Fatal("README.md has no ``` block after its <!-- sample output ... --> comment")
	}
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "README.md"), []byte(readme[:start]+got+readme[end:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("bin/throttlelab run burst printed\n%s\nthe golden file %s holds\n%s\n(-update rewrites it and the README)", got, golden, want)
	}
	if readme[start:end] != string(want) {
		t.Errorf("README.md's sample output differs from %s (-update rewrites it):\n%s", golden, readme[start:end])
	}
}

// sampleBlock returns the byte range of the contents of the ``` block that follows the
// README's "<!-- sample output" comment.
func sampleBlock(readme string) (int, int, bool) {
	i := strings.Index(readme, "<!-- sample output")
	if i < 0 {
		return 0, 0, false
	}
	open := strings.Index(readme[i:], "\n```\n")
	if open < 0 {
		return 0, 0, false
	}
	start := i + open + len("\n```\n")
	end := strings.Index(readme[start:], "```\n")
	if end < 0 {
		return 0, 0, false
	}
	return start, start + end, true
}
