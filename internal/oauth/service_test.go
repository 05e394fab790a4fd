package oauth_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/conformance"
	"github.com/custos-id/custos/internal/store/storetest"
)

var ctx = context.Background()

// t0 has milliseconds, so that a lost precision shows.
var t0 = time.Date(2026, 12, 1, 9, 0, 0, 250e6, time.UTC)

// clock is the tests' time, moved by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a service over a fresh database with a site and an account.
type env struct {
	svc     *oauth.Service
	db      *store.DB
	clock   *clock
	siteID  int64
	account account.Account
}

// forEachEngine runs test on a fresh env of every engine.
func forEachEngine(t *testing.T, test func(t *testing.T, e *env)) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			db := storetest.Open(t, engine)
			c := &clock{t: t0}
			e := &env{svc: oauth.NewService(db, oauth.Options{Now: c.now}), db: db, clock: c,
				siteID: conformance.NewSite(t, db).ID}
			e.account = e.newAccount(t, "ann")
			test(t, e)
		})
	}
}

func (e *env) newAccount(t *testing.T, uid string) account.Account {
	t.Helper()
	a := account.Account{SiteID: e.siteID, UID: uid, PasswordHash: "h", Active: true, CreatedAt: t0, UpdatedAt: t0}
	if err := e.db.CreateAccount(ctx, &a, nil); err != nil {
		t.Fatal(err)
	}
	return a
}

// webClient is a valid confidential client.
func webClient() oauth.Client {
	return oauth.Client{Name: "Web shop", RedirectURIs: []string{"https://shop.example/cb"},
		GrantTypes: []string{"authorization_code", "refresh_token"}}
}

func (e *env) client(t *testing.T, c oauth.Client, public bool) oauth.NewClient {
	t.Helper()
	n, err := e.svc.CreateClient(ctx, e.siteID, c, public)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// wantInvalid fails unless err is an *InvalidError of attr.
func wantInvalid(t *testing.T, err error, attr string) {
	t.Helper()
	ie, ok := errors.AsType[*oauth.InvalidError](err)
	if !ok || ie.Attr != attr || ie.Reason == "" || !errors.Is(err, oauth.ErrInvalid) {
		t.Fatalf("got %v, want an InvalidError of %s", err, attr)
	}
}

func TestCreateClient(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		n := e.client(t, webClient(), false)
		if !regexp.MustCompile(`^[0-9a-z]{24}$`).MatchString(n.ClientID) || n.SiteID != e.siteID || n.ID == 0 {
			t.Fatalf("client id %q, site %d, id %d", n.ClientID, n.SiteID, n.ID)
		}
		if !regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`).MatchString(n.Secret) {
			t.Fatalf("secret %q: want 32 bytes base64url", n.Secret)
		}
		if h := sha256.Sum256([]byte(n.Secret)); string(n.SecretHash) != string(h[:]) {
			t.Fatal("the secret hash is not the secret's SHA-256")
		}
		if !n.CreatedAt.Equal(t0) || !n.UpdatedAt.Equal(t0) || n.Public() {
			t.Fatalf("created %+v", n.Client)
		}
		got, err := e.svc.Client(ctx, e.siteID, n.ClientID)
		if err != nil || got.Name != "Web shop" || !slices.Equal(got.ResponseTypes, []string{"code"}) ||
			!slices.Equal(got.RedirectURIs, []string{"https://shop.example/cb"}) {
			t.Fatalf("Client = %+v, %v", got, err)
		}
		// Defaults: the code flow with refresh tokens.
		def := e.client(t, oauth.Client{RedirectURIs: []string{"https://a.example/cb"}}, false)
		if !slices.Equal(def.GrantTypes, []string{"authorization_code", "refresh_token"}) || !slices.Equal(def.ResponseTypes, []string{"code"}) {
			t.Fatalf("defaults: %+v", def.Client)
		}
		pub := e.client(t, oauth.Client{RedirectURIs: []string{"com.example.app:/cb"}}, true)
		if pub.Secret != "" || !pub.Public() {
			t.Fatalf("public client: %+v", pub)
		}
		if n2 := e.client(t, webClient(), false); n2.ClientID == n.ClientID || n2.Secret == n.Secret {
			t.Fatal("two clients drew one id or secret")
		}
		// A given client id is kept, once per site.
		moved := webClient()
		moved.ClientID = "Cdc-Client_1.x~"
		if got := e.client(t, moved, false); got.ClientID != moved.ClientID {
			t.Fatalf("given client id became %q", got.ClientID)
		}
		if _, err := e.svc.CreateClient(ctx, e.siteID, moved, false); !errors.Is(err, oauth.ErrClientExists) {
			t.Fatalf("a client id twice: %v", err)
		}
		list, err := e.svc.Clients(ctx, e.siteID)
		if err != nil || len(list) != 5 || list[0].ClientID != n.ClientID || list[4].ClientID != moved.ClientID {
			t.Fatalf("Clients = %d, %v", len(list), err)
		}
		if _, err := e.svc.Client(ctx, e.siteID, "none"); !errors.Is(err, oauth.ErrNotFound) {
			t.Fatalf("unknown client: %v", err)
		}
		if _, err := e.svc.Client(ctx, conformance.NewSite(t, e.db).ID, n.ClientID); !errors.Is(err, oauth.ErrNotFound) {
			t.Fatalf("a client of another site: %v", err)
		}
	})
}

// Every condition of a client's validation, with the attribute at fault.
func TestClientValidation(t *testing.T) {
	long := "https://a.example/" + strings.Repeat("x", oauth.MaxURILen)
	many := make([]string, oauth.MaxURIs+1)
	for i := range many {
		many[i] = fmt.Sprintf("https://a.example/%d", i)
	}
	with := func(f func(*oauth.Client)) oauth.Client { c := webClient(); f(&c); return c }
	cases := []struct {
		name   string
		client oauth.Client
		public bool
		attr   string
	}{
		{"name too long", with(func(c *oauth.Client) { c.Name = strings.Repeat("n", oauth.MaxNameLen+1) }), false, oauth.AttrName},
		{"name with a newline", with(func(c *oauth.Client) { c.Name = "a\nb" }), false, oauth.AttrName},
		{"no redirect URI for the code flow", with(func(c *oauth.Client) { c.RedirectURIs = nil }), false, oauth.AttrRedirectURIs},
		{"relative redirect URI", with(func(c *oauth.Client) { c.RedirectURIs = []string{"/cb"} }), false, oauth.AttrRedirectURIs},
		{"fragment", with(func(c *oauth.Client) { c.RedirectURIs = []string{"https://a.example/cb#x"} }), false, oauth.AttrRedirectURIs},
		{"empty fragment", with(func(c *oauth.Client) { c.RedirectURIs = []string{"https://a.example/cb#"} }), false, oauth.AttrRedirectURIs},
		{"http on a public host", with(func(c *oauth.Client) { c.RedirectURIs = []string{"http://a.example/cb"} }), false, oauth.AttrRedirectURIs},
		{"javascript", with(func(c *oauth.Client) { c.RedirectURIs = []string{"javascript:alert(1)"} }), false, oauth.AttrRedirectURIs},
		{"data", with(func(c *oauth.Client) { c.RedirectURIs = []string{"data:text/html,x"} }), false, oauth.AttrRedirectURIs},
		{"no host", with(func(c *oauth.Client) { c.RedirectURIs = []string{"https:///cb"} }), false, oauth.AttrRedirectURIs},
		{"user information", with(func(c *oauth.Client) { c.RedirectURIs = []string{"https://u:p@a.example/cb"} }), false, oauth.AttrRedirectURIs},
		{"space", with(func(c *oauth.Client) { c.RedirectURIs = []string{"https://a.example/c b"} }), false, oauth.AttrRedirectURIs},
		{"too long", with(func(c *oauth.Client) { c.RedirectURIs = []string{long} }), false, oauth.AttrRedirectURIs},
		{"too many", with(func(c *oauth.Client) { c.RedirectURIs = many }), false, oauth.AttrRedirectURIs},
		{"bad logout URI", with(func(c *oauth.Client) { c.PostLogoutRedirectURIs = []string{"http://a.example/"} }), false, oauth.AttrPostLogoutRedirectURIs},
		{"unknown response type", with(func(c *oauth.Client) { c.ResponseTypes = []string{"token"} }), false, oauth.AttrResponseTypes},
		{"implicit without its grant", with(func(c *oauth.Client) { c.ResponseTypes = []string{"id_token"} }), false, oauth.AttrResponseTypes},
		{"hybrid", with(func(c *oauth.Client) { c.ResponseTypes = []string{"code id_token"} }), false, oauth.AttrResponseTypes},
		{"hybrid with both grants", with(func(c *oauth.Client) {
			c.GrantTypes, c.ResponseTypes = []string{"authorization_code", "implicit"}, []string{"code id_token token"}
		}), false, oauth.AttrResponseTypes},
		{"code without its grant", with(func(c *oauth.Client) {
			c.GrantTypes, c.ResponseTypes = []string{"implicit"}, []string{"code"}
		}), false, oauth.AttrResponseTypes},
		{"unknown grant type", with(func(c *oauth.Client) { c.GrantTypes = []string{"password"} }), false, oauth.AttrGrantTypes},
		{"refresh without code", with(func(c *oauth.Client) {
			c.GrantTypes, c.ResponseTypes = []string{"implicit", "refresh_token"}, []string{"id_token"}
		}), false, oauth.AttrGrantTypes},
		{"public client_credentials", with(func(c *oauth.Client) { c.GrantTypes = []string{"authorization_code", "client_credentials"} }), true, oauth.AttrGrantTypes},
		{"scope with a space", with(func(c *oauth.Client) { c.Scopes = []string{"a b"} }), false, oauth.AttrScopes},
		{"scope with a quote", with(func(c *oauth.Client) { c.Scopes = []string{`a"`} }), false, oauth.AttrScopes},
		{"empty scope", with(func(c *oauth.Client) { c.Scopes = []string{""} }), false, oauth.AttrScopes},
		{"too many scopes", with(func(c *oauth.Client) { c.Scopes = slices.Repeat([]string{"s"}, oauth.MaxScopes+1) }), false, oauth.AttrScopes},
		{"bad client id", with(func(c *oauth.Client) { c.ClientID = "a b" }), false, oauth.AttrClientID},
		{"client id too long", with(func(c *oauth.Client) { c.ClientID = strings.Repeat("a", oauth.MaxClientIDLen+1) }), false, oauth.AttrClientID},
	}
	valid := []oauth.Client{
		with(func(c *oauth.Client) {
			c.RedirectURIs = []string{"http://localhost:8080/cb", "http://127.0.0.1/cb", "http://[::1]/cb"}
		}),
		with(func(c *oauth.Client) { c.RedirectURIs = []string{"com.example.app:/oauth2redirect"} }),
		with(func(c *oauth.Client) {
			c.GrantTypes, c.ResponseTypes = []string{"authorization_code", "implicit"}, []string{"code", "id_token token", "id_token"}
		}),
		{GrantTypes: []string{"client_credentials"}}, // no redirects needed
	}
	forEachEngine(t, func(t *testing.T, e *env) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := e.svc.CreateClient(ctx, e.siteID, c.client, c.public)
				wantInvalid(t, err, c.attr)
			})
		}
		if list, _ := e.svc.Clients(ctx, e.siteID); len(list) != 0 {
			t.Fatalf("refused clients were stored: %d", len(list))
		}
		for i, c := range valid {
			if _, err := e.svc.CreateClient(ctx, e.siteID, c, false); err != nil {
				t.Errorf("valid client %d: %v", i, err)
			}
		}
	})
}

