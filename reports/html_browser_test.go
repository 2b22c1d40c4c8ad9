package reports

import (
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// chromium returns a headless-capable Chromium, or "" when none is installed.
func chromium() string {
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestReportRendersInChromium opens report.html in headless Chromium, without network, and
// checks in a screenshot that the first chart was drawn: its offered line's blue is there.
func TestReportRendersInChromium(t *testing.T) {
	bin := chromium()
	if bin == "" {
		t.Skip("no headless Chromium (/usr/bin/chromium): the report's rendering in a browser is not checked")
	}
	if testing.Short() {
		t.Skip("-short: not starting a browser")
	}
	dir := t.TempDir()
	if err := Render(dir, goldenInput(t)); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "shot.png")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--disable-gpu", "--no-sandbox",
		"--hide-scrollbars", "--proxy-server=127.0.0.1:9", "--window-size=1100,2600",
		"--screenshot="+shot, "file://"+filepath.Join(dir, "report.html"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	blue := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if chromiumNear(r>>8, 0x4e) && chromiumNear(g>>8, 0x79) && chromiumNear(bl>>8, 0xa7) {
				blue++
			}
		}
	}
	if blue < 300 {
		t.Errorf("the screenshot has %d pixels of the charts' blue: the inline SVG charts did not render", blue)
	}
}

func chromiumNear(v, want uint32) bool { return v+12 >= want && v <= want+12 }
