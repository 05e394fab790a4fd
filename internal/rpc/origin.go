package rpc

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/site"
)

// pageHost is the host of the page a browser call comes from: its Origin,
// else its Referer; "" when the call names none (a server, an app).
func pageHost(r *http.Request) (host string, named bool) {
	for _, h := range []string{"Origin", "Referer"} {
		if v := r.Header.Get(h); v != "" {
			u, err := url.Parse(v)
			if err != nil || u.Host == "" {
				return "", true // named, but no host: matches no domain
			}
			return u.Hostname(), true
		}
	}
	return "", false
}

// originOf is the origin of an absolute URL, lower-cased: scheme://host[:port];
// "" when u has none.
func originOf(u string) string {
	parsed, err := url.Parse(u)
	if err != nil || parsed.Scheme == "" || parsed.Host == "" {
		return ""
	}
	return strings.ToLower(parsed.Scheme + "://" + parsed.Host)
}

// pageOrigin is the origin of the page a browser call comes from, as
// pageHost finds it; "" when the call names none.
func pageOrigin(r *http.Request) string {
	if v := r.Header.Get("Origin"); v != "" {
		return originOf(v)
	}
	return originOf(r.Header.Get("Referer"))
}

// checkOrigin applies the site's domains to a client call: 400120 for a
// page outside them, 403015 without a page when the site requires one. A
// page of custos's own origin, self, is one of custos's hosted pages for
// the site (the hosted login page), allowed whatever the site's domains.
func checkOrigin(r *http.Request, st site.Site, self string) error {
	host, named := pageHost(r)
	switch {
	case !named && st.RequireReferrer:
		return errcode.New(errcode.MissingRequestReferrer, "Missing request referrer: the site accepts calls from its pages only")
	case named && self != "" && pageOrigin(r) == self:
		return nil
	case named && !st.AllowsOrigin(host):
		return errcode.Newf(errcode.InvalidSiteDomain, "Invalid site domain: %.100q is not a domain of the site", host)
	}
	return nil
}

// allowCORS lets the page of r read the response when the site lists its
// domain: CORS is granted to listed domains only, never to any origin.
func allowCORS(w http.ResponseWriter, r *http.Request, st site.Site) {
	origin := r.Header.Get("Origin")
	host, named := pageHost(r)
	if origin == "" || !named || len(st.Domains) == 0 || !st.AllowsOrigin(host) {
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Credentials", "true")
	h.Add("Vary", "Origin")
}

// allowSiteless lets any page read an answer that names no site: an
// unknown apiKey (400093), a missing one, a malformed request, or a keyless
// method's public answer. Such an answer holds nothing of a site or an
// account, and without it a page's Web SDK would see a network failure
// instead of the error. A keyless call never sets cookies.
func allowSiteless(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Credentials", "true")
	h.Add("Vary", "Origin")
}

// preflight answers a CORS preflight: the site is the apiKey of its query.
func (h *Handler) preflight(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Vary", "Origin")
	if key := r.URL.Query().Get("apiKey"); key != "" {
		if st, err := h.sites.ByAPIKey(r.Context(), key); err == nil {
			allowCORS(w, r, st)
			if w.Header().Get("Access-Control-Allow-Origin") != "" {
				w.Header().Set("Access-Control-Allow-Methods", "GET, POST")
				w.Header().Set("Access-Control-Allow-Headers", "Content-Type, Authorization")
				w.Header().Set("Access-Control-Max-Age", "600")
			}
		}
	}
	w.WriteHeader(http.StatusNoContent)
}
