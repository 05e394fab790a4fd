package oidcop_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/oidcop"
	"github.com/custos-id/custos/internal/store/storetest"
)

// The hosted pages through the real router: custos's own pages (no
// OIDCPages option), a relying party's authorization request, and a
// browser that posts the forms it is shown.

// forEachEngineHosted is forEachEngine with custos's own hosted pages.
func forEachEngineHosted(t *testing.T, test func(t *testing.T, e *env)) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			c := &clock{t: time.Now().UTC().Truncate(time.Second)}
			a := apitest.NewApp(t, engine, apitest.WithClock(c.now))
			e := &env{App: a, clock: c, path: oidcop.Prefix + a.Site.APIKey, jar: map[string]*http.Cookie{}}
			e.issuer = apitest.PublicURL + e.path
			addr := a.Server.Listener.Addr().String()
			e.client = &http.Client{
				Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
					return (&net.Dialer{}).DialContext(ctx, network, addr)
				}},
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			}
			test(t, e)
		})
	}
}

// browser keeps cookies by name and sends them all back: the test server
// is a loopback client, which custos counts as HTTPS, so its cookies are
// Secure and a cookie jar would not send them over the test's plain HTTP.
type browser struct {
	e       *env
	cookies map[string]*http.Cookie
}

func (e *env) browser() *browser { return &browser{e: e, cookies: e.jar} }

// do requests an absolute URL; a POST says it comes from the page itself
// (Sec-Fetch-Site), unless header says otherwise.
func (b *browser) do(t *testing.T, method, target string, form url.Values, header http.Header) response {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	for _, c := range b.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	res, err := b.e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	raw, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, raw}
}

// page GETs a page and returns it and its form's CSRF token.
func (b *browser) page(t *testing.T, target string) (response, string) {
	t.Helper()
	r := b.do(t, http.MethodGet, target, nil, nil)
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(r.body)
	if r.status != http.StatusOK || m == nil {
		t.Fatalf("GET %s: %d %s", target, r.status, r.body)
	}
	return r, string(m[1])
}

