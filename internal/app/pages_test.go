package app_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/app"
	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/oidcop"
)

// wantStrictPage checks what every page of custos for people has: HTML,
// not cached, no referrer (the URL may hold a token), not framed, the
// hosted pages' stylesheet, and neither inline style nor inline script,
// under a CSP that allows neither.
func wantStrictPage(t *testing.T, what string, r apitest.Response) {
	t.Helper()
	h := r.Header
	if h.Get("Content-Type") != "text/html; charset=utf-8" || h.Get("Cache-Control") != "no-store" ||
		h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("%s: headers %v", what, h)
	}
	csp := h.Get("Content-Security-Policy")
	if !strings.HasPrefix(csp, "default-src 'none';") || strings.Contains(csp, "unsafe") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("%s: CSP %q", what, csp)
	}
	body := string(r.Body)
	if r.Header.Get("Content-Length") == "0" || len(body) == 0 {
		return // HEAD
	}
	if !strings.Contains(body, `<link rel="stylesheet" href="`+oidcop.StylesheetHref()+`">`) {
		t.Errorf("%s: not the hosted pages' stylesheet: %s", what, body)
	}
	if inline.MatchString(body) {
		t.Errorf("%s: inline style or script: %s", what, body)
	}
}

// inline finds a style attribute or element and a script element with
// content (a script's src is fine).
var inline = regexp.MustCompile(`(?i)\sstyle=|<style|<script>|<script[^>]*>[^<]|\son[a-z]+=`)

// The reset page of custos: a form that sets the new password with the
// token of the link, and says clearly when the link does not work; branded
// with the site's name and theme, and once done it links on to the site.
func TestResetPasswordPage(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		e.SetPolicies(t, "emailVerification", `{"nextURL":"https://example.com/home?a=1&b=2"}`)
		if _, err := e.OAuth.SetConfig(context.Background(), e.Site.ID, func(cfg *oauth.Config) error {
			cfg.Stylesheet = ":root { --custos-accent: #6b2fb3; }"
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		reg := e.Call(t, "accounts.register", url.Values{"email": {"page@example.com"}, "password": {"first-password-1"},
			"finalizeRegistration": {"true"}})
		if reg["errorCode"] != 0.0 {
			t.Fatalf("register: %v", reg)
		}
		res := e.Call(t, "accounts.resetPassword", url.Values{"loginID": {"page@example.com"}, "sendEmail": {"false"},
			"secret": {e.Site.SecretBase64()}})
		token, _ := res["passwordResetToken"].(string)
		if token == "" {
			t.Fatalf("resetPassword: %v", res)
		}
		page := "/account/reset-password?pwrt=" + url.QueryEscape(token)
		postFrom := func(fetchSite, pw, confirm string) apitest.Response {
			form := url.Values{"pwrt": {token}, "newPassword": {pw}, "confirmPassword": {confirm}}
			return e.Do(t, "POST", "/account/reset-password", strings.NewReader(form.Encode()),
				http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {fetchSite}})
		}
		post := func(pw, confirm string) apitest.Response { return postFrom("same-origin", pw, confirm) }
		const (
			brand = `<p class="custos-site-name">test</p>`
			theme = `<link rel="stylesheet" href="/oidc/op/v1.0/`
		)
		steps := []struct {
			name   string
			do     func() apitest.Response
			status int
			texts  []string
		}{
			{"form", func() apitest.Response { return e.Do(t, "GET", page, nil, nil) }, 200,
				[]string{`name="newPassword"`, brand, theme, "Choose a new password for your test account", `<label for="confirmPassword">`}},
			{"head", func() apitest.Response { return e.Do(t, "HEAD", page, nil, nil) }, 200, nil},
			{"from another site", func() apitest.Response { return postFrom("cross-site", "evil-password-9", "evil-password-9") }, 403,
				[]string{"This form was sent from another site"}},
			{"passwords differ", func() apitest.Response { return post("second-password-2", "other-password-3") }, 422,
				[]string{"The two passwords differ.", `<a href="#confirmPassword">`, `id="confirmPassword" name="confirmPassword" type="password" autocomplete="new-password" required aria-invalid="true" aria-describedby="confirmPassword-error"`, `role="alert"`, "<title>Error: "}},
			{"too short", func() apitest.Response { return post("short", "short") }, 422,
				[]string{"password is too short (minimum is 8 characters)", `<a href="#newPassword">`, `aria-describedby="newPassword-error"`}},
			{"changed", func() apitest.Response { return post("second-password-2", "second-password-2") }, 200,
				[]string{"Your password is changed", brand, theme, `href="https://example.com/home?a=1&amp;b=2">Continue</a>`}},
			{"spent link", func() apitest.Response { return e.Do(t, "GET", page, nil, nil) }, 404, []string{"This link is not valid"}},
			{"no token", func() apitest.Response { return e.Do(t, "GET", "/account/reset-password", nil, nil) }, 404, []string{"This link is not valid"}},
		}
		for _, s := range steps {
			r := s.do()
			if r.Status != s.status {
				t.Fatalf("%s: %d %s", s.name, r.Status, r.Body)
			}
			for _, text := range s.texts {
				if !strings.Contains(string(r.Body), text) {
					t.Errorf("%s: no %q in %s", s.name, text, r.Body)
				}
			}
			wantStrictPage(t, s.name, r)
		}
		for pw, code := range map[string]float64{"first-password-1": 403042, "second-password-2": 0, "evil-password-9": 403042} {
			if got := e.Call(t, "accounts.login", url.Values{"loginID": {"page@example.com"}, "password": {pw}}); got["errorCode"] != code {
				t.Fatalf("login with %s: %v", pw, got)
			}
		}
	})
}

