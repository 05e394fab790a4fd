package social_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/secretbox"
	"github.com/custos-id/custos/internal/social"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/conformance"
	"github.com/custos-id/custos/internal/store/storetest"
	"github.com/custos-id/custos/internal/token/tokentest"
)

// op is a small OpenID provider for the tests: discovery, a JWKS, a token
// endpoint that checks the client, the code, the redirect URI and the PKCE
// verifier, and userinfo. Its knobs make it misbehave.
type op struct {
	*httptest.Server
	t      *testing.T
	key    *rsa.PrivateKey
	mu     sync.Mutex
	codes  map[string]grant
	tokens map[string]map[string]any // access token → userinfo claims
	// knobs
	aud         string        // the id_token's aud ("": the client)
	iss         string        // the id_token's iss ("": the issuer)
	life        time.Duration // the id_token's life (default an hour)
	nonce       string        // the id_token's nonce ("": the request's)
	signer      *rsa.PrivateKey
	tokenStatus int    // answer the token endpoint with this status
	tokenError  string // … and this error code
	now         func() time.Time
}

type grant struct {
	challenge, nonce, redirectURI string
	claims                        map[string]any
}

const clientID, clientSecret = "custos-client", "the-client-secret"

func newOP(t *testing.T, now func() time.Time) *op {
	o := &op{t: t, key: tokentest.Key(0), codes: map[string]grant{}, tokens: map[string]map[string]any{}, now: now}
	mux := http.NewServeMux()
	o.Server = httptest.NewServer(mux)
	t.Cleanup(o.Close)
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"issuer": o.URL, "authorization_endpoint": o.URL + "/auth",
			"token_endpoint": o.URL + "/token", "userinfo_endpoint": o.URL + "/userinfo", "jwks_uri": o.URL + "/jwks",
			"id_token_signing_alg_values_supported": []string{"RS256"}})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &o.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("POST /token", o.token)
	mux.HandleFunc("GET /userinfo", func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		c, ok := o.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		o.mu.Unlock()
		if !ok {
			http.Error(w, `{"error":"invalid_token"}`, http.StatusUnauthorized)
			return
		}
		json.NewEncoder(w).Encode(c)
	})
	return o
}

// authorize is the user at the provider: it reads custos's authorization
// URL and answers the callback's query, as the provider's redirect would.
func (o *op) authorize(authURL string, claims map[string]any) url.Values {
	o.t.Helper()
	u, err := url.Parse(authURL)
	if err != nil || !strings.HasPrefix(authURL, o.URL+"/auth?") {
		o.t.Fatalf("authorization URL %q", authURL)
	}
	q := u.Query()
	if q.Get("client_id") != clientID || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" ||
		q.Get("code_challenge") == "" || q.Get("state") == "" || !strings.Contains(q.Get("scope"), "openid") {
		o.t.Fatalf("authorization request %v", q)
	}
	code := base64.RawURLEncoding.EncodeToString([]byte(q.Get("state")))[:20]
	o.mu.Lock()
	o.codes[code] = grant{challenge: q.Get("code_challenge"), nonce: q.Get("nonce"), redirectURI: q.Get("redirect_uri"), claims: claims}
	o.mu.Unlock()
	return url.Values{"code": {code}, "state": {q.Get("state")}}
}

func (o *op) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	fail := func(status int, code string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"error": code})
	}
	if o.tokenStatus != 0 {
		fail(o.tokenStatus, o.tokenError)
		return
	}
	if id != clientID || secret != clientSecret {
		fail(http.StatusUnauthorized, "invalid_client")
		return
	}
	o.mu.Lock()
	g, ok := o.codes[r.PostForm.Get("code")]
	delete(o.codes, r.PostForm.Get("code"))
	o.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if !ok || g.redirectURI != r.PostForm.Get("redirect_uri") || base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		fail(http.StatusBadRequest, "invalid_grant")
		return
	}
	at := "at-" + r.PostForm.Get("code")
	o.mu.Lock()
	o.tokens[at] = g.claims
	o.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": 3600,
		"id_token": o.idToken(g.nonce, g.claims["sub"].(string), map[string]any{"email": g.claims["email"], "email_verified": g.claims["email_verified"]})})
}

