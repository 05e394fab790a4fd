package conformance

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/token"
)

// The signing key sets of sites.

func init() {
	register("site-keys", testSiteKeys, "SiteKeys", "CreateSiteKey", "RotateSiteKey")
	register("site-keys-rotate", testRotateSiteKey, "RotateSiteKey", "SiteKeys")
	register("site-keys-create-race", testSiteKeysConcurrentCreate, "CreateSiteKey")
	register("site-keys-rotate-race", testSiteKeysConcurrentRotate, "RotateSiteKey", "CreateSiteKey")
}

func storedKey(siteID int64, kid string, sealed byte, at time.Time) token.StoredKey {
	return token.StoredKey{SiteID: siteID, KID: kid, Alg: "RS256", PrivateSealed: []byte{sealed}, CreatedAt: at}
}

// kids lists the key ids of keys, "-" marking retired ones.
func kids(keys []token.StoredKey) string {
	var out []string
	for _, k := range keys {
		if k.RetiredAt.IsZero() {
			out = append(out, k.KID)
		} else {
			out = append(out, "-"+k.KID)
		}
	}
	return strings.Join(out, " ")
}

func testSiteKeys(t *testing.T, db *store.DB) {
	s := newSite(t, db)
	if keys, err := db.SiteKeys(ctx, s.ID, time.Time{}); len(keys) != 0 || err != nil {
		t.Fatalf("before create: %+v, %v", keys, err)
	}
	k := token.StoredKey{SiteID: s.ID, KID: "kid-1", Alg: "RS256", PrivateSealed: []byte{0, 1, 2, 0xff}, CreatedAt: t0}
	if created, err := db.CreateSiteKey(ctx, k); !created || err != nil {
		t.Fatalf("CreateSiteKey = %v, %v", created, err)
	}
	keys, err := db.SiteKeys(ctx, s.ID, time.Time{})
	if err != nil || len(keys) != 1 || keys[0].SiteID != s.ID || keys[0].KID != "kid-1" || keys[0].Alg != "RS256" ||
		!bytes.Equal(keys[0].PrivateSealed, k.PrivateSealed) || !keys[0].CreatedAt.Equal(t0) || !keys[0].RetiredAt.IsZero() {
		t.Fatalf("SiteKeys = %+v, %v", keys, err)
	}

	// A second first key for the site is not an error, and changes nothing.
	if created, err := db.CreateSiteKey(ctx, storedKey(s.ID, "kid-2", 9, t0)); created || err != nil {
		t.Fatalf("second CreateSiteKey = %v, %v", created, err)
	}
	if keys, err := db.SiteKeys(ctx, s.ID, time.Time{}); err != nil || kids(keys) != "kid-1" {
		t.Fatalf("after second create: %s, %v", kids(keys), err)
	}

	// Unknown site: no key, and none can be created or rotated in.
	if keys, err := db.SiteKeys(ctx, 999, time.Time{}); len(keys) != 0 || err != nil {
		t.Fatalf("unknown site: %+v, %v", keys, err)
	}
	if created, err := db.CreateSiteKey(ctx, storedKey(999, "kid-3", 1, t0)); created || err == nil {
		t.Fatalf("key of unknown site: %v, %v", created, err)
	}
	if err := db.RotateSiteKey(ctx, storedKey(999, "kid-3", 1, t0)); err == nil {
		t.Fatal("rotated a key into an unknown site")
	}
	// Key ids are unique across sites.
	s2 := newSite(t, db)
	if created, err := db.CreateSiteKey(ctx, storedKey(s2.ID, "kid-1", 1, t0)); created || err == nil {
		t.Fatalf("duplicate kid on another site: %v, %v", created, err)
	}
	if err := db.RotateSiteKey(ctx, storedKey(s2.ID, "kid-1", 1, t0)); err == nil {
		t.Fatal("rotated in a duplicate kid")
	}
	if keys, err := db.SiteKeys(ctx, s2.ID, time.Time{}); len(keys) != 0 || err != nil {
		t.Fatalf("site 2 after failed creates: %+v, %v", keys, err)
	}
}

