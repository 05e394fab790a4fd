package apitest

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/custos-id/custos/internal/social"
	"github.com/custos-id/custos/internal/token/tokentest"
)

// UpstreamClientID is the client ID custos has at an Upstream.
const UpstreamClientID = "custos-at-upstream"

// Upstream is a minimal OpenID provider for tests of social login: its
// discovery document and JWKS, and id_tokens it signs (RS256, a key of
// tokentest). Native-token flows (notifySocialLogin, Social ID sign-ins)
// need no more of it.
type Upstream struct {
	*httptest.Server
	t *testing.T
}

// NewUpstream starts an Upstream until the test ends.
func NewUpstream(t *testing.T) *Upstream {
	t.Helper()
	u := &Upstream{t: t}
	mux := http.NewServeMux()
	u.Server = httptest.NewServer(mux)
	t.Cleanup(u.Close)
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"issuer": u.URL, "authorization_endpoint": u.URL + "/auth",
			"token_endpoint": u.URL + "/token", "jwks_uri": u.URL + "/jwks",
			"id_token_signing_alg_values_supported": []string{"RS256"}, "response_types_supported": []string{"code"},
			"subject_types_supported": []string{"public"}})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &tokentest.Key(3).PublicKey,
			KeyID: "up1", Algorithm: "RS256", Use: "sig"}}})
	})
	return u
}

// Configure makes the Upstream the provider name of a's site, custos being
// the client UpstreamClientID.
func (u *Upstream) Configure(t *testing.T, a *App, name string) {
	t.Helper()
	if _, err := a.App.Social.SetProvider(context.Background(), a.Site.ID, social.Provider{Name: name, Kind: social.OIDC,
		ClientID: UpstreamClientID, ClientSecret: "upstream-secret", Issuer: u.URL, Enabled: true}); err != nil {
		t.Fatal(err)
	}
}

// IDToken signs an id_token of the user sub for UpstreamClientID, issued at
// Now and valid for an hour, each a new one (a random jti: custos takes an
// id_token once); claims add to or replace the standard ones
// (aud, exp …; a nil value removes one).
func (u *Upstream) IDToken(sub string, claims map[string]any) string {
	u.t.Helper()
	c := map[string]any{"iss": u.URL, "aud": UpstreamClientID, "sub": sub, "iat": Now.Unix(),
		"exp": Now.Add(time.Hour).Unix(), "jti": rand.Text()}
	for k, v := range claims {
		if v == nil {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: tokentest.Key(3), KeyID: "up1"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		u.t.Fatal(err)
	}
	payload, _ := json.Marshal(c)
	jws, err := s.Sign(payload)
	if err != nil {
		u.t.Fatal(err)
	}
	raw, err := jws.CompactSerialize()
	if err != nil {
		u.t.Fatal(err)
	}
	return raw
}

// Session is the providerSessions parameter of an id_token of provider.
func Session(provider, idToken string) string {
	b, _ := json.Marshal(map[string]any{provider: map[string]string{"idToken": idToken}})
	return string(b)
}
