package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/account"

	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/conformance"
)

// Equality on a login ID is a lookup in the primary key of login_ids, then
// of accounts; not a scan of the site's accounts.
func TestSearchLoginIDUsesIndex(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		s := conformance.NewSite(t, db)
		for _, q := range []string{
			`SELECT * FROM accounts WHERE loginIDs.emails = "a@example.com"`,
			`SELECT * FROM accounts WHERE email in ("a@example.com", "b@example.com") AND profile.firstName = "A"`,
			`SELECT * FROM accounts WHERE loginIDs.username = "ann"`,
		} {
			plan, err := store.ExplainSearch(context.Background(), db, s.ID, q)
			if err != nil {
				t.Fatal(err)
			}
			want := map[store.Engine]string{store.SQLite: "SEARCH a USING INDEX accounts_site (site_id=? AND id=?)\n" +
				"LIST SUBQUERY 1\nSEARCH l USING PRIMARY KEY (site_id=? AND login_id=?)", // WITHOUT ROWID (00018)
				store.Postgres: "login_ids_pkey"}[db.Engine()]
			if !strings.Contains(plan, want) || strings.Contains(plan, "SCAN a") {
				t.Errorf("%s:\n%s\nwant %q", q, plan, want)
			}
		}
	})
}

// contains on an object's text looks its words up in the index of words
// of 00014 (FTS5 on SQLite, GIN over accounts.words on PostgreSQL) and
// reads only the accounts it names. On PostgreSQL the plan is made with
// enable_seqscan off (ExplainSearch), after 1000 accounts of the site and
// ANALYZE: on an empty table its planner prefers the index of the site.
func TestSearchContainsUsesIndex(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := conformance.NewSite(t, db)
		t0 := time.Now()
		err := db.WithTx(ctx, func(tx account.Store) error {
			for i := range 1000 {
				a := account.Account{SiteID: s.ID, UID: fmt.Sprintf("uid%04d", i), PasswordHash: "h", CreatedAt: t0, UpdatedAt: t0,
					Profile: map[string]any{"lastName": fmt.Sprintf("n%d", i)}, Data: map[string]any{"bio": fmt.Sprintf("w%d x", i)}}
				if err := tx.CreateAccount(ctx, &a, nil); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := store.Analyze(ctx, db); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			`SELECT * FROM accounts WHERE data.bio contains "long walks"`,
			`SELECT * FROM accounts WHERE profile.lastName contains "Smith" AND data.age > 3`,
		} {
			plan, err := store.ExplainSearch(context.Background(), db, s.ID, q)
			if err != nil {
				t.Fatal(err)
			}
			want := map[store.Engine]string{
				store.SQLite:   "SEARCH a USING INDEX accounts_site (site_id=? AND id=?)\nLIST SUBQUERY 1\nSCAN account_words VIRTUAL TABLE INDEX",
				store.Postgres: "Bitmap Index Scan on accounts_words",
			}[db.Engine()]
			if !strings.Contains(plan, want) {
				t.Errorf("%s:\n%s\nwant %q", q, plan, want)
			}
		}
	})
}

// A contains that the index cannot answer (a word without an ASCII letter
// or digit, on PostgreSQL) reads the site's accounts and still finds.
func TestSearchContainsWithoutIndex(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		s := conformance.NewSite(t, db)
		plan, err := store.ExplainSearch(context.Background(), db, s.ID, `SELECT * FROM accounts WHERE data.bio contains "é"`)
		if err != nil {
			t.Fatal(err)
		}
		if db.Engine() == store.Postgres && strings.Contains(plan, "accounts_words") {
			t.Errorf("the index of words for a word it may not hold:\n%s", plan)
		}
	})
}
