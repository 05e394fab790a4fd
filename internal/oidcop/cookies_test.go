package oidcop

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/custos-id/custos/internal/callctx"
)

// TestCookieAttributes: over HTTPS the provider's cookies take the
// __Host- prefix (and so Path=/); over plain HTTP, which the router's
// loopback tests never see, they are limited to the site's issuer path,
// below PublicURL's own path.
func TestCookieAttributes(t *testing.T) {
	p := &Provider{o: Options{PublicURL: "http://custos.test/id"}}
	for _, tc := range []struct {
		secure     bool
		name, path string
	}{
		{true, "__Host-custos-sso-k", "/"},
		{false, "custos-sso-k", "/id/oidc/op/v1.0/k"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r = r.WithContext(callctx.With(r.Context(), &callctx.Info{Secure: tc.secure}))
		c := p.cookie(r, "k", ssoName("k"), "v")
		if c.Name != tc.name || c.Path != tc.path || c.Secure != tc.secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Domain != "" {
			t.Errorf("secure %v: %+v", tc.secure, c)
		}
		r.AddCookie(&http.Cookie{Name: tc.name, Value: "v"})
		if got := p.cookieValue(r, ssoName("k")); got != "v" {
			t.Errorf("secure %v: read %q", tc.secure, got)
		}
	}
}
