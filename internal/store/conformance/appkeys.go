package conformance

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/store"
)

func init() {
	register("app-keys", testAppKeys, "CreateAppKey", "AppKeyByUserKey", "ListAppKeys", "RevokeAppKey")
	register("nonces", testNonces, "UseNonce")
}

func testAppKeys(t *testing.T, db *store.DB) {
	s, other := NewSite(t, db), NewSite(t, db)
	key := func(userKey string, created time.Time, scopes ...string) site.AppKeyRecord {
		return site.AppKeyRecord{SecretSealed: []byte{7, 0, 7}, AppKey: site.AppKey{UserKey: userKey, SiteID: s.ID,
			Name: "n-" + userKey, Scopes: scopes, PublicKey: "PEM", CreatedAt: created}}
	}
	// Listed by creation time, then user key.
	keys := []site.AppKeyRecord{key("AK2", t0, "accounts.login"), key("AK3", t0), key("AK1", t0.Add(time.Second), "a", "b")}
	for _, k := range keys {
		if err := db.CreateAppKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	same := func(got, want site.AppKeyRecord) bool {
		return got.UserKey == want.UserKey && got.SiteID == want.SiteID && got.Name == want.Name &&
			string(got.SecretSealed) == string(want.SecretSealed) && len(got.Scopes) == len(want.Scopes) &&
			slices.Equal(got.Scopes, want.Scopes) && got.PublicKey == want.PublicKey &&
			got.CreatedAt.Equal(want.CreatedAt) && got.RevokedAt.Equal(want.RevokedAt)
	}
	if err := db.CreateAppKey(ctx, key("AK1", t0)); err == nil {
		t.Fatal("duplicate user key accepted")
	}
	if got, err := db.AppKeyByUserKey(ctx, "AK1"); err != nil || !same(got, keys[2]) {
		t.Fatalf("AppKeyByUserKey = %+v, %v", got, err)
	}
	list, err := db.ListAppKeys(ctx, s.ID)
	if err != nil || len(list) != 3 || !same(list[0], keys[0]) || !same(list[1], keys[1]) || !same(list[2], keys[2]) {
		t.Fatalf("ListAppKeys = %+v, %v", list, err)
	}
	if list, err := db.ListAppKeys(ctx, other.ID); len(list) != 0 || err != nil {
		t.Fatalf("ListAppKeys of another site = %+v, %v", list, err)
	}

	revoked := t0.Add(time.Minute)
	for _, c := range []struct {
		name    string
		siteID  int64
		userKey string
		err     error
	}{
		{"revoke", s.ID, "AK2", nil},
		{"revoke again", s.ID, "AK2", site.ErrKeyNotFound},
		{"another site's key", other.ID, "AK3", site.ErrKeyNotFound},
		{"unknown key", s.ID, "AK9", site.ErrKeyNotFound},
	} {
		if err := db.RevokeAppKey(ctx, c.siteID, c.userKey, revoked); !errors.Is(err, c.err) || (c.err == nil && err != nil) {
			t.Errorf("%s: %v, want %v", c.name, err, c.err)
		}
	}
	if got, err := db.AppKeyByUserKey(ctx, "AK2"); err != nil || !got.RevokedAt.Equal(revoked) {
		t.Fatalf("revoked key = %+v, %v", got, err)
	}
	if got, _ := db.AppKeyByUserKey(ctx, "AK3"); !got.RevokedAt.IsZero() {
		t.Fatal("revoking through another site revoked the key")
	}
	if _, err := db.AppKeyByUserKey(ctx, "AK9"); !errors.Is(err, site.ErrKeyNotFound) {
		t.Fatalf("unknown key: %v", err)
	}
}

// A nonce is fresh once per site; of concurrent uses, exactly one is.
func testNonces(t *testing.T, db *store.DB) {
	s, other := NewSite(t, db), NewSite(t, db)
	exp := t0.Add(time.Minute)
	for _, c := range []struct {
		name   string
		siteID int64
		nonce  string
		fresh  bool
	}{
		{"first use", s.ID, "n1", true},
		{"replay", s.ID, "n1", false},
		{"another nonce", s.ID, "n2", true},
		{"same nonce, another site", other.ID, "n1", true},
	} {
		if fresh, err := db.UseNonce(ctx, c.siteID, c.nonce, exp); fresh != c.fresh || err != nil {
			t.Errorf("%s: UseNonce = %v, %v; want %v", c.name, fresh, err, c.fresh)
		}
	}
	results := race(16, func(int) outcome[bool] {
		fresh, err := db.UseNonce(ctx, s.ID, "raced", exp)
		return outcome[bool]{fresh, err}
	})
	wins := 0
	for _, r := range results {
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.v {
			wins++
		}
	}
	if wins != 1 {
		t.Fatalf("%d concurrent uses of one nonce were fresh", wins)
	}
}
