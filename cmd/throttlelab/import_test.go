package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/throttlelab/throttlelab/cfnimport"
	"github.com/throttlelab/throttlelab/scenarios"
)

// importFixtures are the importer's test templates (cfnimport/testdata): each file at the top
// of testdata, and the templates of its directories.
func importFixtures(t *testing.T) []string {
	t.Helper()
	const dir = "../../cfnimport/testdata"
	var roots []string
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		if st, err := os.Stat(f); err == nil && !st.IsDir() {
			roots = append(roots, f)
		}
	}
	for _, f := range []string{"http-sqs-include/template.yaml", "task-token/template.yaml", "cfn-nested/template.yaml", "saas-nested/bootstrap-template.yaml"} {
		roots = append(roots, filepath.Join(dir, f))
	}
	if len(roots) < 15 {
		t.Fatalf("found %d fixtures in %s, want the importer's", len(roots), dir)
	}
	return roots
}

// `throttlelab import T > NAME.yaml` then `throttlelab validate NAME.yaml` passes for every
// fixture. NAME is the template's base name, which import writes as the scenario's name
// (while a scenario's name must match its file's).
func TestImportThenValidateEveryFixture(t *testing.T) {
	dir := t.TempDir()
	for _, tpl := range importFixtures(t) {
		code, stdout, stderr := cli(t, "import", tpl)
		if code != exitOK {
			t.Errorf("import %s exited %d: %s", tpl, code, stderr)
			continue
		}
		out := writeFile(t, dir, cfnimport.DefaultName(tpl)+".yaml", stdout)
		if code, _, stderr := cli(t, "validate", out); code != exitOK {
			t.Errorf("validate of the import of %s exited %d:\n%s", tpl, code, stderr)
		}
	}
}

// import --out FILE names the scenario after FILE and records the template relative to FILE's
// directory, with the --param values.
func TestImportOutAndParams(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "scenarios", "orders.yaml")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	tpl := "../../cfnimport/testdata/http-params.yaml"
	code, stdout, stderr := cli(t, "import", "--out", out, "--param", "QueueName=orders", tpl, "--param", "ApiGatewayName=api")
	if code != exitOK {
		t.Fatalf("import exited %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "wrote "+out+": scenario orders") {
		t.Errorf("stdout = %q", stdout)
	}
	sc, err := scenarios.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(tpl)
	if got := filepath.Join(filepath.Dir(out), sc.Origin.Template); got != abs {
		t.Errorf("source.template %q resolves to %s, want %s", sc.Origin.Template, got, abs)
	}
	if sc.Origin.Params["QueueName"] != "orders" || sc.Queues[0].Name != "orders" {
		t.Errorf("source.params %v queues %+v, want QueueName orders", sc.Origin.Params, sc.Queues)
	}
	for args, want := range map[string]string{
		"--param QueueName":              "want NAME=VALUE",
		"--param A=1 --param A=2":        "parameter A given twice",
		"--param Nope=1":                 "the template has no parameter Nope",
		"--param QueueName=a extra.yaml": "name one CloudFormation or SAM template",
	} {
		code, _, stderr := cli(t, append(append([]string{"import"}, strings.Fields(args)...), tpl)...)
		if code == exitOK || !strings.Contains(stderr, want) {
			t.Errorf("import %s: exit %d, stderr %q, want an error saying %q", args, code, stderr, want)
		}
	}
}
