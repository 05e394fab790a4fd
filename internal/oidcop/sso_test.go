package oidcop_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/oauth"
)

// authz starts an authorization of the code flow with PKCE in e's
// browser and follows it to continue's answer; it returns that answer and
// the code verifier.
func (e *env) authz(t *testing.T, clientID string, kv ...string) (response, string) {
	t.Helper()
	v := oauth2.GenerateVerifier()
	q := codeQuery(clientID, append([]string{"code_challenge", oauth2.S256ChallengeFromVerifier(v)}, kv...)...)
	return e.authorizeAll(t, q), v
}

// exchange trades the code of r (a redirect to the client) for tokens
// and returns the id_token.
func (e *env) exchange(t *testing.T, c oauth.NewClient, r response, verifier string) any {
	t.Helper()
	wantCode(t, r)
	tok, err := e.config(c).Exchange(e.ctx(), r.location(t).Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	return tok.Extra("id_token")
}

// cookie is the browser's cookie whose name starts with prefix.
func (e *env) cookie(prefix string) *http.Cookie {
	for name, c := range e.jar {
		if strings.HasPrefix(name, prefix) {
			return c
		}
	}
	return nil
}

// wantProviderCookie asserts the attributes of the provider's cookies over
// HTTPS (the test client is loopback, which custos counts as HTTPS).
func wantProviderCookie(t *testing.T, c *http.Cookie, what string) {
	t.Helper()
	if c == nil || !strings.HasPrefix(c.Name, "__Host-") || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode ||
		c.Path != "/" || c.Domain != "" {
		t.Errorf("%s cookie %+v", what, c)
	}
}

// TestSSO: the hosted login page's session is the provider's SSO session:
// a second authorization in the same browser gets its code without the
// form, prompt=none succeeds, max_age and prompt=login ask for the
// password again (the new login's time is the auth_time), and after
// end_session prompt=none answers login_required.
func TestSSO(t *testing.T) {
	forEachEngineHosted(t, func(t *testing.T, e *env) {
		e.login(t, "sso@example.com")
		c := e.newClient(t, false, nil)
		b := e.browser()
		logIn := func(r response) response {
			t.Helper()
			u := r.location(t)
			if u.Path != e.path+"/login" {
				t.Fatalf("%s, want the login page", u)
			}
			_, token := b.page(t, u.String())
			return b.do(t, http.MethodPost, u.String(), url.Values{"csrf": {token}, "loginID": {"sso@example.com"},
				"password": {"Secret-Pass-123"}}, nil)
		}
		wantAuth := func(idt any, at time.Time, amr []string) {
			t.Helper()
			var got []string
			for _, v := range asAny(claim(t, idt, "amr")) {
				got = append(got, v.(string))
			}
			if claim(t, idt, "auth_time") != float64(at.Unix()) || !slices.Equal(got, amr) {
				t.Errorf("auth_time %v amr %v, want %v %v", claim(t, idt, "auth_time"), got, at.Unix(), amr)
			}
		}

		t0 := e.clock.now()
		r, v := e.authz(t, c.ClientID)
		wantAuth(e.exchange(t, c, logIn(r), v), t0, []string{"pwd"})
		sso := e.cookie("__Host-custos-sso-")
		wantProviderCookie(t, sso, "SSO")
		if e.cookie("__Host-custos-ar-") != nil {
			t.Error("the binding cookie outlived its request")
		}

		// The same browser: a code without the form, of the first login
		// (its time and method).
		e.clock.advance(time.Minute)
		r, v = e.authz(t, c.ClientID)
		wantAuth(e.exchange(t, c, r, v), t0, []string{"pwd"})
		r, v = e.authz(t, c.ClientID, "prompt", "none")
		wantAuth(e.exchange(t, c, r, v), t0, []string{"pwd"})

		// max_age exceeded, then prompt=login: the form again, and the new
		// login's time.
		r, v = e.authz(t, c.ClientID, "max_age", "30")
		wantAuth(e.exchange(t, c, logIn(r), v), t0.Add(time.Minute), []string{"pwd"})
		e.clock.advance(time.Second)
		r, v = e.authz(t, c.ClientID, "prompt", "login")
		wantAuth(e.exchange(t, c, logIn(r), v), t0.Add(time.Minute+time.Second), []string{"pwd"})

		// end_session ends the SSO cookie's session and clears the cookie.
		tok, _, _ := strings.Cut(e.cookie("__Host-custos-sso-").Value, ".")
		if u := e.op(t, http.MethodGet, "end_session", url.Values{"client_id": {c.ClientID}}, nil).location(t); u.Path != e.path+"/end_session/done" {
			t.Errorf("end_session: %s", u)
		}
		if e.SessionCode(t, tok) == 0 || e.cookie("__Host-custos-sso-") != nil {
			t.Error("the SSO session outlived end_session")
		}
		r, _ = e.authz(t, c.ClientID, "prompt", "none")
		wantRedirectError(t, r, "https://rp.example/cb", "login_required", "st-2")
		// Without prompt=none: the login page.
		if u := e.authorizeAll(t, codeQuery(c.ClientID)).location(t); u.Path != e.path+"/login" {
			t.Errorf("after end_session: %s, want the login page", u)
		}
	})
}

func asAny(v any) []any { s, _ := v.([]any); return s }

// TestSSOCookieGone: an SSO cookie whose session ended is cleared, and
// the browser is sent to log in.
func TestSSOCookieGone(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		c := e.newClient(t, false, nil)
		_, tok := e.login(t, "gone@example.com")
		e.codeFlow(t, c.ClientID, tok, nil) // continue takes login_token into the SSO cookie
		wantProviderCookie(t, e.cookie("__Host-custos-sso-"), "SSO")
		if _, m := e.RPC(t, "accounts.logout", url.Values{"login_token": {tok}}, nil); m["errorCode"] != 0.0 {
			t.Fatalf("logout: %v", m)
		}
		r := e.authorizeAll(t, codeQuery(c.ClientID))
		if u := r.location(t); u.Path != e.path+"/login" || e.cookie("__Host-custos-sso-") != nil {
			t.Errorf("%s, cookies %v: want the login page and no SSO cookie", u, e.jar)
		}
	})
}

