package oidcop_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/oidcop"
)

// testPages stand in for the hosted pages: login takes the session token
// of the form, consent says yes or no.
type testPages struct{}

func (testPages) Login(w http.ResponseWriter, r *http.Request, q oidcop.Request) {
	q.Continue(w, r, r.FormValue("token"))
}

func (testPages) Consent(w http.ResponseWriter, r *http.Request, q oidcop.Request) {
	if r.FormValue("answer") == "yes" {
		q.Approve(w, r)
		return
	}
	q.Deny(w, r)
}

func codeQuery(clientID string, kv ...string) url.Values {
	v := oauth2.GenerateVerifier()
	q := url.Values{"client_id": {clientID}, "redirect_uri": {"https://rp.example/cb"}, "response_type": {"code"},
		"scope": {"openid email"}, "state": {"st-2"}, "code_challenge": {oauth2.S256ChallengeFromVerifier(v)},
		"code_challenge_method": {"S256"}}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return q
}

// wantCode asserts the redirect to the client with a code and the state.
func wantCode(t *testing.T, r response) {
	t.Helper()
	u := r.location(t)
	if u.Host != "rp.example" || u.Query().Get("code") == "" || u.Query().Get("state") != "st-2" {
		t.Errorf("redirect %s, want the client's with a code", u)
	}
}

// wantLogin asserts the redirect to the hosted login page of context id.
func (e *env) wantLogin(t *testing.T, r response, id string) {
	t.Helper()
	u := r.location(t)
	if u.String() != e.issuer+"/login?context="+url.QueryEscape(id) {
		t.Errorf("redirect %s, want the login page of %s", u, id)
	}
}

func (e *env) resume(t *testing.T, id, tok string) response {
	t.Helper()
	return e.op(t, http.MethodGet, "authorize/continue", url.Values{"context": {id}, "login_token": {tok}}, nil)
}

// TestPromptAndMaxAge: prompt=login and max_age ask for a login newer than
// the request or max_age; prompt=none never shows a page.
func TestPromptAndMaxAge(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		c := e.newClient(t, false, nil)
		_, old := e.login(t, "prompt@example.com")
		e.clock.advance(2 * time.Minute)

		id := e.authorize(t, codeQuery(c.ClientID, "max_age", "60"))
		e.wantLogin(t, e.resume(t, id, old), id)
		wantCode(t, e.resume(t, id, e.loginAgain(t, "prompt@example.com")))

		id = e.authorize(t, codeQuery(c.ClientID, "max_age", "600"))
		wantCode(t, e.resume(t, id, old))

		id = e.authorize(t, codeQuery(c.ClientID, "prompt", "login"))
		e.wantLogin(t, e.resume(t, id, old), id)
		e.wantLogin(t, e.resume(t, id, "not-a-session"), id)
		e.wantLogin(t, e.resume(t, id, ""), id)
		wantCode(t, e.resume(t, id, e.loginAgain(t, "prompt@example.com")))

		// prompt=none: login_required at once, and at continue for a
		// session older than max_age.
		wantRedirectError(t, e.otherBrowser().authorizeAll(t, codeQuery(c.ClientID, "prompt", "none")),
			"https://rp.example/cb", "login_required", "st-2")
		id = e.authorize(t, codeQuery(c.ClientID, "max_age", "1"))
		e.clock.advance(2 * time.Second)
		wantCode(t, e.resume(t, id, e.loginAgain(t, "prompt@example.com")))
	})
}

// loginAgain logs in with accounts.login.
func (e *env) loginAgain(t *testing.T, email string) string {
	t.Helper()
	_, m := e.RPC(t, "accounts.login", url.Values{"loginID": {email}, "password": {"Secret-Pass-123"}}, nil)
	s, _ := m["sessionInfo"].(map[string]any)
	tok, _ := s["cookieValue"].(string)
	if tok == "" {
		t.Fatalf("login: %v", m)
	}
	return tok
}

