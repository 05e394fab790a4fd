package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/conformance"
	"github.com/custos-id/custos/internal/store/storetest"
)

// BenchmarkWrites are the writes of the hot paths, through the store, on
// each engine: a login's transaction (its bookkeeping and its session, as
// account.Login writes them), a logout, a one-time token, a signed
// request's nonce. docs/benchmarks.md records a run.
func BenchmarkWrites(b *testing.B) {
	for _, e := range storetest.Engines() {
		b.Run(string(e), func(b *testing.B) {
			ctx := context.Background()
			db := storetest.Open(b, e)
			s := conformance.NewSite(b, db)
			now := time.Now()
			a := account.Account{SiteID: s.ID, UID: "bench", PasswordHash: "h", Active: true, CreatedAt: now, UpdatedAt: now}
			if err := db.CreateAccount(ctx, &a, nil); err != nil {
				b.Fatal(err)
			}
			// Each write is of a new key: a sub-benchmark runs more than once.
			seq := 0
			next := func() int { seq++; return seq }
			session := func() *account.Session {
				return &account.Session{SiteID: s.ID, AccountID: a.ID, TokenHash: fmt.Appendf(nil, "s-%d", next()),
					CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
			}
			b.Run("login", func(b *testing.B) {
				for b.Loop() {
					err := db.WithTx(ctx, func(tx account.Store) error {
						if err := tx.RecordLogin(ctx, a.ID, now, "h", ""); err != nil {
							return err
						}
						return tx.CreateSession(ctx, session())
					})
					if err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("session-create-delete", func(b *testing.B) {
				for b.Loop() {
					sess := session()
					if err := db.CreateSession(ctx, sess); err != nil {
						b.Fatal(err)
					}
					if err := db.DeleteSession(ctx, sess.TokenHash); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("token", func(b *testing.B) {
				for b.Loop() {
					t := account.Token{Hash: fmt.Appendf(nil, "t-%d", next()), SiteID: s.ID, AccountID: a.ID, Kind: account.ResetToken,
						CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
					if err := db.CreateToken(ctx, t); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("nonce", func(b *testing.B) {
				for b.Loop() {
					if fresh, err := db.UseNonce(ctx, s.ID, fmt.Sprintf("n-%d", next()), now.Add(time.Hour)); !fresh || err != nil {
						b.Fatal(fresh, err)
					}
				}
			})
		})
	}
}

// On SQLite a write is prepared at its first use and reused; one first run
// in a transaction is prepared once the transaction ends (preparing it
// inside would wait for the writer's one connection, which the transaction
// holds). On PostgreSQL none is: pgx prepares statements by itself.
func TestWritesPrepared(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := conformance.NewSite(t, db)
		now := time.Now()
		a := account.Account{SiteID: s.ID, UID: "prepared", PasswordHash: "h", CreatedAt: now, UpdatedAt: now}
		if err := db.CreateAccount(ctx, &a, nil); err != nil {
			t.Fatal(err)
		}
		before := store.PreparedWrites(db)
		login := func(hash string) error {
			return db.WithTx(ctx, func(tx account.Store) error {
				if err := tx.RecordLogin(ctx, a.ID, now, "h", ""); err != nil {
					return err
				}
				return tx.CreateSession(ctx, &account.Session{SiteID: s.ID, AccountID: a.ID, TokenHash: []byte(hash), CreatedAt: now})
			})
		}
		want := map[store.Engine][3]int{store.SQLite: {2, 2, 3}, store.Postgres: {0, 0, 0}}[db.Engine()]
		if err := login("a"); err != nil || store.PreparedWrites(db)-before != want[0] {
			t.Fatalf("after a login: %d prepared, %v; want %d", store.PreparedWrites(db)-before, err, want[0])
		}
		if err := login("b"); err != nil || store.PreparedWrites(db)-before != want[1] {
			t.Fatalf("after a second login: %d prepared, %v; want %d", store.PreparedWrites(db)-before, err, want[1])
		}
		if err := db.DeleteSession(ctx, []byte("a")); err != nil || store.PreparedWrites(db)-before != want[2] {
			t.Fatalf("after a logout: %d prepared, %v; want %d", store.PreparedWrites(db)-before, err, want[2])
		}
	})
}