// TestBinding: an authorization request goes on only in the browser that
// started it: another browser holding its context (and even a session)
// gets the error page at continue, login and consent, and nothing
// changes.
func TestBinding(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		c := e.newClient(t, false, func(c *oauth.Client) { c.RequireConsent = true })
		_, tok := e.login(t, "bind@example.com")
		id := e.authorize(t, codeQuery(c.ClientID))
		bind := e.cookie("__Host-custos-ar-")
		wantProviderCookie(t, bind, "binding")
		if bind != nil && bind.MaxAge != int(oauth.AuthRequestLifetime/time.Second) {
			t.Errorf("binding cookie Max-Age %d", bind.MaxAge)
		}
		other := e.otherBrowser()
		forged := e.otherBrowser()
		forged.jar[bind.Name] = &http.Cookie{Name: bind.Name, Value: strings.Repeat("A", 43)}
		unchanged := func() {
			t.Helper()
			a, err := e.OAuth.AuthRequest(context.Background(), e.Site.ID, id)
			if err != nil || a.AccountID != 0 || a.Done {
				t.Errorf("request %+v, %v: changed", a, err)
			}
		}
		for name, b := range map[string]*env{"no cookie": other, "a forged cookie": forged} {
			t.Run(name, func(t *testing.T) {
				wantErrorPage(t, b.resume(t, id, tok), errcode.Forbidden)
				wantErrorPage(t, b.op(t, http.MethodGet, "login", url.Values{"context": {id}}, nil), errcode.Forbidden)
				wantErrorPage(t, b.op(t, http.MethodPost, "login", url.Values{"context": {id}, "token": {tok}}, nil), errcode.Forbidden)
				unchanged()
				if r := b.resume(t, id, tok); !strings.Contains(string(r.body), "started in another browser") {
					t.Errorf("error page: %s", r.body)
				}
			})
		}

		// prompt=none, where continue has none of the provider's cookies
		// (a relying party's hidden iframe): login_required to the client,
		// never a code.
		none := e.authorize(t, codeQuery(c.ClientID, "prompt", "none"))
		wantRedirectError(t, other.resume(t, none, tok), "https://rp.example/cb", "login_required", "st-2")
		if a, err := e.OAuth.AuthRequest(context.Background(), e.Site.ID, none); err != nil || a.AccountID != 0 {
			t.Errorf("prompt=none request %+v, %v: changed", a, err)
		}

		// The browser that started it goes on to the consent page, where
		// the others are refused too.
		if u := e.resume(t, id, tok).location(t); u.Path != e.path+"/consent" {
			t.Fatalf("continue: %s, want the consent page", u)
		}
		for _, b := range []*env{other, forged} {
			wantErrorPage(t, b.op(t, http.MethodGet, "consent", url.Values{"context": {id}, "answer": {"yes"}}, nil), errcode.Forbidden)
		}
		if a, _ := e.OAuth.AuthRequest(context.Background(), e.Site.ID, id); a.Done {
			t.Error("consent from another browser")
		}
		wantCode(t, e.op(t, http.MethodGet, "consent", url.Values{"context": {id}, "answer": {"yes"}}, nil))
		if e.jar[bind.Name] != nil {
			t.Error("the binding cookie outlived its request")
		}
	})
}

