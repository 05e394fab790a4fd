package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/conformance"
	"github.com/custos-id/custos/internal/store/storetest"
)

// Every statement of the purge finds its rows through an index and deletes
// them by primary key: none reads a whole table (on PostgreSQL, with
// sequential scans discouraged, none is left that no index could avoid).
func TestPurgeUsesIndexes(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		for _, st := range store.PurgeStatements(db.Engine(), time.Now()) {
			plan, err := store.Explain(context.Background(), db, st.SQL, st.Args...)
			if err != nil {
				t.Fatalf("%s: %v", st.SQL, err)
			}
			t.Logf("%s\n%s", st.SQL, plan)
			bad := "Seq Scan"
			if db.Engine() == store.SQLite {
				bad = "SCAN "
			}
			if strings.Contains(plan, bad) || !strings.Contains(plan, st.Table) {
				t.Errorf("%s:\n%s", st.SQL, plan)
			}
		}
	})
}

// seedExpiredSessions stores n sessions of account a that expired long
// ago, in one statement.
func seedExpiredSessions(t testing.TB, e store.Engine, url string, a account.Account, n int) {
	t.Helper()
	hash := "CAST('seed-' || i AS BLOB)"
	if e == store.Postgres {
		hash = "convert_to('seed-' || i, 'UTF8')"
	}
	q := fmt.Sprintf(`INSERT INTO sessions (site_id, account_id, token_hash, created_at, expires_at)
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
		SELECT %d, %d, %s, 1, 2 FROM n`, n, a.SiteID, a.ID, hash)
	if _, err := storetest.Raw(t, url).Exec(q); err != nil {
		t.Fatal(err)
	}
}

// The purge of 100,000 expired sessions goes in batches, each its own
// transaction: logins (a session and the login's bookkeeping, in one
// transaction, as account.Login writes them) complete between two batches
// while the purge runs, and a purge whose context ends stops between two.
// No timing is measured: the purge waits, between some of its batches, for
// a login to complete; a purge that kept the writer from the first batch to
// the last would wait forever (reported after a minute).
func TestPurgeLetsLoginsThrough(t *testing.T) {
	const seeded = 100_000
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			url := storetest.URL(t, e)
			db := storetest.OpenURL(t, url)
			s := conformance.NewSite(t, db)
			a := account.Account{SiteID: s.ID, UID: "purged", PasswordHash: "h", Active: true, CreatedAt: time.Now(), UpdatedAt: time.Now()}
			if err := db.CreateAccount(ctx, &a, nil); err != nil {
				t.Fatal(err)
			}
			seedExpiredSessions(t, e, url, a, seeded)
			now := time.Now()

			// A purge whose context ends stops after the batch in progress.
			stop, cancel := context.WithCancel(ctx)
			batches := 0
			store.SetPurgeHook(db, func(table string, _ int64) {
				if table != "sessions" {
					return
				}
				if batches++; batches == 3 {
					cancel()
				}
			})
			n, err := db.Purge(stop, now)
			if !errors.Is(err, context.Canceled) || n != 3000 {
				t.Fatalf("Purge with its context ended = %d, %v; want 3000 and the context's error", n, err)
			}

			// Logins, one after the other, until the purge returns.
			var (
				logins  atomic.Int64
				wrote   = make(chan struct{}, 1)
				start   = make(chan struct{})
				done    = make(chan struct{})
				loginer sync.WaitGroup
				failed  atomic.Value
			)
			loginer.Go(func() {
				<-start
				for i := 0; ; i++ {
					select {
					case <-done:
						return
					default:
					}
					err := db.WithTx(ctx, func(tx account.Store) error {
						if err := tx.RecordLogin(ctx, a.ID, time.Now(), "h", ""); err != nil {
							return err
						}
						return tx.CreateSession(ctx, &account.Session{SiteID: s.ID, AccountID: a.ID,
							TokenHash: fmt.Appendf(nil, "login-%d", i), CreatedAt: now, ExpiresAt: now.Add(time.Hour)})
					})
					if err != nil {
						failed.Store(err)
						return
					}
					logins.Add(1)
					select {
					case wrote <- struct{}{}:
					default:
					}
				}
			})
			var sessionBatches, loginsBeforeLast int
			store.SetPurgeHook(db, func(table string, deleted int64) {
				if table != "sessions" {
					return
				}
				if sessionBatches++; sessionBatches == 1 {
					close(start)
				}
				if deleted == 1000 && sessionBatches%10 == 1 { // a batch with another after it
					select {
					case <-wrote: // a login that completed since the last wait
					case <-time.After(time.Minute):
						t.Errorf("no login completed between two batches of the purge: it holds the writer")
					}
					loginsBeforeLast = int(logins.Load())
				}
			})
			n, err = db.Purge(ctx, now)
			close(done)
			loginer.Wait()
			if err, _ := failed.Load().(error); err != nil {
				t.Fatalf("login during the purge: %v", err)
			}
			if err != nil || n != seeded-3000 {
				t.Fatalf("Purge = %d, %v; want %d", n, err, seeded-3000)
			}
			if sessionBatches < (seeded-3000)/1000 || loginsBeforeLast == 0 {
				t.Errorf("%d batches of sessions, %d logins completed between them; want at least %d and 1",
					sessionBatches, loginsBeforeLast, (seeded-3000)/1000)
			}
			var left, live int64
			raw := storetest.Raw(t, url)
			if err := raw.QueryRow(`SELECT COUNT(*), COUNT(*) FILTER (WHERE expires_at > 2) FROM sessions`).Scan(&left, &live); err != nil {
				t.Fatal(err)
			}
			if left != live || live != logins.Load() {
				t.Errorf("after the purge: %d sessions, %d live; %d logins", left, live, logins.Load())
			}
		})
	}
}
