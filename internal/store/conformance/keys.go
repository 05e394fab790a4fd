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

// The signing key sets of sites: per site a chain of keys ordered by
// activation, each retired when the next activates.

func init() {
	register("site-keys", testSiteKeys, "SiteKeys", "CreateSiteKey", "RotateSiteKey")
	register("site-keys-rotate", testRotateSiteKey, "RotateSiteKey", "SiteKeys", "CreateSiteKey")
	register("site-keys-create-race", testSiteKeysConcurrentCreate, "CreateSiteKey", "SiteKeys")
	register("site-keys-rotate-race", testSiteKeysConcurrentRotate, "RotateSiteKey", "CreateSiteKey", "SiteKeys")
}

// StoredKey is a key made at, asking to activate a minute later.
func StoredKey(siteID int64, kid string, sealed byte, at time.Time) token.StoredKey {
	return token.StoredKey{SiteID: siteID, KID: kid, Alg: "RS256", PrivateSealed: []byte{sealed},
		CreatedAt: at, ActivateAt: at.Add(time.Minute)}
}

// Kids lists the key ids of keys, "-" marking retired ones.
func Kids(keys []token.StoredKey) string {
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

// checkChain checks that keys, as SiteKeys gives them, are one chain: newest
// first and not retired, each older key retired when the next activates.
func checkChain(t *testing.T, keys []token.StoredKey) {
	t.Helper()
	for i, k := range keys {
		switch {
		case i == 0 && !k.RetiredAt.IsZero():
			t.Errorf("newest key %s retired at %v", k.KID, k.RetiredAt)
		case i > 0 && !k.RetiredAt.Equal(keys[i-1].ActivateAt):
			t.Errorf("key %s retired at %v, its successor %s activates at %v", k.KID, k.RetiredAt, keys[i-1].KID, keys[i-1].ActivateAt)
		case i > 0 && !k.ActivateAt.Before(keys[i-1].ActivateAt):
			t.Errorf("key %s activates at %v, not before its successor %s (%v)", k.KID, k.ActivateAt, keys[i-1].KID, keys[i-1].ActivateAt)
		}
	}
}

func testSiteKeys(t *testing.T, db *store.DB) {
	s := NewSite(t, db)
	if keys, err := db.SiteKeys(ctx, s.ID, time.Time{}); len(keys) != 0 || err != nil {
		t.Fatalf("before create: %+v, %v", keys, err)
	}
	k := token.StoredKey{SiteID: s.ID, KID: "kid-1", Alg: "RS256", PrivateSealed: []byte{0, 1, 2, 0xff},
		CreatedAt: t0, ActivateAt: t0.Add(time.Millisecond)}
	if created, err := db.CreateSiteKey(ctx, k); !created || err != nil {
		t.Fatalf("CreateSiteKey = %v, %v", created, err)
	}
	keys, err := db.SiteKeys(ctx, s.ID, time.Time{})
	if err != nil || len(keys) != 1 || keys[0].SiteID != s.ID || keys[0].KID != "kid-1" || keys[0].Alg != "RS256" ||
		!bytes.Equal(keys[0].PrivateSealed, k.PrivateSealed) || !keys[0].CreatedAt.Equal(t0) ||
		!keys[0].ActivateAt.Equal(k.ActivateAt) || !keys[0].RetiredAt.IsZero() {
		t.Fatalf("SiteKeys = %+v, %v", keys, err)
	}

	// A second first key for the site is not an error, and changes nothing.
	if created, err := db.CreateSiteKey(ctx, StoredKey(s.ID, "kid-2", 9, t0)); created || err != nil {
		t.Fatalf("second CreateSiteKey = %v, %v", created, err)
	}
	if keys, err := db.SiteKeys(ctx, s.ID, time.Time{}); err != nil || Kids(keys) != "kid-1" {
		t.Fatalf("after second create: %s, %v", Kids(keys), err)
	}

	// Unknown site: no key, and none can be created or rotated in.
	if keys, err := db.SiteKeys(ctx, 999, time.Time{}); len(keys) != 0 || err != nil {
		t.Fatalf("unknown site: %+v, %v", keys, err)
	}
	if created, err := db.CreateSiteKey(ctx, StoredKey(999, "kid-3", 1, t0)); created || err == nil {
		t.Fatalf("key of unknown site: %v, %v", created, err)
	}
	if _, err := db.RotateSiteKey(ctx, StoredKey(999, "kid-3", 1, t0)); err == nil {
		t.Fatal("rotated a key into an unknown site")
	}
	// Key ids are unique across sites; a failed rotation changes nothing.
	s2 := NewSite(t, db)
	if created, err := db.CreateSiteKey(ctx, StoredKey(s2.ID, "kid-1", 1, t0)); created || err == nil {
		t.Fatalf("duplicate kid on another site: %v, %v", created, err)
	}
	if _, err := db.RotateSiteKey(ctx, StoredKey(s2.ID, "kid-1", 1, t0)); err == nil {
		t.Fatal("rotated in a duplicate kid")
	}
	if keys, err := db.SiteKeys(ctx, s2.ID, time.Time{}); len(keys) != 0 || err != nil {
		t.Fatalf("site 2 after failed creates: %+v, %v", keys, err)
	}
	if _, err := db.RotateSiteKey(ctx, StoredKey(s.ID, "kid-1", 1, t0.Add(time.Hour))); err == nil {
		t.Fatal("rotated in a duplicate kid")
	}
	if keys, err := db.SiteKeys(ctx, s.ID, time.Time{}); err != nil || Kids(keys) != "kid-1" {
		t.Fatalf("after a failed rotation: %s, %v", Kids(keys), err)
	}
}

// Rotation appends a key that activates when asked, retiring the newest
// key then; a rotation while a key is pending queues after it; a site
// without a key gets its first, active at once. SiteKeys gives the chain
// newest first, without the keys retired before a time.
func testRotateSiteKey(t *testing.T, db *store.DB) {
	s := NewSite(t, db)
	h := t0.Add(time.Hour)
	for _, step := range []struct {
		key  token.StoredKey
		want time.Time
	}{
		{StoredKey(s.ID, "k1", 1, t0), t0},                                         // first key: at once
		{StoredKey(s.ID, "k2", 2, h), h.Add(time.Minute)},                          // as asked
		{StoredKey(s.ID, "k3", 3, h.Add(30*time.Second)), h.Add(90 * time.Second)}, // while k2 is pending
		{StoredKey(s.ID, "k4", 4, t0), h.Add(90*time.Second + time.Millisecond)},   // asks for earlier: right after k3
	} {
		at, err := db.RotateSiteKey(ctx, step.key)
		if err != nil || !at.Equal(step.want) {
			t.Fatalf("rotate to %s: activates at %v, %v; want %v", step.key.KID, at, err, step.want)
		}
	}
	keys, err := db.SiteKeys(ctx, s.ID, time.Time{})
	if err != nil || Kids(keys) != "k4 -k3 -k2 -k1" {
		t.Fatalf("SiteKeys = %s, %v", Kids(keys), err)
	}
	checkChain(t, keys)
	if k1 := keys[3]; !k1.ActivateAt.Equal(t0) || !k1.RetiredAt.Equal(h.Add(time.Minute)) || !k1.CreatedAt.Equal(t0) ||
		k1.PrivateSealed[0] != 1 {
		t.Fatalf("first key %+v", k1)
	}
	if k2 := keys[2]; !k2.CreatedAt.Equal(h) || !k2.RetiredAt.Equal(h.Add(90*time.Second)) {
		t.Fatalf("second key %+v", k2)
	}
	for since, want := range map[time.Time]string{
		h.Add(time.Minute):                         "k4 -k3 -k2 -k1", // retired exactly then: still in
		h.Add(time.Minute + time.Millisecond):      "k4 -k3 -k2",
		h.Add(90*time.Second + 2*time.Millisecond): "k4",
	} {
		if keys, err := db.SiteKeys(ctx, s.ID, since); err != nil || Kids(keys) != want {
			t.Errorf("SiteKeys since %v = %s, %v; want %s", since, Kids(keys), err, want)
		}
	}
	// After a rotation the first key cannot be created again.
	if created, err := db.CreateSiteKey(ctx, StoredKey(s.ID, "k5", 5, t0)); created || err != nil {
		t.Fatalf("CreateSiteKey over a rotated set = %v, %v", created, err)
	}
}

// Processes creating a site's first key at once: exactly one wins, and every
// reader then sees its key.
func testSiteKeysConcurrentCreate(t *testing.T, db *store.DB) {
	s := NewSite(t, db)
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
			created, err := db.CreateSiteKey(ctx, StoredKey(s.ID, kid, byte(i), t0))
			if err == nil {
				var keys []token.StoredKey
				keys, err = db.SiteKeys(ctx, s.ID, time.Time{})
				readAt[i] = Kids(keys)
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

// Rotations racing on one site, with a first-key create among them, all
// asking to activate at the same moment: all succeed, each queued after the
// one before, and the keys form one chain in which each activates when it
// said it would.
func testSiteKeysConcurrentRotate(t *testing.T, db *store.DB) {
	s := NewSite(t, db)
	const n = 16
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		at   = map[string]time.Time{}
	)
	wg.Go(func() {
		k := StoredKey(s.ID, "first", 0, t0)
		k.ActivateAt = t0
		created, err := db.CreateSiteKey(ctx, k)
		mu.Lock()
		defer mu.Unlock()
		if created {
			at[k.KID] = t0
		}
		if err != nil {
			errs = append(errs, err)
		}
	})
	for i := range n {
		wg.Go(func() {
			k := StoredKey(s.ID, fmt.Sprintf("kid-%d", i), byte(i), t0)
			got, err := db.RotateSiteKey(ctx, k)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			}
			at[k.KID] = got
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	keys, err := db.SiteKeys(ctx, s.ID, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != len(at) || len(keys) < n {
		t.Fatalf("%d keys stored, %d made: %s", len(keys), len(at), Kids(keys))
	}
	checkChain(t, keys)
	for _, k := range keys {
		if !k.ActivateAt.Equal(at[k.KID]) {
			t.Errorf("key %s activates at %v; its rotation said %v", k.KID, k.ActivateAt, at[k.KID])
		}
	}
}
