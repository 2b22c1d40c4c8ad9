package reports

import (
	"context"
	"encoding/json"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
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

// needChromium returns the browser to test with. Without one the test fails under CI=true
// (scripts/tools.sh installs Debian's chromium) and skips elsewhere, saying why.
func needChromium(t *testing.T) string {
	t.Helper()
	bin := chromium()
	if bin == "" {
		const why = "no headless Chromium (/usr/bin/chromium; make tools installs Debian's chromium): the report's rendering in a browser is not checked"
		if os.Getenv("CI") == "true" {
			t.Fatal(why)
		}
		t.Skip(why)
	}
	if testing.Short() {
		t.Skip("-short: not starting a browser")
	}
	return bin
}

// runChromium runs headless Chromium, without network, on a page with a window width×height
// px and the extra arguments, and returns its standard output.
func runChromium(t *testing.T, bin, page string, width, height int, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	all := append([]string{"--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars",
		"--proxy-server=127.0.0.1:9", "--window-size=" + strconv.Itoa(width) + "," + strconv.Itoa(height)}, args...)
	cmd := exec.CommandContext(ctx, bin, append(all, "file://"+page)...)
	var out, errs strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errs
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, errs.String())
	}
	return []byte(out.String())
}

// TestReportRendersInChromium opens report.html in headless Chromium, without network, and
// checks in a screenshot that the first chart was drawn: its offered line's blue is there.
func TestReportRendersInChromium(t *testing.T) {
	bin := needChromium(t)
	dir := t.TempDir()
	if err := Render(dir, goldenInput(t)); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "shot.png")
	runChromium(t, bin, filepath.Join(dir, "report.html"), 1100, 2600, "--screenshot="+shot)
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

// layoutScript measures the page once laid out and writes what it found, as JSON, into a
// <pre id="layout"> that --dump-dom prints: the viewport's and the page's widths, the
// per-client table's last header cell and its scrolling container, the first "what to
// change" item, and every text that overflows its box (cells, paragraphs, list items,
// headings, captions, and the charts' SVG texts beyond their chart).
const layoutScript = `<script>
(function () {
  var out = {viewport: document.documentElement.clientWidth, page: document.documentElement.scrollWidth, overflows: []};
  var t = document.getElementById("client-table");
  if (t) {
    var wrap = t.parentElement;
    out.lastColumn = t.querySelector("thead th:last-child").textContent;
    out.lastRight = t.querySelector("thead th:last-child").getBoundingClientRect().right;
    out.wrapRight = wrap.getBoundingClientRect().right;
    out.wrapScroll = wrap.scrollWidth - wrap.clientWidth;
  }
  var change = document.querySelector("#findings ~ ul.changes li");
  out.change = change ? change.textContent : "";
  out.changesHeading = !!document.querySelector("#findings ~ h3#changes");
  document.querySelectorAll("td, th, li, p, h1, h2, h3, figcaption").forEach(function (el) {
    if (el.scrollWidth > el.clientWidth + 1) out.overflows.push(el.tagName + ": " + el.textContent.slice(0, 80));
  });
  document.querySelectorAll("svg.chart").forEach(function (svg) {
    var b = svg.getBoundingClientRect();
    svg.querySelectorAll("text").forEach(function (tx) {
      var r = tx.getBoundingClientRect();
      if (r.width > 0 && (r.right > b.right + 1 || r.left < b.left - 1)) out.overflows.push("chart text: " + tx.textContent);
    });
  });
  var pre = document.createElement("pre");
  pre.id = "layout";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>`

// browserLayout is what layoutScript reports.
type browserLayout struct {
	Viewport, Page float64
	LastColumn     string
	LastRight      float64
	WrapRight      float64
	WrapScroll     float64
	Change         string
	ChangesHeading bool
	Overflows      []string
}

var layoutPre = regexp.MustCompile(`(?s)<pre id="layout">(.*?)</pre>`)