func TestAuthenticateAndRotateSecret(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		n := e.client(t, webClient(), false)
		pub := e.client(t, webClient(), true)
		if got, err := e.svc.AuthenticateClient(ctx, e.siteID, n.ClientID, n.Secret); err != nil || got.ClientID != n.ClientID {
			t.Fatalf("AuthenticateClient = %+v, %v", got, err)
		}
		for name, args := range map[string][2]string{
			"wrong secret":   {n.ClientID, n.Secret + "x"},
			"empty secret":   {n.ClientID, ""},
			"huge secret":    {n.ClientID, strings.Repeat("s", 10000)},
			"unknown client": {"none", n.Secret},
			"public client":  {pub.ClientID, ""},
		} {
			if _, err := e.svc.AuthenticateClient(ctx, e.siteID, args[0], args[1]); !errors.Is(err, oauth.ErrNotFound) {
				t.Errorf("%s: %v, want ErrNotFound", name, err)
			}
		}
		e.clock.add(time.Minute)
		r, err := e.svc.RotateClientSecret(ctx, e.siteID, n.ClientID)
		if err != nil || r.Secret == "" || r.Secret == n.Secret || !r.UpdatedAt.Equal(t0.Add(time.Minute)) {
			t.Fatalf("RotateClientSecret = %+v, %v", r, err)
		}
		if _, err := e.svc.AuthenticateClient(ctx, e.siteID, n.ClientID, n.Secret); !errors.Is(err, oauth.ErrNotFound) {
			t.Fatalf("the old secret after rotation: %v", err)
		}
		if _, err := e.svc.AuthenticateClient(ctx, e.siteID, n.ClientID, r.Secret); err != nil {
			t.Fatalf("the new secret: %v", err)
		}
		_, err = e.svc.RotateClientSecret(ctx, e.siteID, pub.ClientID)
		wantInvalid(t, err, oauth.AttrSecret)
		if _, err := e.svc.RotateClientSecret(ctx, e.siteID, "none"); !errors.Is(err, oauth.ErrNotFound) {
			t.Fatalf("rotating an unknown client: %v", err)
		}
	})
}

