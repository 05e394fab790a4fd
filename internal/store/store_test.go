package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
)

// forEachEngine runs the test on every engine: the one store suite.
func forEachEngine(t *testing.T, test func(t *testing.T, db *store.DB)) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			test(t, storetest.Open(t, e))
		})
	}
}

var t0 = time.Date(2026, 11, 22, 10, 0, 0, 123e6, time.UTC)

func newSite(t *testing.T, db *store.DB, key string) site.Record {
	t.Helper()
	r := site.Record{Name: "s", APIKey: key, SealedSecret: []byte{1, 2, 3}, Domains: []string{"example.com"}, CreatedAt: t0, UpdatedAt: t0}
	if err := db.CreateSite(context.Background(), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestMigrateTwice(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSites(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := newSite(t, db, "3_a")
		b := newSite(t, db, "3_b")
		if a.ID == 0 || b.ID == a.ID {
			t.Fatalf("ids %d %d", a.ID, b.ID)
		}
		got, err := db.SiteByAPIKey(ctx, "3_a")
		if err != nil || got.ID != a.ID || got.Name != "s" || !slices.Equal(got.Domains, a.Domains) ||
			!got.CreatedAt.Equal(t0) || string(got.SealedSecret) != "\x01\x02\x03" {
			t.Fatalf("SiteByAPIKey = %+v, %v", got, err)
		}
		if got, err := db.SiteByID(ctx, b.ID); err != nil || got.APIKey != "3_b" {
			t.Fatalf("SiteByID = %+v, %v", got, err)
		}
		for name, err := range map[string]error{
			"by key": second(db.SiteByAPIKey(ctx, "3_none")),
			"by id":  second(db.SiteByID(ctx, 999)),
			"update": db.UpdateSiteSecret(ctx, 999, []byte{9}, t0),
		} {
			if !errors.Is(err, site.ErrNotFound) {
				t.Errorf("%s: err = %v, want ErrNotFound", name, err)
			}
		}
		if err := db.UpdateSiteSecret(ctx, a.ID, []byte{9}, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		list, err := db.ListSites(ctx)
		if err != nil || len(list) != 2 || list[0].ID != a.ID || string(list[0].SealedSecret) != "\x09" ||
			!list[0].UpdatedAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("ListSites = %+v, %v", list, err)
		}
		dup := site.Record{Name: "dup", APIKey: "3_a", SealedSecret: []byte{1}, CreatedAt: t0, UpdatedAt: t0}
		if err := db.CreateSite(ctx, &dup); err == nil {
			t.Fatal("duplicate API key accepted")
		}
	})
}

func second[T any](_ T, err error) error { return err }

func stored(ids ...account.LoginID) []account.StoredLoginID {
	out := make([]account.StoredLoginID, len(ids))
	for i, id := range ids {
		out[i] = account.StoredLoginID{LoginID: id, Display: id.Value}
	}
	return out
}

// Processes starting together on an empty database: one creates the site.
func TestCreateFirstSite(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		const n = 8
		var wg sync.WaitGroup
		results := make(chan error, n)
		created := make(chan int64, n)
		for i := range n {
			wg.Go(func() {
				r := site.Record{Name: "default", APIKey: fmt.Sprintf("3_%d", i), SealedSecret: []byte{1}, CreatedAt: t0, UpdatedAt: t0}
				ok, err := db.CreateFirstSite(context.Background(), &r)
				results <- err
				if ok {
					created <- r.ID
				}
			})
		}
		wg.Wait()
		close(results)
		close(created)
		for err := range results {
			if err != nil {
				t.Fatal(err)
			}
		}
		if len(created) != 1 {
			t.Fatalf("%d processes created the first site", len(created))
		}
		if list, _ := db.ListSites(context.Background()); len(list) != 1 || list[0].ID != <-created {
			t.Fatalf("sites: %+v", list)
		}
	})
}

func TestAccountsLoginIDsUnique(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s1, s2 := newSite(t, db, "3_one"), newSite(t, db, "3_two")
		email := account.LoginID{Kind: account.Email, Value: "ann@example.com"}
		user := account.LoginID{Kind: account.Username, Value: "ann"}
		a := &account.Account{SiteID: s1.ID, UID: "u1", Username: "Ann", Email: "Ann@example.com", Active: true, CreatedAt: t0, UpdatedAt: t0}
		if err := db.CreateAccount(ctx, a, stored(email, user)); err != nil {
			t.Fatal(err)
		}
		got, err := db.AccountByLoginID(ctx, s1.ID, user)
		if err != nil || got.ID != a.ID || got.UID != "u1" || got.Email != "Ann@example.com" || !got.Active ||
			got.EmailVerified || !got.CreatedAt.Equal(t0) || !got.LastLoginAt.IsZero() {
			t.Fatalf("AccountByLoginID = %+v, %v", got, err)
		}
		if ok, err := db.LoginIDExists(ctx, s1.ID, email); !ok || err != nil {
			t.Fatalf("LoginIDExists = %v, %v", ok, err)
		}
		if ok, err := db.LoginIDExists(ctx, s2.ID, email); ok || err != nil {
			t.Fatalf("LoginIDExists other site = %v, %v", ok, err)
		}
		if _, err := db.AccountByLoginID(ctx, s2.ID, email); !errors.Is(err, account.ErrNotFound) {
			t.Fatalf("other site: %v", err)
		}

		// A taken login ID fails the whole account: nothing is written.
		b := &account.Account{SiteID: s1.ID, UID: "u2", Active: true, CreatedAt: t0, UpdatedAt: t0}
		fresh := account.LoginID{Kind: account.Username, Value: "bob"}
		if err := db.CreateAccount(ctx, b, stored(fresh, email)); !errors.Is(err, account.ErrLoginIDTaken) {
			t.Fatalf("taken: err = %v", err)
		}
		if ok, _ := db.LoginIDExists(ctx, s1.ID, fresh); ok {
			t.Fatal("login ID of a failed account was written")
		}
		// Lookups match the kind: an email is not found as a username.
		if _, err := db.AccountByLoginID(ctx, s1.ID, account.LoginID{Kind: account.Username, Value: email.Value}); !errors.Is(err, account.ErrNotFound) {
			t.Fatalf("email found as a username: %v", err)
		}
		// A clash on another unique column is not a taken login ID.
		dupUID := &account.Account{SiteID: s1.ID, UID: "u1", Active: true, CreatedAt: t0, UpdatedAt: t0}
		if err := db.CreateAccount(ctx, dupUID, stored(account.LoginID{Kind: account.Username, Value: "carol"})); err == nil || errors.Is(err, account.ErrLoginIDTaken) {
			t.Fatalf("duplicate UID: err = %v", err)
		}
		// The same login ID in another site is another user.
		c := &account.Account{SiteID: s2.ID, UID: "u1", Active: true, CreatedAt: t0, UpdatedAt: t0}
		if err := db.CreateAccount(ctx, c, stored(email)); err != nil {
			t.Fatalf("other site: %v", err)
		}
	})
}

