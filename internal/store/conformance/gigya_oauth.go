package conformance

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/store"
)

func init() {
	register("gigya-oauth-tokens", testGigyaTokens, "CreateGigyaToken", "GigyaTokenByHash", "RevokeGigyaToken")
	register("gigya-oauth-codes", testGigyaCodes, "CreateGigyaCode", "GigyaCodeByHash", "ExchangeGigyaCode",
		"RevokeGigyaCodeTokens")
	register("gigya-oauth-purge", testGigyaPurge)
}

// Tokens round-trip with their nullable columns; revocation is per site
// and once.
func testGigyaTokens(t *testing.T, db *store.DB) {
	s, other := NewSite(t, db), NewSite(t, db)
	a := newAccount(t, db, s.ID)
	userKey := unique("GK")
	if err := db.CreateAppKey(ctx, site.AppKeyRecord{SecretSealed: []byte{1}, AppKey: site.AppKey{UserKey: userKey,
		SiteID: s.ID, Name: "k", CreatedAt: t0}}); err != nil {
		t.Fatal(err)
	}
	server := oauth.GigyaToken{Hash: []byte(unique("gt-server")), SiteID: s.ID, SecretTag: []byte("tag of the secret"), CreatedAt: t0}
	user := oauth.GigyaToken{Hash: []byte(unique("gt-user")), SiteID: s.ID, AccountID: a.ID, UserKey: userKey,
		CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	for _, tok := range []*oauth.GigyaToken{&server, &user} {
		if err := db.CreateGigyaToken(ctx, tok); err != nil || tok.ID == 0 {
			t.Fatalf("CreateGigyaToken: id %d, %v", tok.ID, err)
		}
		got, err := db.GigyaTokenByHash(ctx, tok.Hash)
		if err != nil || !reflect.DeepEqual(got, *tok) {
			t.Fatalf("GigyaTokenByHash = %+v, %v; want %+v", got, err, *tok)
		}
	}
	dup := oauth.GigyaToken{Hash: server.Hash, SiteID: s.ID, CreatedAt: t0}
	if err := db.CreateGigyaToken(ctx, &dup); err == nil {
		t.Fatal("a second token with the same hash was stored")
	}
	if _, err := db.GigyaTokenByHash(ctx, []byte("none")); !errors.Is(err, oauth.ErrNotFound) {
		t.Fatalf("GigyaTokenByHash of an unknown hash: %v", err)
	}
	// Another site cannot revoke it; its site can, once.
	if err := db.RevokeGigyaToken(ctx, other.ID, user.Hash, t0); !errors.Is(err, oauth.ErrNotFound) {
		t.Fatalf("RevokeGigyaToken by another site: %v", err)
	}
	at := t0.Add(time.Minute)
	if err := db.RevokeGigyaToken(ctx, s.ID, user.Hash, at); err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeGigyaToken(ctx, s.ID, user.Hash, at.Add(time.Minute)); !errors.Is(err, oauth.ErrNotFound) {
		t.Fatalf("RevokeGigyaToken twice: %v", err)
	}
	if got, _ := db.GigyaTokenByHash(ctx, user.Hash); !got.RevokedAt.Equal(at) {
		t.Fatalf("RevokedAt = %v, want %v", got.RevokedAt, at)
	}
	if got, _ := db.GigyaTokenByHash(ctx, server.Hash); !got.RevokedAt.IsZero() {
		t.Fatal("revoking one token revoked another")
	}
}

// A code is exchanged once: of concurrent exchanges one wins, and the
// losers store nothing; the tokens of a code are revoked together.
func testGigyaCodes(t *testing.T, db *store.DB) {
	s := NewSite(t, db)
	a := newAccount(t, db, s.ID)
	c := oauth.GigyaCode{Hash: []byte(unique("gc")), SiteID: s.ID, AccountID: a.ID, RedirectURI: "https://example.com/cb",
		CreatedAt: t0, ExpiresAt: t0.Add(5 * time.Minute)}
	if err := db.CreateGigyaCode(ctx, &c); err != nil || c.ID == 0 {
		t.Fatalf("CreateGigyaCode: id %d, %v", c.ID, err)
	}
	if got, err := db.GigyaCodeByHash(ctx, c.Hash); err != nil || !reflect.DeepEqual(got, c) {
		t.Fatalf("GigyaCodeByHash = %+v, %v; want %+v", got, err, c)
	}
	if _, err := db.GigyaCodeByHash(ctx, []byte("none")); !errors.Is(err, oauth.ErrNotFound) {
		t.Fatalf("GigyaCodeByHash of an unknown hash: %v", err)
	}
	at := t0.Add(time.Minute)
	results := race(4, func(i int) outcome[oauth.GigyaToken] {
		tok := oauth.GigyaToken{Hash: []byte(unique("gx")), SiteID: s.ID, AccountID: a.ID, CreatedAt: at}
		err := db.ExchangeGigyaCode(ctx, c.ID, &tok)
		return outcome[oauth.GigyaToken]{tok, err}
	})
	var won oauth.GigyaToken
	for _, r := range results {
		switch {
		case r.err == nil && won.ID == 0:
			won = r.v
		case errors.Is(r.err, oauth.ErrReused):
			if _, err := db.GigyaTokenByHash(ctx, r.v.Hash); !errors.Is(err, oauth.ErrNotFound) {
				t.Fatalf("a losing exchange stored its token: %v", err)
			}
		default:
			t.Fatalf("ExchangeGigyaCode: %v (a second winner: %v)", r.err, r.err == nil)
		}
	}
	if won.ID == 0 || won.CodeID != c.ID {
		t.Fatalf("no exchange won: %+v", won)
	}
	if got, _ := db.GigyaCodeByHash(ctx, c.Hash); !got.UsedAt.Equal(at) {
		t.Fatalf("UsedAt = %v, want %v", got.UsedAt, at)
	}
	// A token of no code is not revoked with the code's.
	free := oauth.GigyaToken{Hash: []byte(unique("gf")), SiteID: s.ID, CreatedAt: t0}
	if err := db.CreateGigyaToken(ctx, &free); err != nil {
		t.Fatal(err)
	}
	revoked := at.Add(time.Minute)
	if err := db.RevokeGigyaCodeTokens(ctx, c.ID, revoked); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.GigyaTokenByHash(ctx, won.Hash); !got.RevokedAt.Equal(revoked) {
		t.Fatalf("the code's token: RevokedAt = %v, want %v", got.RevokedAt, revoked)
	}
	if got, _ := db.GigyaTokenByHash(ctx, free.Hash); !got.RevokedAt.IsZero() {
		t.Fatal("a token of no code was revoked")
	}
}

// Purge deletes expired and revoked tokens and expired codes, and keeps
// the rest (a token without expiry too).
func testGigyaPurge(t *testing.T, db *store.DB) {
	s := NewSite(t, db)
	a := newAccount(t, db, s.ID)
	now := t0.Add(24 * time.Hour)
	past, future := now.Add(-time.Second), now.Add(time.Hour)
	tokens := map[string]oauth.GigyaToken{
		"expired": {ExpiresAt: past}, "revoked": {RevokedAt: past},
		"live": {ExpiresAt: future}, "forever": {}, "revoked later": {RevokedAt: future},
	}
	for name, tok := range tokens {
		tok.Hash, tok.SiteID, tok.CreatedAt = []byte(unique("gp-"+name)), s.ID, t0
		if err := db.CreateGigyaToken(ctx, &tok); err != nil {
			t.Fatal(err)
		}
		tokens[name] = tok
	}
	codes := map[string]oauth.GigyaCode{"expired": {ExpiresAt: past}, "live": {ExpiresAt: future}}
	for name, c := range codes {
		c.Hash, c.SiteID, c.AccountID, c.CreatedAt = []byte(unique("gpc-"+name)), s.ID, a.ID, t0
		if err := db.CreateGigyaCode(ctx, &c); err != nil {
			t.Fatal(err)
		}
		codes[name] = c
	}
	if _, err := db.Purge(ctx, now); err != nil {
		t.Fatal(err)
	}
	for name, tok := range tokens {
		_, err := db.GigyaTokenByHash(ctx, tok.Hash)
		if gone := errors.Is(err, oauth.ErrNotFound); gone != (name == "expired" || name == "revoked") {
			t.Errorf("token %s: after Purge: %v", name, err)
		}
	}
	for name, c := range codes {
		_, err := db.GigyaCodeByHash(ctx, c.Hash)
		if gone := errors.Is(err, oauth.ErrNotFound); gone != (name == "expired") {
			t.Errorf("code %s: after Purge: %v", name, err)
		}
	}
}