func TestUpdateClient(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		n := e.client(t, webClient(), false)
		e.clock.add(time.Second)
		got, err := e.svc.UpdateClient(ctx, e.siteID, n.ClientID, func(c *oauth.Client) error {
			c.Name, c.RequireConsent = "Renamed", true
			c.RedirectURIs = append(c.RedirectURIs, "https://shop.example/cb2", "https://shop.example/cb2")
			// Not the edit's to change:
			c.ClientID, c.SecretHash, c.SiteID, c.ID, c.CreatedAt = "taken", nil, 99, 99, time.Time{}
			return nil
		})
		if err != nil || got.Name != "Renamed" || !got.RequireConsent || len(got.RedirectURIs) != 2 ||
			got.ClientID != n.ClientID || got.Public() || !got.UpdatedAt.Equal(t0.Add(time.Second)) || !got.CreatedAt.Equal(t0) {
			t.Fatalf("UpdateClient = %+v, %v", got, err)
		}
		if _, err := e.svc.AuthenticateClient(ctx, e.siteID, n.ClientID, n.Secret); err != nil {
			t.Fatalf("the secret after an update: %v", err)
		}
		// Invalid results and failed edits change nothing.
		_, err = e.svc.UpdateClient(ctx, e.siteID, n.ClientID, func(c *oauth.Client) error {
			c.Name, c.RedirectURIs = "Lost", []string{"http://evil.example/"}
			return nil
		})
		wantInvalid(t, err, oauth.AttrRedirectURIs)
		stop := errors.New("stop")
		if _, err := e.svc.UpdateClient(ctx, e.siteID, n.ClientID, func(c *oauth.Client) error { c.Name = "Lost"; return stop }); !errors.Is(err, stop) {
			t.Fatalf("a failing edit: %v", err)
		}
		if c, _ := e.svc.Client(ctx, e.siteID, n.ClientID); c.Name != "Renamed" {
			t.Fatalf("after refused updates: %+v", c)
		}
		// A public client stays public: client_credentials is refused.
		pub := e.client(t, webClient(), true)
		_, err = e.svc.UpdateClient(ctx, e.siteID, pub.ClientID, func(c *oauth.Client) error {
			c.GrantTypes = append(c.GrantTypes, "client_credentials")
			return nil
		})
		wantInvalid(t, err, oauth.AttrGrantTypes)
		if _, err := e.svc.UpdateClient(ctx, e.siteID, "none", func(*oauth.Client) error { return nil }); !errors.Is(err, oauth.ErrNotFound) {
			t.Fatalf("updating an unknown client: %v", err)
		}
		// Concurrent updates: none is lost.
		const k = 8
		var wg sync.WaitGroup
		errs := make([]error, k)
		for i := range k {
			wg.Go(func() {
				_, errs[i] = e.svc.UpdateClient(ctx, e.siteID, n.ClientID, func(c *oauth.Client) error {
					c.Scopes = append(c.Scopes, fmt.Sprint("scope", i))
					return nil
				})
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		if c, _ := e.svc.Client(ctx, e.siteID, n.ClientID); len(c.Scopes) != k {
			t.Fatalf("after %d concurrent updates: %v", k, c.Scopes)
		}
	})
}

func TestConfig(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		c, err := e.svc.Config(ctx, e.siteID)
		if err != nil || c.ProxyPage != "" || c.AccessTokenLifetime != oauth.DefaultAccessTokenLifetime ||
			c.IDTokenLifetime != oauth.DefaultIDTokenLifetime || c.RefreshTokenLifetime != oauth.DefaultRefreshTokenLifetime ||
			c.CodeLifetime != oauth.DefaultCodeLifetime || c.CustomClaims == nil || c.CustomScopes == nil {
			t.Fatalf("default Config = %+v, %v", c, err)
		}
		set, err := e.svc.SetConfig(ctx, e.siteID, func(c *oauth.Config) error {
			c.ProxyPage = "https://shop.example/login"
			c.CustomClaims = map[string]oauth.Claim{"tier": {FieldName: "data.loyalty.tier"}, "https://shop.example/uid": {FieldName: "uid"}}
			c.CustomScopes = map[string][]string{"loyalty": {"tier", "email"}}
			c.AccessTokenLifetime = 5 * time.Minute
			return nil
		})
		if err != nil || set.ProxyPage != "https://shop.example/login" || set.AccessTokenLifetime != 5*time.Minute ||
			set.CodeLifetime != oauth.DefaultCodeLifetime || len(set.CustomClaims) != 2 {
			t.Fatalf("SetConfig = %+v, %v", set, err)
		}
		// The edit sees what is stored: the defaults as zero.
		if _, err := e.svc.SetConfig(ctx, e.siteID, func(c *oauth.Config) error {
			if c.CodeLifetime != 0 || c.AccessTokenLifetime != 5*time.Minute {
				t.Errorf("the edit read %+v", *c)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		long := "https://shop.example/" + strings.Repeat("p", oauth.MaxURILen)
		tooMany := map[string]oauth.Claim{}
		for i := range oauth.MaxClaims + 1 {
			tooMany[fmt.Sprint("c", i)] = oauth.Claim{FieldName: "uid"}
		}
		for _, c := range []struct {
			name string
			edit func(*oauth.Config)
			attr string
		}{
			{"http proxy page", func(c *oauth.Config) { c.ProxyPage = "http://shop.example/login" }, oauth.AttrProxyPage},
			{"relative proxy page", func(c *oauth.Config) { c.ProxyPage = "/login" }, oauth.AttrProxyPage},
			{"proxy page of another scheme", func(c *oauth.Config) { c.ProxyPage = "com.example.app:/login" }, oauth.AttrProxyPage},
			{"proxy page too long", func(c *oauth.Config) { c.ProxyPage = long }, oauth.AttrProxyPage},
			{"reserved claim", func(c *oauth.Config) { c.CustomClaims = map[string]oauth.Claim{"sub": {FieldName: "uid"}} }, oauth.AttrCustomClaims},
			{"standard claim", func(c *oauth.Config) { c.CustomClaims = map[string]oauth.Claim{"email": {FieldName: "profile.email"}} }, oauth.AttrCustomClaims},
			{"custos's claim", func(c *oauth.Config) { c.CustomClaims = map[string]oauth.Claim{"apiKey": {FieldName: "uid"}} }, oauth.AttrCustomClaims},
			{"bad claim name", func(c *oauth.Config) { c.CustomClaims = map[string]oauth.Claim{"a b": {FieldName: "uid"}} }, oauth.AttrCustomClaims},
			{"bad field", func(c *oauth.Config) { c.CustomClaims = map[string]oauth.Claim{"x": {FieldName: "password"}} }, oauth.AttrCustomClaims},
			{"bad field path", func(c *oauth.Config) { c.CustomClaims = map[string]oauth.Claim{"x": {FieldName: "data.a..b"}} }, oauth.AttrCustomClaims},
			{"field object alone", func(c *oauth.Config) { c.CustomClaims = map[string]oauth.Claim{"x": {FieldName: "profile"}} }, oauth.AttrCustomClaims},
			{"too many claims", func(c *oauth.Config) { c.CustomClaims = tooMany }, oauth.AttrCustomClaims},
			{"standard scope", func(c *oauth.Config) { c.CustomScopes = map[string][]string{"email": {"email"}} }, oauth.AttrCustomScopes},
			{"bad scope", func(c *oauth.Config) { c.CustomScopes = map[string][]string{"a b": nil} }, oauth.AttrCustomScopes},
			{"scope of an unknown claim", func(c *oauth.Config) { c.CustomScopes = map[string][]string{"x": {"nothing"}} }, oauth.AttrCustomScopes},
			{"access lifetime too long", func(c *oauth.Config) { c.AccessTokenLifetime = 25 * time.Hour }, oauth.AttrAccessTokenLifetime},
			{"negative lifetime", func(c *oauth.Config) { c.IDTokenLifetime = -time.Second }, oauth.AttrIDTokenLifetime},
			{"code lifetime too long", func(c *oauth.Config) { c.CodeLifetime = 11 * time.Minute }, oauth.AttrCodeLifetime},
			{"refresh lifetime too long", func(c *oauth.Config) { c.RefreshTokenLifetime = 400 * 24 * time.Hour }, oauth.AttrRefreshTokenLifetime},
			{"fractional lifetime", func(c *oauth.Config) { c.CodeLifetime = 1500 * time.Millisecond }, oauth.AttrCodeLifetime},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := e.svc.SetConfig(ctx, e.siteID, func(cfg *oauth.Config) error { c.edit(cfg); return nil })
				wantInvalid(t, err, c.attr)
			})
		}
		if got, _ := e.svc.Config(ctx, e.siteID); got.ProxyPage != set.ProxyPage || len(got.CustomClaims) != 2 || len(got.CustomScopes) != 1 {
			t.Fatalf("refused configurations changed it: %+v", got)
		}
		if _, err := e.svc.SetConfig(ctx, e.siteID, func(c *oauth.Config) error {
			c.ProxyPage = "http://localhost:3000/login"
			return nil
		}); err != nil {
			t.Fatalf("a proxy page on localhost: %v", err)
		}
		if err := e.svc.ClearConfig(ctx, e.siteID); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.svc.Config(ctx, e.siteID); got.ProxyPage != "" || len(got.CustomClaims) != 0 || got.AccessTokenLifetime != oauth.DefaultAccessTokenLifetime {
			t.Fatalf("after ClearConfig: %+v", got)
		}
	})
}

