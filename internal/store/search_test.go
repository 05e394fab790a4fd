package store_test

import (
	"context"
	"strings"
	"testing"

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
				"LIST SUBQUERY 1\nSEARCH l USING INDEX sqlite_autoindex_login_ids_1 (site_id=? AND login_id=?)",
				store.Postgres: "login_ids_pkey"}[db.Engine()]
			if !strings.Contains(plan, want) || strings.Contains(plan, "SCAN a") {
				t.Errorf("%s:\n%s\nwant %q", q, plan, want)
			}
		}
	})
}

// On SQLite, contains on an object's text looks its words up in the FTS5
// index (00015) and reads only the accounts it names.
func TestSearchContainsUsesIndex(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		if db.Engine() != store.SQLite {
			t.Skip("PostgreSQL has no index for contains (docs/search.md)")
		}
		s := conformance.NewSite(t, db)
		for _, q := range []string{
			`SELECT * FROM accounts WHERE data.bio contains "long walks"`,
			`SELECT * FROM accounts WHERE profile.lastName contains "Smith" AND data.age > 3`,
		} {
			plan, err := store.ExplainSearch(context.Background(), db, s.ID, q)
			if err != nil {
				t.Fatal(err)
			}
			want := "SEARCH a USING INDEX accounts_site (site_id=? AND id=?)\nLIST SUBQUERY 1\nSCAN account_words VIRTUAL TABLE INDEX"
			if !strings.Contains(plan, want) {
				t.Errorf("%s:\n%s\nwant %q", q, plan, want)
			}
		}
	})
}
