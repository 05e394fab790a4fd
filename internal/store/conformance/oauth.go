package conformance

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/store"
)

func init() {
	register("oauth-clients", testOAuthClients, "CreateOAuthClient", "OAuthClient", "OAuthClients", "UpdateOAuthClient", "DeleteOAuthClient")
	register("oauth-client-update-race", testOAuthClientUpdateRace, "UpdateOAuthClient")
	register("oauth-config", testOAuthConfig, "OAuthConfig", "UpdateOAuthConfig")
	register("oauth-auth-requests", testOAuthAuthRequests, "CreateOAuthAuthRequest", "OAuthAuthRequest", "OAuthAuthRequestByCode",
		"AuthenticateOAuthAuthRequest", "ApproveOAuthAuthRequest", "OAuthConsent", "SetOAuthCode", "UseOAuthCode")
	register("oauth-code-race", testOAuthCodeRace, "UseOAuthCode", "OAuthToken")
	register("oauth-tokens", testOAuthTokens, "CreateOAuthToken", "OAuthToken", "OAuthTokenByRefresh", "RotateOAuthToken",
		"RevokeOAuthFamily", "RevokeOAuthAuthRequestTokens", "RevokeOAuthGrants")
	register("oauth-rotate-race", testOAuthRotateRace, "RotateOAuthToken")
	register("oauth-cascade", testOAuthCascade, "DeleteOAuthClient", "DeleteAccount")
	register("oauth-account-grants", testRevokeAccountGrants, "RevokeAccountGrants")
}