// Many registrations of one email at once: exactly one wins, the others get
// ErrLoginIDTaken and no other error.
func TestAccountsConcurrentCreate(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db, "3_c")
		const n = 24
		var (
			wg           sync.WaitGroup
			mu           sync.Mutex
			wins, losses int
			others       []error
		)
		for i := range n {
			wg.Go(func() {
				a := &account.Account{SiteID: s.ID, UID: fmt.Sprintf("u%d", i), Active: true, CreatedAt: t0, UpdatedAt: t0}
				err := db.CreateAccount(ctx, a, stored(account.LoginID{Kind: account.Email, Value: "race@example.com"}))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins++
				case errors.Is(err, account.ErrLoginIDTaken):
					losses++
				default:
					others = append(others, err)
				}
			})
		}
		wg.Wait()
		if wins != 1 || losses != n-1 || len(others) > 0 {
			t.Fatalf("wins=%d losses=%d others=%v", wins, losses, others)
		}
	})
}

func TestOpenRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"", "mysql://x", "sqlite:", "sqlite::memory:"} {
		if db, err := store.Open(context.Background(), u); err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded", u)
		}
	}
}

func TestPurge(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db, "3_p")
		a := &account.Account{SiteID: s.ID, UID: "p1", Active: true, CreatedAt: t0, UpdatedAt: t0}
		if err := db.CreateAccount(ctx, a, nil); err != nil {
			t.Fatal(err)
		}
		tok := func(b byte, exp time.Time) account.Token {
			return account.Token{Hash: []byte{b}, SiteID: s.ID, AccountID: a.ID, Kind: account.ResetToken, CreatedAt: t0, ExpiresAt: exp}
		}
		for _, tk := range []account.Token{tok(1, t0.Add(-time.Second)), tok(2, t0.Add(time.Hour))} {
			if err := db.CreateToken(ctx, tk); err != nil {
				t.Fatal(err)
			}
		}
		for i, exp := range []time.Time{t0.Add(-time.Second), t0.Add(time.Hour), {}} {
			sess := &account.Session{SiteID: s.ID, AccountID: a.ID, TokenHash: []byte{byte(10 + i)}, CreatedAt: t0, ExpiresAt: exp}
			if err := db.CreateSession(ctx, sess); err != nil {
				t.Fatal(err)
			}
		}
		n, err := db.Purge(ctx, t0)
		if err != nil || n != 2 {
			t.Fatalf("Purge = %d, %v; want 2 rows", n, err)
		}
		if _, err := db.TokenByHash(ctx, account.ResetToken, []byte{2}); err != nil {
			t.Fatalf("live token purged: %v", err)
		}
		for _, h := range []byte{11, 12} {
			if _, _, err := db.SessionByHash(ctx, []byte{h}); err != nil {
				t.Fatalf("live session %d purged: %v", h, err)
			}
		}
	})
}

// A write based on a stale read changes nothing: UpdateAccount checks the
// updated_at it read, RecordLogin the password hash it verified.
func TestAccountWritesDetectChanges(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db, "3_w")
		a := &account.Account{SiteID: s.ID, UID: "w1", PasswordHash: "old", Active: true, CreatedAt: t0, UpdatedAt: t0}
		if err := db.CreateAccount(ctx, a, nil); err != nil {
			t.Fatal(err)
		}
		first := *a
		first.PasswordHash, first.UpdatedAt = "new", t0.Add(time.Second)
		if err := db.UpdateAccount(ctx, &first, t0); err != nil {
			t.Fatalf("update on a fresh read: %v", err)
		}
		stale := *a
		stale.Active, stale.UpdatedAt = false, t0.Add(2*time.Second)
		if err := db.UpdateAccount(ctx, &stale, t0); !errors.Is(err, account.ErrChanged) {
			t.Fatalf("update on a stale read: %v", err)
		}
		if err := db.RecordLogin(ctx, a.ID, t0, "old", ""); !errors.Is(err, account.ErrChanged) {
			t.Fatalf("login with the replaced password: %v", err)
		}
		if err := db.RecordLogin(ctx, a.ID, t0, "new", "rehashed"); err != nil {
			t.Fatalf("login with the current password: %v", err)
		}
		got, _ := db.AccountByID(ctx, s.ID, a.ID)
		if !got.Active || got.PasswordHash != "rehashed" || !got.LastLoginAt.Equal(t0) {
			t.Fatalf("account %+v", got)
		}
	})
}