// authRequest creates a request of client clientID.
func (e *env) authRequest(t *testing.T, clientID string, scopes ...string) oauth.AuthRequest {
	t.Helper()
	r, err := e.svc.CreateAuthRequest(ctx, oauth.AuthRequest{SiteID: e.siteID, ClientID: clientID,
		RedirectURI: "https://shop.example/cb", ResponseType: "code", Scopes: scopes, State: "state-1", Nonce: "nonce-1",
		CodeChallenge: strings.Repeat("c", 43), CodeChallengeMethod: "S256"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// code takes a request through login and consent to a code.
func (e *env) code(t *testing.T, clientID, code string) oauth.AuthRequest {
	t.Helper()
	r := e.authRequest(t, clientID, "openid", "email")
	if err := e.svc.Authenticate(ctx, e.siteID, r.ID, e.account.ID, e.account.UID, t0, []string{"pwd"}, true); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.SaveCode(ctx, e.siteID, r.ID, code); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAuthRequests(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		n := e.client(t, webClient(), false)
		r := e.authRequest(t, n.ClientID, "openid", "email")
		if len(r.ID) != 43 || !r.CreatedAt.Equal(t0) || !r.ExpiresAt.Equal(t0.Add(oauth.AuthRequestLifetime)) {
			t.Fatalf("CreateAuthRequest = %+v", r)
		}
		got, err := e.svc.AuthRequest(ctx, e.siteID, r.ID)
		if err != nil || got.State != "state-1" || got.Nonce != "nonce-1" || !slices.Equal(got.Scopes, []string{"openid", "email"}) || got.Done {
			t.Fatalf("AuthRequest = %+v, %v", got, err)
		}
		if _, err := e.svc.CreateAuthRequest(ctx, oauth.AuthRequest{SiteID: e.siteID, ClientID: "none", RedirectURI: "https://a.example/"}); !errors.Is(err, oauth.ErrNotFound) {
			t.Fatalf("a request of an unknown client: %v", err)
		}
		for attr, req := range map[string]oauth.AuthRequest{
			oauth.AttrRedirectURI: {RedirectURI: ""},
			oauth.AttrState:       {RedirectURI: "https://a.example/", State: strings.Repeat("s", 5000)},
			oauth.AttrScopes:      {RedirectURI: "https://a.example/", Scopes: []string{"a b"}},
			oauth.AttrPrompt:      {RedirectURI: "https://a.example/", Prompt: slices.Repeat([]string{"login"}, 50)},
			oauth.AttrMaxAge:      {RedirectURI: "https://a.example/", MaxAge: new(-time.Second)},
		} {
			req.SiteID, req.ClientID = e.siteID, n.ClientID
			_, err := e.svc.CreateAuthRequest(ctx, req)
			wantInvalid(t, err, attr)
		}
		if _, err := e.svc.AuthRequest(ctx, e.siteID, "none"); !errors.Is(err, oauth.ErrNotFound) {
			t.Fatalf("unknown request: %v", err)
		}

		// Neither approval nor a code before the login.
		if err := e.svc.Approve(ctx, e.siteID, r.ID); !errors.Is(err, oauth.ErrPending) {
			t.Fatalf("Approve before Authenticate: %v", err)
		}
		if err := e.svc.SaveCode(ctx, e.siteID, r.ID, "code-early"); !errors.Is(err, oauth.ErrPending) {
			t.Fatalf("SaveCode before Authenticate: %v", err)
		}
		authAt := t0.Add(-time.Hour)
		if err := e.svc.Authenticate(ctx, e.siteID, r.ID, e.account.ID, e.account.UID, authAt, []string{"pwd"}, false); err != nil {
			t.Fatal(err)
		}
		got, _ = e.svc.AuthRequest(ctx, e.siteID, r.ID)
		if got.AccountID != e.account.ID || got.Subject != e.account.UID || !got.AuthTime.Equal(authAt) || !slices.Equal(got.AMR, []string{"pwd"}) || got.Done {
			t.Fatalf("after Authenticate: %+v", got)
		}
		if err := e.svc.SaveCode(ctx, e.siteID, r.ID, "code-early"); !errors.Is(err, oauth.ErrPending) {
			t.Fatalf("SaveCode before consent: %v", err)
		}
		wantInvalid(t, e.svc.Authenticate(ctx, e.siteID, r.ID, 0, "", time.Time{}, nil, true), oauth.AttrSubject)

		// Consent: none, then the request's scopes, then a union.
		if ok, err := e.svc.Consented(ctx, e.siteID, e.account.ID, n.ClientID, []string{"openid"}); ok || err != nil {
			t.Fatalf("Consented before any consent = %v, %v", ok, err)
		}
		if err := e.svc.Approve(ctx, e.siteID, r.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.svc.AuthRequest(ctx, e.siteID, r.ID); !got.Done {
			t.Fatal("Approve did not mark the request done")
		}
		r2 := e.authRequest(t, n.ClientID, "openid", "profile")
		if err := e.svc.Authenticate(ctx, e.siteID, r2.ID, e.account.ID, e.account.UID, time.Time{}, nil, false); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.svc.AuthRequest(ctx, e.siteID, r2.ID); !got.AuthTime.Equal(t0) {
			t.Fatalf("a zero auth time is now: %v", got.AuthTime)
		}
		if err := e.svc.Approve(ctx, e.siteID, r2.ID); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			scopes []string
			want   bool
		}{{[]string{"openid", "email", "profile"}, true}, {[]string{"email"}, true}, {nil, true}, {[]string{"phone"}, false}, {[]string{"openid", "phone"}, false}} {
			if ok, err := e.svc.Consented(ctx, e.siteID, e.account.ID, n.ClientID, c.scopes); ok != c.want || err != nil {
				t.Errorf("Consented(%v) = %v, %v", c.scopes, ok, err)
			}
		}
		other := e.newAccount(t, "bob")
		if ok, _ := e.svc.Consented(ctx, e.siteID, other.ID, n.ClientID, nil); ok {
			t.Error("another account's consent counts")
		}

		// The code: once per request; the request is gone for the login.
		if err := e.svc.SaveCode(ctx, e.siteID, r.ID, "code-1"); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.SaveCode(ctx, e.siteID, r.ID, "code-2"); !errors.Is(err, oauth.ErrNotFound) {
			t.Fatalf("a second code: %v", err)
		}
		wantInvalid(t, e.svc.SaveCode(ctx, e.siteID, r2.ID, ""), oauth.AttrCode)
		if _, err := e.svc.AuthRequest(ctx, e.siteID, r.ID); !errors.Is(err, oauth.ErrNotFound) {
			t.Fatalf("AuthRequest once its code was issued: %v", err)
		}
		if err := e.svc.Authenticate(ctx, e.siteID, r.ID, other.ID, other.UID, t0, nil, true); !errors.Is(err, oauth.ErrNotFound) {
			t.Fatalf("Authenticate once a code was issued: %v", err)
		}
		got, err = e.svc.AuthRequestByCode(ctx, e.siteID, "code-1")
		if err != nil || got.ID != r.ID || got.AccountID != e.account.ID || !got.Done || got.CodeChallenge != r.CodeChallenge {
			t.Fatalf("AuthRequestByCode = %+v, %v", got, err)
		}
		for name, code := range map[string]string{"unknown": "code-x", "empty": "", "huge": strings.Repeat("c", 10000)} {
			if _, err := e.svc.AuthRequestByCode(ctx, e.siteID, code); !errors.Is(err, oauth.ErrNotFound) {
				t.Errorf("AuthRequestByCode %s: %v", name, err)
			}
		}
		if _, err := e.svc.AuthRequestByCode(ctx, conformance.NewSite(t, e.db).ID, "code-1"); !errors.Is(err, oauth.ErrNotFound) {
			t.Fatalf("a code on another site: %v", err)
		}
		if err := e.svc.UseCode(ctx, e.siteID, r.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.AuthRequestByCode(ctx, e.siteID, "code-1"); !errors.Is(err, oauth.ErrReused) {
			t.Fatalf("a used code: %v, want ErrReused", err)
		}
		if err := e.svc.UseCode(ctx, e.siteID, r.ID); !errors.Is(err, oauth.ErrReused) {
			t.Fatalf("UseCode twice: %v, want ErrReused", err)
		}
		if err := e.svc.UseCode(ctx, e.siteID, e.authRequest(t, n.ClientID).ID); !errors.Is(err, oauth.ErrNotFound) {
			t.Fatalf("UseCode of a request not done: %v", err)
		}
		// A done request answered without a code (implicit) is used up once.
		if err := e.svc.UseCode(ctx, e.siteID, r2.ID); err != nil {
			t.Fatalf("UseCode of a done request without a code: %v", err)
		}
		if err := e.svc.UseCode(ctx, e.siteID, r2.ID); !errors.Is(err, oauth.ErrReused) {
			t.Fatalf("UseCode of it again: %v, want ErrReused", err)
		}
		if _, err := e.svc.AuthRequest(ctx, e.siteID, r2.ID); !errors.Is(err, oauth.ErrNotFound) {
			t.Fatalf("AuthRequest once used: %v", err)
		}
		if err := e.svc.Authenticate(ctx, e.siteID, r2.ID, e.account.ID, e.account.UID, t0, nil, true); !errors.Is(err, oauth.ErrNotFound) {
			t.Fatalf("Authenticate once used: %v", err)
		}
	})
}

func TestExpiry(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		n := e.client(t, webClient(), false)
		r := e.authRequest(t, n.ClientID)
		e.clock.add(oauth.AuthRequestLifetime)
		if _, err := e.svc.AuthRequest(ctx, e.siteID, r.ID); !errors.Is(err, oauth.ErrExpired) {
			t.Fatalf("a request at its expiry: %v, want ErrExpired", err)
		}
		if err := e.svc.Authenticate(ctx, e.siteID, r.ID, e.account.ID, e.account.UID, t0, nil, true); !errors.Is(err, oauth.ErrExpired) {
			t.Fatalf("Authenticate an expired request: %v", err)
		}
		// The code expires after the site's CodeLifetime.
		if _, err := e.svc.SetConfig(ctx, e.siteID, func(c *oauth.Config) error { c.CodeLifetime = 30 * time.Second; return nil }); err != nil {
			t.Fatal(err)
		}
		e.code(t, n.ClientID, "code-exp")
		e.clock.add(29 * time.Second)
		if _, err := e.svc.AuthRequestByCode(ctx, e.siteID, "code-exp"); err != nil {
			t.Fatalf("a code before its expiry: %v", err)
		}
		e.clock.add(time.Second)
		if _, err := e.svc.AuthRequestByCode(ctx, e.siteID, "code-exp"); !errors.Is(err, oauth.ErrCodeExpired) {
			t.Fatalf("a code at its expiry: %v, want ErrCodeExpired", err)
		}
	})
}

// grant is what a code of request r grants.
func (e *env) grant(clientID string, r oauth.AuthRequest, refresh bool) oauth.Grant {
	return oauth.Grant{SiteID: e.siteID, ClientID: clientID, AccountID: e.account.ID, Subject: e.account.UID,
		Scopes: []string{"openid", "email"}, Audience: []string{clientID}, AuthTime: t0, AMR: []string{"pwd"},
		AuthRequestID: r.ID, Refresh: refresh}
}

func TestTokens(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		n := e.client(t, webClient(), false)
		n2 := e.client(t, webClient(), false)
		r := e.code(t, n.ClientID, "code-1")
		iss, err := e.svc.Issue(ctx, e.grant(n.ClientID, r, true))
		if err != nil || len(iss.AccessTokenID) != 43 || len(iss.RefreshToken) != 43 ||
			!iss.AccessExpires.Equal(t0.Add(oauth.DefaultAccessTokenLifetime)) || !iss.RefreshExpires.Equal(t0.Add(oauth.DefaultRefreshTokenLifetime)) {
			t.Fatalf("Issue = %+v, %v", iss, err)
		}
		tok, err := e.svc.AccessToken(ctx, e.siteID, iss.AccessTokenID)
		if err != nil || tok.ClientID != n.ClientID || tok.AccountID != e.account.ID || tok.Subject != e.account.UID ||
			!slices.Equal(tok.Scopes, []string{"openid", "email"}) || tok.AuthRequestID != r.ID || tok.FamilyID == "" {
			t.Fatalf("AccessToken = %+v, %v", tok, err)
		}
		if _, err := e.svc.AccessToken(ctx, e.siteID, "none"); !errors.Is(err, oauth.ErrNotFound) {
			t.Fatalf("unknown access token: %v", err)
		}
		// Without a refresh token; for a client alone (client_credentials).
		noRefresh, err := e.svc.Issue(ctx, e.grant(n.ClientID, r, false))
		if err != nil || noRefresh.RefreshToken != "" || !noRefresh.RefreshExpires.IsZero() {
			t.Fatalf("Issue without refresh = %+v, %v", noRefresh, err)
		}
		if _, err := e.svc.Issue(ctx, oauth.Grant{SiteID: e.siteID, ClientID: n.ClientID, Subject: n.ClientID}); err != nil {
			t.Fatalf("client_credentials: %v", err)
		}
		wantInvalid(t, second(e.svc.Issue(ctx, oauth.Grant{SiteID: e.siteID, ClientID: n.ClientID, Subject: n.ClientID, Refresh: true})), oauth.AttrRefresh)
		wantInvalid(t, second(e.svc.Issue(ctx, oauth.Grant{SiteID: e.siteID, ClientID: n.ClientID})), oauth.AttrSubject)

		// Refresh: another client's token is unknown to it.
		for _, clientID := range []string{n.ClientID, ""} {
			if got, err := e.svc.RefreshGrant(ctx, e.siteID, clientID, iss.RefreshToken); err != nil || got.ID != iss.AccessTokenID || got.ClientID != n.ClientID {
				t.Fatalf("RefreshGrant for client %q = %+v, %v", clientID, got, err)
			}
		}
		wantInvalid(t, second(e.svc.Rotate(ctx, iss.RefreshToken, oauth.Grant{SiteID: e.siteID})), oauth.AttrClientID)
		for name, c := range map[string][2]string{
			"another client's": {n2.ClientID, iss.RefreshToken},
			"unknown":          {n.ClientID, "none"},
			"an access token":  {n.ClientID, iss.AccessTokenID},
		} {
			if _, err := e.svc.RefreshGrant(ctx, e.siteID, c[0], c[1]); !errors.Is(err, oauth.ErrNotFound) {
				t.Errorf("RefreshGrant of %s: %v, want ErrNotFound", name, err)
			}
		}
		e.clock.add(time.Minute)
		next, err := e.svc.Rotate(ctx, iss.RefreshToken, oauth.Grant{SiteID: e.siteID, ClientID: n.ClientID, Scopes: []string{"openid"}})
		if err != nil || next.RefreshToken == "" || next.RefreshToken == iss.RefreshToken || next.AccessTokenID == iss.AccessTokenID {
			t.Fatalf("Rotate = %+v, %v", next, err)
		}
		rotated, err := e.svc.AccessToken(ctx, e.siteID, next.AccessTokenID)
		if err != nil || rotated.FamilyID != tok.FamilyID || rotated.AccountID != e.account.ID || rotated.Subject != e.account.UID ||
			!slices.Equal(rotated.Scopes, []string{"openid"}) || rotated.AuthRequestID != r.ID || !rotated.AuthTime.Equal(t0) {
			t.Fatalf("the rotated token: %+v, %v", rotated, err)
		}
		// The narrowed refresh kept the grant (RFC 6749 6): the next one
		// may ask for every scope again, but for no other.
		if _, err := e.svc.Rotate(ctx, next.RefreshToken, oauth.Grant{SiteID: e.siteID, ClientID: n.ClientID, Scopes: []string{"openid", "email", "phone"}}); err == nil {
			t.Fatal("a rotation widened the scopes")
		} else {
			wantInvalid(t, err, oauth.AttrScopes)
		}
		if g, err := e.svc.RefreshGrant(ctx, e.siteID, n.ClientID, next.RefreshToken); err != nil || !slices.Equal(g.Scopes, []string{"openid", "email"}) {
			t.Fatalf("the grant of a narrowed refresh: %+v, %v, want openid email", g, err)
		}
		if _, err := e.svc.Rotate(ctx, next.RefreshToken, oauth.Grant{SiteID: e.siteID, ClientID: n2.ClientID}); !errors.Is(err, oauth.ErrNotFound) {
			t.Fatalf("another client's rotation: %v", err)
		}
		// The first refresh token again: reuse, and the family goes.
		if _, err := e.svc.RefreshGrant(ctx, e.siteID, n.ClientID, iss.RefreshToken); !errors.Is(err, oauth.ErrReused) {
			t.Fatalf("a rotated refresh token: %v, want ErrReused", err)
		}
		for _, id := range []string{iss.AccessTokenID, next.AccessTokenID} {
			if _, err := e.svc.AccessToken(ctx, e.siteID, id); !errors.Is(err, oauth.ErrRevoked) {
				t.Errorf("token %s of the family after reuse: %v, want ErrRevoked", id, err)
			}
		}
		if _, err := e.svc.RefreshGrant(ctx, e.siteID, n.ClientID, next.RefreshToken); !errors.Is(err, oauth.ErrRevoked) {
			t.Fatalf("the family's live refresh token after reuse: %v, want ErrRevoked", err)
		}
		if _, err := e.svc.AccessToken(ctx, e.siteID, noRefresh.AccessTokenID); err != nil {
			t.Fatalf("another family after reuse: %v", err)
		}

		// Expiry of access and refresh tokens.
		fresh, _ := e.svc.Issue(ctx, e.grant(n.ClientID, oauth.AuthRequest{}, true))
		e.clock.add(oauth.DefaultAccessTokenLifetime)
		if _, err := e.svc.AccessToken(ctx, e.siteID, fresh.AccessTokenID); !errors.Is(err, oauth.ErrExpired) {
			t.Fatalf("an access token at its expiry: %v", err)
		}
		e.clock.add(oauth.DefaultRefreshTokenLifetime)
		if _, err := e.svc.RefreshGrant(ctx, e.siteID, n.ClientID, fresh.RefreshToken); !errors.Is(err, oauth.ErrExpired) {
			t.Fatalf("a refresh token after its expiry: %v", err)
		}
		if _, err := e.svc.Rotate(ctx, fresh.RefreshToken, oauth.Grant{SiteID: e.siteID, ClientID: n.ClientID}); !errors.Is(err, oauth.ErrExpired) {
			t.Fatalf("rotating an expired refresh token: %v", err)
		}
	})
}

