package conformance

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/store"
)

func init() {
	register("identities", testIdentities, "CreateIdentity", "IdentityByProviderUID", "Identities",
		"UpdateIdentity", "DeleteIdentity")
	register("identities-race", testIdentityRace, "CreateIdentity")
	register("pending-identities", testPendingIdentities, "CreatePendingIdentity", "PendingIdentityByHash",
		"CreateToken", "ConsumeToken")
}

func testIdentities(t *testing.T, db *store.DB) {
	s := NewSite(t, db)
	other := NewSite(t, db)
	a := newAccount(t, db, s.ID, account.LoginID{Kind: account.Email, Value: unique("a") + "@example.com"})
	b := newAccount(t, db, s.ID)
	g := account.StoredIdentity{Identity: account.Identity{Provider: "google", Issuer: "https://accounts.google.com sub", ProviderUID: "1", Email: "ann@example.com",
		EmailVerified: true, Profile: map[string]any{"firstName": "Ann"}}, AccountID: a.ID, CreatedAt: t0, UpdatedAt: t0}
	if err := db.CreateIdentity(ctx, s.ID, g); err != nil {
		t.Fatal(err)
	}
	gh := account.StoredIdentity{Identity: account.Identity{Provider: "github", ProviderUID: "1"}, AccountID: a.ID,
		CreatedAt: t0.Add(time.Second), UpdatedAt: t0.Add(time.Second)}
	if err := db.CreateIdentity(ctx, s.ID, gh); err != nil {
		t.Fatal(err)
	}
	// The same provider UID in another site is another identity.
	c := newAccount(t, db, other.ID)
	if err := db.CreateIdentity(ctx, other.ID, account.StoredIdentity{Identity: g.Identity, AccountID: c.ID,
		CreatedAt: t0, UpdatedAt: t0}); err != nil {
		t.Fatalf("same identity, other site: %v", err)
	}
	// Taken: the identity by another account, a second identity of a provider by one account.
	if err := db.CreateIdentity(ctx, s.ID, account.StoredIdentity{Identity: g.Identity, AccountID: b.ID,
		CreatedAt: t0, UpdatedAt: t0}); !errors.Is(err, account.ErrIdentityTaken) {
		t.Fatalf("identity of another account: %v", err)
	}
	if err := db.CreateIdentity(ctx, s.ID, account.StoredIdentity{Identity: account.Identity{Provider: "google",
		ProviderUID: "2"}, AccountID: a.ID, CreatedAt: t0, UpdatedAt: t0}); !errors.Is(err, account.ErrIdentityTaken) {
		t.Fatalf("second google identity of an account: %v", err)
	}
	got, err := db.IdentityByProviderUID(ctx, s.ID, "google", g.Issuer, "1")
	if err != nil || got.AccountID != a.ID || got.Issuer != g.Issuer || got.Email != g.Email || !got.EmailVerified || got.Profile["firstName"] != "Ann" ||
		!got.CreatedAt.Equal(t0) || !got.LastLoginAt.IsZero() {
		t.Fatalf("IdentityByProviderUID = %+v, %v", got, err)
	}
	if _, err := db.IdentityByProviderUID(ctx, s.ID, "google", g.Issuer, "9"); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("unknown identity: %v", err)
	}
	// The same provider name and uid of another issuer is another identity,
	// not found by the first's issuer (nor the first by its).
	if _, err := db.IdentityByProviderUID(ctx, s.ID, "google", "https://evil.example sub", "1"); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("identity of another issuer: %v", err)
	}
	g2 := account.StoredIdentity{Identity: account.Identity{Provider: "google", Issuer: "https://evil.example sub", ProviderUID: "1"},
		AccountID: b.ID, CreatedAt: t0, UpdatedAt: t0}
	if err := db.CreateIdentity(ctx, s.ID, g2); err != nil {
		t.Fatalf("same name and uid, another issuer: %v", err)
	}
	if got, err := db.IdentityByProviderUID(ctx, s.ID, "google", g2.Issuer, "1"); err != nil || got.AccountID != b.ID || got.Issuer != g2.Issuer {
		t.Fatalf("IdentityByProviderUID(other issuer) = %+v, %v", got, err)
	}
	list, err := db.Identities(ctx, a.ID)
	if err != nil || len(list) != 2 || list[0].Provider != "google" || list[1].Provider != "github" {
		t.Fatalf("Identities = %+v, %v", list, err)
	}
	got.Email, got.EmailVerified, got.Profile = "ann2@example.com", false, map[string]any{"lastName": "Lee"}
	got.UpdatedAt, got.LastLoginAt = t0.Add(time.Hour), t0.Add(time.Hour)
	if err := db.UpdateIdentity(ctx, s.ID, got); err != nil {
		t.Fatal(err)
	}
	again, err := db.IdentityByProviderUID(ctx, s.ID, "google", g.Issuer, "1")
	if err != nil || again.Email != "ann2@example.com" || again.EmailVerified || again.Profile["lastName"] != "Lee" ||
		again.Profile["firstName"] != nil || !again.LastLoginAt.Equal(t0.Add(time.Hour)) || !again.CreatedAt.Equal(t0) {
		t.Fatalf("after UpdateIdentity: %+v, %v", again, err)
	}
	if err := db.DeleteIdentity(ctx, a.ID, "github"); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteIdentity(ctx, a.ID, "github"); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("DeleteIdentity again: %v", err)
	}
	gone := got
	gone.ProviderUID = "nobody"
	if err := db.UpdateIdentity(ctx, s.ID, gone); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("UpdateIdentity of none: %v", err)
	}
	// Deleting the account deletes its identities.
	if err := db.DeleteAccount(ctx, s.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.IdentityByProviderUID(ctx, s.ID, "google", g.Issuer, "1"); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("identity of a deleted account: %v", err)
	}
}