// TestConsent: a client that requires consent sends the user to the
// consent page until consent covers the scopes; prompt=consent asks again,
// prompt=none cannot ask.
func TestConsent(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		c := e.newClient(t, false, func(c *oauth.Client) { c.RequireConsent = true })
		_, tok := e.login(t, "consent@example.com")

		id := e.authorize(t, codeQuery(c.ClientID))
		u := e.resume(t, id, tok).location(t)
		if u.String() != e.issuer+"/consent?context="+url.QueryEscape(id) {
			t.Fatalf("continue: %s, want the consent page", u)
		}
		wantRedirectError(t, e.op(t, http.MethodGet, "consent", url.Values{"context": {id}, "answer": {"no"}}, nil),
			"https://rp.example/cb", "access_denied", "st-2")

		id = e.authorize(t, codeQuery(c.ClientID))
		e.resume(t, id, tok).location(t)
		wantCode(t, e.op(t, http.MethodGet, "consent", url.Values{"context": {id}, "answer": {"yes"}}, nil))

		wantCode(t, e.resume(t, e.authorize(t, codeQuery(c.ClientID)), tok))
		id = e.authorize(t, codeQuery(c.ClientID, "prompt", "consent"))
		if u := e.resume(t, id, tok).location(t); !strings.HasSuffix(u.Path, "/consent") {
			t.Errorf("prompt=consent: %s", u)
		}
		id = e.authorize(t, codeQuery(c.ClientID, "scope", "openid email profile"))
		if u := e.resume(t, id, tok).location(t); !strings.HasSuffix(u.Path, "/consent") {
			t.Errorf("more scopes: %s", u)
		}
		// The hosted pages need a live request; consent, an authenticated one.
		wantErrorPage(t, e.op(t, http.MethodGet, "login", url.Values{"context": {"nope"}}, nil), errcode.InvalidParameterValue)
		wantErrorPage(t, e.op(t, http.MethodGet, "consent", url.Values{"context": {e.authorize(t, codeQuery(c.ClientID))}}, nil),
			errcode.InvalidParameterValue)
		// The login page hands the session over.
		id = e.authorize(t, codeQuery(c.ClientID))
		wantCode(t, e.op(t, http.MethodPost, "login", url.Values{"context": {id}, "token": {tok}}, nil))
	})
}

// TestProxyPage: with a proxyPage, authorize sends the browser to the
// site's page with Gigya's parameters.
func TestProxyPage(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		if _, err := e.OAuth.SetConfig(context.Background(), e.Site.ID, func(c *oauth.Config) error {
			c.ProxyPage = "https://www.example.com/login?lang=en"
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		c := e.newClient(t, false, nil)
		u := e.authorizeAll(t, codeQuery(c.ClientID, "scope", "openid email")).location(t)
		q := u.Query()
		if u.Host != "www.example.com" || u.Path != "/login" || q.Get("lang") != "en" || q.Get("context") == "" ||
			q.Get("client_id") != c.ClientID || q.Get("mode") != "login" || q.Get("scope") != "openid email" {
			t.Errorf("proxy page redirect %s", u)
		}
		_, tok := e.login(t, "proxy@example.com")
		// The page on the site's origin sends the same browser back by a
		// top-level GET: the binding cookie (SameSite=Lax) comes along.
		// Another browser with the context and a session is refused.
		wantErrorPage(t, e.otherBrowser().resume(t, q.Get("context"), tok), errcode.Forbidden)
		wantCode(t, e.resume(t, q.Get("context"), tok))

		// A session too old for prompt=login: the proxy page is told to
		// ask for a new login rather than hand the same session back.
		e.clock.advance(time.Second)
		u = e.authorizeAll(t, codeQuery(c.ClientID, "prompt", "login")).location(t)
		if u.Host != "www.example.com" || u.Query().Get("prompt") != "login" {
			t.Errorf("prompt=login with an old session: %s", u)
		}
		e.clock.advance(time.Second)
		wantCode(t, e.resume(t, u.Query().Get("context"), e.loginAgain(t, "proxy@example.com")))
	})
}

