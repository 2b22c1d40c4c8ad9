package envs

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ModulePath is the module whose source tree the containers environment builds from.
const ModulePath = "github.com/throttlelab/throttlelab"

// ErrNoSourceTree is returned (wrapped) when the working directory is not inside the source
// tree of ModulePath: the fake API image and the .tools emulators live there.
var ErrNoSourceTree = errors.New("source tree not available")

// ModuleRoot returns the root of throttlelab's source tree: the nearest directory, from the
// working directory up, whose go.mod declares ModulePath.
func ModuleRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find source tree: %w", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && modulePath(data) == ModulePath {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			break
		}
	}
	return "", fmt.Errorf("%w: no go.mod of %s in %s or above it; run from a checkout of throttlelab",
		ErrNoSourceTree, ModulePath, wd)
}

// modulePath returns the module path a go.mod declares, or "".
func modulePath(gomod []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module"); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}
