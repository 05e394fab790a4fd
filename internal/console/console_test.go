package console_test

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/custos-id/custos/internal/console"
)

func get(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestServesTheFiles(t *testing.T) {
	h := console.Handler()
	for _, c := range []struct{ path, ctype, contains string }{
		{"/console/", "text/html; charset=utf-8", `<script type="module" src="js/app.js">`},
		{"/console/console.css", "text/css; charset=utf-8", "--custos-accent"},
		{"/console/js/app.js", "text/javascript; charset=utf-8", "ROUTES"},
		{"/console/js/pages/login.js", "text/javascript; charset=utf-8", "/session/totp"},
	} {
		w := get(t, h, "GET", c.path, nil)
		if w.Code != 200 || w.Header().Get("Content-Type") != c.ctype || !strings.Contains(w.Body.String(), c.contains) {
			t.Fatalf("GET %s: %d %q, body without %q", c.path, w.Code, w.Header().Get("Content-Type"), c.contains)
		}
		for k, want := range map[string]string{"Content-Security-Policy": console.CSP, "Cache-Control": "no-cache",
			"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
			if got := w.Header().Get(k); got != want {
				t.Errorf("GET %s: %s = %q, want %q", c.path, k, got, want)
			}
		}
		etag := w.Header().Get("ETag")
		if !regexp.MustCompile(`^"[0-9a-f]{24}"$`).MatchString(etag) {
			t.Fatalf("GET %s: ETag %q", c.path, etag)
		}
		if w := get(t, h, "GET", c.path, map[string]string{"If-None-Match": etag}); w.Code != http.StatusNotModified || w.Body.Len() != 0 {
			t.Errorf("GET %s with its ETag: %d, %d bytes; want 304 and none", c.path, w.Code, w.Body.Len())
		}
		if w := get(t, h, "HEAD", c.path, nil); w.Code != 200 {
			t.Errorf("HEAD %s: %d", c.path, w.Code)
		}
	}
	if !strings.Contains(console.CSP, "default-src 'none'") || strings.Contains(console.CSP, "unsafe") {
		t.Fatalf("CSP %q", console.CSP)
	}
}

func TestRefuses(t *testing.T) {
	h := console.Handler()
	if w := get(t, h, "GET", "/console", nil); w.Code != http.StatusMovedPermanently || w.Header().Get("Location") != "/console/" {
		t.Errorf("GET /console: %d %q", w.Code, w.Header().Get("Location"))
	}
	for _, p := range []string{"/console/index.html", "/console/nope.js", "/console/js/", "/console/static/console.css", "/consolex"} {
		if w := get(t, h, "GET", p, nil); w.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, w.Code)
		}
	}
	for _, m := range []string{"POST", "PUT", "DELETE"} {
		w := get(t, h, m, "/console/", nil)
		if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" ||
			w.Header().Get("Content-Security-Policy") != console.CSP {
			t.Errorf("%s /console/: %d %v", m, w.Code, w.Header())
		}
	}
}

// The files keep to what the CSP allows and the console promises: no
// inline script or style, no style attribute, no markup built from
// strings, no request to another origin; every module import names a file
// that is served; every page of the router exists; and they stay small.
func TestTheFilesKeepTheRules(t *testing.T) {
	root := "static"
	files := map[string]string{}
	total := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		total += len(b)
		files[filepath.ToSlash(strings.TrimPrefix(p, root+string(filepath.Separator)))] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if total > 160<<10 {
		t.Errorf("the console's files are %d bytes: keep them under 160 KiB", total)
	}
	html := files["index.html"]
	if regexp.MustCompile(`<script(?:\s[^>]*)?>[^<]|<style|\sstyle=|\son[a-z]+=`).MatchString(html) {
		t.Error("index.html has inline script, style or handlers: the CSP refuses them")
	}
	banned := regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|setAttribute\('style'|https?://[^\s'"]+`)
	imports := regexp.MustCompile(`(?m)^import [^;]*? from '([^']+)';|import\('([^']+)'\)`)
	for name, src := range files {
		if !strings.HasSuffix(name, ".js") {
			continue
		}
		for _, m := range banned.FindAllString(src, -1) {
			if strings.HasPrefix(m, "http") && strings.Contains(m, "github.com/custos-id/custos") {
				continue // a documentation link the admin follows
			}
			if strings.HasPrefix(m, "http://www.w3.org/") {
				continue // the SVG namespace
			}
			t.Errorf("%s: %q", name, m)
		}
		for _, m := range imports.FindAllStringSubmatch(src, -1) {
			target := m[1] + m[2]
			if strings.Contains(target, "${") {
				continue // the router's pages: below
			}
			if _, ok := files[path.Join(path.Dir(name), target)]; !ok {
				t.Errorf("%s imports %s: no such file", name, target)
			}
		}
	}
	for _, m := range regexp.MustCompile(`\['/[^']*', '([a-z]+)'`).FindAllStringSubmatch(files["js/app.js"], -1) {
		if _, ok := files["js/pages/"+m[1]+".js"]; !ok {
			t.Errorf("the route to %s: js/pages/%s.js is missing", m[1], m[1])
		}
	}
	for name, src := range files {
		if strings.HasPrefix(name, "js/pages/") && !strings.Contains(src, "export async function render(") {
			t.Errorf("%s exports no render", name)
		}
	}
}
