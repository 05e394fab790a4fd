package rpc

import (
	"net/http"
	"net/url"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/weburl"
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

// pageOrigin is the origin of the page a browser call comes from, as
// pageHost finds it; "" when the call names none.
func pageOrigin(r *http.Request) string {
	if v := r.Header.Get("Origin"); v != "" {
		return weburl.Origin(v)
	}
	return weburl.Origin(r.Header.Get("Referer"))
}

// hostedMethods are the methods the hosted login page (custos's Web SDK
// showing a screen-set on custos's own origin) calls: the only ones a page
// of that origin may call for any site. The exception is safe because no
// page of custos's origin runs a site's code (the hosted login page's CSP
// names its two scripts; app.New refuses a PublicURL without an origin).
// It assumes custos has an origin of its own: deployed under a path of a
// site's origin, that site's pages would be custos's pages too.
var hostedMethods = map[string]bool{
	"accounts.login": true, "accounts.logout": true, "accounts.register": true, "accounts.initRegistration": true,
	"accounts.finalizeRegistration": true, "accounts.getAccountInfo": true, "accounts.setAccountInfo": true,
	"accounts.resetPassword": true, "accounts.verifyLogin": true, "accounts.session.verify": true,
	"accounts.getJWT": true, "accounts.getSchema": true, "accounts.getPolicies": true, "accounts.getScreenSets": true,
	"accounts.isAvailableLoginID": true, "accounts.resendVerificationCode": true,
	"socialize.getUserInfo": true, "socialize.logout": true,
}

// checkOrigin applies the site's domains to a client call of method: 400120
// for a page outside them, 403015 without a page when the site requires
// one. A page of custos's own origin, self, is one of custos's hosted pages
// for the site (the hosted login page), allowed whatever the site's domains
// for the methods that page calls (hostedMethods).
func checkOrigin(r *http.Request, st site.Site, self, method string) error {
	host, named := pageHost(r)
	switch {
	case !named && st.RequireReferrer:
		return errcode.New(errcode.MissingRequestReferrer, "Missing request referrer: the site accepts calls from its pages only")
	case named && self != "" && pageOrigin(r) == self && hostedMethods[method]:
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