// TestAMRAndACR: the id_token says amr pwd after the login page (a
// password login) and nothing for a login_token's session, which does not
// say; acr, asked for by acr_values or the claims parameter, is "0".
func TestAMRAndACR(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		c := e.newClient(t, false, nil)
		_, tok := e.login(t, "amr@example.com")
		idToken := func(extra url.Values) any {
			t.Helper()
			code, v := e.codeFlow(t, c.ClientID, tok, extra)
			res, err := e.config(c).Exchange(e.ctx(), code, oauth2.VerifierOption(v))
			if err != nil {
				t.Fatal(err)
			}
			return res.Extra("id_token")
		}
		for _, tc := range []struct {
			name  string
			extra url.Values
			acr   any
		}{
			{"no acr asked", nil, nil},
			{"acr_values", url.Values{"acr_values": {"urn:example:loa:2 urn:example:loa:1"}}, "0"},
			{"claims id_token acr", url.Values{"claims": {`{"id_token":{"acr":{"essential":true}}}`}}, "0"},
			{"claims userinfo acr", url.Values{"claims": {`{"userinfo":{"acr":null}}`}}, "0"},
			{"claims without acr", url.Values{"claims": {`{"id_token":{"email":null}}`}}, nil},
			{"claims not JSON", url.Values{"claims": {`acr`}}, nil},
		} {
			idt := idToken(tc.extra)
			if claim(t, idt, "acr") != tc.acr || claim(t, idt, "amr") != nil {
				t.Errorf("%s: acr %v amr %v, want acr %v and no amr", tc.name, claim(t, idt, "acr"), claim(t, idt, "amr"), tc.acr)
			}
		}

		// The login page (a password login): amr pwd.
		v := oauth2.GenerateVerifier()
		id := e.authorize(t, codeQuery(c.ClientID, "code_challenge", oauth2.S256ChallengeFromVerifier(v)))
		r := e.op(t, http.MethodPost, "login", url.Values{"context": {id}, "token": {tok}}, nil)
		if amr := asAny(claim(t, e.exchange(t, c, r, v), "amr")); len(amr) != 1 || amr[0] != "pwd" {
			t.Errorf("amr %v, want [pwd]", amr)
		}
		// The SSO cookie keeps it under a MAC: a browser cannot claim an
		// amr its session's login did not have.
		sso := e.cookie("__Host-custos-sso-")
		bare, _, _ := strings.Cut(sso.Value, ".")
		for value, want := range map[string]any{sso.Value: "pwd", bare: nil, bare + ".cHdk.AAAA": nil, bare + ".b3Rw." + strings.SplitN(sso.Value, ".", 3)[2]: nil} {
			e.jar[sso.Name] = &http.Cookie{Name: sso.Name, Value: value}
			r, v := e.authz(t, c.ClientID)
			amr := asAny(claim(t, e.exchange(t, c, r, v), "amr"))
			if (want == nil && amr != nil) || (want != nil && (len(amr) != 1 || amr[0] != want)) {
				t.Errorf("SSO cookie %q: amr %v, want %v", value, amr, want)
			}
		}
	})
}
