package store_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/account"
	cschema "github.com/custos-id/custos/internal/schema"
	"github.com/custos-id/custos/internal/search"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/conformance"
	"github.com/custos-id/custos/internal/store/storetest"
)

// BenchmarkSearchLoginID is an indexed equality search (loginIDs.emails =),
// and a contains of a word that one account in 1000 holds, among
// CUSTOS_BENCH_ACCOUNTS accounts (100,000 by default) of one site on
// SQLite, through the store as accounts.search runs it: count and first
// page. docs/benchmarks.md records a run.
func BenchmarkSearchLoginID(b *testing.B) {
	n := 100_000
	if s := os.Getenv("CUSTOS_BENCH_ACCOUNTS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	ctx := context.Background()
	db := storetest.Open(b, store.SQLite)
	s := conformance.NewSite(b, db)
	t0 := time.Now()
	const batch = 10_000
	for start := 0; start < n; start += batch {
		err := db.WithTx(ctx, func(tx account.Store) error {
			for i := start; i < min(start+batch, n); i++ {
				a := account.Account{SiteID: s.ID, UID: fmt.Sprintf("uid%07d", i), PasswordHash: "h", Active: true,
					Profile: map[string]any{"firstName": fmt.Sprintf("n%d", i%1000)}, CreatedAt: t0, UpdatedAt: t0}
				id := account.StoredLoginID{LoginID: account.LoginID{Kind: account.Email, Value: fmt.Sprintf("u%d@example.com", i)}}
				if err := tx.CreateAccount(ctx, &a, []account.StoredLoginID{id}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	run := func(b *testing.B, query func(i int) string, total int) {
		found := min(total, search.DefaultLimit)
		for i := 0; b.Loop(); i++ {
			q, err := search.Parse(query(i))
			if err != nil {
				b.Fatal(err)
			}
			res, err := db.SearchAccounts(ctx, s.ID, cschema.Schema{}, q, account.SearchPage{Limit: q.Limit})
			if err != nil || len(res.Accounts) != found || res.Total != total {
				b.Fatalf("%d found, total %d: %v", len(res.Accounts), res.Total, err)
			}
		}
	}
	b.Run("loginIDs.emails", func(b *testing.B) {
		run(b, func(i int) string {
			return fmt.Sprintf(`SELECT * FROM accounts WHERE loginIDs.emails = "u%d@example.com"`, i*7919%n)
		}, 1)
	})
	// A word that n/1000 accounts hold (the FTS5 index of SQLite).
	b.Run("contains", func(b *testing.B) {
		run(b, func(i int) string {
			return fmt.Sprintf(`SELECT * FROM accounts WHERE profile.firstName contains "n%d"`, i*7919%1000)
		}, n/1000)
	})
}
