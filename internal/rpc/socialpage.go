package rpc

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/custos-id/custos/internal/callctx"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/weburl"
)

// The completion page of the Web SDK's popup flow: the popup's
// redirect_uri. The flow ends there with its result in the fragment, which
// the page's script posts to the window that opened the popup, at the
// exact origin the page was given, and only when that origin is one of the
// site's pages (or custos's own); then the popup closes.
const (
	SocialDonePath   = "/socialize.login/done"
	SocialDoneScript = "/socialize.login/done.js"
)

// SocialDonePage serves the completion page: GET
// SocialDonePath?apiKey=<site>&origin=<the opener's origin>.
func SocialDonePage(sites Sites, publicURL string) http.Handler {
	self := weburl.Origin(publicURL)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := callctx.From(r.Context())
		info.Dialect, info.Method = "rpc", "socialize.login/done"
		q := r.URL.Query()
		origin, err := openerOrigin(r, sites, self, q.Get("apiKey"), q.Get("origin"))
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; script-src "+self+SocialDoneScript+"; base-uri 'none'; form-action 'none'")
		h.Set("Content-Type", "text/html; charset=utf-8")
		status := http.StatusOK
		if err != nil {
			status, origin = http.StatusBadRequest, ""
		}
		w.WriteHeader(status)
		donePage.Execute(w, struct{ Origin, Script string }{origin, SocialDoneScript})
	})
}

// openerOrigin checks the origin the result goes to (checkOpener) for the
// site of apiKey.
func openerOrigin(r *http.Request, sites Sites, self, apiKey, origin string) (string, error) {
	if apiKey == "" {
		return "", errors.New("apiKey is required")
	}
	st, err := sites.ByAPIKey(r.Context(), apiKey)
	if err != nil {
		return "", err
	}
	return checkOpener(st, self, origin)
}

// checkOpener checks the origin a completion page posts the result to: an
// origin of one of the site's domains (which it must list; over HTTPS but
// on loopback hosts), or custos's own.
func checkOpener(st site.Site, self, origin string) (string, error) {
	if origin == "" || len(origin) > 300 {
		return "", errors.New("origin: required, up to 300 bytes")
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil || u.Scheme != "https" && u.Scheme != "http" {
		return "", errors.New("origin: not scheme://host[:port]")
	}
	o := strings.ToLower(u.Scheme + "://" + u.Host)
	switch {
	case o == self:
		return o, nil
	case len(st.Domains) == 0 || !st.AllowsOrigin(u.Hostname()):
		return "", errors.New("origin: not a domain of the site")
	case u.Scheme == "http" && !loopbackHost(u.Hostname()):
		return "", errors.New("origin: plain http is for loopback hosts only")
	}
	return o, nil
}

var donePage = template.Must(template.New("done").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Signing in…</title></head>
<body><p id="custos-social" data-origin="{{.Origin}}">{{if .Origin}}Signing in…{{else}}This sign-in cannot return to the page that started it.{{end}}</p>
<script src="{{.Script}}"></script></body></html>
`))

// SocialDoneJS serves the completion page's script.
func SocialDoneJS() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/javascript; charset=utf-8")
		h.Set("Cache-Control", "public, max-age=3600")
		h.Set("X-Content-Type-Options", "nosniff")
		w.Write([]byte(doneJS))
	})
}

// doneJS posts the fragment to the opener at the page's origin, and takes
// the fragment out of the address first (it holds a session token).
const doneJS = `(function () {
  'use strict';
  var el = document.getElementById('custos-social');
  var origin = el && el.getAttribute('data-origin');
  var result = location.hash.replace(/^#/, '');
  try { history.replaceState(null, '', location.pathname + location.search); } catch (e) { /* keep going */ }
  if (!origin) return;
  if (!window.opener) {
    el.textContent = 'The page that started this sign-in is gone. Close this window and try again.';
    return;
  }
  window.opener.postMessage({ custosSocialLogin: result }, origin);
  window.close();
})();
`
