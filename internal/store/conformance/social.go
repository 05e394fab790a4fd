package conformance

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/social"
	"github.com/custos-id/custos/internal/store"
)

func init() {
	register("social-providers", testSocialProviders, "PutSocialProvider", "SocialProvider", "SocialProviders",
		"DeleteSocialProvider")
	register("social-attempts", testSocialAttempts, "CreateSocialAttempt", "TakeSocialAttempt")
	register("social-used-tokens", testSocialUsedTokens, "UseSocialToken")
	register("social-redirect-uris", testSocialRedirectURIs, "SetSocialRedirectURIs", "SocialRedirectURIs")
}

// Providers are per site, replaced whole, listed by name; a secret may be
// absent (NULL) and is kept as given.
func testSocialProviders(t *testing.T, db *store.DB) {
	s, other := NewSite(t, db), NewSite(t, db)
	g := social.ProviderRecord{SiteID: s.ID, Name: "google", Config: `{"clientID":"g"}`, SecretSealed: []byte{1, 2, 3},
		CreatedAt: t0, UpdatedAt: t0}
	a := social.ProviderRecord{SiteID: s.ID, Name: "acme", Config: `{"clientID":"a"}`, CreatedAt: t0, UpdatedAt: t0}
	for _, r := range []social.ProviderRecord{g, a} {
		if err := db.PutSocialProvider(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := db.SocialProvider(ctx, s.ID, "google"); err != nil || !reflect.DeepEqual(got, g) {
		t.Fatalf("SocialProvider = %+v, %v; want %+v", got, err, g)
	}
	if got, err := db.SocialProvider(ctx, s.ID, "acme"); err != nil || got.SecretSealed != nil {
		t.Fatalf("SocialProvider without a secret = %+v, %v", got, err)
	}
	if _, err := db.SocialProvider(ctx, other.ID, "google"); !errors.Is(err, social.ErrNotFound) {
		t.Fatalf("another site's provider: %v", err)
	}
	// Replaced: the configuration, the secret and updated_at; created_at stays.
	g2 := g
	g2.Config, g2.SecretSealed, g2.CreatedAt, g2.UpdatedAt = `{"clientID":"g2"}`, []byte{4}, t0.Add(time.Hour), t0.Add(time.Minute)
	if err := db.PutSocialProvider(ctx, g2); err != nil {
		t.Fatal(err)
	}
	list, err := db.SocialProviders(ctx, s.ID)
	g2.CreatedAt = t0
	if err != nil || len(list) != 2 || list[0].Name != "acme" || !reflect.DeepEqual(list[1], g2) {
		t.Fatalf("SocialProviders = %+v, %v", list, err)
	}
	if list, err := db.SocialProviders(ctx, other.ID); err != nil || len(list) != 0 {
		t.Fatalf("another site's providers = %+v, %v", list, err)
	}
	if err := db.DeleteSocialProvider(ctx, other.ID, "google"); !errors.Is(err, social.ErrNotFound) {
		t.Fatalf("DeleteSocialProvider of another site: %v", err)
	}
	if err := db.DeleteSocialProvider(ctx, s.ID, "google"); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteSocialProvider(ctx, s.ID, "google"); !errors.Is(err, social.ErrNotFound) {
		t.Fatalf("DeleteSocialProvider twice: %v", err)
	}
}

// An attempt is taken once: of concurrent takes one wins. Purge deletes
// the expired ones.
func testSocialAttempts(t *testing.T, db *store.DB) {
	s := NewSite(t, db)
	a := social.Attempt{StateHash: []byte(unique("state-")), SiteID: s.ID, Provider: "google",
		CallbackURL: "https://id.example/cb", VerifierSealed: []byte{9, 9}, NonceHash: []byte{7},
		Return: `{"Method":"socialize.login"}`, CreatedAt: t0, ExpiresAt: t0.Add(10 * time.Minute)}
	if err := db.CreateSocialAttempt(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSocialAttempt(ctx, a); err == nil {
		t.Fatal("a second attempt of the same state was stored")
	}
	got := race(8, func(int) error {
		b, err := db.TakeSocialAttempt(ctx, a.StateHash)
		if err == nil && !reflect.DeepEqual(b, a) {
			t.Errorf("TakeSocialAttempt = %+v; want %+v", b, a)
		}
		return err
	})
	won := 0
	for _, err := range got {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, social.ErrNotFound):
			t.Errorf("TakeSocialAttempt: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d takes of one attempt won", won)
	}
	// Without a nonce (oauth2); purged once expired, kept while live.
	now := t0.Add(time.Hour)
	old := social.Attempt{StateHash: []byte(unique("old-")), SiteID: s.ID, Provider: "github", CallbackURL: "https://id.example/cb",
		VerifierSealed: []byte{1}, Return: `{}`, CreatedAt: t0, ExpiresAt: now.Add(-time.Second)}
	live := old
	live.StateHash, live.ExpiresAt = []byte(unique("live-")), now.Add(time.Minute)
	for _, x := range []social.Attempt{old, live} {
		if err := db.CreateSocialAttempt(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Purge(ctx, now); err != nil {
		t.Fatal(err)
	}
	if _, err := db.TakeSocialAttempt(ctx, old.StateHash); !errors.Is(err, social.ErrNotFound) {
		t.Errorf("expired attempt after Purge: %v", err)
	}
	if b, err := db.TakeSocialAttempt(ctx, live.StateHash); err != nil || b.NonceHash != nil {
		t.Errorf("live attempt after Purge: %+v, %v", b, err)
	}
}

// A site's redirect URIs are replaced whole, kept in order, per site; none
// before the first set.
func testSocialRedirectURIs(t *testing.T, db *store.DB) {
	s, other := NewSite(t, db), NewSite(t, db)
	if got, err := db.SocialRedirectURIs(ctx, s.ID); err != nil || len(got) != 0 {
		t.Fatalf("SocialRedirectURIs before any = %v, %v", got, err)
	}
	uris := []string{"https://b.example/after", "https://a.example/x?y=1"}
	if err := db.SetSocialRedirectURIs(ctx, s.ID, uris, t0); err != nil {
		t.Fatal(err)
	}
	if got, err := db.SocialRedirectURIs(ctx, s.ID); err != nil || !reflect.DeepEqual(got, uris) {
		t.Fatalf("SocialRedirectURIs = %v, %v; want %v", got, err, uris)
	}
	if got, err := db.SocialRedirectURIs(ctx, other.ID); err != nil || len(got) != 0 {
		t.Fatalf("another site's = %v, %v", got, err)
	}
	if err := db.SetSocialRedirectURIs(ctx, s.ID, nil, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, err := db.SocialRedirectURIs(ctx, s.ID); err != nil || len(got) != 0 {
		t.Fatalf("SocialRedirectURIs after clearing = %v, %v", got, err)
	}
}

// A token is used once; Purge forgets the expired ones.
func testSocialUsedTokens(t *testing.T, db *store.DB) {
	live, old := []byte(unique("live-")), []byte(unique("old-"))
	for _, c := range []struct {
		hash  []byte
		at    time.Time
		first bool
	}{{live, t0.Add(time.Hour), true}, {live, t0.Add(time.Hour), false}, {old, t0.Add(-time.Minute), true}} {
		if ok, err := db.UseSocialToken(ctx, c.hash, c.at); ok != c.first || err != nil {
			t.Fatalf("UseSocialToken(%s) = %v, %v; want %v", c.hash, ok, err, c.first)
		}
	}
	if _, err := db.Purge(ctx, t0); err != nil {
		t.Fatal(err)
	}
	if ok, err := db.UseSocialToken(ctx, old, t0.Add(time.Hour)); !ok || err != nil {
		t.Fatalf("after Purge, an expired token's record: %v, %v", ok, err)
	}
	if ok, err := db.UseSocialToken(ctx, live, t0.Add(time.Hour)); ok || err != nil {
		t.Fatalf("after Purge, a live token's record: %v, %v", ok, err)
	}
}