func TestCodeReuseRevokes(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		n := e.client(t, webClient(), false)
		r := e.code(t, n.ClientID, "code-1")
		if _, err := e.svc.AuthRequestByCode(ctx, e.siteID, "code-1"); err != nil {
			t.Fatal(err)
		}
		iss, _ := e.svc.Issue(ctx, e.grant(n.ClientID, r, true))
		if err := e.svc.UseCode(ctx, e.siteID, r.ID); err != nil {
			t.Fatal(err)
		}
		// The family grows by rotation, with the grant naming no request.
		next, err := e.svc.Rotate(ctx, iss.RefreshToken, oauth.Grant{SiteID: e.siteID, ClientID: n.ClientID})
		if err != nil {
			t.Fatal(err)
		}
		other := e.code(t, n.ClientID, "code-2")
		otherIss, _ := e.svc.Issue(ctx, e.grant(n.ClientID, other, true))

		// Well after its expiry, a used code is still recognised: reuse.
		// Finding it revokes nothing (whoever presents it may not be its
		// client); the exchange of an authenticated client does, and
		// stores nothing.
		e.clock.add(10 * time.Minute)
		if got, err := e.svc.AuthRequestByCode(ctx, e.siteID, "code-1"); !errors.Is(err, oauth.ErrReused) || got.ID != r.ID {
			t.Fatalf("reused code: %+v, %v, want its request and ErrReused", got, err)
		}
		if _, err := e.svc.AccessToken(ctx, e.siteID, next.AccessTokenID); err != nil {
			t.Fatalf("a token of the reused code before its exchange: %v", err)
		}
		if iss, err := e.svc.Exchange(ctx, e.grant(n.ClientID, r, true)); !errors.Is(err, oauth.ErrReused) || iss.AccessTokenID != "" {
			t.Fatalf("Exchange of a used code = %+v, %v, want ErrReused", iss, err)
		}
		for _, id := range []string{iss.AccessTokenID, next.AccessTokenID} {
			if _, err := e.svc.AccessToken(ctx, e.siteID, id); !errors.Is(err, oauth.ErrRevoked) {
				t.Errorf("token %s from the reused code: %v, want ErrRevoked", id, err)
			}
		}
		if _, err := e.svc.AccessToken(ctx, e.siteID, otherIss.AccessTokenID); err != nil {
			t.Fatalf("a token of another code: %v", err)
		}
		// A second UseCode (a concurrent exchange) revokes as well.
		if err := e.svc.UseCode(ctx, e.siteID, other.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.UseCode(ctx, e.siteID, other.ID); !errors.Is(err, oauth.ErrReused) {
			t.Fatalf("second UseCode: %v", err)
		}
		if _, err := e.svc.AccessToken(ctx, e.siteID, otherIss.AccessTokenID); !errors.Is(err, oauth.ErrRevoked) {
			t.Fatalf("a token of a code used twice: %v, want ErrRevoked", err)
		}
	})
}

