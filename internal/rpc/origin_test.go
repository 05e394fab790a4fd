package rpc_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/custos-id/custos/internal/apitest"
)

// A site's domains: browser calls from other pages are refused (400120),
// CORS is granted to listed origins only, and a site that requires a
// referrer refuses client calls that name no page (403015).
func TestSiteDomains(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		if _, err := e.App.Sites.SetDomains(context.Background(), e.Site.ID, []string{"shop.example.com", "*.example.org"}, false); err != nil {
			t.Fatal(err)
		}
		call := func(hdr http.Header, secret bool) apitest.Response {
			form := url.Values{"apiKey": {e.Site.APIKey}, "loginID": {"x@example.com"}}
			if secret {
				form.Set("secret", e.Site.SecretBase64())
			}
			hdr.Set("Content-Type", "application/x-www-form-urlencoded")
			return e.Do(t, "POST", "/accounts.isAvailableLoginID", strings.NewReader(form.Encode()), hdr)
		}
		tests := []struct {
			name   string
			hdr    http.Header
			secret bool
			code   float64
			cors   string
		}{
			{"listed origin", http.Header{"Origin": {"https://shop.example.com"}}, false, 0, "https://shop.example.com"},
			{"wildcard subdomain", http.Header{"Origin": {"https://a.b.example.org:8443"}}, false, 0, "https://a.b.example.org:8443"},
			{"wildcard base", http.Header{"Referer": {"https://example.org/page"}}, false, 0, ""},
			{"other origin", http.Header{"Origin": {"https://evil.example.net"}}, false, 400120, ""},
			{"lookalike", http.Header{"Origin": {"https://shop.example.com.evil.net"}}, false, 400120, ""},
			{"other referer", http.Header{"Referer": {"https://evil.example.net/x"}}, false, 400120, ""},
			{"opaque origin", http.Header{"Origin": {"null"}}, false, 400120, ""},
			{"no page: an app or a server", http.Header{}, false, 0, ""},
			{"custos's own page (the hosted login page)", http.Header{"Origin": {apitest.PublicURL}}, false, 0, ""},
			{"custos's own page, by referer", http.Header{"Referer": {apitest.PublicURL + "/pages/login?apiKey=x"}}, false, 0, ""},
			{"custos's host on another port", http.Header{"Origin": {apitest.PublicURL + ":8443"}}, false, 400120, ""},
			{"custos's host over another scheme", http.Header{"Origin": {strings.Replace(apitest.PublicURL, "http:", "https:", 1)}}, false, 400120, ""},
			{"server call from anywhere", http.Header{"Origin": {"https://evil.example.net"}}, true, 0, ""},
		}
		for _, tc := range tests {
			r := call(tc.hdr, tc.secret)
			m := r.JSON(t)
			if m["errorCode"] != tc.code || r.Header.Get("Access-Control-Allow-Origin") != tc.cors {
				t.Errorf("%s: errorCode %v, ACAO %q; want %v, %q", tc.name, m["errorCode"], r.Header.Get("Access-Control-Allow-Origin"), tc.code, tc.cors)
			}
			if tc.code == 400120 && (m["errorMessage"] != "Invalid site domain" || m["statusCode"] != 400.0) {
				t.Errorf("%s: %v", tc.name, m)
			}
			if tc.cors != "" && r.Header.Get("Access-Control-Allow-Credentials") != "true" {
				t.Errorf("%s: no Access-Control-Allow-Credentials", tc.name)
			}
		}
		// Preflight: granted to a listed origin of the apiKey's site only.
		for origin, want := range map[string]string{"https://shop.example.com": "https://shop.example.com", "https://evil.example.net": ""} {
			r := e.Do(t, "OPTIONS", "/accounts.login?apiKey="+e.Site.APIKey, nil,
				http.Header{"Origin": {origin}, "Access-Control-Request-Method": {"POST"}})
			if r.Status != 204 || r.Header.Get("Access-Control-Allow-Origin") != want {
				t.Errorf("preflight from %s: %d, ACAO %q", origin, r.Status, r.Header.Get("Access-Control-Allow-Origin"))
			}
		}

		// custos's own origin counts for the methods the hosted login page
		// calls only; any other client call from there is refused.
		for _, tc := range []struct {
			method string
			code   float64
		}{{"accounts.isAvailableLoginID", 0}, {"accounts.getScreenSets", 0}, {"accounts.getJWTPublicKey", 400120}} {
			r := e.Do(t, "POST", "/"+tc.method, strings.NewReader(url.Values{"apiKey": {e.Site.APIKey}, "loginID": {"x@example.com"}}.Encode()),
				http.Header{"Origin": {apitest.PublicURL}, "Content-Type": {"application/x-www-form-urlencoded"}})
			if m := r.JSON(t); m["errorCode"] != tc.code {
				t.Errorf("%s from custos's origin: %v, want %v", tc.method, m, tc.code)
			}
		}

		if _, err := e.App.Sites.SetDomains(context.Background(), e.Site.ID, []string{"shop.example.com"}, true); err != nil {
			t.Fatal(err)
		}
		m := call(http.Header{}, false).JSON(t)
		if m["errorCode"] != 403015.0 || m["errorMessage"] != "Missing request referrer" || m["statusCode"] != 403.0 {
			t.Errorf("no referrer: %v", m)
		}
		if m := call(http.Header{"Referer": {"https://shop.example.com/"}}, false).JSON(t); m["errorCode"] != 0.0 {
			t.Errorf("with the referrer: %v", m)
		}
		if m := call(http.Header{}, true).JSON(t); m["errorCode"] != 0.0 {
			t.Errorf("a server call needs no referrer: %v", m)
		}
	})
}
