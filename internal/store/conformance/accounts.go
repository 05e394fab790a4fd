package conformance

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/store"
)

func init() {
	register("accounts", testAccounts, "CreateAccount", "AccountByID", "AccountByUID", "AccountByLoginID", "DeleteAccount")
	register("account-writes", testAccountWrites, "UpdateAccount", "RecordLogin")
	register("account-create-race", testAccountCreateRace, "CreateAccount")
	register("transactions", testWithTx, "WithTx")
	register("login-ids", testLoginIDs, "LoginIDExists", "LoginIDs", "AddLoginID", "RemoveLoginID", "SetLoginIDVerified")
	register("password-history", testPasswordHistory, "PasswordHistory", "AddPasswordHistory")
}

// profile holds what JSON objects may hold; numbers come back exact, as
// json.Number. Nothing compares the stored text: PostgreSQL keeps jsonb,
// which orders keys its own way.
func profile() map[string]any {
	return map[string]any{"firstName": "Zoë", "age": json.Number("42"), "big": json.Number("12345678901234567890"),
		"ratio": json.Number("0.5"), "tags": []any{"a", "b"}, "nested": map[string]any{"ok": true, "none": nil},
		"quote": `"<&>'`}
}

// preferences and subscriptions are as the schema's consents and
// newsletters hold them.
func preferences() map[string]any {
	return map[string]any{"terms": map[string]any{"tos": map[string]any{"isConsentGranted": true,
		"docVersion": json.Number("1.5"), "lastConsentModified": "2026-11-22T10:00:00.123Z"}}}
}

func subscriptions() map[string]any {
	return map[string]any{"news": map[string]any{"email": map[string]any{"isSubscribed": false, "tags": []any{"weekly"}}}}
}

func testAccounts(t *testing.T, db *store.DB) {
	s, other := NewSite(t, db), NewSite(t, db)
	full := account.Account{SiteID: s.ID, UID: "u-full", Username: "Ann", Email: "Ann@example.com", PasswordHash: "$argon2id$x",
		Profile: profile(), Data: map[string]any{"plan": "gold"}, Preferences: preferences(), Subscriptions: subscriptions(), Active: true, Registered: true, EmailVerified: true,
		CreatedAt: t0, UpdatedAt: t0.Add(time.Millisecond), RegisteredAt: t0.Add(2 * time.Millisecond), VerifiedAt: t0.Add(3 * time.Millisecond),
		LastLoginAt: t0.Add(4 * time.Millisecond), PasswordChangedAt: t0.Add(5 * time.Millisecond), PasswordChangeRequired: true}
	if err := db.CreateAccount(ctx, &full, Stored(email("ann@example.com"), username("ann"))); err != nil || full.ID == 0 {
		t.Fatalf("CreateAccount = %v, id %d", err, full.ID)
	}
	bare := account.Account{SiteID: s.ID, UID: "u-bare", CreatedAt: t0, UpdatedAt: t0}
	if err := db.CreateAccount(ctx, &bare, nil); err != nil {
		t.Fatal(err)
	}
	// A store gives back empty objects for none, and no login IDs as "".
	bareWant := bare
	bareWant = withEmptyObjects(bareWant)

	for _, c := range []struct {
		name string
		get  func() (account.Account, error)
		want account.Account
		err  error
	}{
		{"by id", func() (account.Account, error) { return db.AccountByID(ctx, s.ID, full.ID) }, full, nil},
		{"by uid", func() (account.Account, error) { return db.AccountByUID(ctx, s.ID, "u-full") }, full, nil},
		{"by email", func() (account.Account, error) { return db.AccountByLoginID(ctx, s.ID, email("ann@example.com")) }, full, nil},
		{"by username", func() (account.Account, error) { return db.AccountByLoginID(ctx, s.ID, username("ann")) }, full, nil},
		{"bare", func() (account.Account, error) { return db.AccountByID(ctx, s.ID, bare.ID) }, bareWant, nil},
		{"by id, another site", func() (account.Account, error) { return db.AccountByID(ctx, other.ID, full.ID) }, account.Account{}, account.ErrNotFound},
		{"by uid, another site", func() (account.Account, error) { return db.AccountByUID(ctx, other.ID, "u-full") }, account.Account{}, account.ErrNotFound},
		{"email as a username", func() (account.Account, error) {
			return db.AccountByLoginID(ctx, s.ID, username("ann@example.com"))
		}, account.Account{}, account.ErrNotFound},
		{"login ID, another site", func() (account.Account, error) { return db.AccountByLoginID(ctx, other.ID, username("ann")) }, account.Account{}, account.ErrNotFound},
		{"unknown uid", func() (account.Account, error) { return db.AccountByUID(ctx, s.ID, "nobody") }, account.Account{}, account.ErrNotFound},
	} {
		got, err := c.get()
		if !errors.Is(err, c.err) || (c.err == nil && err != nil) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.err)
			continue
		}
		if c.err == nil && !sameAccount(got, c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
	}

	// Deleting an account takes its login IDs, sessions and tokens along.
	sess := account.Session{SiteID: s.ID, AccountID: full.ID, TokenHash: []byte("del-sess"), CreatedAt: t0}
	if err := db.CreateSession(ctx, &sess); err != nil {
		t.Fatal(err)
	}
	tok := account.Token{Hash: []byte("del-tok"), SiteID: s.ID, AccountID: full.ID, Kind: account.ResetToken, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	if err := db.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteAccount(ctx, other.ID, full.ID); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("delete through another site: %v", err)
	}
	if err := db.DeleteAccount(ctx, s.ID, full.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteAccount(ctx, s.ID, full.ID); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if ok, _ := db.LoginIDExists(ctx, s.ID, username("ann")); ok {
		t.Error("login ID outlived its account")
	}
	if _, _, err := db.SessionByHash(ctx, sess.TokenHash); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("session outlived its account: %v", err)
	}
	if _, err := db.TokenByHash(ctx, account.ResetToken, tok.Hash); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("token outlived its account: %v", err)
	}
	if _, err := db.AccountByID(ctx, s.ID, bare.ID); err != nil {
		t.Errorf("another account went too: %v", err)
	}
}

