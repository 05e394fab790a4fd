// Package console is custos's admin console: a few static files (one HTML
// page, one stylesheet, plain JavaScript ES modules with no build step and
// no dependencies) served at /console/. Everything it shows it reads from
// the admin API (/admin/api/v1/…, internal/adminapi), as the signed-in
// admin, in the browser; this package only serves the files.
//
// Every answer carries a strict Content-Security-Policy (scripts, styles,
// fetches and form posts only from custos's own origin, no framing, no
// inline code) and an ETag of the file's content with Cache-Control:
// no-cache, so that a browser revalidates and a new release is picked up at
// once while an unchanged file costs a 304.
package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// Prefix is the console's path.
const Prefix = "/console/"

// CSP is the console's Content-Security-Policy. style-src 'self' also
// forbids style attributes: the console styles through console.css and the
// CSSOM only.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

//go:embed static
var static embed.FS

// file is one served file.
type file struct {
	data        []byte
	contentType string
	etag        string
}

// Handler serves the console's files under Prefix: GET and HEAD only; the
// page itself at Prefix (and for Prefix without its slash, a redirect).
func Handler() http.Handler {
	files := map[string]file{}
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := static.ReadFile(p)
		if err != nil {
			return err
		}
		ct := mime.TypeByExtension(path.Ext(p))
		switch path.Ext(p) {
		case ".js":
			ct = "text/javascript; charset=utf-8"
		case ".css":
			ct = "text/css; charset=utf-8"
		case ".html":
			ct = "text/html; charset=utf-8"
		case ".svg":
			ct = "image/svg+xml"
		}
		sum := sha256.Sum256(data)
		files[strings.TrimPrefix(p, "static/")] = file{data: data, contentType: ct,
			etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
		return nil
	})
	if err != nil {
		panic("console: the embedded files: " + err.Error()) // the build embeds them: cannot happen
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if r.URL.Path == strings.TrimSuffix(Prefix, "/") {
			http.Redirect(w, r, Prefix, http.StatusMovedPermanently)
			return
		}
		name, ok := strings.CutPrefix(r.URL.Path, Prefix)
		if !ok {
			http.NotFound(w, r)
			return
		}
		if name == "" {
			name = "index.html"
		}
		f, ok := files[name]
		if !ok || name == "index.html" && r.URL.Path != Prefix {
			http.NotFound(w, r)
			return
		}
		h.Set("Content-Type", f.contentType)
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", f.etag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.data))
	})
}
