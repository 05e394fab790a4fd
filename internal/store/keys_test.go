package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/conformance"
	"github.com/custos-id/custos/internal/store/storetest"
)

var t0 = time.Date(2026, 11, 22, 10, 0, 0, 123e6, time.UTC)

// Migration 00009: the key a site had before key sets is its first key,
// signing since it was made; a rotation retires it when the new key
// activates.
func TestKeySetsMigration(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			url := storetest.URL(t, e)
			raw := storetest.Raw(t, url)
			p := migrations(t, e, raw)
			if _, err := p.UpTo(ctx, 7); err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{
				`INSERT INTO sites (id, name, api_key, secret_sealed, created_at, updated_at) VALUES (1, 's', '3_m', '\x01', 1, 1)`,
				`INSERT INTO site_keys (site_id, kid, alg, private_sealed, created_at) VALUES (1, 'old', 'RS256', '\x02', 5)`,
			} {
				if _, err := raw.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			db, err := store.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			keys, err := db.SiteKeys(ctx, 1, time.Time{})
			if err != nil || conformance.Kids(keys) != "old" || keys[0].CreatedAt.UnixMilli() != 5 || keys[0].ActivateAt.UnixMilli() != 5 {
				t.Fatalf("after migration: %+v, %v", keys, err)
			}
			if at, err := db.RotateSiteKey(ctx, conformance.StoredKey(1, "new", 3, t0)); err != nil || !at.Equal(t0.Add(time.Minute)) {
				t.Fatalf("rotation: activates at %v, %v", at, err)
			}
			keys, err = db.SiteKeys(ctx, 1, time.Time{})
			if err != nil || conformance.Kids(keys) != "new -old" || !keys[1].RetiredAt.Equal(t0.Add(time.Minute)) {
				t.Fatalf("after rotation: %s, %v", conformance.Kids(keys), err)
			}
		})
	}
}
