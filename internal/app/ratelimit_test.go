package app_test

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/app"
	"github.com/custos-id/custos/internal/rest"
	"github.com/custos-id/custos/internal/store"
)

// Each client address gets RateLimit requests a second per site, in bursts
// of RateBurst; past it 403048 with Retry-After, in both dialects.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	e := apitest.NewApp(t, store.SQLite, apitest.WithServerDefaults(), apitest.WithSite("limited"),
		apitest.WithOptions(func(o *app.Options) {
			o.RateLimit, o.RateBurst = 1, 2
			o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
		}))
	e.Header = http.Header{"X-Forwarded-Proto": {"https"}}
	st := e.Site
	rpc := func(client string) apitest.Response {
		form := url.Values{"apiKey": {st.APIKey}, "loginID": {"x@example.com"}}
		return e.Do(t, "POST", "/accounts.isAvailableLoginID", strings.NewReader(form.Encode()),
			http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "X-Forwarded-For": {client}})
	}
	for i := range 2 {
		if m := rpc("198.51.100.1").JSON(t); m["errorCode"] != 0.0 {
			t.Fatalf("request %d of the burst: %v", i, m)
		}
	}
	r := rpc("198.51.100.1")
	m := r.JSON(t)
	if m["errorCode"] != 403048.0 || m["statusCode"] != 403.0 || m["errorMessage"] != "API Rate Limit Exceeded" ||
		r.Header.Get("Retry-After") != "1" {
		t.Fatalf("over the rate: %v, Retry-After %q", m, r.Header.Get("Retry-After"))
	}
	if m := rpc("198.51.100.2").JSON(t); m["errorCode"] != 0.0 {
		t.Fatalf("another address was limited: %v", m)
	}

	hdr := http.Header{"Authorization": {e.Basic()}, "X-Forwarded-For": {"198.51.100.3"}}
	var last apitest.Response
	for range 3 {
		last = e.Do(t, "GET", rest.Prefix+"/users/find_by?username=nobody", nil, hdr)
	}
	if last.Status != 403 || last.JSON(t)["error"] != "forbidden" || last.Header.Get("Retry-After") != "1" {
		t.Fatalf("REST over the rate: %d %s %v", last.Status, last.Body, last.Header)
	}
}
