package oidcop_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/oauth"
)

// TestCodeSecurity: a code works once, for its client and redirect_uri,
// before it expires; a second use revokes what the first issued.
func TestCodeSecurity(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		c := e.newClient(t, false, nil)
		other := e.newClient(t, false, nil)
		_, tok := e.login(t, "code@example.com")
		exchange := func(code, verifier string, c oauth.NewClient, redirect string) response {
			return e.op(t, http.MethodPost, "token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
				"code_verifier": {verifier}, "redirect_uri": {redirect}, "client_id": {c.ClientID}, "client_secret": {c.Secret}}, nil)
		}

		// Reuse: the second exchange fails and revokes the first's tokens.
		code, verifier := e.codeFlow(t, c.ClientID, tok, nil)
		r := exchange(code, verifier, c, "https://rp.example/cb")
		if r.status != http.StatusOK {
			t.Fatalf("exchange: %d %s", r.status, r.body)
		}
		first := r.json(t)
		wantJSONError(t, exchange(code, verifier, c, "https://rp.example/cb"), http.StatusBadRequest, "invalid_grant", errcode.InvalidGrant)
		bearer := http.Header{"Authorization": {"Bearer " + first["access_token"].(string)}}
		wantJSONError(t, e.op(t, http.MethodGet, "userinfo", nil, bearer), http.StatusUnauthorized, "invalid_token", errcode.InvalidToken)
		wantJSONError(t, e.op(t, http.MethodPost, "token", url.Values{"grant_type": {"refresh_token"},
			"refresh_token": {first["refresh_token"].(string)}, "client_id": {c.ClientID}, "client_secret": {c.Secret}}, nil),
			http.StatusBadRequest, "invalid_grant", errcode.InvalidGrant)

		// Another client, another redirect_uri, a wrong verifier: refused,
		// and the code is still good for its own exchange.
		code, verifier = e.codeFlow(t, c.ClientID, tok, nil)
		wantJSONError(t, exchange(code, verifier, other, "https://rp.example/cb"), http.StatusBadRequest, "invalid_grant", errcode.InvalidGrant)
		wantJSONError(t, exchange(code, verifier, c, "https://rp.example/other"), http.StatusBadRequest, "invalid_grant", errcode.InvalidGrant)
		wantJSONError(t, exchange(code, oauth2.GenerateVerifier(), c, "https://rp.example/cb"), http.StatusBadRequest, "invalid_grant", errcode.InvalidGrant)
		wantJSONError(t, exchange(code, "", c, "https://rp.example/cb"), http.StatusBadRequest, "invalid_request", errcode.MissingRequiredParameter)
		if r := exchange(code, verifier, c, "https://rp.example/cb"); r.status != http.StatusOK {
			t.Errorf("the code after refused exchanges: %d %s", r.status, r.body)
		}
		wantJSONError(t, exchange("no-such-code", verifier, c, "https://rp.example/cb"), http.StatusBadRequest, "invalid_grant", errcode.InvalidGrant)

		// Expired.
		code, verifier = e.codeFlow(t, c.ClientID, tok, nil)
		e.clock.advance(oauth.DefaultCodeLifetime + time.Second)
		wantJSONError(t, exchange(code, verifier, c, "https://rp.example/cb"), http.StatusBadRequest, "invalid_grant", errcode.CodeExpired)
	})
}

