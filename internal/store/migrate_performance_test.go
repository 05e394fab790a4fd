package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
)

// Migration 00018 rebuilds login_ids, nonces and unique_values as WITHOUT
// ROWID tables on SQLite (and adds indexes on both engines): the rows of a
// database that has some stay, and so do they when the step is undone and
// done again.
func TestMigrationWithoutRowIDKeepsRows(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			url := storetest.URL(t, e)
			raw := storetest.Raw(t, url)
			// Migration 00010 is Go code of package store: run in its place.
			p := migrations(t, e, raw, goose.WithGoMigrations(
				goose.NewGoMigration(10, &goose.GoFunc{Mode: goose.TransactionEnabled}, nil)))
			if _, err := p.UpTo(ctx, 17); err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{
				`INSERT INTO sites (id, name, api_key, secret_sealed, created_at, updated_at) VALUES (1, 's', '3_s', '\x01', 1, 1)`,
				`INSERT INTO accounts (id, site_id, uid, password_hash, created_at, updated_at) VALUES (7, 1, 'u7', 'h', 1, 1)`,
				`INSERT INTO login_ids (site_id, login_id, kind, account_id, display, verified_at)
				 VALUES (1, 'ann@example.com', 'email', 7, 'Ann@Example.com', 5), (1, 'ann', 'username', 7, 'ann', 0)`,
				`INSERT INTO nonces (site_id, nonce, expires_at) VALUES (1, 'n1', 4102444800000)`,
				`INSERT INTO unique_values (site_id, field, value, account_id) VALUES (1, 'data.member', '42', 7)`,
			} {
				if _, err := raw.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			check := func(stage string) {
				t.Helper()
				db, err := store.Open(ctx, url)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				a, err := db.AccountByLoginID(ctx, 1, account.LoginID{Kind: account.Email, Value: "ann@example.com"})
				if err != nil || a.ID != 7 {
					t.Fatalf("%s: AccountByLoginID = %d, %v", stage, a.ID, err)
				}
				ids, err := db.LoginIDs(ctx, 7)
				if err != nil || len(ids) != 2 || ids[0].Display != "Ann@Example.com" || ids[0].VerifiedAt.IsZero() || ids[1].Value != "ann" {
					t.Fatalf("%s: LoginIDs = %+v, %v", stage, ids, err)
				}
				if fresh, err := db.UseNonce(ctx, 1, "n1", time.UnixMilli(4102444800000)); fresh || err != nil {
					t.Fatalf("%s: a used nonce is fresh again: %v, %v", stage, fresh, err)
				}
				var taken int64
				if err := raw.QueryRowContext(ctx, `SELECT account_id FROM unique_values WHERE site_id = 1 AND field = 'data.member' AND value = '42'`).Scan(&taken); err != nil || taken != 7 {
					t.Fatalf("%s: unique value = %d, %v", stage, taken, err)
				}
			}
			migrate := func() {
				db, err := store.Open(ctx, url)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				if err := db.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
			}
			migrate()
			check("after 00018")
			if e == store.SQLite {
				for _, table := range []string{"login_ids", "nonces", "unique_values"} {
					var ddl string
					if err := raw.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = $1`, table).Scan(&ddl); err != nil {
						t.Fatal(err)
					}
					if !strings.HasSuffix(ddl, "WITHOUT ROWID") {
						t.Errorf("%s is not WITHOUT ROWID:\n%s", table, ddl)
					}
				}
			}
			if _, err := p.DownTo(ctx, 17); err != nil {
				t.Fatal(err)
			}
			check("after 00018 undone")
			migrate()
			check("after 00018 again")
		})
	}
}