// idToken signs an id_token as the knobs say.
func (o *op) idToken(nonce, sub string, extra map[string]any) string {
	now := o.now()
	life := o.life
	if life == 0 {
		life = time.Hour
	}
	c := map[string]any{"iss": first(o.iss, o.URL), "aud": first(o.aud, clientID), "sub": sub,
		"iat": now.Unix(), "exp": now.Add(life).Unix(), "jti": rand.Text()}
	if n := first(o.nonce, nonce); n != "" {
		c["nonce"] = n
	}
	for k, v := range extra {
		if v != nil {
			c[k] = v
		}
	}
	key := o.key
	if o.signer != nil {
		key = o.signer
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		o.t.Fatal(err)
	}
	payload, _ := json.Marshal(c)
	jws, err := s.Sign(payload)
	if err != nil {
		o.t.Fatal(err)
	}
	raw, _ := jws.CompactSerialize()
	return raw
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

type fixture struct {
	svc  *social.Service
	db   *store.DB
	site int64
	op   *op
	now  time.Time
}

func (f *fixture) clock() time.Time { return f.now }

func forEachEngine(t *testing.T, test func(t *testing.T, f *fixture)) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			db := storetest.Open(t, e)
			box, _ := secretbox.New(make([]byte, 32))
			f := &fixture{db: db, now: time.Now().UTC().Truncate(time.Second)}
			f.svc = social.NewService(db, box, social.Options{Now: f.clock, AllowPrivate: true})
			f.site = conformance.NewSite(t, db).ID
			f.op = newOP(t, f.clock)
			if _, err := f.svc.SetProvider(ctx, f.site, social.Provider{Name: "oidc-acme", Kind: social.OIDC,
				ClientID: clientID, ClientSecret: clientSecret, Issuer: f.op.URL, Enabled: true,
				Claims: social.ClaimMap{"nickname": "preferred_username"}}); err != nil {
				t.Fatal(err)
			}
			test(t, f)
		})
	}
}

var ctx = context.Background()

const callback = "https://id.example/socialize.login/callback"

var user = map[string]any{"sub": "u-1", "email": "ann@example.com", "email_verified": true,
	"given_name": "Ann", "family_name": "Lee", "preferred_username": "ann", "picture": "https://img.example/ann.png"}

func wantCond(t *testing.T, err, cond error) {
	t.Helper()
	if !errors.Is(err, cond) {
		t.Fatalf("err = %v; want %v", err, cond)
	}
	if _, ok := errors.AsType[*account.Error](err); !ok {
		t.Fatalf("err = %T; want an *account.Error", err)
	}
}