// The hosted login page: custos's Web SDK showing the site's login
// screen-set, which goes on to next only when next is an address of the
// site, never anywhere else (no open redirect); its script and the SDK come
// from custos's origin, under a CSP without 'unsafe-inline'.
func TestHostedLoginPage(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		key := url.QueryEscape(e.Site.APIKey)
		open := e.Sites // a second site, with no domains: any page may call it, none is its address
		noDomains, err := open.Create(context.Background(), "Open <Site>", nil)
		if err != nil {
			t.Fatal(err)
		}
		login := func(q string) apitest.Response { return e.Do(t, "GET", app.HostedLoginPath+"?"+q, nil, nil) }
		sdk := `<script src="/js/gigya.js?apikey=` + key + `"></script>`
		tests := []struct {
			name, query string
			status      int
			texts       []string
			absent      []string
		}{
			{"the page", "apiKey=" + key, 200,
				[]string{"<title>Log in to test – test</title>", `<p class="custos-site-name">test</p>`, sdk,
					`<script src="/js/hosted-login.js?v=`, `<div id="custos-login" class="custos-screen-set" data-screen-set="Default-RegistrationLogin"></div>`,
					`<html lang="en"`, "<noscript>"},
				[]string{"data-next", "Continue"}},
			{"apikey in lower case", "apikey=" + key, 200, []string{sdk}, nil},
			{"next on the site", "apiKey=" + key + "&next=" + url.QueryEscape("https://example.com/account?x=1&y=<2>"), 200,
				[]string{`data-next="https://example.com/account?x=1&amp;y=&lt;2&gt;"`, `href="https://example.com/account?x=1&amp;y=%3c2%3e">Continue</a>`}, nil},
			{"next over http", "apiKey=" + key + "&next=" + url.QueryEscape("http://example.com/"), 200, []string{`data-next="http://example.com/"`}, nil},
			{"lang", "apiKey=" + key + "&lang=DE", 200, []string{`<html lang="de"`, `data-lang="de"`}, nil},
			{"lang not a tag", "apiKey=" + key + "&lang=" + url.QueryEscape(`de"><x`), 200, []string{`<html lang="en"`}, []string{"data-lang"}},
			{"no apiKey", "", 404, []string{"This login page does not exist"}, []string{"<script"}},
			{"unknown apiKey", "apiKey=nosuchkey", 404, []string{"This login page does not exist"}, []string{"<script"}},
			{"next elsewhere", "apiKey=" + key + "&next=" + url.QueryEscape("https://evil.example/"), 400,
				[]string{"This login page cannot continue to that address", `<p class="custos-site-name">test</p>`}, []string{"<script", "evil.example"}},
			{"next on a look-alike", "apiKey=" + key + "&next=" + url.QueryEscape("https://example.com.evil.example/"), 400, nil, []string{"<script"}},
			{"next with user info", "apiKey=" + key + "&next=" + url.QueryEscape("https://example.com@evil.example/"), 400, nil, []string{"<script"}},
			{"next relative", "apiKey=" + key + "&next=" + url.QueryEscape("//evil.example/"), 400, nil, []string{"<script"}},
			{"next a path", "apiKey=" + key + "&next=" + url.QueryEscape("/pages/login"), 400, nil, []string{"<script"}},
			{"next javascript", "apiKey=" + key + "&next=" + url.QueryEscape("javascript://example.com/%0aalert(1)"), 400, nil, []string{"<script"}},
			{"next too long", "apiKey=" + key + "&next=" + url.QueryEscape("https://example.com/"+strings.Repeat("a", 2048)), 400, nil, []string{"<script"}},
			{"an ended OpenID authorization request", "apiKey=" + key + "&context=Ab_9-z", 400,
				[]string{"This login request has ended"}, []string{"<script", "custos-continue"}},
			{"context not an ID", "apiKey=" + key + "&context=" + url.QueryEscape(`a"><x`), 400, nil, []string{"<script", "custos-continue"}},
			{"context too long", "apiKey=" + key + "&context=" + strings.Repeat("a", 129), 400, nil, []string{"<script"}},
			{"context and next", "apiKey=" + key + "&context=abc&next=" + url.QueryEscape("https://example.com/"), 400, nil, []string{"<script"}},
			{"next of a site without domains", "apiKey=" + url.QueryEscape(noDomains.APIKey) + "&next=" + url.QueryEscape("https://example.com/"), 400,
				[]string{`<p class="custos-site-name">Open &lt;Site&gt;</p>`}, []string{"<script"}},
		}
		for _, tc := range tests {
			r := login(tc.query)
			if r.Status != tc.status {
				t.Errorf("%s: HTTP %d, want %d: %s", tc.name, r.Status, tc.status, r.Body)
				continue
			}
			for _, text := range tc.texts {
				if !strings.Contains(string(r.Body), text) {
					t.Errorf("%s: no %q in %s", tc.name, text, r.Body)
				}
			}
			for _, text := range tc.absent {
				if strings.Contains(string(r.Body), text) {
					t.Errorf("%s: %q in %s", tc.name, text, r.Body)
				}
			}
			wantStrictPage(t, tc.name, r)
		}
		csp := login("apiKey=" + key).Header.Get("Content-Security-Policy")
		// script-src names exactly the SDK and the page's script, by URL:
		// never 'self', which would let /js/screenset-hooks.js (a site's
		// code) run on custos's origin, where calls count as the hosted page's.
		var scriptSrc []string
		for d := range strings.SplitSeq(csp, ";") {
			if f := strings.Fields(d); len(f) > 0 && f[0] == "script-src" {
				scriptSrc = append(scriptSrc, strings.Join(f[1:], " "))
			}
		}
		if want := apitest.PublicURL + "/js/gigya.js " + apitest.PublicURL + "/js/hosted-login.js"; len(scriptSrc) != 1 || scriptSrc[0] != want {
			t.Errorf("the login page's script-src: %q, want exactly %q", scriptSrc, want)
		}
		// Its two scripts by path: no other script of custos's origin (a
		// site's screen-set hooks) runs there.
		for _, d := range []string{"script-src " + apitest.PublicURL + "/js/gigya.js " + apitest.PublicURL + "/js/hosted-login.js;", "connect-src 'self' " + apitest.PublicURL + ";", "style-src 'self' "} {
			if !strings.Contains(csp, d) {
				t.Errorf("the login page's CSP %q lacks %q", csp, d)
			}
		}
		// The page takes no form: a POST is the RPC dialect's unknown method.
		if r := e.Do(t, "POST", app.HostedLoginPath+"?apiKey="+key, nil, nil); strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
			t.Errorf("POST to the login page: %d %s", r.Status, r.Body)
		}

		// Its script: JavaScript, cached by its version, revalidated by ETag.
		js := e.Do(t, "GET", app.HostedLoginScript, nil, nil)
		etag := js.Header.Get("ETag")
		if js.Status != 200 || js.Header.Get("Content-Type") != "text/javascript; charset=utf-8" || etag == "" ||
			js.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(string(js.Body), "showScreenSet") {
			t.Errorf("hosted-login.js: %d %v", js.Status, js.Header)
		}
		if !strings.Contains(string(login("apiKey="+key).Body), app.HostedLoginScript+"?v="+strings.Trim(etag, `"`)) {
			t.Errorf("the page does not link the script's version %s", etag)
		}
		if r := e.Do(t, "GET", app.HostedLoginScript, nil, http.Header{"If-None-Match": {etag}}); r.Status != http.StatusNotModified {
			t.Errorf("hosted-login.js with its ETag: %d", r.Status)
		}
	})
}