// RevokeAccountGrants revokes the account's provider tokens and Gigya
// user tokens, and nobody else's.
func testRevokeAccountGrants(t *testing.T, db *store.DB) {
	s := NewSite(t, db)
	a, b := newAccount(t, db, s.ID), newAccount(t, db, s.ID)
	newOAuthClient(t, db, s.ID, "app")
	newOAuthToken(t, db, s.ID, a.ID, "app", "grant-a", "fam-a", "")
	newOAuthToken(t, db, s.ID, b.ID, "app", "grant-b", "fam-b", "")
	gigyaA := oauth.GigyaToken{Hash: []byte(unique("gt-a")), SiteID: s.ID, AccountID: a.ID, CreatedAt: t0}
	gigyaB := oauth.GigyaToken{Hash: []byte(unique("gt-b")), SiteID: s.ID, AccountID: b.ID, CreatedAt: t0}
	for _, g := range []*oauth.GigyaToken{&gigyaA, &gigyaB} {
		if err := db.CreateGigyaToken(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	at := t0.Add(time.Hour)
	if err := db.RevokeAccountGrants(ctx, a.ID, at); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]time.Time{"grant-a": at, "grant-b": {}} {
		tok, err := db.OAuthToken(ctx, s.ID, id)
		if err != nil || !tok.RevokedAt.Equal(want) {
			t.Errorf("token %s: revoked at %v (%v), want %v", id, tok.RevokedAt, err, want)
		}
	}
	for _, g := range []struct {
		hash []byte
		want time.Time
	}{{gigyaA.Hash, at}, {gigyaB.Hash, time.Time{}}} {
		tok, err := db.GigyaTokenByHash(ctx, g.hash)
		if err != nil || !tok.RevokedAt.Equal(g.want) {
			t.Errorf("Gigya token: revoked at %v (%v), want %v", tok.RevokedAt, err, g.want)
		}
	}
}

// newOAuthClient stores a confidential client of site siteID.
func newOAuthClient(t *testing.T, db *store.DB, siteID int64, clientID string) oauth.Client {
	t.Helper()
	c := oauth.Client{SiteID: siteID, ClientID: clientID, Name: "App " + clientID, SecretHash: []byte("hash-" + clientID),
		RedirectURIs: []string{"https://app.example/cb"}, ResponseTypes: []string{"code"},
		GrantTypes: []string{"authorization_code", "refresh_token"}, CreatedAt: t0, UpdatedAt: t0}
	if err := db.CreateOAuthClient(ctx, &c); err != nil || c.ID == 0 {
		t.Fatalf("CreateOAuthClient = %v, id %d", err, c.ID)
	}
	return c
}

// sameTimes compares the times of two values with Equal and the rest with
// DeepEqual.
func sameValue[T any](got, want T, times func(*T) []*time.Time) bool {
	tg, tw := times(&got), times(&want)
	for i := range tg {
		if !tg[i].Equal(*tw[i]) {
			return false
		}
		*tg[i], *tw[i] = time.Time{}, time.Time{}
	}
	return reflect.DeepEqual(got, want)
}

func clientTimes(c *oauth.Client) []*time.Time { return []*time.Time{&c.CreatedAt, &c.UpdatedAt} }

func requestTimes(r *oauth.StoredAuthRequest) []*time.Time {
	return []*time.Time{&r.AuthTime, &r.CreatedAt, &r.ExpiresAt, &r.CodeExpiresAt, &r.CodeUsedAt}
}

func tokenTimes(t *oauth.StoredToken) []*time.Time {
	return []*time.Time{&t.AuthTime, &t.ExpiresAt, &t.RefreshExpires, &t.RevokedAt, &t.CreatedAt, &t.RefreshUsedAt}
}

func testOAuthClients(t *testing.T, db *store.DB) {
	s, other := NewSite(t, db), NewSite(t, db)
	a := newOAuthClient(t, db, s.ID, "app-a")
	public := oauth.Client{SiteID: s.ID, ClientID: "spa", RedirectURIs: []string{"http://localhost:3000/cb", "com.example.app:/cb"},
		PostLogoutRedirectURIs: []string{"http://localhost:3000/"}, ResponseTypes: []string{"code", "id_token"},
		GrantTypes: []string{"authorization_code", "implicit"}, Scopes: []string{"openid", "email"}, RequireConsent: true,
		CreatedAt: t0.Add(time.Second), UpdatedAt: t0.Add(time.Second)}
	if err := db.CreateOAuthClient(ctx, &public); err != nil {
		t.Fatal(err)
	}
	dup := oauth.Client{SiteID: s.ID, ClientID: "app-a", CreatedAt: t0, UpdatedAt: t0}
	if err := db.CreateOAuthClient(ctx, &dup); !errors.Is(err, oauth.ErrClientExists) {
		t.Fatalf("a client id twice in a site: %v, want ErrClientExists", err)
	}
	// Another site may have the same client id.
	theirs := newOAuthClient(t, db, other.ID, "app-a")

	for _, want := range []oauth.Client{a, public, theirs} {
		got, err := db.OAuthClient(ctx, want.SiteID, want.ClientID)
		if err != nil || !sameValue(got, want, clientTimes) {
			t.Fatalf("OAuthClient = %+v, %v; want %+v", got, err, want)
		}
	}
	if got, _ := db.OAuthClient(ctx, s.ID, "spa"); !got.Public() {
		t.Error("a client stored without a secret is not public")
	}
	if _, err := db.OAuthClient(ctx, s.ID, "none"); !errors.Is(err, oauth.ErrNotFound) {
		t.Fatalf("unknown client: %v", err)
	}
	list, err := db.OAuthClients(ctx, s.ID)
	if err != nil || len(list) != 2 || !sameValue(list[0], a, clientTimes) || !sameValue(list[1], public, clientTimes) {
		t.Fatalf("OAuthClients = %+v, %v", list, err)
	}
	if list, err := db.OAuthClients(ctx, NewSite(t, db).ID); err != nil || len(list) != 0 {
		t.Fatalf("OAuthClients of a site without any = %+v, %v", list, err)
	}

	// An update writes every attribute but the ids and the creation; an
	// updated_at not moved forward becomes a millisecond later.
	later := t0.Add(time.Hour)
	got, err := db.UpdateOAuthClient(ctx, s.ID, "app-a", func(c *oauth.Client) error {
		c.Name, c.SecretHash, c.RedirectURIs, c.PostLogoutRedirectURIs = "renamed", []byte("new-hash"), []string{"https://b.example/cb"}, []string{"https://b.example/"}
		c.ResponseTypes, c.GrantTypes, c.Scopes, c.RequireConsent, c.UpdatedAt = []string{"code", "code id_token"}, []string{"authorization_code", "implicit"}, []string{"profile"}, true, later
		c.ID, c.ClientID, c.CreatedAt = 99, "taken-over", later
		return nil
	})
	want := a
	want.Name, want.SecretHash, want.RedirectURIs, want.PostLogoutRedirectURIs = "renamed", []byte("new-hash"), []string{"https://b.example/cb"}, []string{"https://b.example/"}
	want.ResponseTypes, want.GrantTypes, want.Scopes, want.RequireConsent, want.UpdatedAt = []string{"code", "code id_token"}, []string{"authorization_code", "implicit"}, []string{"profile"}, true, later
	if stored, _ := db.OAuthClient(ctx, s.ID, "app-a"); err != nil || !sameValue(stored, want, clientTimes) || !sameValue(got, want, clientTimes) {
		t.Fatalf("after UpdateOAuthClient: %+v (returned %+v, %v); want %+v", stored, got, err, want)
	}
	if got, err := db.UpdateOAuthClient(ctx, s.ID, "app-a", func(c *oauth.Client) error { c.SecretHash = nil; return nil }); err != nil ||
		!got.Public() || !got.UpdatedAt.Equal(later.Add(time.Millisecond)) {
		t.Fatalf("UpdateOAuthClient without a new updated_at = %+v, %v", got, err)
	}
	abort := errors.New("abort")
	if _, err := db.UpdateOAuthClient(ctx, s.ID, "spa", func(c *oauth.Client) error { c.Name = "lost"; return abort }); !errors.Is(err, abort) {
		t.Fatalf("UpdateOAuthClient whose edit fails: %v", err)
	}
	if got, _ := db.OAuthClient(ctx, s.ID, "spa"); got.Name != "" {
		t.Fatalf("a failed edit was written: %+v", got)
	}
	for name, err := range map[string]error{
		"UpdateOAuthClient unknown":       second(db.UpdateOAuthClient(ctx, s.ID, "none", func(*oauth.Client) error { return nil })),
		"UpdateOAuthClient of other site": second(db.UpdateOAuthClient(ctx, other.ID, "spa", func(*oauth.Client) error { return nil })),
		"DeleteOAuthClient unknown":       db.DeleteOAuthClient(ctx, s.ID, "none"),
		"DeleteOAuthClient of other site": db.DeleteOAuthClient(ctx, other.ID, "spa"),
	} {
		if !errors.Is(err, oauth.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", name, err)
		}
	}
	if err := db.DeleteOAuthClient(ctx, s.ID, "app-a"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.OAuthClient(ctx, s.ID, "app-a"); !errors.Is(err, oauth.ErrNotFound) {
		t.Fatalf("deleted client: %v", err)
	}
	if _, err := db.OAuthClient(ctx, other.ID, "app-a"); err != nil {
		t.Fatalf("the other site's client of the same id went too: %v", err)
	}
}

// Concurrent updates of one client, each adding its own redirect URI:
// every URI is there afterwards, and updated_at moved once per update.
func testOAuthClientUpdateRace(t *testing.T, db *store.DB) {
	s := NewSite(t, db)
	newOAuthClient(t, db, s.ID, "raced")
	const n = 16
	errs := race(n, func(i int) error {
		return second(db.UpdateOAuthClient(ctx, s.ID, "raced", func(c *oauth.Client) error {
			c.RedirectURIs = append(c.RedirectURIs, fmt.Sprintf("https://app.example/cb%d", i))
			return nil
		}))
	})
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.OAuthClient(ctx, s.ID, "raced")
	if err != nil || len(got.RedirectURIs) != n+1 {
		t.Fatalf("after %d updates: %v, %v", n, got.RedirectURIs, err)
	}
	for i := range n {
		if !slices.Contains(got.RedirectURIs, fmt.Sprintf("https://app.example/cb%d", i)) {
			t.Errorf("update %d lost", i)
		}
	}
	if want := t0.Add(n * time.Millisecond); !got.UpdatedAt.Equal(want) {
		t.Fatalf("updated_at %v, want %v", got.UpdatedAt, want)
	}
}

func testOAuthConfig(t *testing.T, db *store.DB) {
	s, other := NewSite(t, db), NewSite(t, db)
	if c, err := db.OAuthConfig(ctx, s.ID); err != nil || !reflect.DeepEqual(c, oauth.Config{}) {
		t.Fatalf("OAuthConfig of a site without one = %+v, %v", c, err)
	}
	want := oauth.Config{ProxyPage: "https://app.example/login", CustomClaims: map[string]oauth.Claim{"tier": {FieldName: "data.tier"}},
		CustomScopes: map[string][]string{"loyalty": {"tier", "email"}}, AccessTokenLifetime: 10 * time.Minute,
		IDTokenLifetime: 20 * time.Minute, RefreshTokenLifetime: 48 * time.Hour, CodeLifetime: 30 * time.Second}
	got, err := db.UpdateOAuthConfig(ctx, s.ID, t0, func(c *oauth.Config) error {
		if !reflect.DeepEqual(*c, oauth.Config{}) {
			t.Errorf("the first update reads %+v", *c)
		}
		*c = want
		return nil
	})
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("UpdateOAuthConfig = %+v, %v", got, err)
	}
	if got, err := db.OAuthConfig(ctx, s.ID); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("OAuthConfig = %+v, %v; want %+v", got, err, want)
	}
	if got, _ := db.OAuthConfig(ctx, other.ID); !reflect.DeepEqual(got, oauth.Config{}) {
		t.Fatalf("the other site's config: %+v", got)
	}
	abort := errors.New("abort")
	if _, err := db.UpdateOAuthConfig(ctx, s.ID, t0, func(c *oauth.Config) error { c.ProxyPage = ""; return abort }); !errors.Is(err, abort) {
		t.Fatalf("UpdateOAuthConfig whose edit fails: %v", err)
	}
	if got, _ := db.OAuthConfig(ctx, s.ID); !reflect.DeepEqual(got, want) {
		t.Fatalf("a failed edit was written: %+v", got)
	}
	// Concurrent first updates of another site, each adding a scope: all kept.
	const n = 16
	errs := race(n, func(i int) error {
		return second(db.UpdateOAuthConfig(ctx, other.ID, t0, func(c *oauth.Config) error {
			if c.CustomScopes == nil {
				c.CustomScopes = map[string][]string{}
			}
			c.CustomScopes[fmt.Sprint("s", i)] = []string{"email"}
			return nil
		}))
	})
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := db.OAuthConfig(ctx, other.ID); len(got.CustomScopes) != n {
		t.Fatalf("after %d concurrent updates: %v", n, got.CustomScopes)
	}
}