// Concurrent rotations of one refresh token: exactly one wins; the others
// get ErrReused, and the family (the winner's new pair too) is revoked.
func TestRotateRace(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		n := e.client(t, webClient(), false)
		iss, err := e.svc.Issue(ctx, e.grant(n.ClientID, oauth.AuthRequest{}, true))
		if err != nil {
			t.Fatal(err)
		}
		const k = 8
		results := make([]oauth.Issued, k)
		errs := make([]error, k)
		var wg sync.WaitGroup
		for i := range k {
			wg.Go(func() {
				results[i], errs[i] = e.svc.Rotate(ctx, iss.RefreshToken, oauth.Grant{SiteID: e.siteID, ClientID: n.ClientID})
			})
		}
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner < 0:
				winner = i
			case err == nil:
				t.Fatalf("rotations %d and %d both won", winner, i)
			case !errors.Is(err, oauth.ErrReused):
				t.Errorf("rotation %d: %v", i, err)
			}
		}
		if winner < 0 {
			t.Fatal("no rotation won")
		}
		if _, err := e.svc.RefreshGrant(ctx, e.siteID, n.ClientID, results[winner].RefreshToken); !errors.Is(err, oauth.ErrRevoked) {
			t.Fatalf("the winner's refresh token after the race: %v, want ErrRevoked", err)
		}
	})
}