// Two accounts attaching one identity at once: one wins.
func testIdentityRace(t *testing.T, db *store.DB) {
	s := NewSite(t, db)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		a := newAccount(t, db, s.ID)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.CreateIdentity(ctx, s.ID, account.StoredIdentity{Identity: account.Identity{Provider: "google",
				ProviderUID: "race"}, AccountID: a.ID, CreatedAt: t0, UpdatedAt: t0})
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, account.ErrIdentityTaken):
			t.Errorf("loser: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d winners", won)
	}
}

func testPendingIdentities(t *testing.T, db *store.DB) {
	s := NewSite(t, db)
	a := newAccount(t, db, s.ID)
	hash := []byte(unique("pending-hash"))
	if err := db.CreateToken(ctx, account.Token{Hash: hash, SiteID: s.ID, Kind: account.LinkToken, CreatedAt: t0,
		ExpiresAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	p := account.PendingIdentity{Identity: account.Identity{Provider: "google", Issuer: "iss", ProviderUID: "7", Email: "x@example.com",
		Profile: map[string]any{"nickname": "x"}}, TokenHash: hash, SiteID: s.ID, ConflictAccountID: a.ID, CreatedAt: t0}
	if err := db.CreatePendingIdentity(ctx, p); err != nil {
		t.Fatal(err)
	}
	got, err := db.PendingIdentityByHash(ctx, hash)
	if err != nil || got.Provider != "google" || got.Issuer != "iss" || got.ProviderUID != "7" || got.Email != "x@example.com" || got.EmailVerified ||
		got.ConflictAccountID != a.ID || got.SiteID != s.ID || got.Profile["nickname"] != "x" || !got.CreatedAt.Equal(t0) {
		t.Fatalf("PendingIdentityByHash = %+v, %v", got, err)
	}
	if got.BrowserHash != nil {
		t.Errorf("BrowserHash = %x, want none", got.BrowserHash)
	}
	// A newer conflict of the same identity replaces it, with its token;
	// its browser binding is kept.
	hash2 := []byte(unique("pending-hash"))
	if err := db.CreateToken(ctx, account.Token{Hash: hash2, SiteID: s.ID, Kind: account.LinkToken, CreatedAt: t0,
		ExpiresAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	p2 := p
	p2.TokenHash, p2.BrowserHash = hash2, []byte("browser-hash")
	if err := db.CreatePendingIdentity(ctx, p2); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PendingIdentityByHash(ctx, hash); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("the replaced pending identity: %v", err)
	}
	if _, err := db.ConsumeToken(ctx, account.LinkToken, hash); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("the replaced pending identity's token: %v", err)
	}
	if got, err := db.PendingIdentityByHash(ctx, hash2); err != nil || string(got.BrowserHash) != "browser-hash" {
		t.Fatalf("the newer pending identity: %+v, %v", got, err)
	}
	// It lives as long as its token.
	if _, err := db.ConsumeToken(ctx, account.LinkToken, hash2); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PendingIdentityByHash(ctx, hash2); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("after the token is spent: %v", err)
	}
}
