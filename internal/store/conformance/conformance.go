// Package conformance is the contract of the store: cases that every engine
// must pass, run on each of them by the tests of package store. Each file
// holds the cases of one aggregate (sites, accounts, sessions, ...); the
// concurrency cases prove what the SQL promises (one winner of a race, no
// lost update, no message claimed twice).
package conformance

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/store"
)

// Open returns a new, empty, migrated database, closed when the test ends.
type Open func(t *testing.T) *store.DB

// group is the cases of one aggregate and the methods of *store.DB they run.
type group struct {
	name    string
	methods []string
	run     func(t *testing.T, db *store.DB)
}

var groups []group

// register adds a group; each file of the suite registers its own.
func register(name string, run func(t *testing.T, db *store.DB), methods ...string) {
	groups = append(groups, group{name, methods, run})
}

// Run runs every group on a database of its own from open, in parallel, and
// fails when an exported method of *store.DB is run by no group.
func Run(t *testing.T, open Open) {
	covered := map[string]bool{"Ping": true, "Engine": true, "Migrate": true, "Close": true, // testLifecycle
		"RenormalizeLoginIDs": true} // migration 00010 again, a hook of package store's own tests
	for _, g := range groups {
		for _, m := range g.methods {
			covered[m] = true
		}
	}
	typ := reflect.TypeFor[*store.DB]()
	for i := range typ.NumMethod() {
		if name := typ.Method(i).Name; !covered[name] {
			t.Errorf("no conformance case runs (*store.DB).%s", name)
		}
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			g.run(t, open(t))
		})
	}
	t.Run("lifecycle", func(t *testing.T) { testLifecycle(t, open) })
}

// testLifecycle runs the methods that manage the database itself.
func testLifecycle(t *testing.T, open Open) {
	ctx := context.Background()
	db := open(t)
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if e := db.Engine(); e != store.SQLite && e != store.Postgres {
		t.Fatalf("Engine = %q", e)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate on a migrated database: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := db.Ping(ctx); err == nil {
		t.Fatal("Ping after Close succeeded")
	}
}

// t0 is the time of the cases: not a round number of seconds, so that a
// store that drops milliseconds is seen.
var t0 = time.Date(2026, 11, 22, 10, 0, 0, 123e6, time.UTC)

var ctx = context.Background()

var seq atomic.Int64

// unique returns a name no other call returns, for API keys, UIDs and hashes.
func unique(prefix string) string { return fmt.Sprintf("%s%d", prefix, seq.Add(1)) }

// NewSite stores a site with a unique API key.
func NewSite(t testing.TB, db *store.DB) site.Record {
	t.Helper()
	r := site.Record{Name: "s", APIKey: unique("3_"), SealedSecret: []byte{1, 2, 3}, Domains: []string{"example.com"},
		Policies: `{"a":1}`, Schema: `{"profileSchema":{"fields":{}}}`, CreatedAt: t0, UpdatedAt: t0}
	if err := db.CreateSite(ctx, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// newAccount stores an account of site siteID with the given login IDs.
func newAccount(t *testing.T, db *store.DB, siteID int64, ids ...account.LoginID) account.Account {
	t.Helper()
	a := account.Account{SiteID: siteID, UID: unique("uid"), PasswordHash: "h", Active: true, CreatedAt: t0, UpdatedAt: t0}
	if err := db.CreateAccount(ctx, &a, Stored(ids...)); err != nil {
		t.Fatal(err)
	}
	return a
}

// Stored are ids as an account stores them, each displayed as its value.
func Stored(ids ...account.LoginID) []account.StoredLoginID {
	out := make([]account.StoredLoginID, len(ids))
	for i, id := range ids {
		out[i] = account.StoredLoginID{LoginID: id, Display: id.Value}
	}
	return out
}

func email(v string) account.LoginID    { return account.LoginID{Kind: account.Email, Value: v} }
func username(v string) account.LoginID { return account.LoginID{Kind: account.Username, Value: v} }

// race runs f n times at once and returns the results in call order.
func race[T any](n int, f func(i int) T) []T {
	out := make([]T, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { out[i] = f(i) })
	}
	wg.Wait()
	return out
}

// outcome is the result of one racing call.
type outcome[T any] struct {
	v   T
	err error
}

func second[T any](_ T, err error) error { return err }