func TestRevoke(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		n := e.client(t, webClient(), false)
		n2 := e.client(t, webClient(), false)
		g := e.grant(n.ClientID, oauth.AuthRequest{}, true)
		a, _ := e.svc.Issue(ctx, g)
		b, _ := e.svc.Issue(ctx, g)
		c, _ := e.svc.Issue(ctx, g)
		for _, tok := range []string{"unknown", "", strings.Repeat("x", 10000)} {
			if err := e.svc.Revoke(ctx, e.siteID, n.ClientID, tok); err != nil {
				t.Errorf("Revoke of %.10q: %v", tok, err)
			}
		}
		if err := e.svc.Revoke(ctx, e.siteID, n2.ClientID, a.RefreshToken); !errors.Is(err, oauth.ErrWrongClient) {
			t.Fatalf("Revoke of another client's token: %v", err)
		}
		if _, err := e.svc.AccessToken(ctx, e.siteID, a.AccessTokenID); err != nil {
			t.Fatalf("another client revoked a token: %v", err)
		}
		if err := e.svc.Revoke(ctx, e.siteID, n.ClientID, a.RefreshToken); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Revoke(ctx, e.siteID, n.ClientID, b.AccessTokenID); err != nil {
			t.Fatal(err)
		}
		for tok, want := range map[string]error{a.AccessTokenID: oauth.ErrRevoked, b.AccessTokenID: oauth.ErrRevoked, c.AccessTokenID: nil} {
			if _, err := e.svc.AccessToken(ctx, e.siteID, tok); !errors.Is(err, want) {
				t.Errorf("after Revoke: %v, want %v", err, want)
			}
		}
		if _, err := e.svc.RefreshGrant(ctx, e.siteID, n.ClientID, b.RefreshToken); !errors.Is(err, oauth.ErrRevoked) {
			t.Fatalf("the refresh token of a revoked access token: %v", err)
		}

		// RevokeGrants: one client, then all.
		other := e.newAccount(t, "bob")
		theirs, _ := e.svc.Issue(ctx, oauth.Grant{SiteID: e.siteID, ClientID: n.ClientID, AccountID: other.ID, Subject: other.UID})
		at2, _ := e.svc.Issue(ctx, e.grant(n2.ClientID, oauth.AuthRequest{}, false))
		if err := e.svc.RevokeGrants(ctx, e.siteID, e.account.ID, n.ClientID); err != nil {
			t.Fatal(err)
		}
		for tok, want := range map[string]error{c.AccessTokenID: oauth.ErrRevoked, at2.AccessTokenID: nil, theirs.AccessTokenID: nil} {
			if _, err := e.svc.AccessToken(ctx, e.siteID, tok); !errors.Is(err, want) {
				t.Errorf("after RevokeGrants of a client: %v, want %v", err, want)
			}
		}
		if err := e.svc.RevokeGrants(ctx, e.siteID, e.account.ID, ""); err != nil {
			t.Fatal(err)
		}
		for tok, want := range map[string]error{at2.AccessTokenID: oauth.ErrRevoked, theirs.AccessTokenID: nil} {
			if _, err := e.svc.AccessToken(ctx, e.siteID, tok); !errors.Is(err, want) {
				t.Errorf("after RevokeGrants of every client: %v, want %v", err, want)
			}
		}
	})
}

