package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/conformance"
	"github.com/custos-id/custos/internal/store/storetest"
)

// BenchmarkPurgeStall purges CUSTOS_BENCH_SESSIONS expired sessions
// (100,000 by default) while logins (a login's transaction, one after the
// other) run, and reports how long the purge took, how many logins
// completed meanwhile and the longest of them: with Purge's batches
// ("batches"), and with the one DELETE custos ran before issue 16, on a
// connection of its own ("one-statement"). Run it with -benchtime 1x: each
// run seeds the sessions again. docs/benchmarks.md records a run.
func BenchmarkPurgeStall(b *testing.B) {
	n := 100_000
	if s := os.Getenv("CUSTOS_BENCH_SESSIONS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	for _, e := range storetest.Engines() {
		for _, how := range []string{"batches", "one-statement"} {
			b.Run(string(e)+"/"+how, func(b *testing.B) {
				for range b.N {
					purgeStall(b, e, n, how)
				}
			})
		}
	}
}

func purgeStall(b *testing.B, e store.Engine, n int, how string) {
	ctx := context.Background()
	url := storetest.URL(b, e)
	db := storetest.OpenURL(b, url)
	s := conformance.NewSite(b, db)
	now := time.Now()
	a := account.Account{SiteID: s.ID, UID: "stall", PasswordHash: "h", Active: true, CreatedAt: now, UpdatedAt: now}
	if err := db.CreateAccount(ctx, &a, nil); err != nil {
		b.Fatal(err)
	}
	seedExpiredSessions(b, e, url, a, n)
	raw := storetest.Raw(b, url)
	if path, ok := strings.CutPrefix(url, "sqlite:"); ok {
		// Waiting for the lock as the store's connections do, not failing.
		var err error
		if raw, err = sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(60000)"); err != nil {
			b.Fatal(err)
		}
		defer raw.Close()
	} else {
		raw.Exec(`ANALYZE sessions`)
	}
	var (
		done    = make(chan struct{})
		wg      sync.WaitGroup
		logins  int
		longest time.Duration
	)
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			start := time.Now()
			err := db.WithTx(ctx, func(tx account.Store) error {
				if err := tx.RecordLogin(ctx, a.ID, now, "h", ""); err != nil {
					return err
				}
				return tx.CreateSession(ctx, &account.Session{SiteID: s.ID, AccountID: a.ID,
					TokenHash: fmt.Appendf(nil, "stall-%d", i), CreatedAt: now, ExpiresAt: now.Add(time.Hour)})
			})
			if err != nil {
				b.Error(err)
				return
			}
			logins++
			longest = max(longest, time.Since(start))
		}
	})
	start := time.Now()
	var err error
	if how == "batches" {
		_, err = db.Purge(ctx, now)
	} else {
		_, err = raw.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at > 0 AND expires_at <= $1`, now.UnixMilli())
	}
	took := time.Since(start)
	close(done)
	wg.Wait()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(took.Milliseconds()), "purge-ms")
	b.ReportMetric(float64(logins), "logins")
	b.ReportMetric(float64(longest.Microseconds())/1000, "longest-login-ms")
}