// start begins an authorization request of c with PKCE; it returns the
// request's context, the URL of the login page and the code verifier.
func (e *env) start(t *testing.T, c oauth.NewClient) (id, login, verifier string) {
	t.Helper()
	verifier = oauth2.GenerateVerifier()
	r := e.op(t, http.MethodGet, "authorize", url.Values{"client_id": {c.ClientID}, "redirect_uri": {"https://rp.example/cb"},
		"response_type": {"code"}, "scope": {"openid email"}, "state": {"st-2"}, "nonce": {"n-1"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}, nil)
	u := e.next(t, r).location(t)
	id = u.Query().Get("context")
	if id == "" || u.String() != e.issuer+"/login?context="+url.QueryEscape(id) {
		t.Fatalf("authorize, continue: %s, want the hosted login page", u)
	}
	return id, u.String(), verifier
}

// TestHostedPagesFlow: authorize → the hosted login form → the hosted
// consent form → the client, whose code buys tokens of the account that
// logged in on the page.
func TestHostedPagesFlow(t *testing.T) {
	forEachEngineHosted(t, func(t *testing.T, e *env) {
		uid, _ := e.login(t, "flow@example.com")
		c := e.newClient(t, true, func(c *oauth.Client) { c.Name = "Example Shop"; c.RequireConsent = true })
		id, login, verifier := e.start(t, c)
		b := e.browser()

		form, token := b.page(t, login)
		if csp := form.header.Get("Content-Security-Policy"); csp != "default-src 'none'; style-src 'self'; form-action 'self' https://rp.example; frame-ancestors 'none'; base-uri 'none'" {
			t.Errorf("CSP %s", csp)
		}
		checkHTML(t, string(form.body))
		css := b.do(t, http.MethodGet, apitest.PublicURL+oidcop.StylesheetPath, nil, nil)
		if css.status != http.StatusOK || css.header.Get("Content-Type") != "text/css; charset=utf-8" {
			t.Errorf("stylesheet: %d %v", css.status, css.header)
		}

		// Refused posts log no one in.
		for name, tc := range map[string]struct {
			form   url.Values
			header http.Header
			status int
			want   string
		}{
			"wrong password": {url.Values{"csrf": {token}, "loginID": {"flow@example.com"}, "password": {"Wrong-Pass-123"}}, nil, 422,
				"The login details are not right."},
			"unknown user": {url.Values{"csrf": {token}, "loginID": {"nobody@example.com"}, "password": {"Secret-Pass-123"}}, nil, 422,
				"The login details are not right."},
			"no CSRF token": {url.Values{"loginID": {"flow@example.com"}, "password": {"Secret-Pass-123"}}, nil, 403,
				"This form has expired"},
			"cross-site": {url.Values{"csrf": {token}, "loginID": {"flow@example.com"}, "password": {"Secret-Pass-123"}},
				http.Header{"Sec-Fetch-Site": {"cross-site"}}, 403, "This form was sent from another site"},
		} {
			r := b.do(t, http.MethodPost, login, tc.form, tc.header)
			if r.status != tc.status || !strings.Contains(string(r.body), tc.want) || r.header.Get("Location") != "" {
				t.Errorf("%s: %d %s", name, r.status, r.body)
			}
			if b.cookies["glt_"+e.Site.APIKey] != nil {
				t.Fatalf("%s: a session cookie", name)
			}
		}

		r := b.do(t, http.MethodPost, login, url.Values{"csrf": {token}, "loginID": {"Flow@Example.com"}, "password": {"Secret-Pass-123"}}, nil)
		if u := r.location(t); u.String() != e.issuer+"/consent?context="+url.QueryEscape(id) {
			t.Fatalf("login: %s, want the consent page", u)
		}
		sc := b.cookies["glt_"+e.Site.APIKey]
		if sc == nil || !sc.HttpOnly || !sc.Secure || sc.SameSite != http.SameSiteStrictMode {
			t.Fatalf("session cookie %+v", sc)
		}

		consent, token := b.page(t, e.issuer+"/consent?context="+url.QueryEscape(id))
		for _, want := range []string{"Allow Example Shop access", "See your email address", "You are logged in as flow@example.com."} {
			if !strings.Contains(string(consent.body), want) {
				t.Errorf("consent page lacks %q", want)
			}
		}
		r = b.do(t, http.MethodPost, e.issuer+"/consent?context="+url.QueryEscape(id), url.Values{"csrf": {token}, "decision": {"allow"}}, nil)
		u := r.location(t)
		if u.Host != "rp.example" || u.Query().Get("state") != "st-2" || u.Query().Get("code") == "" {
			t.Fatalf("allow: %s", u)
		}
		cfg := oauth2.Config{ClientID: c.ClientID, RedirectURL: "https://rp.example/cb",
			Endpoint: oauth2.Endpoint{TokenURL: e.issuer + "/token", AuthStyle: oauth2.AuthStyleInParams}}
		tok, err := cfg.Exchange(e.ctx(), u.Query().Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		if sub := claim(t, tok.Extra("id_token"), "sub"); sub != uid {
			t.Errorf("id_token sub %v, want %s", sub, uid)
		}
	})
}

// TestHostedConsentDeny: Deny sends the browser back with access_denied.
func TestHostedConsentDeny(t *testing.T) {
	forEachEngineHosted(t, func(t *testing.T, e *env) {
		e.login(t, "deny@example.com")
		c := e.newClient(t, true, func(c *oauth.Client) { c.RequireConsent = true })
		id, login, _ := e.start(t, c)
		b := e.browser()
		_, token := b.page(t, login)
		b.do(t, http.MethodPost, login, url.Values{"csrf": {token}, "loginID": {"deny@example.com"}, "password": {"Secret-Pass-123"}}, nil)
		consent := e.issuer + "/consent?context=" + url.QueryEscape(id)
		_, token = b.page(t, consent)
		kept := maps.Clone(b.cookies)
		wantRedirectError(t, b.do(t, http.MethodPost, consent, url.Values{"csrf": {token}, "decision": {"deny"}}, nil),
			"https://rp.example/cb", "access_denied", "st-2")
		// The request is used up: Allow, posted again with the cookies
		// of before, finds it gone.
		maps.Copy(b.cookies, kept)
		wantErrorPage(t, b.do(t, http.MethodPost, consent, url.Values{"csrf": {token}, "decision": {"allow"}}, nil),
			errcode.InvalidParameterValue)
	})
}

// TestHostedLoginWithoutConsent: a client that needs no consent gets its
// code straight from the login form's answer; a context the server does
// not know is an error page, never a redirect.
func TestHostedLoginWithoutConsent(t *testing.T) {
	forEachEngineHosted(t, func(t *testing.T, e *env) {
		e.login(t, "direct@example.com")
		c := e.newClient(t, true, nil)
		_, login, _ := e.start(t, c)
		b := e.browser()
		_, token := b.page(t, login)
		wantCode(t, b.do(t, http.MethodPost, login, url.Values{"csrf": {token}, "loginID": {"direct@example.com"}, "password": {"Secret-Pass-123"}}, nil))

		for _, method := range []string{http.MethodGet, http.MethodPost} {
			wantErrorPage(t, b.do(t, method, e.issuer+"/login?context=nope&redirect_uri=https://evil.example/",
				url.Values{"csrf": {token}, "loginID": {"direct@example.com"}, "password": {"Secret-Pass-123"}}, nil),
				errcode.InvalidParameterValue)
		}
	})
}

// claim reads a claim of a JWT's payload (its signature is the provider's
// tests' concern).
func claim(t *testing.T, jwt any, name string) any {
	t.Helper()
	s, _ := jwt.(string)
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %v", jwt)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m[name]
}
