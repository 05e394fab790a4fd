package token_test

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/token"
)

func TestIssuer(t *testing.T) {
	for template, want := range map[string]string{
		token.GigyaIssuer: "https://fidm.gigya.com/jwt/3_k/",
		token.DefaultIssuer("https://id.example.com/"): "https://id.example.com/jwt/3_k/",
		token.DefaultIssuer("http://custos.test/base"): "http://custos.test/base/jwt/3_k/",
		"https://id.example.com/{apiKey}":              "https://id.example.com/3_k",
		"https://id.example.com/t/{apiKey}/{apiKey}":   "https://id.example.com/t/3_k/3_k",
	} {
		if err := token.CheckIssuer(template); err != nil {
			t.Errorf("CheckIssuer(%q): %v", template, err)
		}
		if got := token.Issuer(template, "3_k"); got != want {
			t.Errorf("Issuer(%q) = %q, want %q", template, got, want)
		}
	}
	for template, want := range map[string]string{
		"https://fidm.gigya.com":                "want a URL with {apiKey}, such as https://fidm.gigya.com/jwt/{apiKey}/",
		"":                                      "want a URL with {apiKey}",
		"https://fidm.gigya.com/jwt/{apikey}/":  "want a URL with {apiKey}",
		"https://id.example.com/{apiKey}/{uid}": "the only placeholder is {apiKey}",
		"fidm.gigya.com/jwt/{apiKey}/":          "want an absolute http(s) URL",
		"ftp://fidm.gigya.com/jwt/{apiKey}/":    "want an absolute http(s) URL",
		"https:///jwt/{apiKey}/":                "want an absolute http(s) URL",
		"https://id.example.com/{apiKey}?x=1":   "want no query or fragment",
		"https://id.example.com/{apiKey}#x":     "want no query or fragment",
		"https://id.example.com/{apiKey}?":      "want no query or fragment",
		"https://{apiKey}.example.com/":         "{apiKey} goes in the path, not the host",
		"https://{apiKey}@id.example.com/":      "{apiKey} goes in the path, not the host",
	} {
		if err := token.CheckIssuer(template); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("CheckIssuer(%q) = %v, want %q", template, err, want)
		}
	}
}

func TestValidField(t *testing.T) {
	for name, want := range map[string]bool{"firstName": true, "email": true, "": false, "data.plan": false, "first name": false} {
		if got := token.ValidField(name); got != want {
			t.Errorf("ValidField(%q) = %v", name, got)
		}
	}
}

// reservedProfile is a profile that sets claims relying parties check.
var reservedProfile = map[string]any{
	"phone_number": "+15550100", "phone_number_verified": true, "updated_at": 1.0, "scope": "admin",
	"client_id": "rp", "cnf": map[string]any{"jkt": "x"}, "act": map[string]any{"sub": "admin"},
	"may_act": map[string]any{"sub": "admin"}, "typ": "at+jwt", "roles": []any{"admin"}, "groups": []any{"staff"},
	"entitlements": []any{"all"}, "sub_jwk": map[string]any{"kty": "RSA"}, "s_hash": "x",
	"nbf": 1.0, "jti": "x", "at_hash": "x", "c_hash": "x", "auth_time": 1.0, "amr": []any{"pwd"},
	"apiKey": "3_other", "isLoggedIn": true,
}

func TestClaims(t *testing.T) {
	a := account.Account{UID: "u1", Email: "Ann@Example.com", EmailVerified: true,
		Profile: map[string]any{"firstName": "Ann", "email": "ceo@victim.example", "sub": "x", "iss": "x", "age": 30.0}}
	now := time.Unix(1_800_000_000, 0)
	base := func(extra map[string]any) map[string]any {
		m := map[string]any{"iss": "https://fidm.gigya.com/jwt/3_k/", "apiKey": "3_k", "sub": "u1",
			"iat": now.Unix(), "exp": now.Unix() + 300, "email_verified": true}
		maps.Copy(m, extra)
		return m
	}
	opts := func(o token.ClaimOptions) token.ClaimOptions {
		o.Issuer, o.APIKey, o.Now = token.GigyaIssuer, "3_k", now
		return o
	}
	for _, tc := range []struct {
		name string
		a    account.Account
		o    token.ClaimOptions
		want map[string]any
	}{
		{"defaults", a, opts(token.ClaimOptions{}), base(nil)},
		{"lifetime and audience", a, opts(token.ClaimOptions{Lifetime: time.Minute, Audience: "rp"}),
			base(map[string]any{"exp": now.Unix() + 60, "aud": "rp"})},
		{"lifetime capped at MaxLifetime", a, opts(token.ClaimOptions{Lifetime: 48 * time.Hour}),
			base(map[string]any{"exp": now.Unix() + 86400})},
		{"profile fields; unknown ones left out", a, opts(token.ClaimOptions{Fields: []string{"firstName", "age", "missing"}}),
			base(map[string]any{"firstName": "Ann", "age": 30.0})},
		{"reserved claims are not replaced", a, opts(token.ClaimOptions{Fields: []string{"sub", "iss", "exp"}}), base(nil)},
		{"aud is reserved when given", account.Account{UID: "u1", Profile: map[string]any{"aud": "evil"}},
			opts(token.ClaimOptions{Audience: "rp", Fields: []string{"aud"}}), base(map[string]any{"aud": "rp", "email_verified": false})},
		{"aud, azp and nonce are reserved when not given", account.Account{UID: "u1",
			Profile: map[string]any{"aud": "https://bank.example", "azp": "rp", "nonce": "n", "acr": "2", "sid": "s"}},
			opts(token.ClaimOptions{Fields: []string{"aud", "azp", "nonce", "acr", "sid"}}), base(map[string]any{"email_verified": false})},
		{"OIDC, OAuth and authorization claims are reserved", account.Account{UID: "u1", Profile: reservedProfile},
			opts(token.ClaimOptions{Fields: slices.Collect(maps.Keys(reservedProfile))}), base(map[string]any{"email_verified": false})},
		{"email is the account's own address, not profile.email", a, opts(token.ClaimOptions{Fields: []string{"email"}}),
			base(map[string]any{"email": "Ann@Example.com"})},
		{"no email claim without an address", account.Account{UID: "u1", Profile: map[string]any{"email": "x@example.com"}},
			opts(token.ClaimOptions{Fields: []string{"email"}}), base(map[string]any{"email_verified": false})},
		{"paths are not fields", a, opts(token.ClaimOptions{Fields: []string{"data.plan", ""}}), base(nil)},
	} {
		if got := token.Claims(tc.a, tc.o); !maps.Equal(got, tc.want) {
			t.Errorf("%s:\n got %v\nwant %v", tc.name, got, tc.want)
		}
	}
}
