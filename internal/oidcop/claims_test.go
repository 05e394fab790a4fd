package oidcop_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/oauth"
)

// TestClaims: the scopes release the standard claims from the Gigya
// profile, and a custom scope the claims the site's configuration maps to
// account fields (customClaims), in userinfo and in the id_token.
func TestClaims(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		if _, err := e.OAuth.SetConfig(context.Background(), e.Site.ID, func(c *oauth.Config) error {
			c.CustomClaims = map[string]oauth.Claim{"tier": {FieldName: "data.loyalty.tier"}, "town": {FieldName: "profile.city"}}
			c.CustomScopes = map[string][]string{"loyalty": {"tier", "town", "email"}}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		c := e.newClient(t, false, nil)
		uid, tok := e.login(t, "claims@example.com")
		m := e.Call(t, "accounts.setAccountInfo", e.Secret("UID", uid, "data", `{"loyalty":{"tier":"gold"}}`,
			"profile", `{"birthYear":1815,"birthMonth":12,"birthDay":10,"gender":"f","city":"London","zip":"W1","country":"UK","locale":"en-GB","photoURL":"https://img.example/ada.png","phones":[{"type":"mobile","number":"+44 20 7946 0000"}]}`))
		if m["errorCode"] != 0.0 {
			t.Fatalf("setAccountInfo: %s", apitest.Dump(m))
		}
		ctx := e.ctx()
		provider, err := oidc.NewProvider(ctx, e.issuer)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			scope string
			want  map[string]any
			not   []string
		}{
			{"openid", map[string]any{"sub": uid}, []string{"email", "name", "tier", "address"}},
			{"openid email", map[string]any{"email": "claims@example.com", "email_verified": false}, []string{"name", "tier"}},
			{"openid profile", map[string]any{"name": "Ada Lovelace", "given_name": "Ada", "family_name": "Lovelace",
				"nickname": "ada", "gender": "female", "birthdate": "1815-12-10", "locale": "en-GB",
				"picture": "https://img.example/ada.png"}, []string{"email", "tier"}},
			{"openid address", map[string]any{"address": map[string]any{"locality": "London", "postal_code": "W1", "country": "UK"}}, []string{"name"}},
			{"openid phone", map[string]any{"phone_number": "+44 20 7946 0000"}, []string{"name", "email"}},
			{"openid loyalty", map[string]any{"tier": "gold", "town": "London", "email": "claims@example.com"}, []string{"name", "address"}},
		} {
			code, verifier := e.codeFlow(t, c.ClientID, tok, url.Values{"scope": {tc.scope}})
			t1, err := e.config(c).Exchange(ctx, code, oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatal(err)
			}
			r := e.op(t, http.MethodGet, "userinfo", nil, http.Header{"Authorization": {"Bearer " + t1.AccessToken}})
			info := r.json(t)
			for k, v := range tc.want {
				if !apitest.JSONEqual(info[k], v) {
					t.Errorf("%s: userinfo %s = %v, want %v", tc.scope, k, info[k], v)
				}
			}
			for _, k := range tc.not {
				if _, ok := info[k]; ok {
					t.Errorf("%s: userinfo has %s: %s", tc.scope, k, r.body)
				}
			}
			if info["sub"] != uid || info["updated_at"] == nil && tc.scope == "openid profile" {
				t.Errorf("%s: userinfo %s", tc.scope, r.body)
			}
			idt, err := provider.Verifier(&oidc.Config{ClientID: c.ClientID}).Verify(ctx, t1.Extra("id_token").(string))
			if err != nil {
				t.Fatal(err)
			}
			var claims map[string]any
			idt.Claims(&claims)
			if claims["auth_time"] == nil || claims["at_hash"] == nil || claims["c_hash"] == nil {
				t.Errorf("%s: id_token %v", tc.scope, claims)
			}
			// The id_token carries the claims of its scopes too.
			for k, v := range tc.want {
				if !apitest.JSONEqual(claims[k], v) {
					t.Errorf("%s: id_token %s = %v, want %v", tc.scope, k, claims[k], v)
				}
			}
		}
	})
}