// Rotation retires the active key at the new key's creation time; SiteKeys
// gives the active key first, then the retired ones since a time, newest
// first.
func testRotateSiteKey(t *testing.T, db *store.DB) {
	s := newSite(t, db)
	// A site without a key gets one by rotation too.
	if err := db.RotateSiteKey(ctx, storedKey(s.ID, "k1", 1, t0)); err != nil {
		t.Fatal(err)
	}
	for i, kid := range []string{"k2", "k3"} {
		if err := db.RotateSiteKey(ctx, storedKey(s.ID, kid, byte(i+2), t0.Add(time.Duration(i+1)*time.Hour))); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := db.SiteKeys(ctx, s.ID, time.Time{})
	if err != nil || kids(keys) != "k3 -k2 -k1" {
		t.Fatalf("SiteKeys = %s, %v", kids(keys), err)
	}
	if !keys[1].RetiredAt.Equal(t0.Add(2*time.Hour)) || !keys[2].RetiredAt.Equal(t0.Add(time.Hour)) ||
		!keys[1].CreatedAt.Equal(t0.Add(time.Hour)) || keys[2].PrivateSealed[0] != 1 {
		t.Fatalf("retired keys %+v", keys[1:])
	}
	for since, want := range map[time.Time]string{
		t0.Add(time.Hour):                    "k3 -k2 -k1", // retired exactly then: still in
		t0.Add(time.Hour + time.Millisecond): "k3 -k2",
		t0.Add(3 * time.Hour):                "k3",
	} {
		if keys, err := db.SiteKeys(ctx, s.ID, since); err != nil || kids(keys) != want {
			t.Errorf("SiteKeys since %v = %s, %v; want %s", since, kids(keys), err, want)
		}
	}
	// After a rotation the first key cannot be created again.
	if created, err := db.CreateSiteKey(ctx, storedKey(s.ID, "k4", 4, t0)); created || err != nil {
		t.Fatalf("CreateSiteKey over a rotated set = %v, %v", created, err)
	}
}

// Processes creating a site's first key at once: exactly one wins, and every
// reader then sees its key.
func testSiteKeysConcurrentCreate(t *testing.T, db *store.DB) {
	s := newSite(t, db)
	const n = 16
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		wins   []string
		errs   []error
		readAt = make([]string, n)
	)
	for i := range n {
		wg.Go(func() {
			kid := fmt.Sprintf("kid-%d", i)
			created, err := db.CreateSiteKey(ctx, storedKey(s.ID, kid, byte(i), t0))
			if err == nil {
				var keys []token.StoredKey
				keys, err = db.SiteKeys(ctx, s.ID, time.Time{})
				readAt[i] = kids(keys)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			}
			if created {
				wins = append(wins, kid)
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 || len(wins) != 1 {
		t.Fatalf("wins=%v errors=%v", wins, errs)
	}
	for i, got := range readAt {
		if got != wins[0] {
			t.Errorf("reader %d saw keys %q, want %q", i, got, wins[0])
		}
	}
	if keys, err := db.SiteKeys(ctx, s.ID, time.Time{}); err != nil || len(keys) != 1 ||
		fmt.Sprintf("kid-%d", keys[0].PrivateSealed[0]) != wins[0] {
		t.Fatalf("SiteKeys = %+v, %v; winner %s", keys, err, wins[0])
	}
}

// Rotations racing on one site, with a first-key create among them: all
// succeed, one key stays active, and every other is retired.
func testSiteKeysConcurrentRotate(t *testing.T, db *store.DB) {
	s := newSite(t, db)
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n+1)
	wg.Go(func() {
		if _, err := db.CreateSiteKey(ctx, storedKey(s.ID, "first", 0, t0)); err != nil {
			errs <- err
		}
	})
	for i := range n {
		wg.Go(func() {
			if err := db.RotateSiteKey(ctx, storedKey(s.ID, fmt.Sprintf("kid-%d", i), byte(i), t0.Add(time.Duration(i)*time.Second))); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	keys, err := db.SiteKeys(ctx, s.ID, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	active := 0
	for _, k := range keys {
		if k.RetiredAt.IsZero() {
			active++
		}
	}
	if active != 1 || len(keys) < n || len(keys) > n+1 {
		t.Fatalf("%d keys, %d active: %s", len(keys), active, kids(keys))
	}
}
