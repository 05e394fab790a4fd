package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/account"
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
