package oauth_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/conformance"
	"github.com/custos-id/custos/internal/store/storetest"
)

// forEachGigya runs test with GigyaTokens on a real database of each engine,
// with a site and an account.
func forEachGigya(t *testing.T, test func(t *testing.T, g *oauth.GigyaTokens, siteID, accountID int64, c *clock)) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			db := storetest.Open(t, e)
			st := conformance.NewSite(t, db)
			c := &clock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
			a := account.Account{SiteID: st.ID, UID: "u1", PasswordHash: "h", Active: true, CreatedAt: c.t, UpdatedAt: c.t}
			if err := db.CreateAccount(context.Background(), &a, nil); err != nil {
				t.Fatal(err)
			}
			test(t, oauth.NewGigyaTokens(db, c.now, nil), st.ID, a.ID, c)
		})
	}
}

var _ oauth.GigyaStore = (*store.DB)(nil)

// Of concurrent exchanges of one code one gets a token; the others get
// ErrReused, which revokes the winner's token.
func TestGigyaExchangeRace(t *testing.T) {
	t.Parallel()
	forEachGigya(t, func(t *testing.T, g *oauth.GigyaTokens, siteID, accountID int64, _ *clock) {
		ctx := context.Background()
		code, err := g.IssueCode(ctx, siteID, accountID, "https://example.com/cb")
		if err != nil || !strings.HasPrefix(code, "ac1_") || len(code) != 4+43 {
			t.Fatalf("IssueCode = %q, %v", code, err)
		}
		const n = 4
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			won     []oauth.NewGigyaToken
			reused  int
			unknown []error
		)
		for range n {
			wg.Go(func() {
				tok, err := g.Exchange(ctx, siteID, "", nil, code, "https://example.com/cb")
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					won = append(won, tok)
				case errors.Is(err, oauth.ErrReused):
					reused++
				default:
					unknown = append(unknown, err)
				}
			})
		}
		wg.Wait()
		if len(won) != 1 || reused != n-1 || len(unknown) > 0 {
			t.Fatalf("%d won, %d reused, errors %v", len(won), reused, unknown)
		}
		if tok := won[0]; tok.AccountID != accountID || !oauth.IsGigyaToken(tok.Token) || len(tok.Token) != 4+43 {
			t.Fatalf("token %+v", tok)
		}
		if _, err := g.Resolve(ctx, siteID, won[0].Token); !errors.Is(err, oauth.ErrRevoked) {
			t.Fatalf("the winner's token after a reuse: %v", err)
		}
	})
}

// A token expires at its lifetime on the injected clock, is another
// site's for no one, and is revoked once.
func TestGigyaResolve(t *testing.T) {
	t.Parallel()
	forEachGigya(t, func(t *testing.T, g *oauth.GigyaTokens, siteID, accountID int64, c *clock) {
		ctx := context.Background()
		short, err := g.Issue(ctx, oauth.GigyaGrant{SiteID: siteID, AccountID: accountID, Lifetime: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if s, ok := oauth.GigyaLifetime(short.GigyaToken); !ok || s != 60 {
			t.Fatalf("GigyaLifetime = %d, %v", s, ok)
		}
		forever, err := g.Issue(ctx, oauth.GigyaGrant{SiteID: siteID})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := oauth.GigyaLifetime(forever.GigyaToken); ok {
			t.Fatal("a token without expiry has a lifetime")
		}
		for _, tc := range []struct {
			name   string
			site   int64
			token  string
			advent time.Duration
			want   error
		}{
			{"live", siteID, short.Token, 0, nil},
			{"any site", 0, short.Token, 0, nil},
			{"another site", siteID + 1, short.Token, 0, oauth.ErrNotFound},
			{"not a token", siteID, "st1_x", 0, oauth.ErrNotFound},
			{"unknown", siteID, "at1_x", 0, oauth.ErrNotFound},
			{"too long", siteID, "at1_" + strings.Repeat("x", 200), 0, oauth.ErrNotFound},
			{"just before expiry", siteID, short.Token, time.Minute - time.Millisecond, nil},
			{"at expiry", siteID, short.Token, time.Millisecond, oauth.ErrExpired},
			{"forever", siteID, forever.Token, 100 * 365 * 24 * time.Hour, nil},
		} {
			c.add(tc.advent)
			if _, err := g.Resolve(ctx, tc.site, tc.token); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Errorf("%s: Resolve: %v, want %v", tc.name, err, tc.want)
			}
		}
		if err := g.Revoke(ctx, siteID+1, forever.Token); !errors.Is(err, oauth.ErrNotFound) {
			t.Fatalf("Revoke by another site: %v", err)
		}
		if err := g.Revoke(ctx, siteID, forever.Token); err != nil {
			t.Fatal(err)
		}
		if _, err := g.Resolve(ctx, siteID, forever.Token); !errors.Is(err, oauth.ErrRevoked) {
			t.Fatalf("after Revoke: %v", err)
		}
		if err := g.Revoke(ctx, siteID, forever.Token); !errors.Is(err, oauth.ErrNotFound) {
			t.Fatalf("Revoke twice: %v", err)
		}
	})
}
