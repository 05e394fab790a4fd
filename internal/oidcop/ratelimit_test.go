package oidcop_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/app"
)

// TestRateLimit: the provider's endpoints count against the client's
// rate limit per site (M5): over it, a browser endpoint answers the error
// page of 403048 and an API endpoint the JSON error, both with
// Retry-After; discovery and the keys do not count.
func TestRateLimit(t *testing.T) {
	// One request an hour, no burst.
	tiny := func(o *app.Options) { o.RateLimit, o.RateBurst = 1.0/3600, 1 }
	forEachEngineWith(t, tiny, func(t *testing.T, e *env) {
		for _, tc := range []struct {
			method, endpoint string
			form             url.Values
			browser          bool
		}{
			{http.MethodGet, "authorize", url.Values{"client_id": {"x"}}, true},
			{http.MethodGet, "authorize/continue", url.Values{"context": {"x"}}, true},
			{http.MethodGet, "login", url.Values{"context": {"x"}}, true},
			{http.MethodPost, "consent", url.Values{"context": {"x"}}, true},
			{http.MethodPost, "token", url.Values{"grant_type": {"client_credentials"}, "client_id": {"x"}, "client_secret": {"y"}}, false},
			{http.MethodPost, "introspect", url.Values{"token": {"x"}, "client_id": {"x"}, "client_secret": {"y"}}, false},
			{http.MethodPost, "revoke", url.Values{"token": {"x"}, "client_id": {"x"}, "client_secret": {"y"}}, false},
			{http.MethodGet, "userinfo", nil, false},
		} {
			t.Run(tc.endpoint, func(t *testing.T) {
				e.clock.advance(time.Hour) // a request's worth
				for _, free := range []string{".well-known/openid-configuration", "jwks"} {
					if r := e.op(t, http.MethodGet, free, nil, nil); r.status != http.StatusOK {
						t.Fatalf("%s: HTTP %d", free, r.status)
					}
				}
				if r := e.op(t, tc.method, tc.endpoint, tc.form, nil); r.status == http.StatusForbidden {
					t.Fatalf("the first request: HTTP %d %s", r.status, r.body)
				}
				r := e.op(t, tc.method, tc.endpoint, tc.form, nil)
				if r.header.Get("Retry-After") == "" {
					t.Errorf("no Retry-After: %v", r.header)
				}
				if tc.browser {
					wantErrorPage(t, r, errcode.APIRateLimitExceeded)
					return
				}
				wantJSONError(t, r, http.StatusForbidden, "temporarily_unavailable", errcode.APIRateLimitExceeded)
			})
		}
	})
}