// TestTokenErrors: every failure of the token endpoint has its catalog
// code next to its RFC 6749 error.
func TestTokenErrors(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		c := e.newClient(t, false, nil)
		basic := func(s string) http.Header {
			return http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(s))}}
		}
		for _, tc := range []struct {
			name   string
			path   string
			form   url.Values
			header http.Header
			status int
			rfc    string
			code   errcode.Code
		}{
			{"unsupported grant_type", "token", url.Values{"grant_type": {"password"}, "client_id": {c.ClientID}}, nil,
				http.StatusBadRequest, "unsupported_grant_type", errcode.UnsupportedGrantType},
			{"grant_type missing", "token", url.Values{"client_id": {c.ClientID}}, nil,
				http.StatusBadRequest, "invalid_request", errcode.MissingRequiredParameter},
			{"code missing", "token", url.Values{"grant_type": {"authorization_code"}}, basic(c.ClientID + ":" + c.Secret),
				http.StatusBadRequest, "invalid_request", errcode.MissingRequiredParameter},
			{"wrong secret", "token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}}, basic(c.ClientID + ":nope"),
				http.StatusUnauthorized, "invalid_client", errcode.InvalidSecret},
			{"unknown client", "token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}}, basic("nobody:nope"),
				http.StatusUnauthorized, "invalid_client", errcode.InvalidSecret},
			{"client without client_credentials", "token", url.Values{"grant_type": {"client_credentials"}}, basic(c.ClientID + ":" + c.Secret),
				http.StatusBadRequest, "unauthorized_client", errcode.UnsupportedGrantType},
			{"malformed Basic", "token", url.Values{"grant_type": {"authorization_code"}}, http.Header{"Authorization": {"Basic !!!"}},
				http.StatusBadRequest, "invalid_request", errcode.InvalidAuthenticationHeader},
			{"not Basic", "token", url.Values{"grant_type": {"authorization_code"}}, http.Header{"Authorization": {"Digest x"}},
				http.StatusBadRequest, "invalid_request", errcode.InvalidAuthenticationHeader},
			{"refresh_token unknown", "token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"nope"}}, basic(c.ClientID + ":" + c.Secret),
				http.StatusBadRequest, "invalid_grant", errcode.InvalidGrant},
			{"userinfo without token", "userinfo", nil, nil, http.StatusUnauthorized, "invalid_token", errcode.InvalidToken},
			{"userinfo forged token", "userinfo", nil, http.Header{"Authorization": {"Bearer a.b.c"}},
				http.StatusUnauthorized, "invalid_token", errcode.InvalidToken},
			{"userinfo not Bearer", "userinfo", nil, http.Header{"Authorization": {"Basic eDp5"}},
				http.StatusBadRequest, "invalid_request", errcode.InvalidAuthenticationHeader},
			{"introspect unauthenticated", "introspect", url.Values{"token": {"x"}, "client_id": {c.ClientID}}, nil,
				http.StatusUnauthorized, "invalid_client", errcode.InvalidSecret},
			{"revoke wrong secret", "revoke", url.Values{"token": {"x"}}, basic(c.ClientID + ":nope"),
				http.StatusUnauthorized, "invalid_client", errcode.InvalidSecret},
			{"no such endpoint", "keys", nil, nil, http.StatusNotFound, "invalid_request", errcode.NotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				method := http.MethodPost
				if tc.path == "userinfo" || tc.path == "keys" {
					method = http.MethodGet
				}
				r := e.op(t, method, tc.path, tc.form, tc.header)
				wantJSONError(t, r, tc.status, tc.rfc, tc.code)
				// RFC 6749 5.2: a 401 to Basic credentials names the scheme.
				basicSent := strings.HasPrefix(tc.header.Get("Authorization"), "Basic ")
				if got, want := r.header.Get("WWW-Authenticate"), `Basic realm="`+e.issuer+`"`; tc.status == http.StatusUnauthorized &&
					tc.rfc == "invalid_client" && (got == want) != basicSent {
					t.Errorf("WWW-Authenticate %q (Basic sent: %v)", got, basicSent)
				}
			})
		}
		// An unknown apiKey: JSON for a program, the error page for a browser.
		wantJSONError(t, e.do(t, http.MethodPost, "/oidc/op/v1.0/nokey/token", url.Values{"grant_type": {"x"}}, nil),
			http.StatusBadRequest, "invalid_request", errcode.InvalidAPIKey)
		wantErrorPage(t, e.do(t, http.MethodGet, "/oidc/op/v1.0/nokey/authorize", url.Values{"client_id": {c.ClientID}}, nil),
			errcode.InvalidAPIKey)
	})
}

// TestAuthorizeErrors: what cannot go back to the client is the error
// page, never a redirect; the rest goes back with its RFC error and state.
func TestAuthorizeErrors(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		conf := e.newClient(t, false, nil)
		pub := e.newClient(t, true, nil)
		verifier := oauth2.GenerateVerifier()
		q := func(c oauth.NewClient, kv ...string) url.Values {
			v := url.Values{"client_id": {c.ClientID}, "redirect_uri": {"https://rp.example/cb"}, "response_type": {"code"},
				"scope": {"openid"}, "state": {"s-9"}, "code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)},
				"code_challenge_method": {"S256"}}
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i+1] == "" {
					v.Del(kv[i])
				} else {
					v.Set(kv[i], kv[i+1])
				}
			}
			return v
		}
		for _, tc := range []struct {
			name string
			q    url.Values
			code errcode.Code
		}{
			{"unregistered redirect_uri", q(conf, "redirect_uri", "https://evil.example/cb"), errcode.InvalidRedirectURI},
			{"redirect_uri with a different query", q(conf, "redirect_uri", "https://rp.example/cb?x=1"), errcode.InvalidRedirectURI},
			{"redirect_uri missing", q(conf, "redirect_uri", ""), errcode.InvalidRedirectURI},
			{"unknown client_id", q(conf, "client_id", "nobody"), errcode.InvalidParameterValue},
			{"client_id missing", q(conf, "client_id", ""), errcode.MissingRequiredParameter},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantErrorPage(t, e.op(t, http.MethodGet, "authorize", tc.q, nil), tc.code)
			})
		}
		for _, tc := range []struct {
			name string
			q    url.Values
			rfc  string
		}{
			{"public client without PKCE", q(pub, "code_challenge", "", "code_challenge_method", ""), "invalid_request"},
			{"public client with plain", q(pub, "code_challenge", verifier, "code_challenge_method", "plain"), "invalid_request"},
			{"confidential client with plain", q(conf, "code_challenge", verifier, "code_challenge_method", "plain"), "invalid_request"},
			{"response_type not allowed", q(conf, "response_type", "id_token"), "unauthorized_client"},
			{"response_type unknown", q(conf, "response_type", "bogus"), "unauthorized_client"},
			{"scope missing", q(conf, "scope", ""), "invalid_request"},
			{"prompt=none without a session", q(conf, "prompt", "none"), "login_required"},
			{"nonce too long", q(conf, "nonce", strings.Repeat("n", 3000)), "invalid_request"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantRedirectError(t, e.authorizeAll(t, tc.q), "https://rp.example/cb", tc.rfc, "s-9")
			})
		}
		// authorize/continue with an unknown context: the error page.
		wantErrorPage(t, e.op(t, http.MethodGet, "authorize/continue", url.Values{"context": {"nope"}}, nil), errcode.InvalidParameterValue)
		wantErrorPage(t, e.op(t, http.MethodGet, "authorize/continue", nil, nil), errcode.MissingRequiredParameter)
	})
}