// The redirect flow end to end: the authorization URL carries state,
// PKCE and nonce; Complete exchanges the code (the provider checks the
// verifier), verifies the id_token, fills the profile from userinfo and
// gives the Return back.
func TestRedirectFlow(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		exp := 3600
		ret := social.Return{Method: "socialize.login", RedirectURI: "https://site.example/done", ResponseType: "token",
			ClientState: "xyz", LoginMode: "standard", SessionExpiration: &exp, Extra: map[string]string{"x_a": "1"}}
		authURL, err := f.svc.Begin(ctx, f.site, "oidc-acme", callback, ret)
		if err != nil {
			t.Fatal(err)
		}
		q := f.op.authorize(authURL, user)
		site, got, id, err := f.svc.Complete(ctx, q.Get("state"), q.Get("code"), "")
		if err != nil {
			t.Fatal(err)
		}
		if site != f.site || got.ClientState != "xyz" || *got.SessionExpiration != 3600 || got.Extra["x_a"] != "1" {
			t.Fatalf("Complete: site %d, return %+v", site, got)
		}
		want := account.Identity{Provider: "oidc-acme", Issuer: f.op.URL + " sub", ProviderUID: "u-1", Email: "ann@example.com", EmailVerified: true,
			Profile: map[string]any{"firstName": "Ann", "lastName": "Lee", "nickname": "ann", "photoURL": "https://img.example/ann.png"}}
		if !equalJSON(id, want) {
			t.Fatalf("identity %+v; want %+v", id, want)
		}
		// The state is single use: a replay (of the same code too) fails.
		if _, _, _, err := f.svc.Complete(ctx, q.Get("state"), q.Get("code"), ""); !errors.Is(err, social.ErrState) {
			t.Fatalf("replayed state: %v", err)
		}
		_, _, _, err = f.svc.Complete(ctx, "not-a-state", "c", "")
		wantCond(t, err, social.ErrState)
	})
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// What the provider says, or does, that is refused.
func TestRedirectFlowRefusals(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		begin := func() url.Values {
			t.Helper()
			authURL, err := f.svc.Begin(ctx, f.site, "oidc-acme", callback, social.Return{RedirectURI: "https://site.example/r"})
			if err != nil {
				t.Fatal(err)
			}
			return f.op.authorize(authURL, user)
		}
		complete := func(q url.Values, cond error) {
			t.Helper()
			site, ret, _, err := f.svc.Complete(ctx, q.Get("state"), q.Get("code"), q.Get("error"))
			wantCond(t, err, cond)
			if site != f.site || ret.RedirectURI != "https://site.example/r" {
				t.Fatalf("a refusal of a known attempt: site %d, return %+v", site, ret)
			}
		}
		q := begin()
		q.Set("error", "access_denied")
		complete(q, social.ErrCanceled)

		// An attempt past its life.
		q = begin()
		f.now = f.now.Add(social.AttemptLifetime)
		complete(q, social.ErrState)
		f.now = f.now.Add(-social.AttemptLifetime)

		for _, c := range []struct {
			name string
			knob func()
			cond error
		}{
			{"another audience", func() { f.op.aud = "another-client" }, social.ErrInvalidIDToken},
			{"another issuer", func() { f.op.iss = "https://evil.example" }, social.ErrInvalidIDToken},
			{"expired", func() { f.op.life = -time.Minute }, social.ErrProviderSessionExpired},
			{"another nonce", func() { f.op.nonce = "replayed-nonce" }, social.ErrInvalidIDToken},
			{"another key", func() { f.op.signer = tokentest.Key(1) }, social.ErrInvalidIDToken},
			{"invalid_client", func() { f.op.tokenStatus, f.op.tokenError = http.StatusUnauthorized, "invalid_client" }, social.ErrProviderConfig},
			{"provider down", func() { f.op.tokenStatus, f.op.tokenError = http.StatusBadGateway, "" }, social.ErrProviderFailure},
		} {
			t.Run(c.name, func(t *testing.T) {
				q := begin()
				c.knob()
				defer func() {
					f.op.aud, f.op.iss, f.op.life, f.op.nonce, f.op.signer, f.op.tokenStatus = "", "", 0, "", nil, 0
				}()
				complete(q, c.cond)
			})
		}
		// A code exchanged with another attempt's state (PKCE verifier of
		// the other attempt): the provider refuses it.
		q1, q2 := begin(), begin()
		q1.Set("code", q2.Get("code"))
		complete(q1, social.ErrProviderFailure)
	})
}

