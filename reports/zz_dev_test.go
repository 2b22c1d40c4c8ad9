package reports

import (
	"os"
	"strings"
	"testing"
)

func TestDevRenderDirs(t *testing.T) {
	dirs := os.Getenv("DEV_RENDER_DIRS")
	if dirs == "" {
		t.Skip()
	}
	for _, d := range strings.Fields(dirs) {
		if err := RenderDir(d); err != nil {
			t.Fatal(d, err)
		}
	}
}
