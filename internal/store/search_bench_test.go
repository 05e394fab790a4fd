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

// BenchmarkSearchLoginID is an indexed equality search (loginIDs.emails =)
// among CUSTOS_BENCH_ACCOUNTS accounts (100,000 by default) of one site on
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
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		q, err := search.Parse(fmt.Sprintf(`SELECT * FROM accounts WHERE loginIDs.emails = "u%d@example.com"`, i*7919%n))
		if err != nil {
			b.Fatal(err)
		}
		res, err := db.SearchAccounts(ctx, s.ID, cschema.Schema{}, q, account.SearchPage{Limit: q.Limit})
		if err != nil || len(res.Accounts) != 1 || res.Total != 1 {
			b.Fatalf("%d found, total %d: %v", len(res.Accounts), res.Total, err)
		}
	}
}