// A native session: an id_token verified at the provider's keys with
// aud = the client, an access token at userinfo.
func TestVerifySession(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		idt := f.op.idToken("", "u-2", map[string]any{"email": "bo@example.com"})
		id, err := f.svc.VerifySession(ctx, f.site, "oidc-acme", social.ProviderSession{IDToken: idt})
		if err != nil || id.ProviderUID != "u-2" || id.Email != "bo@example.com" || id.EmailVerified {
			t.Fatalf("VerifySession(idToken) = %+v, %v", id, err)
		}
		// An id_token is taken once (review M1).
		_, err = f.svc.VerifySession(ctx, f.site, "oidc-acme", social.ProviderSession{IDToken: idt})
		wantCond(t, err, social.ErrInvalidIDToken)
		// Several audiences: azp must be this client; an azp of another is refused.
		for _, c := range []struct {
			extra map[string]any
			ok    bool
		}{
			{map[string]any{"aud": []string{clientID, "another-app"}}, false},
			{map[string]any{"aud": []string{clientID, "another-app"}, "azp": "another-app"}, false},
			{map[string]any{"aud": []string{clientID, "another-app"}, "azp": clientID}, true},
			{map[string]any{"azp": "another-app"}, false},
		} {
			_, err = f.svc.VerifySession(ctx, f.site, "oidc-acme", social.ProviderSession{IDToken: f.op.idToken("", "u-2", c.extra)})
			if c.ok && err != nil {
				t.Errorf("%v: %v", c.extra, err)
			} else if !c.ok {
				wantCond(t, err, social.ErrInvalidIDToken)
			}
		}
		f.op.aud = "another-app"
		_, err = f.svc.VerifySession(ctx, f.site, "oidc-acme", social.ProviderSession{IDToken: f.op.idToken("", "u-2", nil)})
		wantCond(t, err, social.ErrInvalidIDToken)
		f.op.aud, f.op.life = "", -time.Second
		_, err = f.svc.VerifySession(ctx, f.site, "oidc-acme", social.ProviderSession{IDToken: f.op.idToken("", "u-2", nil)})
		wantCond(t, err, social.ErrProviderSessionExpired)
		f.op.life = 0

		// An access token alone is no proof of an oidc provider's user for
		// this client (it may be another application's): refused.
		f.op.tokens["good-at"] = map[string]any{"sub": "u-3", "email": "cy@example.com", "email_verified": "true"}
		_, err = f.svc.VerifySession(ctx, f.site, "oidc-acme", social.ProviderSession{AuthToken: "good-at"})
		wantCond(t, err, social.ErrInvalidIDToken)
		if err == nil || !strings.Contains(fmt.Sprint(err.(*account.Error).Args...), "id_token") {
			t.Errorf("the refusal should name the id_token: %v", err)
		}
		// Beside an id_token of the same subject it adds userinfo's claims.
		id, err = f.svc.VerifySession(ctx, f.site, "oidc-acme", social.ProviderSession{
			IDToken: f.op.idToken("", "u-3", nil), AuthToken: "good-at"})
		if err != nil || id.ProviderUID != "u-3" || id.Email != "cy@example.com" {
			t.Fatalf("VerifySession(idToken, authToken) = %+v, %v", id, err)
		}
		_, err = f.svc.VerifySession(ctx, f.site, "oidc-acme", social.ProviderSession{
			IDToken: f.op.idToken("", "u-4", nil), AuthToken: "good-at"})
		wantCond(t, err, social.ErrProviderFailure)
		_, err = f.svc.VerifySession(ctx, f.site, "oidc-acme", social.ProviderSession{
			IDToken: f.op.idToken("", "u-3", nil), AuthToken: "revoked-at"})
		wantCond(t, err, social.ErrProviderSessionExpired)
		// An oidc provider cannot opt in to access tokens alone.
		_, err = f.svc.SetProvider(ctx, f.site, social.Provider{Name: "oidc-acme", Kind: social.OIDC, ClientID: clientID,
			Issuer: f.op.URL, Enabled: true, AcceptAccessTokens: true})
		wantCond(t, err, social.ErrInvalid)
	})
}

// A generic OAuth 2.0 provider: its userinfo mapped by the claim map
// (numbers, nested paths); no email_verified claim: never verified.
func TestOAuth2Provider(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		mux := http.NewServeMux()
		srv := httptest.NewServer(mux)
		defer srv.Close()
		mux.HandleFunc("GET /user", func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer gh-token" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.Write([]byte(`{"id": 12345678901, "login": "octo", "email": "octo@example.com", "avatar": {"url": "https://a.example/o.png"}}`))
		})
		mux.HandleFunc("GET /huge", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"id": "1", "pad": "`))
			w.Write([]byte(strings.Repeat("x", social.MaxBody)))
			w.Write([]byte(`"}`))
		})
		p := social.Provider{Name: "gh", Kind: social.OAuth2, ClientID: "c", AuthURL: srv.URL + "/authorize",
			TokenURL: srv.URL + "/token", UserInfoURL: srv.URL + "/user", Enabled: true,
			Claims: social.ClaimMap{"nickname": "login", "photoURL": "avatar.url"}}
		if _, err := f.svc.SetProvider(ctx, f.site, p); err != nil {
			t.Fatal(err)
		}
		// Access tokens are refused until the site opts in.
		_, err := f.svc.VerifySession(ctx, f.site, "gh", social.ProviderSession{AuthToken: "gh-token"})
		wantCond(t, err, social.ErrInvalidIDToken)
		p.AcceptAccessTokens = true
		if _, err := f.svc.SetProvider(ctx, f.site, p); err != nil {
			t.Fatal(err)
		}
		id, err := f.svc.VerifySession(ctx, f.site, "gh", social.ProviderSession{AuthToken: "gh-token"})
		want := account.Identity{Provider: "gh", Issuer: "oauth2:" + srv.URL + " id", ProviderUID: "12345678901", Email: "octo@example.com",
			Profile: map[string]any{"nickname": "octo", "photoURL": "https://a.example/o.png"}}
		if err != nil || !equalJSON(id, want) {
			t.Fatalf("VerifySession = %+v, %v; want %+v", id, err, want)
		}
		_, err = f.svc.VerifySession(ctx, f.site, "gh", social.ProviderSession{IDToken: "x.y.z"})
		wantCond(t, err, social.ErrInvalidIDToken)
		p.UserInfoURL = srv.URL + "/huge"
		if _, err := f.svc.SetProvider(ctx, f.site, p); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.VerifySession(ctx, f.site, "gh", social.ProviderSession{AuthToken: "gh-token"})
		wantCond(t, err, social.ErrProviderFailure)
	})
}