// TestHostedLoginHandoff: the hosted login page as an OpenID proxy page
// holds the continue form of a live authorization request, and its CSP lets
// that form's redirect reach the client's redirect_uri, and nothing else.
func TestHostedLoginHandoff(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		ctx := context.Background()
		tests := []struct{ redirect, formAction string }{
			{"https://app.example.com/cb?x=1", "form-action 'self' https://app.example.com;"},
			{"http://127.0.0.1:8080/cb", "form-action 'self' http://127.0.0.1:8080;"},
			{"com.example.app:/oauth2redirect", "form-action 'self' com.example.app:;"},
		}
		for _, tc := range tests {
			c, err := e.OAuth.CreateClient(ctx, e.Site.ID, oauth.Client{Name: "App", RedirectURIs: []string{tc.redirect},
				GrantTypes: []string{"authorization_code"}, ResponseTypes: []string{"code"}}, true)
			if err != nil {
				t.Fatal(err)
			}
			req, err := e.OAuth.CreateAuthRequest(ctx, oauth.AuthRequest{SiteID: e.Site.ID, ClientID: c.ClientID,
				RedirectURI: tc.redirect, ResponseType: "code", Scopes: []string{"openid"},
				CodeChallenge: strings.Repeat("a", 43), CodeChallengeMethod: "S256"})
			if err != nil {
				t.Fatal(err)
			}
			r := e.Do(t, "GET", app.HostedLoginPath+"?apiKey="+url.QueryEscape(e.Site.APIKey)+"&context="+req.ID, nil, nil)
			for _, text := range []string{`<form id="custos-continue" method="post" action="/oidc/op/v1.0/` + e.Site.APIKey + `/authorize/continue" hidden>`,
				`<input type="hidden" name="context" value="` + req.ID + `">`} {
				if r.Status != 200 || !strings.Contains(string(r.Body), text) {
					t.Errorf("%s: HTTP %d, no %q in %s", tc.redirect, r.Status, text, r.Body)
				}
			}
			if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, tc.formAction) {
				t.Errorf("%s: CSP %q, want %q", tc.redirect, csp, tc.formAction)
			}
			wantStrictPage(t, tc.redirect, r)
		}
	})
}