// newAuthRequest stores a request of client clientID of site siteID.
func newAuthRequest(t *testing.T, db *store.DB, siteID int64, clientID, id string) oauth.AuthRequest {
	t.Helper()
	r := oauth.AuthRequest{ID: id, SiteID: siteID, ClientID: clientID, RedirectURI: "https://app.example/cb",
		ResponseType: "code", Scopes: []string{"openid", "email"}, State: "st", Nonce: "no", CodeChallenge: "cc",
		CodeChallengeMethod: "S256", CreatedAt: t0, ExpiresAt: t0.Add(30 * time.Minute)}
	if err := db.CreateOAuthAuthRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	return r
}

func testOAuthAuthRequests(t *testing.T, db *store.DB) {
	s, other := NewSite(t, db), NewSite(t, db)
	a := newAccount(t, db, s.ID)
	newOAuthClient(t, db, s.ID, "app")
	maxAge := 90 * time.Second
	full := oauth.AuthRequest{ID: "req-full", SiteID: s.ID, ClientID: "app", RedirectURI: "https://app.example/cb",
		ResponseType: "code id_token", ResponseMode: "form_post", Scopes: []string{"openid", "profile"}, State: "s", Nonce: "n",
		CodeChallenge: "c", CodeChallengeMethod: "S256", Prompt: []string{"login", "consent"}, MaxAge: &maxAge,
		ACRValues: []string{"urn:a"}, LoginHint: "ann@example.com", UILocales: []string{"de", "en"},
		CreatedAt: t0, ExpiresAt: t0.Add(30 * time.Minute)}
	if err := db.CreateOAuthAuthRequest(ctx, full); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateOAuthAuthRequest(ctx, full); err == nil {
		t.Fatal("two requests of one id")
	}
	unknownClient := full
	unknownClient.ID, unknownClient.ClientID = "req-x", "none"
	if err := db.CreateOAuthAuthRequest(ctx, unknownClient); err == nil {
		t.Fatal("a request of an unknown client was stored")
	}
	want := oauth.StoredAuthRequest{AuthRequest: full}
	if got, err := db.OAuthAuthRequest(ctx, s.ID, "req-full"); err != nil || !sameValue(got, want, requestTimes) {
		t.Fatalf("OAuthAuthRequest = %+v, %v; want %+v", got, err, want)
	}
	for name, err := range map[string]error{
		"unknown":                 second(db.OAuthAuthRequest(ctx, s.ID, "none")),
		"another site":            second(db.OAuthAuthRequest(ctx, other.ID, "req-full")),
		"unknown code":            second(db.OAuthAuthRequestByCode(ctx, s.ID, []byte("none"))),
		"code too soon":           db.SetOAuthCode(ctx, s.ID, "req-full", []byte("early"), t0.Add(time.Minute)), // not done
		"unused code":             db.UseOAuthCode(ctx, s.ID, "req-full", t0, t0),                               // none yet
		"approve unauthenticated": db.ApproveOAuthAuthRequest(ctx, s.ID, "req-full", a.ID, "app", nil, t0),
		"authenticate on another site": db.AuthenticateOAuthAuthRequest(ctx, oauth.AuthRequest{ID: "req-full", SiteID: other.ID,
			AccountID: a.ID, Subject: a.UID}),
	} {
		if !errors.Is(err, oauth.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", name, err)
		}
	}

	// Authenticated, not done: no code yet.
	authn := full
	authn.AccountID, authn.Subject, authn.AuthTime, authn.AMR = a.ID, a.UID, t0.Add(time.Second), []string{"pwd"}
	if err := db.AuthenticateOAuthAuthRequest(ctx, authn); err != nil {
		t.Fatal(err)
	}
	want.AuthRequest = authn
	if got, err := db.OAuthAuthRequest(ctx, s.ID, "req-full"); err != nil || !sameValue(got, want, requestTimes) {
		t.Fatalf("after AuthenticateOAuthAuthRequest: %+v, %v; want %+v", got, err, want)
	}
	if _, err := db.OAuthConsent(ctx, s.ID, a.ID, "app"); !errors.Is(err, oauth.ErrNotFound) {
		t.Fatalf("OAuthConsent before any: %v", err)
	}
	if err := db.ApproveOAuthAuthRequest(ctx, s.ID, "req-full", a.ID+1, "app", []string{"openid"}, t0); !errors.Is(err, oauth.ErrNotFound) {
		t.Fatalf("ApproveOAuthAuthRequest for another account: %v", err)
	}
	if err := db.ApproveOAuthAuthRequest(ctx, s.ID, "req-full", a.ID, "app", []string{"openid", "profile"}, t0); err != nil {
		t.Fatal(err)
	}
	// A second approval (another request) adds its scopes to the consent.
	r2 := newAuthRequest(t, db, s.ID, "app", "req-2")
	r2.AccountID, r2.Subject = a.ID, a.UID
	if err := db.AuthenticateOAuthAuthRequest(ctx, r2); err != nil {
		t.Fatal(err)
	}
	if err := db.ApproveOAuthAuthRequest(ctx, s.ID, "req-2", a.ID, "app", []string{"openid", "email"}, t0); err != nil {
		t.Fatal(err)
	}
	if got, err := db.OAuthConsent(ctx, s.ID, a.ID, "app"); err != nil || !slices.Equal(got, []string{"openid", "profile", "email"}) {
		t.Fatalf("OAuthConsent = %v, %v", got, err)
	}
	if _, err := db.OAuthConsent(ctx, other.ID, a.ID, "app"); !errors.Is(err, oauth.ErrNotFound) {
		t.Fatalf("OAuthConsent of another site: %v", err)
	}

	// A done request used without a code (implicit): once, and then it
	// takes no login, approval or code.
	if err := db.UseOAuthCode(ctx, s.ID, "req-2", t0, t0.Add(time.Hour)); err != nil {
		t.Fatalf("UseOAuthCode of a done request without a code: %v", err)
	}
	if err := db.UseOAuthCode(ctx, s.ID, "req-2", t0, t0.Add(time.Hour)); !errors.Is(err, oauth.ErrReused) {
		t.Fatalf("UseOAuthCode of it again: %v, want ErrReused", err)
	}
	for name, err := range map[string]error{
		"SetOAuthCode":                 db.SetOAuthCode(ctx, s.ID, "req-2", []byte("code-late"), t0.Add(time.Minute)),
		"AuthenticateOAuthAuthRequest": db.AuthenticateOAuthAuthRequest(ctx, r2),
		"ApproveOAuthAuthRequest":      db.ApproveOAuthAuthRequest(ctx, s.ID, "req-2", a.ID, "app", nil, t0),
	} {
		if !errors.Is(err, oauth.ErrNotFound) {
			t.Errorf("%s of a used request: %v, want ErrNotFound", name, err)
		}
	}
	if got, err := db.OAuthAuthRequest(ctx, s.ID, "req-2"); err != nil || !got.CodeUsedAt.Equal(t0) || !got.ExpiresAt.Equal(t0.Add(time.Hour)) || got.CodeHash != nil {
		t.Fatalf("the used request: %+v, %v", got, err)
	}

	// The code: once, kept until it expires at least.
	codeExp := t0.Add(time.Hour) // later than the request's expiry: the request is kept as long
	if err := db.SetOAuthCode(ctx, s.ID, "req-full", []byte("code-1"), codeExp); err != nil {
		t.Fatal(err)
	}
	if err := db.SetOAuthCode(ctx, s.ID, "req-full", []byte("code-2"), codeExp); !errors.Is(err, oauth.ErrNotFound) {
		t.Fatalf("a second code: %v", err)
	}
	authn.Done = true
	want = oauth.StoredAuthRequest{AuthRequest: authn, CodeHash: []byte("code-1"), CodeExpiresAt: codeExp}
	want.ExpiresAt = codeExp
	if got, err := db.OAuthAuthRequestByCode(ctx, s.ID, []byte("code-1")); err != nil || !sameValue(got, want, requestTimes) {
		t.Fatalf("OAuthAuthRequestByCode = %+v, %v; want %+v", got, err, want)
	}
	if _, err := db.OAuthAuthRequestByCode(ctx, other.ID, []byte("code-1")); !errors.Is(err, oauth.ErrNotFound) {
		t.Fatalf("a code of another site: %v", err)
	}
	if err := db.AuthenticateOAuthAuthRequest(ctx, authn); !errors.Is(err, oauth.ErrNotFound) {
		t.Fatalf("AuthenticateOAuthAuthRequest once a code was issued: %v", err)
	}
	used := t0.Add(2 * time.Minute)
	keep := t0.Add(3 * time.Hour)
	if err := db.UseOAuthCode(ctx, s.ID, "req-full", used, keep); err != nil {
		t.Fatal(err)
	}
	if err := db.UseOAuthCode(ctx, s.ID, "req-full", used, keep); !errors.Is(err, oauth.ErrReused) {
		t.Fatalf("second UseOAuthCode: %v, want ErrReused", err)
	}
	if err := db.UseOAuthCode(ctx, other.ID, "req-full", used, keep); !errors.Is(err, oauth.ErrNotFound) {
		t.Fatalf("UseOAuthCode on another site: %v", err)
	}
	want.CodeUsedAt, want.ExpiresAt = used, keep
	if got, err := db.OAuthAuthRequestByCode(ctx, s.ID, []byte("code-1")); err != nil || !sameValue(got, want, requestTimes) {
		t.Fatalf("a used code's request = %+v, %v; want %+v", got, err, want)
	}
}

