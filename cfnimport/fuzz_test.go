package cfnimport

import (
	"testing"

	"github.com/throttlelab/throttlelab/scenarios"
)

// FuzzImport feeds arbitrary bytes to the template importer as YAML and as JSON: it returns a
// scenario or an error, never panics, and what it returns decodes (LoadBytes may find it
// invalid, but must not panic either). The seed corpus in testdata/fuzz/FuzzImport holds the
// templates of testdata/ and a few broken ones.
func FuzzImport(f *testing.F) {
	f.Add([]byte("Resources:\n  Api:\n    Type: AWS::ApiGateway::RestApi\n"), false)
	f.Add([]byte(`{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": "x"}}}}`), true)
	f.Add([]byte("Resources: !Ref X\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, asJSON bool) {
		file := "fuzz.yaml"
		if asJSON {
			file = "fuzz.json"
		}
		res, err := Import(file, data, Options{})
		if (res == nil) == (err == nil) {
			t.Fatalf("Import returned result %v and error %v: want exactly one", res != nil, err)
		}
		if res != nil {
			if len(res.YAML) == 0 || res.Name == "" {
				t.Fatalf("an empty result: name %q, %d bytes", res.Name, len(res.YAML))
			}
			_, _ = scenarios.LoadBytes(res.Name+".yaml", res.YAML)
		}
	})
}
