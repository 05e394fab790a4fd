package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/conformance"
	"github.com/custos-id/custos/internal/store/storetest"
)

// SeedExpired tops expired sessions and tokens up to n each, spread over
// the accounts of its range, and the purge deletes exactly those: the
// unexpired session of a login stays.
func TestSeedExpired(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			url := storetest.URL(t, e)
			db := storetest.OpenURL(t, url)
			ctx := context.Background()
			s := conformance.NewSite(t, db)
			now := time.Now()
			var ids []int64
			for _, uid := range []string{"a", "b", "c"} {
				a := account.Account{SiteID: s.ID, UID: uid, PasswordHash: "h", Active: true, CreatedAt: now, UpdatedAt: now}
				if err := db.CreateAccount(ctx, &a, nil); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, a.ID)
			}
			live := account.Session{SiteID: s.ID, AccountID: ids[0], TokenHash: []byte("live"), CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
			if err := db.CreateSession(ctx, &live); err != nil {
				t.Fatal(err)
			}
			seed := store.ExpiredSeed{SiteID: s.ID, FirstAccount: ids[0], LastAccount: ids[2], ExpiredAt: now.Add(-time.Minute)}
			for _, c := range []struct{ n, added int64 }{{250, 500}, {250, 0}, {300, 100}} {
				added, err := store.SeedExpired(ctx, db, seed, int(c.n))
				if err != nil || added != c.added {
					t.Fatalf("SeedExpired(%d) = %d, %v; want %d added", c.n, added, err, c.added)
				}
			}
			for _, id := range ids {
				var n int
				if err := storetest.Raw(t, url).QueryRow(`SELECT count(*) FROM sessions WHERE account_id = $1`, id).Scan(&n); err != nil || n < 90 {
					t.Errorf("account %d has %d sessions (%v), want the 300 spread over the three", id, n, err)
				}
			}
			purged, err := db.Purge(ctx, now)
			if err != nil || purged != 600 {
				t.Fatalf("Purge = %d, %v; want the 600 seeded", purged, err)
			}
			if _, _, err := db.SessionByHash(ctx, []byte("live")); err != nil {
				t.Errorf("the live session: %v", err)
			}
		})
	}
}