// Concurrent uses of one code: exactly one wins, the others see it reused.
func testOAuthCodeRace(t *testing.T, db *store.DB) {
	s := NewSite(t, db)
	a := newAccount(t, db, s.ID)
	newOAuthClient(t, db, s.ID, "app")
	r := newAuthRequest(t, db, s.ID, "app", "raced")
	r.AccountID, r.Subject, r.Done = a.ID, a.UID, true
	if err := db.AuthenticateOAuthAuthRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := db.SetOAuthCode(ctx, s.ID, "raced", []byte("raced-code"), t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	// Each use stores its token with the mark: only the winner's is
	// there afterwards.
	tok := func(i int) oauth.StoredToken {
		return oauth.StoredToken{Token: oauth.Token{ID: fmt.Sprint("raced-", i), SiteID: s.ID, ClientID: "app",
			AccountID: a.ID, Subject: a.UID, FamilyID: fmt.Sprint("family-", i), AuthRequestID: "raced",
			ExpiresAt: t0.Add(time.Hour), CreatedAt: t0}}
	}
	wins, winner := 0, -1
	for i, err := range race(16, func(i int) error { return db.UseOAuthCode(ctx, s.ID, "raced", t0, t0, tok(i)) }) {
		switch {
		case err == nil:
			wins, winner = wins+1, i
		case !errors.Is(err, oauth.ErrReused):
			t.Errorf("UseOAuthCode race: %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d uses of one code won", wins)
	}
	for i := range 16 {
		_, err := db.OAuthToken(ctx, s.ID, tok(i).ID)
		if i == winner && err != nil || i != winner && !errors.Is(err, oauth.ErrNotFound) {
			t.Errorf("token of use %d (the winner %d): %v", i, winner, err)
		}
	}
}

// newOAuthToken stores a token of family with a refresh token of hash
// refresh (none when empty).
func newOAuthToken(t *testing.T, db *store.DB, siteID, accountID int64, clientID, id, family, refresh string) oauth.StoredToken {
	t.Helper()
	tok := oauth.StoredToken{Token: oauth.Token{ID: id, SiteID: siteID, ClientID: clientID, AccountID: accountID,
		Subject: fmt.Sprint("sub", accountID), Scopes: []string{"openid"}, AuthTime: t0, FamilyID: family,
		ExpiresAt: t0.Add(time.Hour), CreatedAt: t0}}
	if refresh != "" {
		tok.RefreshHash, tok.RefreshExpires = []byte(refresh), t0.Add(24*time.Hour)
	}
	if err := db.CreateOAuthToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	return tok
}

func testOAuthTokens(t *testing.T, db *store.DB) {
	s, other := NewSite(t, db), NewSite(t, db)
	a, b := newAccount(t, db, s.ID), newAccount(t, db, s.ID)
	newOAuthClient(t, db, s.ID, "app")
	newOAuthClient(t, db, s.ID, "app2")
	newAuthRequest(t, db, s.ID, "app", "req")
	full := oauth.StoredToken{Token: oauth.Token{ID: "at-1", SiteID: s.ID, ClientID: "app", AccountID: a.ID, Subject: a.UID,
		Scopes: []string{"openid", "email"}, Audience: []string{"app", "api"}, AuthTime: t0, AMR: []string{"pwd"},
		FamilyID: "fam-1", AuthRequestID: "req", ExpiresAt: t0.Add(time.Hour), RefreshExpires: t0.Add(24 * time.Hour),
		CreatedAt: t0}, RefreshHash: []byte("rt-1")}
	if err := db.CreateOAuthToken(ctx, full); err != nil {
		t.Fatal(err)
	}
	// client_credentials: no account, no refresh token.
	machine := oauth.StoredToken{Token: oauth.Token{ID: "at-m", SiteID: s.ID, ClientID: "app", Subject: "app",
		FamilyID: "fam-m", ExpiresAt: t0.Add(time.Hour), CreatedAt: t0}}
	if err := db.CreateOAuthToken(ctx, machine); err != nil {
		t.Fatal(err)
	}
	dup := machine
	dup.ID, dup.RefreshHash = "at-dup", []byte("rt-1")
	if err := db.CreateOAuthToken(ctx, dup); err == nil {
		t.Fatal("two tokens of one refresh hash")
	}
	for _, want := range []oauth.StoredToken{full, machine} {
		if got, err := db.OAuthToken(ctx, s.ID, want.ID); err != nil || !sameValue(got, want, tokenTimes) {
			t.Fatalf("OAuthToken = %+v, %v; want %+v", got, err, want)
		}
	}
	if got, err := db.OAuthTokenByRefresh(ctx, s.ID, []byte("rt-1")); err != nil || !sameValue(got, full, tokenTimes) {
		t.Fatalf("OAuthTokenByRefresh = %+v, %v", got, err)
	}
	for name, err := range map[string]error{
		"OAuthToken unknown":               second(db.OAuthToken(ctx, s.ID, "none")),
		"OAuthToken of another site":       second(db.OAuthToken(ctx, other.ID, "at-1")),
		"OAuthTokenByRefresh unknown":      second(db.OAuthTokenByRefresh(ctx, s.ID, []byte("none"))),
		"OAuthTokenByRefresh another site": second(db.OAuthTokenByRefresh(ctx, other.ID, []byte("rt-1"))),
		"RotateOAuthToken unknown":         db.RotateOAuthToken(ctx, s.ID, []byte("none"), t0, machine),
		"RotateOAuthToken another site":    db.RotateOAuthToken(ctx, other.ID, []byte("rt-1"), t0, machine),
	} {
		if !errors.Is(err, oauth.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", name, err)
		}
	}

	// Rotation: the old refresh token is used, the new pair stored.
	next := full
	next.ID, next.RefreshHash, next.AuthRequestID, next.CreatedAt = "at-2", []byte("rt-2"), "", t0.Add(time.Minute)
	rotated := t0.Add(time.Minute)
	// more: another token stored with the pair (a narrowed access token).
	extra := next
	extra.ID, extra.RefreshHash, extra.RefreshExpires = "at-2b", nil, time.Time{}
	if err := db.RotateOAuthToken(ctx, s.ID, []byte("rt-1"), rotated, next, extra); err != nil {
		t.Fatal(err)
	}
	if got, err := db.OAuthTokenByRefresh(ctx, s.ID, []byte("rt-2")); err != nil || !sameValue(got, next, tokenTimes) {
		t.Fatalf("the rotated pair: %+v, %v", got, err)
	}
	if got, err := db.OAuthToken(ctx, s.ID, "at-2b"); err != nil || !sameValue(got, extra, tokenTimes) {
		t.Fatalf("the token stored with the rotated pair: %+v, %v", got, err)
	}
	if got, _ := db.OAuthTokenByRefresh(ctx, s.ID, []byte("rt-1")); !got.RefreshUsedAt.Equal(rotated) {
		t.Fatalf("the old refresh token's used time: %v", got.RefreshUsedAt)
	}
	again := next
	again.ID, again.RefreshHash = "at-3", []byte("rt-3")
	againExtra := extra
	againExtra.ID = "at-3b"
	if err := db.RotateOAuthToken(ctx, s.ID, []byte("rt-1"), rotated, again, againExtra); !errors.Is(err, oauth.ErrReused) {
		t.Fatalf("second rotation: %v, want ErrReused", err)
	}
	for _, id := range []string{"at-3", "at-3b"} {
		if _, err := db.OAuthToken(ctx, s.ID, id); !errors.Is(err, oauth.ErrNotFound) {
			t.Fatalf("the refused rotation stored %s: %v", id, err)
		}
	}

	// Revoking the family revokes its every token, and no other.
	newOAuthToken(t, db, s.ID, a.ID, "app", "at-other-family", "fam-2", "rt-f2")
	revokedAt := t0.Add(2 * time.Minute)
	if err := db.RevokeOAuthFamily(ctx, s.ID, "fam-1", revokedAt); err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeOAuthFamily(ctx, s.ID, "fam-1", revokedAt.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	revoked := func(id string) time.Time {
		t.Helper()
		tok, err := db.OAuthToken(ctx, s.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		return tok.RevokedAt
	}
	for id, want := range map[string]time.Time{"at-1": revokedAt, "at-2": revokedAt, "at-other-family": {}, "at-m": {}} {
		if got := revoked(id); !got.Equal(want) {
			t.Errorf("token %s revoked at %v, want %v", id, got, want)
		}
	}
	// A revoked refresh token does not rotate.
	rev := next
	rev.ID, rev.RefreshHash = "at-4", []byte("rt-4")
	if err := db.RotateOAuthToken(ctx, s.ID, []byte("rt-2"), rotated, rev); !errors.Is(err, oauth.ErrRevoked) {
		t.Fatalf("rotating a revoked refresh token: %v, want ErrRevoked", err)
	}
	if got, _ := db.OAuthTokenByRefresh(ctx, s.ID, []byte("rt-2")); !got.RefreshUsedAt.IsZero() {
		t.Fatal("a refused rotation marked the token used")
	}

	// The tokens of an auth request's code: their families.
	newOAuthToken(t, db, s.ID, a.ID, "app", "at-code", "fam-code", "rt-code")
	code := oauth.StoredToken{Token: oauth.Token{ID: "at-code-child", SiteID: s.ID, ClientID: "app", AccountID: a.ID,
		Subject: a.UID, FamilyID: "fam-code", AuthRequestID: "req2", ExpiresAt: t0.Add(time.Hour), CreatedAt: t0}}
	if err := db.CreateOAuthToken(ctx, code); err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeOAuthAuthRequestTokens(ctx, s.ID, "req2", revokedAt); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]time.Time{"at-code": revokedAt, "at-code-child": revokedAt, "at-other-family": {}} {
		if got := revoked(id); !got.Equal(want) {
			t.Errorf("token %s revoked at %v, want %v", id, got, want)
		}
	}
	if err := db.RevokeOAuthAuthRequestTokens(ctx, other.ID, "req", revokedAt); err != nil {
		t.Fatal(err)
	}

	// Grants of an account: to one client, then to all.
	newOAuthToken(t, db, s.ID, a.ID, "app2", "at-a-app2", "fam-3", "")
	newOAuthToken(t, db, s.ID, b.ID, "app", "at-b", "fam-4", "")
	if err := db.RevokeOAuthGrants(ctx, s.ID, a.ID, "app", revokedAt); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]time.Time{"at-other-family": revokedAt, "at-a-app2": {}, "at-b": {}, "at-m": {}} {
		if got := revoked(id); !got.Equal(want) {
			t.Errorf("token %s revoked at %v, want %v", id, got, want)
		}
	}
	if err := db.RevokeOAuthGrants(ctx, other.ID, a.ID, "", revokedAt); err != nil {
		t.Fatal(err)
	}
	if got := revoked("at-a-app2"); !got.IsZero() {
		t.Error("RevokeOAuthGrants of another site revoked a token")
	}
	if err := db.RevokeOAuthGrants(ctx, s.ID, a.ID, "", revokedAt); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]time.Time{"at-a-app2": revokedAt, "at-b": {}} {
		if got := revoked(id); !got.Equal(want) {
			t.Errorf("token %s revoked at %v, want %v", id, got, want)
		}
	}
}

// Concurrent rotations of one refresh token: exactly one stores its pair;
// the others see the token reused.
func testOAuthRotateRace(t *testing.T, db *store.DB) {
	s := NewSite(t, db)
	a := newAccount(t, db, s.ID)
	newOAuthClient(t, db, s.ID, "app")
	old := newOAuthToken(t, db, s.ID, a.ID, "app", "at-0", "fam", "rt-0")
	const n = 16
	errs := race(n, func(i int) error {
		next := old
		next.ID, next.RefreshHash = fmt.Sprint("at-next-", i), fmt.Appendf(nil, "rt-next-%d", i)
		return db.RotateOAuthToken(ctx, s.ID, []byte("rt-0"), t0, next)
	})
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
	for i := range n {
		if _, err := db.OAuthToken(ctx, s.ID, fmt.Sprint("at-next-", i)); (err == nil) != (i == winner) {
			t.Errorf("pair of rotation %d: %v (winner %d)", i, err, winner)
		}
	}
}

// Deleting a client deletes its requests, tokens and consents; deleting an
// account deletes its own.
func testOAuthCascade(t *testing.T, db *store.DB) {
	s := NewSite(t, db)
	a, b := newAccount(t, db, s.ID), newAccount(t, db, s.ID)
	for _, c := range []string{"gone", "kept"} {
		newOAuthClient(t, db, s.ID, c)
		for _, acc := range []account.Account{a, b} {
			id := fmt.Sprintf("%s-%d", c, acc.ID)
			r := newAuthRequest(t, db, s.ID, c, id)
			r.AccountID, r.Subject = acc.ID, acc.UID
			if err := db.AuthenticateOAuthAuthRequest(ctx, r); err != nil {
				t.Fatal(err)
			}
			if err := db.ApproveOAuthAuthRequest(ctx, s.ID, id, acc.ID, c, []string{"openid"}, t0); err != nil {
				t.Fatal(err)
			}
			newOAuthToken(t, db, s.ID, acc.ID, c, "at-"+id, "fam-"+id, "rt-"+id)
		}
	}
	if err := db.DeleteOAuthClient(ctx, s.ID, "gone"); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteAccount(ctx, s.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"gone", "kept"} {
		for _, acc := range []account.Account{a, b} {
			id := fmt.Sprintf("%s-%d", c, acc.ID)
			live := c == "kept" && acc.ID == b.ID
			_, errR := db.OAuthAuthRequest(ctx, s.ID, id)
			_, errT := db.OAuthToken(ctx, s.ID, "at-"+id)
			_, errC := db.OAuthConsent(ctx, s.ID, acc.ID, c)
			for what, err := range map[string]error{"request": errR, "token": errT, "consent": errC} {
				if live && err != nil || !live && !errors.Is(err, oauth.ErrNotFound) {
					t.Errorf("%s of client %s, account %d: %v, want live=%v", what, c, acc.ID, err, live)
				}
			}
		}
	}
}