// sameAccount compares accounts field by field, times as instants.
func sameAccount(a, b account.Account) bool {
	times := func(x account.Account) []time.Time {
		return []time.Time{x.CreatedAt, x.UpdatedAt, x.RegisteredAt, x.VerifiedAt, x.LastLoginAt, x.PasswordChangedAt, x.FailedSince, x.LockedUntil}
	}
	ta, tb := times(a), times(b)
	for i := range ta {
		if !ta[i].Equal(tb[i]) {
			return false
		}
	}
	for _, x := range []*account.Account{&a, &b} {
		x.CreatedAt, x.UpdatedAt, x.RegisteredAt, x.VerifiedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		x.LastLoginAt, x.PasswordChangedAt, x.FailedSince, x.LockedUntil = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	}
	return reflect.DeepEqual(a, b)
}

// A write based on a stale read changes nothing: UpdateAccount checks the
// updated_at it read, RecordLogin the password hash it verified.
func testAccountWrites(t *testing.T, db *store.DB) {
	s, other := NewSite(t, db), NewSite(t, db)
	a := newAccount(t, db, s.ID)
	a.PasswordHash = "old"
	a.UpdatedAt = t0.Add(time.Millisecond)
	if err := db.UpdateAccount(ctx, &a, t0); err != nil {
		t.Fatal(err)
	}
	changed := a
	changed.Username, changed.Email, changed.PasswordHash = "Bob", "bob@example.com", "new"
	changed.Profile, changed.Data = profile(), map[string]any{"n": json.Number("1")}
	changed.Preferences, changed.Subscriptions = preferences(), subscriptions()
	changed.Active, changed.Registered, changed.EmailVerified = false, true, true
	changed.UpdatedAt, changed.RegisteredAt, changed.VerifiedAt = t0.Add(time.Second), t0.Add(2*time.Second), t0.Add(3*time.Second)
	changed.LastLoginAt, changed.PasswordChangedAt = t0.Add(4*time.Second), t0.Add(5*time.Second)
	changed.PasswordChangeRequired = true
	for _, c := range []struct {
		name string
		a    account.Account
		prev time.Time
		err  error
	}{
		{"stale read", changed, t0, account.ErrChanged},
		{"another site", func() account.Account { x := changed; x.SiteID = other.ID; return x }(), a.UpdatedAt, account.ErrChanged},
		{"fresh read", changed, a.UpdatedAt, nil},
		{"the same read again", changed, a.UpdatedAt, account.ErrChanged},
	} {
		if err := db.UpdateAccount(ctx, &c.a, c.prev); !errors.Is(err, c.err) || (c.err == nil && err != nil) {
			t.Errorf("%s: %v, want %v", c.name, err, c.err)
		}
	}
	if got, err := db.AccountByID(ctx, s.ID, a.ID); err != nil || !sameAccount(got, changed) {
		t.Fatalf("after UpdateAccount:\n got %+v\nwant %+v", got, changed)
	}
	// Objects emptied (nil or empty) are stored as {}.
	emptied := changed
	emptied.Profile, emptied.Data, emptied.Preferences, emptied.Subscriptions = nil, map[string]any{}, nil, map[string]any{}
	emptied.UpdatedAt = changed.UpdatedAt.Add(time.Second)
	if err := db.UpdateAccount(ctx, &emptied, changed.UpdatedAt); err != nil {
		t.Fatal(err)
	}
	if got, err := db.AccountByID(ctx, s.ID, a.ID); err != nil || !sameAccount(got, withEmptyObjects(emptied)) {
		t.Fatalf("after emptying the objects:\n got %+v\nwant %+v", got, withEmptyObjects(emptied))
	}

	for _, c := range []struct {
		name             string
		verified, rehash string
		err              error
		hash             string
	}{
		{"the replaced password", "old", "", account.ErrChanged, "new"},
		{"the current password", "new", "", nil, "new"},
		{"with a re-hash", "new", "rehashed", nil, "rehashed"},
	} {
		at := t0.Add(time.Hour)
		if err := db.RecordLogin(ctx, a.ID, at, c.verified, c.rehash); !errors.Is(err, c.err) || (c.err == nil && err != nil) {
			t.Errorf("%s: %v, want %v", c.name, err, c.err)
		}
		if got, _ := db.AccountByID(ctx, s.ID, a.ID); got.PasswordHash != c.hash || (c.err == nil && !got.LastLoginAt.Equal(at)) {
			t.Errorf("%s: hash %q last login %v", c.name, got.PasswordHash, got.LastLoginAt)
		}
	}
}