// TestReportFitsTheWindowInChromium lays a report out in headless Chromium at 1280 px wide, a
// common laptop window, with four clients of long names and seven-digit counts: the
// per-client table's last column (e2e p99 and the columns after it) must be visible without
// scrolling, no text may overflow its box or its chart, and the findings must say what to
// change for this throttled run. A screenshot is left in the test's directory.
func TestReportFitsTheWindowInChromium(t *testing.T) {
	bin := needChromium(t)
	dir := t.TempDir()
	if err := Render(dir, wideInput(t)); err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	probe := filepath.Join(dir, "probe.html")
	if err := os.WriteFile(probe, []byte(strings.Replace(string(html), "</body>", layoutScript+"</body>", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	m := layoutPre.FindSubmatch(runChromium(t, bin, probe, 1280, 2000, "--dump-dom"))
	if m == nil {
		t.Fatal("chromium's DOM has no layout measurements: the probe script did not run")
	}
	var l browserLayout
	if err := json.Unmarshal([]byte(unescapeHTML(string(m[1]))), &l); err != nil {
		t.Fatalf("layout %s: %v", m[1], err)
	}
	if l.Viewport != 1280 || l.Page > l.Viewport {
		t.Errorf("the page is %v px wide in a %v px viewport, want 1280 and no wider", l.Page, l.Viewport)
	}
	if l.LastColumn != "queue wait p99" || l.LastRight > l.WrapRight+0.5 || l.LastRight > l.Viewport || l.WrapScroll > 0 {
		t.Errorf("the per-client table's last column %q ends at %v px, its container at %v px (scrolls %v px): not all visible",
			l.LastColumn, l.LastRight, l.WrapRight, l.WrapScroll)
	}
	if !l.ChangesHeading || !strings.Contains(l.Change, "To admit every request offered, the stage throttle on POST / (100/s, burst 100)") {
		t.Errorf("the findings have no \"what to change\" item for the throttled run: %q", l.Change)
	}
	for _, o := range l.Overflows {
		t.Errorf("text overflows its box: %s", o)
	}
	runChromium(t, bin, filepath.Join(dir, "report.html"), 1280, 8400, "--screenshot="+filepath.Join(dir, "shot-1280.png"))
	if keep := os.Getenv("THROTTLELAB_KEEP_SHOT"); keep != "" {
		b, _ := os.ReadFile(filepath.Join(dir, "shot-1280.png"))
		if err := os.WriteFile(keep, b, 0o644); err != nil {
			t.Error(err)
		}
	}
}

// unescapeHTML undoes the escaping --dump-dom applies to a <pre>'s text.
func unescapeHTML(s string) string {
	return strings.NewReplacer("&quot;", `"`, "&lt;", "<", "&gt;", ">", "&#39;", "'", "&amp;", "&").Replace(s)
}

// wideInput is the golden input with the report's widest per-client table: four clients with
// long names and seven-digit counts.
func wideInput(t *testing.T) Input {
	t.Helper()
	in := goldenInput(t)
	names := map[string]string{"acme": "premium-tier-partner", "bulk": "basic-tier-batch-jobs"}
	for i, c := range in.Scenario.Clients {
		in.Scenario.Clients[i].Name = names[c.Name]
	}
	for i, col := range in.Series.Columns {
		for old, name := range names {
			in.Series.Columns[i] = strings.Replace(col, "client."+old+".", "client."+name+".", 1)
			col = in.Series.Columns[i]
		}
	}
	pc := map[string]map[string]float64{}
	for old, name := range names {
		m := map[string]float64{}
		for k, v := range in.Summary.PerClient[old] {
			if !strings.Contains(k, "seconds") {
				v *= 1234
			}
			m[k] = v
		}
		pc[name] = m
	}
	for _, extra := range []string{"free-tier-evaluation", "anonymous-no-api-key"} {
		in.Scenario.Clients = append(in.Scenario.Clients, in.Scenario.Clients[1])
		in.Scenario.Clients[len(in.Scenario.Clients)-1].Name = extra
		pc[extra] = pc["basic-tier-batch-jobs"]
	}
	in.Summary.PerClient = pc
	lq := *in.Summary.Latency
	lq.PerClient = map[string][]float64{}
	for _, c := range in.Scenario.Clients {
		lq.PerClient[c.Name] = in.Summary.Latency.PerClient["bulk"]
	}
	lq.PerClient["premium-tier-partner"] = in.Summary.Latency.PerClient["acme"]
	in.Summary.Latency = &lq
	return in
}