// TestImplicit: response_type=id_token answers in the fragment, with the
// nonce, verified by go-oidc.
func TestImplicit(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		c := e.newClient(t, true, func(c *oauth.Client) {
			c.ResponseTypes = []string{"id_token", "id_token token"}
			c.GrantTypes = []string{"implicit", "authorization_code"}
		})
		uid, tok := e.login(t, "implicit@example.com")
		ctx := e.ctx()
		provider, err := oidc.NewProvider(ctx, e.issuer)
		if err != nil {
			t.Fatal(err)
		}
		for _, rt := range []string{"id_token", "id_token token"} {
			id := e.authorize(t, url.Values{"client_id": {c.ClientID}, "redirect_uri": {"https://rp.example/cb"},
				"response_type": {rt}, "scope": {"openid email"}, "state": {"st-3"}, "nonce": {"n-3"}})
			u := e.resume(t, id, tok).location(t)
			f, _ := url.ParseQuery(u.Fragment)
			idt, err := provider.Verifier(&oidc.Config{ClientID: c.ClientID}).Verify(ctx, f.Get("id_token"))
			if err != nil {
				t.Fatalf("%s: %s: %v", rt, u, err)
			}
			if idt.Subject != uid || idt.Nonce != "n-3" || f.Get("state") != "st-3" || (rt == "id_token token") != f.Has("access_token") {
				t.Errorf("%s: %s", rt, u)
			}
			// The request is used up.
			wantErrorPage(t, e.resume(t, id, tok), errcode.InvalidParameterValue)
		}

		// Hybrid response types: no client has them (oauth refuses to
		// register them), and the provider refuses them too, never
		// answering with tokens in the query.
		wantRedirectError(t, e.op(t, http.MethodGet, "authorize", url.Values{"client_id": {c.ClientID},
			"redirect_uri": {"https://rp.example/cb"}, "response_type": {"code id_token"}, "scope": {"openid"},
			"state": {"st-4"}, "nonce": {"n-4"}}, nil), "https://rp.example/cb", "unauthorized_client", "st-4")
	})
}

// TestClientCredentials: a client's own token; its subject is the client.
func TestClientCredentials(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		c := e.newClient(t, false, func(c *oauth.Client) { c.GrantTypes = []string{"client_credentials"} })
		conf := clientCredentials(e, c)
		tok, err := conf.Token(e.ctx())
		if err != nil {
			t.Fatal(err)
		}
		provider, err := oidc.NewProvider(e.ctx(), e.issuer)
		if err != nil {
			t.Fatal(err)
		}
		at, err := provider.VerifierContext(e.ctx(), &oidc.Config{SkipClientIDCheck: true}).Verify(e.ctx(), tok.AccessToken)
		if err != nil || at.Subject != c.ClientID || tok.Extra("id_token") != nil || tok.RefreshToken != "" {
			t.Errorf("token %+v: %v", at, err)
		}
		r := e.op(t, http.MethodPost, "introspect", url.Values{"token": {tok.AccessToken}}, basicAuth(c))
		m := r.json(t)
		if r.status != http.StatusOK || m["active"] != true || m["sub"] != c.ClientID || m["client_id"] != c.ClientID {
			t.Errorf("introspect: %s", r.body)
		}
	})
}