// Many registrations of one login ID at once: exactly one wins, the others
// get ErrLoginIDTaken and no other error, and leave nothing behind.
func testAccountCreateRace(t *testing.T, db *store.DB) {
	s := NewSite(t, db)
	const n = 24
	errs := race(n, func(i int) error {
		a := account.Account{SiteID: s.ID, UID: fmt.Sprintf("race%d", i), Active: true, CreatedAt: t0, UpdatedAt: t0}
		return db.CreateAccount(ctx, &a, Stored(username(fmt.Sprintf("own%d", i)), email("race@example.com")))
	})
	wins, winner := 0, -1
	for i, err := range errs {
		switch {
		case err == nil:
			wins, winner = wins+1, i
		case !errors.Is(err, account.ErrLoginIDTaken):
			t.Errorf("call %d: %v", i, err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d registrations won", wins)
	}
	for i := range n {
		if ok, _ := db.LoginIDExists(ctx, s.ID, username(fmt.Sprintf("own%d", i))); ok != (i == winner) {
			t.Errorf("login ID of call %d exists: %v", i, ok)
		}
	}
	// A clash on another unique column is not a taken login ID.
	dup := account.Account{SiteID: s.ID, UID: fmt.Sprintf("race%d", winner), CreatedAt: t0, UpdatedAt: t0}
	if err := db.CreateAccount(ctx, &dup, Stored(username("fresh"))); !errors.Is(err, account.ErrUIDTaken) {
		t.Fatalf("duplicate UID: %v, want ErrUIDTaken", err)
	}
	// The same login ID in another site is another user.
	other := NewSite(t, db)
	newAccount(t, db, other.ID, email("race@example.com"))
}

// WithTx commits what fn wrote when it returns nil, and nothing otherwise.
func testWithTx(t *testing.T, db *store.DB) {
	s := NewSite(t, db)
	abort := errors.New("abort")
	for _, c := range []struct {
		name string
		err  error
	}{{"commit", nil}, {"roll back", abort}} {
		t.Run(c.name, func(t *testing.T) {
			var a account.Account
			err := db.WithTx(ctx, func(tx account.Store) error {
				a = account.Account{SiteID: s.ID, UID: unique("tx"), CreatedAt: t0, UpdatedAt: t0}
				if err := tx.CreateAccount(ctx, &a, Stored(username(a.UID))); err != nil {
					return err
				}
				// What the transaction wrote, it reads; a nested WithTx joins it.
				if _, err := tx.AccountByID(ctx, s.ID, a.ID); err != nil {
					return err
				}
				if err := tx.WithTx(ctx, func(inner account.Store) error {
					return inner.AddLoginID(ctx, s.ID, a.ID, Stored(email(a.UID + "@example.com"))[0])
				}); err != nil {
					return err
				}
				return c.err
			})
			if !errors.Is(err, c.err) || (c.err == nil && err != nil) {
				t.Fatalf("WithTx = %v, want %v", err, c.err)
			}
			ids, _ := db.LoginIDs(ctx, a.ID)
			_, getErr := db.AccountByID(ctx, s.ID, a.ID)
			if committed := getErr == nil; committed != (c.err == nil) || len(ids) != map[bool]int{true: 2}[committed] {
				t.Fatalf("after WithTx: account %v, login IDs %+v", getErr, ids)
			}
		})
	}
}

func testLoginIDs(t *testing.T, db *store.DB) {
	s, other := NewSite(t, db), NewSite(t, db)
	a := newAccount(t, db, s.ID, email("ann@example.com"))
	b := newAccount(t, db, s.ID)
	verified := t0.Add(time.Minute)
	for _, c := range []struct {
		name      string
		accountID int64
		id        account.StoredLoginID
		err       error
	}{
		{"username", a.ID, account.StoredLoginID{LoginID: username("ann"), Display: "Ann"}, nil},
		{"verified email", a.ID, account.StoredLoginID{LoginID: email("a2@example.com"), Display: "A2@example.com", VerifiedAt: verified}, nil},
		{"taken by another account", b.ID, account.StoredLoginID{LoginID: username("ann"), Display: "ann"}, account.ErrLoginIDTaken},
		{"taken as another kind", b.ID, account.StoredLoginID{LoginID: email("ann"), Display: "ann"}, account.ErrLoginIDTaken},
		{"taken by the same account", a.ID, account.StoredLoginID{LoginID: username("ann"), Display: "ann"}, account.ErrLoginIDTaken},
	} {
		if err := db.AddLoginID(ctx, s.ID, c.accountID, c.id); !errors.Is(err, c.err) || (c.err == nil && err != nil) {
			t.Errorf("AddLoginID %s: %v, want %v", c.name, err, c.err)
		}
	}
	want := []account.StoredLoginID{
		{LoginID: email("a2@example.com"), Display: "A2@example.com", VerifiedAt: verified},
		{LoginID: email("ann@example.com"), Display: "ann@example.com"},
		{LoginID: username("ann"), Display: "Ann"},
	}
	sameIDs := func(got, want []account.StoredLoginID) bool {
		return slices.EqualFunc(got, want, func(x, y account.StoredLoginID) bool {
			return x.LoginID == y.LoginID && x.Display == y.Display && x.VerifiedAt.Equal(y.VerifiedAt)
		})
	}
	if got, err := db.LoginIDs(ctx, a.ID); err != nil || !sameIDs(got, want) {
		t.Fatalf("LoginIDs = %+v, %v", got, err)
	}
	if got, err := db.LoginIDs(ctx, b.ID); err != nil || len(got) != 0 {
		t.Fatalf("LoginIDs of an account without = %+v, %v", got, err)
	}
	for _, c := range []struct {
		name   string
		siteID int64
		id     account.LoginID
		exists bool
	}{
		{"email", s.ID, email("ann@example.com"), true},
		{"username", s.ID, username("ann"), true},
		{"any kind counts", s.ID, email("ann"), true},
		{"unknown", s.ID, username("nobody"), false},
		{"another site", other.ID, username("ann"), false},
	} {
		if ok, err := db.LoginIDExists(ctx, c.siteID, c.id); ok != c.exists || err != nil {
			t.Errorf("LoginIDExists %s = %v, %v", c.name, ok, err)
		}
	}

	if err := db.SetLoginIDVerified(ctx, a.ID, "ann@example.com", verified); err != nil {
		t.Fatal(err)
	}
	if err := db.SetLoginIDVerified(ctx, b.ID, "ann@example.com", verified); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("SetLoginIDVerified of another account's login ID: %v", err)
	}
	for _, c := range []struct {
		name      string
		accountID int64
		id        account.LoginID
		err       error
	}{
		{"another account's", b.ID, username("ann"), account.ErrNotFound},
		{"of another kind", a.ID, email("ann"), account.ErrNotFound},
		{"own", a.ID, username("ann"), nil},
		{"again", a.ID, username("ann"), account.ErrNotFound},
	} {
		if err := db.RemoveLoginID(ctx, c.accountID, c.id); !errors.Is(err, c.err) || (c.err == nil && err != nil) {
			t.Errorf("RemoveLoginID %s: %v, want %v", c.name, err, c.err)
		}
	}
	want = []account.StoredLoginID{want[0], {LoginID: email("ann@example.com"), Display: "ann@example.com", VerifiedAt: verified}}
	if got, err := db.LoginIDs(ctx, a.ID); err != nil || !sameIDs(got, want) {
		t.Fatalf("LoginIDs after the changes = %+v, %v", got, err)
	}
	// A removed login ID is free again.
	if err := db.AddLoginID(ctx, s.ID, b.ID, account.StoredLoginID{LoginID: username("ann"), Display: "ann"}); err != nil {
		t.Fatalf("re-adding a removed login ID: %v", err)
	}

	// Accounts racing for one login ID: one gets it.
	racers := make([]account.Account, 8)
	for i := range racers {
		racers[i] = newAccount(t, db, s.ID)
	}
	errs := race(len(racers), func(i int) error {
		return db.AddLoginID(ctx, s.ID, racers[i].ID, account.StoredLoginID{LoginID: email("contested@example.com")})
	})
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, account.ErrLoginIDTaken):
			t.Errorf("AddLoginID race: %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d accounts got one login ID", wins)
	}
}

func testPasswordHistory(t *testing.T, db *store.DB) {
	s := NewSite(t, db)
	a, b := newAccount(t, db, s.ID), newAccount(t, db, s.ID)
	for i := range 5 {
		if err := db.AddPasswordHistory(ctx, a.ID, fmt.Sprint("h", i), t0.Add(time.Duration(i)*time.Second), 3); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.AddPasswordHistory(ctx, b.ID, "b0", t0, 3); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		accountID int64
		limit     int
		want      []string
	}{
		{"newest first, the newest 3 kept", a.ID, 10, []string{"h4", "h3", "h2"}},
		{"limit", a.ID, 2, []string{"h4", "h3"}},
		{"another account", b.ID, 10, []string{"b0"}},
		{"none", 999_999, 10, nil},
	} {
		if got, err := db.PasswordHistory(ctx, c.accountID, c.limit); err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, %v; want %v", c.name, got, err, c.want)
		}
	}
}