// The apple preset asks for response_mode=form_post (Apple refuses scopes
// without it); other providers get the default (query).
func TestApplePresetFormPost(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		if _, err := f.svc.SetProvider(ctx, f.site, social.Provider{Name: "apple", ClientID: clientID,
			ClientSecret: clientSecret, Issuer: f.op.URL, Enabled: true}); err != nil {
			t.Fatal(err)
		}
		for name, want := range map[string]string{"apple": "form_post", "oidc-acme": ""} {
			authURL, err := f.svc.Begin(ctx, f.site, name, callback, social.Return{})
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(authURL)
			if got := u.Query().Get("response_mode"); got != want {
				t.Errorf("%s: response_mode=%q, want %q (%s)", name, got, want, authURL)
			}
		}
	})
}

// A preset that can tell to which application an access token was issued
// (Facebook's debug_token) refuses another application's token even when
// the site accepts access tokens.
func TestAccessTokenCheck(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		mux := http.NewServeMux()
		srv := httptest.NewServer(mux)
		defer srv.Close()
		apps := map[string]string{"ours": "1234", "theirs": "9999", "stale": ""}
		mux.HandleFunc("GET /debug_token", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("access_token") != "1234|fb-secret" {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			app, ok := apps[r.URL.Query().Get("input_token")]
			fmt.Fprintf(w, `{"data":{"app_id":%q,"is_valid":%v,"user_id":"42"}}`, app, ok && app != "")
		})
		mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"id": "42", "name": "Al"}`))
		})
		p := social.Provider{Name: "facebook", ClientID: "1234", ClientSecret: "fb-secret", Enabled: true,
			AuthURL: srv.URL + "/dialog", TokenURL: srv.URL + "/token", UserInfoURL: srv.URL + "/me",
			TokenCheckURL: srv.URL + "/debug_token", AcceptAccessTokens: true}
		if _, err := f.svc.SetProvider(ctx, f.site, p); err != nil {
			t.Fatal(err)
		}
		id, err := f.svc.VerifySession(ctx, f.site, "facebook", social.ProviderSession{AuthToken: "ours"})
		if err != nil || id.ProviderUID != "42" {
			t.Fatalf("VerifySession(our app's token) = %+v, %v", id, err)
		}
		_, err = f.svc.VerifySession(ctx, f.site, "facebook", social.ProviderSession{AuthToken: "theirs"})
		wantCond(t, err, social.ErrInvalidIDToken)
		_, err = f.svc.VerifySession(ctx, f.site, "facebook", social.ProviderSession{AuthToken: "stale"})
		wantCond(t, err, social.ErrProviderSessionExpired)
		// A provider of no preset has no check to point elsewhere.
		_, err = f.svc.SetProvider(ctx, f.site, social.Provider{Name: "gh", Kind: social.OAuth2, ClientID: "c",
			AuthURL: srv.URL + "/a", TokenURL: srv.URL + "/t", UserInfoURL: srv.URL + "/me", TokenCheckURL: srv.URL + "/debug_token"})
		wantCond(t, err, social.ErrInvalid)
	})
}

// Which names a site's flows know, and the configuration's checks.
func TestProviders(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		_, err := f.svc.Begin(ctx, f.site, "nosuch", callback, social.Return{})
		wantCond(t, err, social.ErrUnknownProvider)
		_, err = f.svc.Begin(ctx, f.site, "google", callback, social.Return{})
		wantCond(t, err, social.ErrNoProviderApp)
		g, err := f.svc.SetProvider(ctx, f.site, social.Provider{Name: "google", ClientID: "g.apps", ClientSecret: "s1"})
		if err != nil || g.Preset != "google" || g.Kind != social.OIDC || g.ClientSecret != "" || !g.HasSecret || g.Enabled {
			t.Fatalf("SetProvider(google) = %+v, %v", g, err)
		}
		_, err = f.svc.Begin(ctx, f.site, "google", callback, social.Return{})
		wantCond(t, err, social.ErrNoProviderApp) // disabled
		// Replaced without a secret: the stored one stays.
		g, err = f.svc.SetProvider(ctx, f.site, social.Provider{Name: "google", ClientID: "g2.apps", Enabled: true})
		if err != nil || !g.HasSecret || g.ClientID != "g2.apps" {
			t.Fatalf("SetProvider again = %+v, %v", g, err)
		}
		list, err := f.svc.Providers(ctx, f.site)
		if err != nil || len(list) != 2 || list[0].Name != "google" || list[1].Name != "oidc-acme" {
			t.Fatalf("Providers = %+v, %v", list, err)
		}
		for _, bad := range []social.Provider{
			{Name: "X", Kind: social.OIDC, ClientID: "c", Issuer: "https://i.example"},
			{Name: "acme", Kind: "saml", ClientID: "c"},
			{Name: "acme", Kind: social.OIDC, ClientID: "c"},
			{Name: "acme", Kind: social.OIDC, Issuer: "https://i.example"},
			{Name: "acme", Kind: social.OIDC, ClientID: "c", Issuer: "https://u:p@i.example"},
			{Name: "acme", Kind: social.OAuth2, ClientID: "c", AuthURL: "https://a.example"},
			{Name: "acme", Kind: social.OIDC, ClientID: "c", Issuer: "https://i.example", Claims: social.ClaimMap{"password": "x"}},
			{Name: "acme", Kind: social.OIDC, ClientID: "c", Issuer: "https://i.example", Scopes: []string{"a b"}},
			{Name: "microsoft", ClientID: "c"}, // its issuer is the tenant's
			{Name: "github", Preset: "google", ClientID: "c"},
			{Name: "acme", Preset: "nosuch", ClientID: "c"},
		} {
			if _, err := f.svc.SetProvider(ctx, f.site, bad); !errors.Is(err, social.ErrInvalid) {
				t.Errorf("SetProvider(%+v): %v", bad, err)
			}
		}
		if err := f.svc.DeleteProvider(ctx, f.site, "google"); err != nil {
			t.Fatal(err)
		}
		wantCond(t, f.svc.DeleteProvider(ctx, f.site, "google"), social.ErrUnknownProvider)
		_, err = f.svc.Provider(ctx, f.site, "google")
		wantCond(t, err, social.ErrUnknownProvider)
	})
}

// Without AllowPrivate the provider's calls never reach loopback.
func TestPublicAddressesOnly(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	box, _ := secretbox.New(make([]byte, 32))
	o := newOP(t, time.Now)
	tls := httptest.NewTLSServer(o.Config.Handler)
	defer tls.Close()
	strict := social.NewService(db, box, social.Options{})
	site := conformance.NewSite(t, db).ID
	if _, err := strict.SetProvider(ctx, site, social.Provider{Name: "loop", Kind: social.OIDC, ClientID: clientID,
		Issuer: tls.URL, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	_, err := strict.Begin(ctx, site, "loop", callback, social.Return{})
	wantCond(t, err, social.ErrProviderFailure)
	if _, err := strict.SetProvider(ctx, site, social.Provider{Name: "loop2", Kind: social.OIDC, ClientID: clientID,
		Issuer: o.URL}); !errors.Is(err, social.ErrInvalid) {
		t.Fatalf("an http issuer without AllowPrivate: %v", err)
	}
}
