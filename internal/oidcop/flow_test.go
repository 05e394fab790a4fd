package oidcop_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/oauth"
)

// codeFlow runs authorize → login → continue for client c and returns the
// code, after checking state.
func (e *env) codeFlow(t *testing.T, clientID, tok string, extra url.Values) (code, verifier string) {
	t.Helper()
	verifier = oauth2.GenerateVerifier()
	q := url.Values{"client_id": {clientID}, "redirect_uri": {"https://rp.example/cb"}, "response_type": {"code"},
		"scope": {"openid email profile offline_access"}, "state": {"st-1"}, "nonce": {"n-1"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}
	for k, v := range extra {
		q[k] = v
	}
	id := e.authorize(t, q)
	u := e.op(t, http.MethodGet, "authorize/continue", url.Values{"context": {id}, "login_token": {tok}}, nil).location(t)
	if got := u.Scheme + "://" + u.Host + u.Path; got != "https://rp.example/cb" || u.Query().Get("state") != q.Get("state") {
		t.Fatalf("continue: redirect %s", u)
	}
	return u.Query().Get("code"), verifier
}

func (e *env) config(c oauth.NewClient) *oauth2.Config {
	return &oauth2.Config{ClientID: c.ClientID, ClientSecret: c.Secret, RedirectURL: "https://rp.example/cb",
		Endpoint: oauth2.Endpoint{AuthURL: e.issuer + "/authorize", TokenURL: e.issuer + "/token"},
		Scopes:   []string{"openid", "email", "profile", "offline_access"}}
}

// TestCodeFlow: the code flow with PKCE, as go-oidc (discovery, jwks,
// id_token) and x/oauth2 see it: login through accounts.login's session,
// the id_token's nonce, userinfo, refresh rotation, and reuse of a rotated
// refresh token revoking the family.
func TestCodeFlow(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := e.ctx()
		provider, err := oidc.NewProvider(ctx, e.issuer)
		if err != nil {
			t.Fatal(err)
		}
		for _, public := range []bool{false, true} {
			c := e.newClient(t, public, nil)
			uid, tok := e.login(t, map[bool]string{false: "conf@example.com", true: "pub@example.com"}[public])
			code, verifier := e.codeFlow(t, c.ClientID, tok, nil)
			conf := e.config(c)
			t1, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := t1.Extra("id_token").(string)
			idt, err := provider.Verifier(&oidc.Config{ClientID: c.ClientID}).Verify(ctx, raw)
			if err != nil {
				t.Fatal(err)
			}
			if idt.Subject != uid || idt.Nonce != "n-1" || idt.Issuer != e.issuer {
				t.Errorf("id_token: sub %s nonce %s iss %s", idt.Subject, idt.Nonce, idt.Issuer)
			}
			if t1.RefreshToken == "" || t1.TokenType != "Bearer" {
				t.Fatalf("token: %+v", t1)
			}
			info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(t1))
			if err != nil {
				t.Fatal(err)
			}
			var claims map[string]any
			info.Claims(&claims)
			if info.Subject != uid || info.Email != map[bool]string{false: "conf@example.com", true: "pub@example.com"}[public] ||
				claims["given_name"] != "Ada" || claims["family_name"] != "Lovelace" || claims["name"] != "Ada Lovelace" {
				t.Errorf("userinfo: %v", claims)
			}
			// The access token is a JWT of the site's keys.
			if _, err := provider.VerifierContext(ctx, &oidc.Config{SkipClientIDCheck: true}).Verify(ctx, t1.AccessToken); err != nil {
				t.Errorf("access token: %v", err)
			}

			// Refresh: a new pair; the old refresh token a second time
			// revokes the family (the new refresh token and the access
			// tokens too).
			form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {t1.RefreshToken}, "client_id": {c.ClientID}}
			if !public {
				form.Set("client_secret", c.Secret)
			}
			r := e.op(t, http.MethodPost, "token", form, nil)
			m := r.json(t)
			t2, _ := m["refresh_token"].(string)
			if r.status != http.StatusOK || t2 == "" || t2 == t1.RefreshToken || m["id_token"] == nil ||
				r.header.Get("Cache-Control") != "no-store" {
				t.Fatalf("refresh: HTTP %d %s", r.status, r.body)
			}
			wantJSONError(t, e.op(t, http.MethodPost, "token", form, nil), http.StatusBadRequest, "invalid_grant", errcode.InvalidGrant)
			form.Set("refresh_token", t2)
			wantJSONError(t, e.op(t, http.MethodPost, "token", form, nil), http.StatusBadRequest, "invalid_grant", errcode.InvalidGrant)
			wantJSONError(t, e.op(t, http.MethodGet, "userinfo", nil, http.Header{"Authorization": {"Bearer " + m["access_token"].(string)}}),
				http.StatusUnauthorized, "invalid_token", errcode.InvalidToken)
			if !slices.Contains(idt.Audience, c.ClientID) {
				t.Errorf("aud %v", idt.Audience)
			}
		}
	})
}
