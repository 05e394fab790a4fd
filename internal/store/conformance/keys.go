package conformance

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/custos-id/custos/internal/jwt"
	"github.com/custos-id/custos/internal/store"
)

// The signing keys of sites, in a file of their own: they are about to
// become key sets.

func init() {
	register("site-keys", testSiteKeys, "SiteKey", "CreateSiteKey")
	register("site-keys-race", testSiteKeysRace, "CreateSiteKey")
}

func testSiteKeys(t *testing.T, db *store.DB) {
	s := newSite(t, db)
	if _, err := db.SiteKey(ctx, s.ID); !errors.Is(err, jwt.ErrNoKey) {
		t.Fatalf("before create: err = %v, want ErrNoKey", err)
	}
	k := jwt.StoredKey{SiteID: s.ID, KID: "kid-1", Alg: "RS256", PrivateSealed: []byte{0, 1, 2, 0xff}, CreatedAt: t0}
	if created, err := db.CreateSiteKey(ctx, k); !created || err != nil {
		t.Fatalf("CreateSiteKey = %v, %v", created, err)
	}
	got, err := db.SiteKey(ctx, s.ID)
	if err != nil || got.SiteID != s.ID || got.KID != "kid-1" || got.Alg != "RS256" ||
		!bytes.Equal(got.PrivateSealed, k.PrivateSealed) || !got.CreatedAt.Equal(t0) {
		t.Fatalf("SiteKey = %+v, %v", got, err)
	}

	// A second key for the site is not an error, and changes nothing.
	other := k
	other.KID, other.PrivateSealed = "kid-2", []byte{9}
	if created, err := db.CreateSiteKey(ctx, other); created || err != nil {
		t.Fatalf("second CreateSiteKey = %v, %v", created, err)
	}
	if got, err := db.SiteKey(ctx, s.ID); err != nil || got.KID != "kid-1" {
		t.Fatalf("after second create: %+v, %v", got, err)
	}

	// Unknown site: no key, and none can be created.
	if _, err := db.SiteKey(ctx, 999_999); !errors.Is(err, jwt.ErrNoKey) {
		t.Fatalf("unknown site: err = %v, want ErrNoKey", err)
	}
	if created, err := db.CreateSiteKey(ctx, jwt.StoredKey{SiteID: 999_999, KID: "kid-3", Alg: "RS256", PrivateSealed: []byte{1}, CreatedAt: t0}); created || err == nil {
		t.Fatalf("key of unknown site: %v, %v", created, err)
	}
	// Key ids are unique across sites.
	s2 := newSite(t, db)
	dup := k
	dup.SiteID = s2.ID
	if created, err := db.CreateSiteKey(ctx, dup); created || err == nil {
		t.Fatalf("duplicate kid on another site: %v, %v", created, err)
	}
	if _, err := db.SiteKey(ctx, s2.ID); !errors.Is(err, jwt.ErrNoKey) {
		t.Fatalf("site 2 after failed create: err = %v", err)
	}
}

// Processes creating a site's first key at once: exactly one wins, and every
// reader then sees its key.
func testSiteKeysRace(t *testing.T, db *store.DB) {
	s := newSite(t, db)
	const n = 16
	type result struct {
		created bool
		readKID string
		err     error
	}
	results := race(n, func(i int) result {
		kid := fmt.Sprintf("kid-%d", i)
		created, err := db.CreateSiteKey(ctx, jwt.StoredKey{SiteID: s.ID, KID: kid, Alg: "RS256", PrivateSealed: []byte{byte(i)}, CreatedAt: t0})
		if err != nil {
			return result{err: err}
		}
		k, err := db.SiteKey(ctx, s.ID)
		return result{created, k.KID, err}
	})
	var wins []string
	for i, r := range results {
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.created {
			wins = append(wins, fmt.Sprintf("kid-%d", i))
		}
	}
	if len(wins) != 1 {
		t.Fatalf("wins=%v", wins)
	}
	for i, r := range results {
		if r.readKID != wins[0] {
			t.Errorf("reader %d saw kid %q, want %q", i, r.readKID, wins[0])
		}
	}
	if got, err := db.SiteKey(ctx, s.ID); err != nil || got.KID != wins[0] || len(got.PrivateSealed) != 1 ||
		fmt.Sprintf("kid-%d", got.PrivateSealed[0]) != wins[0] {
		t.Fatalf("SiteKey = %+v, %v; winner %s", got, err, wins[0])
	}
}