// Deleting a client or an account takes their tokens and consents along.
func TestDeletions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		n := e.client(t, webClient(), false)
		kept := e.client(t, webClient(), false)
		r := e.code(t, n.ClientID, "code-1")
		if err := e.svc.Approve(ctx, e.siteID, e.authRequestDone(t, kept.ClientID)); err != nil {
			t.Fatal(err)
		}
		iss, _ := e.svc.Issue(ctx, e.grant(n.ClientID, r, true))
		keptIss, _ := e.svc.Issue(ctx, e.grant(kept.ClientID, oauth.AuthRequest{}, true))
		if err := e.svc.DeleteClient(ctx, e.siteID, n.ClientID); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.DeleteClient(ctx, e.siteID, n.ClientID); !errors.Is(err, oauth.ErrNotFound) {
			t.Fatalf("DeleteClient twice: %v", err)
		}
		if _, err := e.svc.AccessToken(ctx, e.siteID, iss.AccessTokenID); !errors.Is(err, oauth.ErrNotFound) {
			t.Fatalf("a deleted client's token: %v", err)
		}
		if _, err := e.svc.AuthRequestByCode(ctx, e.siteID, "code-1"); !errors.Is(err, oauth.ErrNotFound) {
			t.Fatalf("a deleted client's code: %v", err)
		}
		if _, err := e.svc.AccessToken(ctx, e.siteID, keptIss.AccessTokenID); err != nil {
			t.Fatalf("another client's token: %v", err)
		}
		if ok, _ := e.svc.Consented(ctx, e.siteID, e.account.ID, kept.ClientID, []string{"openid"}); !ok {
			t.Fatal("consent missing")
		}
		if err := e.db.DeleteAccount(ctx, e.siteID, e.account.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.AccessToken(ctx, e.siteID, keptIss.AccessTokenID); !errors.Is(err, oauth.ErrNotFound) {
			t.Fatalf("a deleted account's token: %v", err)
		}
		if ok, _ := e.svc.Consented(ctx, e.siteID, e.account.ID, kept.ClientID, nil); ok {
			t.Fatal("a deleted account's consent stayed")
		}
	})
}

// authRequestDone is a request of clientID the account logged in for.
func (e *env) authRequestDone(t *testing.T, clientID string) string {
	t.Helper()
	r := e.authRequest(t, clientID, "openid")
	if err := e.svc.Authenticate(ctx, e.siteID, r.ID, e.account.ID, e.account.UID, t0, nil, false); err != nil {
		t.Fatal(err)
	}
	return r.ID
}

func second[T any](_ T, err error) error { return err }

// Concurrent exchanges of one code: exactly one wins, and its tokens,
// stored in the transaction that used the code, are revoked by the
// losers (L1).
func TestExchangeRace(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		n := e.client(t, webClient(), false)
		r := e.code(t, n.ClientID, "code-race")
		const k = 8
		results := make([]oauth.Issued, k)
		errs := make([]error, k)
		var wg sync.WaitGroup
		for i := range k {
			wg.Go(func() { results[i], errs[i] = e.svc.Exchange(ctx, e.grant(n.ClientID, r, true)) })
		}
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner < 0:
				winner = i
			case err == nil:
				t.Fatalf("exchanges %d and %d both won", winner, i)
			case !errors.Is(err, oauth.ErrReused):
				t.Errorf("exchange %d: %v", i, err)
			}
		}
		if winner < 0 {
			t.Fatal("no exchange won")
		}
		if _, err := e.svc.AccessToken(ctx, e.siteID, results[winner].AccessTokenID); !errors.Is(err, oauth.ErrRevoked) {
			t.Fatalf("the winner's access token after the race: %v, want ErrRevoked", err)
		}
		if _, err := e.svc.Exchange(ctx, oauth.Grant{SiteID: e.siteID, ClientID: n.ClientID, Subject: "x"}); !errors.Is(err, oauth.ErrNotFound) {
			t.Fatalf("Exchange of no request: %v", err)
		}
	})
}

// A family ends RefreshTokenLifetime after its login: rotation keeps the
// end, and a login older than that gets no refresh token.
func TestFamilyEnd(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		n := e.client(t, webClient(), false)
		g := e.grant(n.ClientID, oauth.AuthRequest{}, true)
		// A single sign-on session older than the lifetime: its new grant
		// still gets a refresh token, for the lifetime from now.
		g.AuthTime = e.clock.now().Add(-oauth.DefaultRefreshTokenLifetime - time.Hour)
		iss, err := e.svc.Issue(ctx, g)
		end := e.clock.now().Add(oauth.DefaultRefreshTokenLifetime)
		if err != nil || !iss.RefreshExpires.Equal(end) {
			t.Fatalf("Issue = %+v, %v, want the refresh token to end at %v", iss, err, end)
		}
		// Rotating keeps the family's end: it does not slide.
		e.clock.add(time.Hour)
		next, err := e.svc.Rotate(ctx, iss.RefreshToken, oauth.Grant{SiteID: e.siteID, ClientID: n.ClientID})
		if err != nil || !next.RefreshExpires.Equal(end) {
			t.Fatalf("Rotate = %+v, %v, want the family's end %v", next, err, end)
		}
		e.clock.add(oauth.DefaultRefreshTokenLifetime)
		if _, err := e.svc.Rotate(ctx, next.RefreshToken, oauth.Grant{SiteID: e.siteID, ClientID: n.ClientID}); err == nil {
			t.Fatal("a family rotated past its end")
		}
	})
}

// Deny uses a request up: neither Approve nor a code can follow (L9).
func TestDeny(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		n := e.client(t, webClient(), false)
		if err := e.svc.Deny(ctx, e.siteID, e.authRequest(t, n.ClientID, "openid").ID); !errors.Is(err, oauth.ErrPending) {
			t.Fatalf("Deny of a request no one authenticated for: %v, want ErrPending", err)
		}
		id := e.authRequestDone(t, n.ClientID)
		if err := e.svc.Deny(ctx, e.siteID, id); err != nil {
			t.Fatal(err)
		}
		for name, err := range map[string]error{
			"Approve":  e.svc.Approve(ctx, e.siteID, id),
			"SaveCode": e.svc.SaveCode(ctx, e.siteID, id, "code-d"),
			"Deny":     e.svc.Deny(ctx, e.siteID, id),
		} {
			if !errors.Is(err, oauth.ErrNotFound) {
				t.Errorf("%s after Deny: %v, want ErrNotFound", name, err)
			}
		}
		if ok, _ := e.svc.Consented(ctx, e.siteID, e.account.ID, n.ClientID, []string{"openid"}); ok {
			t.Error("Deny recorded a consent")
		}
	})
}

// UpdateClientSecret edits and rotates in one transaction: a refused
// rotation leaves the edit out too (L7).
func TestUpdateClientSecret(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		conf := e.client(t, webClient(), false)
		pub := e.client(t, webClient(), true)
		rename := func(c *oauth.Client) error { c.Name = "Renamed"; return nil }
		wantInvalid(t, second(e.svc.UpdateClientSecret(ctx, e.siteID, pub.ClientID, rename, true)), oauth.AttrSecret)
		if got, _ := e.svc.Client(ctx, e.siteID, pub.ClientID); got.Name != "Web shop" {
			t.Fatalf("a refused rotation kept the edit: %+v", got)
		}
		n, err := e.svc.UpdateClientSecret(ctx, e.siteID, conf.ClientID, rename, true)
		if err != nil || n.Secret == "" || n.Name != "Renamed" {
			t.Fatalf("UpdateClientSecret = %+v, %v", n, err)
		}
		if _, err := e.svc.AuthenticateClient(ctx, e.siteID, conf.ClientID, conf.Secret); !errors.Is(err, oauth.ErrNotFound) {
			t.Fatalf("the old secret after rotation: %v", err)
		}
		if _, err := e.svc.AuthenticateClient(ctx, e.siteID, conf.ClientID, n.Secret); err != nil {
			t.Fatalf("the new secret: %v", err)
		}
		if n, err := e.svc.UpdateClientSecret(ctx, e.siteID, conf.ClientID, rename, false); err != nil || n.Secret != "" {
			t.Fatalf("UpdateClientSecret without rotation = %+v, %v", n, err)
		}
	})
}