// TestIntrospectRevoke: introspection for authenticated clients, and
// revocation of a refresh token's family.
func TestIntrospectRevoke(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		c := e.newClient(t, false, nil)
		other := e.newClient(t, false, nil)
		_, tok := e.login(t, "revoke@example.com")
		code, verifier := e.codeFlow(t, c.ClientID, tok, nil)
		t1, err := e.config(c).Exchange(e.ctx(), code, oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		introspect := func(as oauth.NewClient) map[string]any {
			r := e.op(t, http.MethodPost, "introspect", url.Values{"token": {t1.AccessToken}}, basicAuth(as))
			if r.status != http.StatusOK {
				t.Fatalf("introspect: %d %s", r.status, r.body)
			}
			return r.json(t)
		}
		m := introspect(c)
		if m["active"] != true || m["client_id"] != c.ClientID || m["iss"] != e.issuer ||
			!slices.Contains(strings.Fields(m["scope"].(string)), "email") || m["email"] != nil {
			t.Errorf("introspect: %v", m)
		}
		if m := introspect(other); m["active"] != false {
			t.Errorf("another client's introspection: %v", m)
		}
		// client_secret_post as well as Basic.
		r := e.op(t, http.MethodPost, "introspect", url.Values{"token": {t1.AccessToken}, "client_id": {c.ClientID},
			"client_secret": {c.Secret}}, nil)
		if r.status != http.StatusOK || r.json(t)["active"] != true {
			t.Errorf("introspect with client_secret_post: %d %s", r.status, r.body)
		}
		wantJSONError(t, e.op(t, http.MethodPost, "introspect", url.Values{"token": {t1.AccessToken}, "client_id": {c.ClientID},
			"client_secret": {"wrong"}}, nil), http.StatusUnauthorized, "invalid_client", errcode.InvalidSecret)
		// Another client cannot revoke it (RFC 7009 2.1: refused,
		// unauthorized_client); the client can.
		wantJSONError(t, e.op(t, http.MethodPost, "revoke", url.Values{"token": {t1.RefreshToken}}, basicAuth(other)),
			http.StatusBadRequest, "unauthorized_client", errcode.PermissionDenied)
		wantJSONError(t, e.op(t, http.MethodPost, "revoke", url.Values{"token": {t1.AccessToken}}, basicAuth(other)),
			http.StatusBadRequest, "unauthorized_client", errcode.PermissionDenied)
		if active := introspect(c)["active"]; active != true {
			t.Errorf("revoked by another client: active %v", active)
		}
		if r := e.op(t, http.MethodPost, "revoke", url.Values{"token": {t1.RefreshToken}}, basicAuth(c)); r.status != http.StatusOK {
			t.Fatalf("revoke: %d %s", r.status, r.body)
		}
		if active := introspect(c)["active"]; active != false {
			t.Errorf("revoked by its client: active %v", active)
		}
		wantJSONError(t, e.op(t, http.MethodPost, "token", url.Values{"grant_type": {"refresh_token"},
			"refresh_token": {t1.RefreshToken}}, basicAuth(c)), http.StatusBadRequest, "invalid_grant", errcode.InvalidGrant)
		// An unknown token is no error (RFC 7009).
		if r := e.op(t, http.MethodPost, "revoke", url.Values{"token": {"unknown"}}, basicAuth(c)); r.status != http.StatusOK {
			t.Errorf("revoke unknown: %d %s", r.status, r.body)
		}
	})
}

// TestEndSession: end_session revokes the client's tokens of the account
// of id_token_hint and returns to the registered post-logout URI with the
// state; a POST with the site's cookie also ends the custos session.
func TestEndSession(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		c := e.newClient(t, false, nil)
		_, tok := e.login(t, "bye@example.com")
		code, verifier := e.codeFlow(t, c.ClientID, tok, nil)
		t1, err := e.config(c).Exchange(e.ctx(), code, oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		hint := t1.Extra("id_token").(string)
		q := url.Values{"id_token_hint": {hint}, "post_logout_redirect_uri": {"https://rp.example/bye"}, "state": {"z"}}
		bad := url.Values{"id_token_hint": {hint}, "post_logout_redirect_uri": {"https://evil.example/"}}
		wantErrorPage(t, e.op(t, http.MethodGet, "end_session", bad, nil), errcode.InvalidRedirectURI)

		r := e.op(t, http.MethodPost, "end_session", q, http.Header{"Cookie": {"glt_" + e.Site.APIKey + "=" + tok}})
		if u := r.location(t); u.String() != "https://rp.example/bye?state=z" {
			t.Errorf("end_session: %s", u)
		}
		wantJSONError(t, e.op(t, http.MethodGet, "userinfo", nil, http.Header{"Authorization": {"Bearer " + t1.AccessToken}}),
			http.StatusUnauthorized, "invalid_token", errcode.InvalidToken)
		// Without a post-logout URI: custos's page.
		r2 := e.op(t, http.MethodGet, "end_session", url.Values{"client_id": {c.ClientID}}, nil)
		if u := r2.location(t); u.String() != e.issuer+"/end_session/done" {
			t.Errorf("end_session without post_logout_redirect_uri: %s", u)
		}
		if r3 := e.op(t, http.MethodGet, "end_session/done", nil, nil); r3.status != http.StatusOK || !strings.Contains(string(r3.body), "logged out of test") {
			t.Errorf("logged-out page: %d %s", r3.status, r3.body)
		}
		if e.SessionCode(t, tok) == 0 {
			t.Error("the custos session outlived end_session")
		}
		cleared := map[string]bool{}
		for _, ck := range (&http.Response{Header: r.header}).Cookies() {
			cleared[ck.Name] = ck.MaxAge < 0
		}
		if len(cleared) != 2 || !cleared["glt_"+e.Site.APIKey] || !cleared["__Host-custos-sso-"+e.Site.APIKey] {
			t.Errorf("cookies %v", r.header["Set-Cookie"])
		}
	})
}

// TestDiscovery: discovery names the site's endpoints; jwks its keys.
func TestDiscovery(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		m := e.op(t, http.MethodGet, ".well-known/openid-configuration", nil, nil).json(t)
		for k, v := range map[string]string{"issuer": "", "authorization_endpoint": "/authorize", "token_endpoint": "/token",
			"userinfo_endpoint": "/userinfo", "jwks_uri": "/jwks", "introspection_endpoint": "/introspect",
			"revocation_endpoint": "/revoke", "end_session_endpoint": "/end_session"} {
			if m[k] != e.issuer+v {
				t.Errorf("%s: %v", k, m[k])
			}
		}
		if !slices.Equal(asStrings(m["code_challenge_methods_supported"]), []string{"S256"}) ||
			!slices.Contains(asStrings(m["id_token_signing_alg_values_supported"]), "RS256") {
			t.Errorf("discovery: %v", m)
		}
		// Only what custos does: no device flow, no JWT bearer grant, no JWT
		// client authentication.
		if g := asStrings(m["grant_types_supported"]); !slices.Equal(g,
			[]string{"authorization_code", "implicit", "refresh_token", "client_credentials"}) {
			t.Errorf("grant_types_supported: %v", g)
		}
		for _, k := range []string{"device_authorization_endpoint", "revocation_endpoint_auth_signing_alg_values_supported",
			"introspection_endpoint_auth_signing_alg_values_supported", "token_endpoint_auth_signing_alg_values_supported"} {
			if m[k] != nil {
				t.Errorf("%s: %v", k, m[k])
			}
		}
		if a := asStrings(m["introspection_endpoint_auth_methods_supported"]); !slices.Equal(a, []string{"client_secret_basic", "client_secret_post"}) {
			t.Errorf("introspection_endpoint_auth_methods_supported: %v", a)
		}
		keys := e.op(t, http.MethodGet, "jwks", nil, nil).json(t)["keys"].([]any)
		jwk, err := e.Keys.PublicJWK(context.Background(), e.Site.ID)
		if err != nil {
			t.Fatal(err)
		}
		k0 := keys[0].(map[string]any)
		if k0["kid"] != jwk.KeyID || k0["alg"] != "RS256" || k0["use"] != "sig" || k0["d"] != nil {
			t.Errorf("jwks: %v", keys)
		}
	})
}

func asStrings(v any) []string {
	var out []string
	for _, s := range v.([]any) {
		out = append(out, s.(string))
	}
	return out
}
