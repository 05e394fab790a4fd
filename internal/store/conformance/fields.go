package conformance

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/store"
)

func init() {
	register("account-objects", testAccountObjects, "CreateAccount", "UpdateAccount", "AccountByUID", "AccountByLoginID",
		"SessionByHash")
	register("field-in-use", testFieldInUse, "FieldInUse")
	register("remove-field-data", testRemoveFieldData, "RemoveFieldData", "FieldInUse", "SetUniqueValues")
	register("unique-values", testUniqueValues, "SetUniqueValues", "DeleteUniqueValues")
	register("unique-values-race", testUniqueValuesRace, "SetUniqueValues")
	register("unique-values-tx", testUniqueValuesTx, "SetUniqueValues", "WithTx")
}

// Preferences and subscriptions come back from every read of an account,
// the session lookup's too, as written by CreateAccount and UpdateAccount.
func testAccountObjects(t *testing.T, db *store.DB) {
	s := NewSite(t, db)
	a := account.Account{SiteID: s.ID, UID: unique("obj"), Preferences: preferences(), Subscriptions: subscriptions(),
		CreatedAt: t0, UpdatedAt: t0}
	if err := db.CreateAccount(ctx, &a, Stored(username(a.UID))); err != nil {
		t.Fatal(err)
	}
	sess := account.Session{SiteID: s.ID, AccountID: a.ID, TokenHash: []byte(unique("obj-sess")), CreatedAt: t0}
	if err := db.CreateSession(ctx, &sess); err != nil {
		t.Fatal(err)
	}
	reads := func(t *testing.T, want account.Account) {
		t.Helper()
		want = withEmptyObjects(want)
		for name, get := range map[string]func() (account.Account, error){
			"AccountByID":      func() (account.Account, error) { return db.AccountByID(ctx, s.ID, a.ID) },
			"AccountByUID":     func() (account.Account, error) { return db.AccountByUID(ctx, s.ID, a.UID) },
			"AccountByLoginID": func() (account.Account, error) { return db.AccountByLoginID(ctx, s.ID, username(a.UID)) },
			"SessionByHash": func() (account.Account, error) {
				_, acc, err := db.SessionByHash(ctx, sess.TokenHash)
				if acc.PasswordHash != "" || acc.Omitted != account.PartPassword {
					return acc, fmt.Errorf("the session's account has hash %q, omits %b", acc.PasswordHash, acc.Omitted)
				}
				acc.PasswordHash, acc.Omitted = want.PasswordHash, 0
				return acc, err
			},
		} {
			if got, err := get(); err != nil || !sameAccount(got, want) {
				t.Errorf("%s = %+v, %v\nwant %+v", name, got, err, want)
			}
		}
	}
	t.Run("created", func(t *testing.T) { reads(t, a) })

	b := a
	b.Preferences = map[string]any{"privacy": map[string]any{"p1": map[string]any{"isConsentGranted": false}}}
	b.Subscriptions = nil
	b.UpdatedAt = t0.Add(time.Millisecond)
	if err := db.UpdateAccount(ctx, &b, a.UpdatedAt); err != nil {
		t.Fatal(err)
	}
	t.Run("updated", func(t *testing.T) { reads(t, b) })
}

// fieldAccounts stores, in a new site, accounts holding what the field
// cases look for, and one in another site; it returns the site's id.
func fieldAccounts(t *testing.T, db *store.DB) int64 {
	s, other := NewSite(t, db), NewSite(t, db)
	for _, a := range []account.Account{
		{SiteID: s.ID, Profile: map[string]any{"firstName": "Ann", "nick": nil, `we"ird.key`: json.Number("1")},
			Data: map[string]any{
				"kids":    []any{map[string]any{"name": "x"}, map[string]any{"name": nil}, map[string]any{}},
				"address": map[string]any{"city": "Oslo"},
				"tags":    []any{},
				"deep":    []any{[]any{map[string]any{"n": json.Number("1")}}},
				"nulls":   []any{map[string]any{"n": nil}, json.Number("3")},
				"scalar":  "s",
				"levels":  []any{map[string]any{"b": []any{map[string]any{"c": false}}}},
			},
			Preferences:   map[string]any{"terms": map[string]any{"tos": map[string]any{"isConsentGranted": true}}},
			Subscriptions: map[string]any{"news": map[string]any{"email": map[string]any{"isSubscribed": false}}}},
		{SiteID: s.ID, Data: map[string]any{"kids": []any{map[string]any{"name": "y"}}, "onlyNull": nil}},
		{SiteID: other.ID, Data: map[string]any{"elsewhere": json.Number("1")}},
	} {
		a.UID, a.CreatedAt, a.UpdatedAt = unique("field"), t0, t0
		if err := db.CreateAccount(ctx, &a, nil); err != nil {
			t.Fatal(err)
		}
	}
	return s.ID
}

// FieldInUse finds a non-null value at a path, looking into arrays along
// it one level deep, in the accounts of one site.
func testFieldInUse(t *testing.T, db *store.DB) {
	siteID := fieldAccounts(t, db)
	for _, c := range []struct {
		object string
		path   []string
		want   bool
	}{
		{"profile", []string{"firstName"}, true},
		{"profile", []string{"nick"}, false}, // null
		{"profile", []string{"lastName"}, false},
		{"profile", []string{"kids", "name"}, false}, // data's, not profile's
		{"data", []string{"firstName"}, false},
		{"data", []string{"kids"}, true},
		{"data", []string{"kids", "name"}, true}, // in an array of objects
		{"data", []string{"kids", "age"}, false},
		{"data", []string{"address"}, true},
		{"data", []string{"address", "city"}, true},
		{"data", []string{"address", "zip"}, false},
		{"data", []string{"address", "city", "x"}, false}, // a string has no keys
		{"data", []string{"tags"}, true},                  // an empty array is a value
		{"data", []string{"deep", "n"}, false},            // arrays in arrays are not looked into
		{"data", []string{"nulls", "n"}, false},
		{"data", []string{"scalar", "x"}, false},
		{"data", []string{"onlyNull"}, false},
		{"data", []string{"levels", "b", "c"}, true}, // an array at each level; false is a value
		{"data", []string{"elsewhere"}, false},       // another site's
		{"preferences", []string{"terms", "tos", "isConsentGranted"}, true},
		{"preferences", []string{"terms", "privacy"}, false},
		{"subscriptions", []string{"news", "email", "isSubscribed"}, true},
		{"subscriptions", []string{"news", "sms"}, false},
		// Keys are keys, never path syntax.
		{"profile", []string{`we"ird.key`}, true},
		{"profile", []string{"we"}, false},
		{"data", []string{"*"}, false},
		{"data", []string{"$"}, false},
		{"data", []string{`kids" || true || "`}, false},
		{"data", []string{"kids[0]"}, false},
	} {
		if got, err := db.FieldInUse(ctx, siteID, c.object, c.path); err != nil || got != c.want {
			t.Errorf("FieldInUse(%s, %q) = %v, %v; want %v", c.object, c.path, got, err, c.want)
		}
	}
	for _, c := range []struct {
		object string
		path   []string
	}{
		{"accounts", []string{"x"}},
		{"Profile", []string{"firstName"}},
		{"profile, data", []string{"firstName"}},
		{"", []string{"firstName"}},
		{"profile", nil},
		{"profile", []string{"firstName", ""}},
	} {
		if got, err := db.FieldInUse(ctx, siteID, c.object, c.path); err == nil {
			t.Errorf("FieldInUse(%q, %q) = %v, want an error", c.object, c.path, got)
		}
	}
}

// RemoveFieldData removes a field wherever FieldInUse looks, in one
// site, moves updated_at of the accounts it changed, and frees the
// field's unique values.
func testRemoveFieldData(t *testing.T, db *store.DB) {
	s, other := NewSite(t, db), NewSite(t, db)
	put := func(siteID int64, data, prefs map[string]any) account.Account {
		a := account.Account{SiteID: siteID, UID: unique("rm"), Data: data, Preferences: prefs, CreatedAt: t0, UpdatedAt: t0}
		if err := db.CreateAccount(ctx, &a, nil); err != nil {
			t.Fatal(err)
		}
		return a
	}
	a1 := put(s.ID, map[string]any{
		"kids": []any{map[string]any{"name": "x", "age": json.Number("3")}, map[string]any{"name": nil},
			map[string]any{"age": json.Number("4")}, []any{map[string]any{"name": "nested"}}, "s"},
		"memberId": "m1", "keep": json.Number("1")}, nil)
	a2 := put(s.ID, map[string]any{"kids": []any{map[string]any{"age": json.Number("5")}}, "memberId": nil}, nil)
	a3 := put(s.ID, map[string]any{"address": map[string]any{"city": "Oslo", "zip": "0150"}},
		map[string]any{"terms": map[string]any{"tos": map[string]any{"isConsentGranted": true}, "privacy": true}})
	a4 := put(other.ID, map[string]any{"kids": []any{map[string]any{"name": "z"}}, "memberId": "m1"}, nil)
	for _, u := range []struct {
		a    account.Account
		vals []account.UniqueValue
	}{
		{a1, []account.UniqueValue{{Field: "data.memberId", Value: "m1"}, {Field: "data.keep", Value: "1"}}},
		{a4, []account.UniqueValue{{Field: "data.memberId", Value: "m1"}}},
	} {
		if err := db.SetUniqueValues(ctx, u.a.SiteID, u.a.ID, u.vals); err != nil {
			t.Fatal(err)
		}
	}

	// want is every account's data and preferences, and how many
	// milliseconds its updated_at moved, after each removal.
	type state struct {
		data, prefs map[string]any
		moved       int
	}
	want := map[int64]*state{}
	for _, a := range []account.Account{a1, a2, a3, a4} {
		want[a.ID] = &state{data: withEmptyObjects(a).Data, prefs: withEmptyObjects(a).Preferences}
	}
	check := func(t *testing.T) {
		t.Helper()
		for _, a := range []account.Account{a1, a2, a3, a4} {
			got, err := db.AccountByID(ctx, a.SiteID, a.ID)
			w := want[a.ID]
			if err != nil || !reflect.DeepEqual(got.Data, w.data) || !reflect.DeepEqual(got.Preferences, w.prefs) ||
				!got.UpdatedAt.Equal(t0.Add(time.Duration(w.moved)*time.Millisecond)) {
				t.Errorf("account %d: data %v, preferences %v, updated %v, %v\nwant %v, %v, moved %d ms",
					a.ID, got.Data, got.Preferences, got.UpdatedAt, err, w.data, w.prefs, w.moved)
			}
		}
	}

	stale, _ := db.AccountByID(ctx, s.ID, a1.ID)
	for _, c := range []struct {
		name    string
		object  string
		path    []string
		changed int64
		edit    func()
	}{
		{"from each element of an array", "data", []string{"kids", "name"}, 1, func() {
			want[a1.ID].data["kids"] = []any{map[string]any{"age": json.Number("3")}, map[string]any{},
				map[string]any{"age": json.Number("4")}, []any{map[string]any{"name": "nested"}}, "s"}
			want[a1.ID].moved++
		}},
		{"a null goes too", "data", []string{"memberId"}, 2, func() {
			delete(want[a1.ID].data, "memberId")
			delete(want[a2.ID].data, "memberId")
			want[a1.ID].moved++
			want[a2.ID].moved++
		}},
		{"below an object", "data", []string{"address", "city"}, 1, func() {
			want[a3.ID].data["address"] = map[string]any{"zip": "0150"}
			want[a3.ID].moved++
		}},
		{"again: nothing to remove", "data", []string{"address", "city"}, 0, func() {}},
		{"another object", "preferences", []string{"terms", "tos"}, 1, func() {
			want[a3.ID].prefs["terms"] = map[string]any{"privacy": true}
			want[a3.ID].moved++
		}},
		{"a field nobody holds", "profile", []string{"firstName"}, 0, func() {}},
	} {
		t.Run(c.name, func(t *testing.T) {
			n, err := db.RemoveFieldData(ctx, s.ID, c.object, c.path)
			if err != nil || n != c.changed {
				t.Fatalf("RemoveFieldData = %d, %v; want %d", n, err, c.changed)
			}
			c.edit()
			check(t)
			if used, err := db.FieldInUse(ctx, s.ID, c.object, c.path); used || err != nil {
				t.Errorf("FieldInUse after the removal = %v, %v", used, err)
			}
		})
	}
	// A writer that read before loses.
	stale.Data = map[string]any{"lost": true}
	stale.UpdatedAt = t0.Add(time.Hour)
	if err := db.UpdateAccount(ctx, &stale, t0); !errors.Is(err, account.ErrChanged) {
		t.Fatalf("UpdateAccount on a read from before RemoveFieldData: %v, want ErrChanged", err)
	}
	// The removed field's unique values are gone, in this site only; the
	// other fields' stay.
	b := put(s.ID, nil, nil)
	for _, c := range []struct {
		siteID int64
		val    account.UniqueValue
		taken  bool
	}{
		{s.ID, account.UniqueValue{Field: "data.memberId", Value: "m1"}, false},
		{s.ID, account.UniqueValue{Field: "data.keep", Value: "1"}, true},
	} {
		err := db.SetUniqueValues(ctx, c.siteID, b.ID, []account.UniqueValue{c.val})
		if taken := isTaken(err, c.val.Field); taken != c.taken || (!c.taken && err != nil) {
			t.Errorf("SetUniqueValues %+v after the removal: %v, want taken=%v", c.val, err, c.taken)
		}
	}
	if err := db.SetUniqueValues(ctx, other.ID, put(other.ID, nil, nil).ID,
		[]account.UniqueValue{{Field: "data.memberId", Value: "m1"}}); !isTaken(err, "data.memberId") {
		t.Errorf("another site's unique value went: %v", err)
	}
	check(t)

	// Bad input is refused, and changes nothing.
	for _, c := range []struct {
		object string
		path   []string
	}{{"accounts", []string{"kids"}}, {"data", nil}, {"data", []string{""}}} {
		if n, err := db.RemoveFieldData(ctx, s.ID, c.object, c.path); err == nil {
			t.Errorf("RemoveFieldData(%q, %q) = %d, want an error", c.object, c.path, n)
		}
	}
	check(t)

	// Within a transaction that rolls back, nothing is removed.
	abort := errors.New("abort")
	err := db.WithTx(ctx, func(tx account.Store) error {
		n, err := tx.(*store.DB).RemoveFieldData(ctx, s.ID, "data", []string{"keep"})
		if err != nil || n != 1 {
			return fmt.Errorf("RemoveFieldData in the transaction = %d, %v", n, err)
		}
		return abort
	})
	if !errors.Is(err, abort) {
		t.Fatal(err)
	}
	check(t)
	// The field store UpdateSite gives its edit is in the site's
	// transaction: a schema change and the removal commit or roll back
	// together (on SQLite's one writer, another transaction would wait forever).
	err = db.UpdateSite(ctx, s.ID, func(_ *site.Record, fs site.Tx) error {
		if used, err := fs.FieldInUse(ctx, s.ID, "data", []string{"keep"}); !used || err != nil {
			return fmt.Errorf("FieldInUse in the site's transaction = %v, %v", used, err)
		}
		n, err := fs.RemoveFieldData(ctx, s.ID, "data", []string{"keep"})
		if err != nil || n != 1 {
			return fmt.Errorf("RemoveFieldData in the site's transaction = %d, %v", n, err)
		}
		if err := fs.DeleteUniqueValues(ctx, s.ID, "data.keep"); err != nil {
			return err
		}
		return abort
	})
	if !errors.Is(err, abort) {
		t.Fatal(err)
	}
	check(t)
	if err := db.SetUniqueValues(ctx, s.ID, b.ID, []account.UniqueValue{{Field: "data.keep", Value: "1"}}); !isTaken(err, "data.keep") {
		t.Errorf("unique value of a field whose removal rolled back: %v", err)
	}
}

// isTaken tells whether err is a *account.UniqueTakenError naming field.
func isTaken(err error, field string) bool {
	e, ok := errors.AsType[*account.UniqueTakenError](err)
	return ok && e.Field == field
}

func testUniqueValues(t *testing.T, db *store.DB) {
	s, other := NewSite(t, db), NewSite(t, db)
	a, b, c := newAccount(t, db, s.ID), newAccount(t, db, s.ID), newAccount(t, db, s.ID)
	x := newAccount(t, db, other.ID)
	val := func(field, value string) []account.UniqueValue {
		return []account.UniqueValue{{Field: field, Value: value}}
	}
	for _, step := range []struct {
		name      string
		siteID    int64
		accountID int64
		vals      []account.UniqueValue
		taken     string // the field named by UniqueTakenError; "" for success
	}{
		{"first holder", s.ID, a.ID, []account.UniqueValue{{Field: "data.memberId", Value: "m1"}, {Field: "profile.nick", Value: "n"}}, ""},
		{"the same again", s.ID, a.ID, []account.UniqueValue{{Field: "data.memberId", Value: "m1"}, {Field: "profile.nick", Value: "n"}}, ""},
		{"taken", s.ID, b.ID, val("data.memberId", "m1"), "data.memberId"},
		{"the taken field is named", s.ID, b.ID, []account.UniqueValue{{Field: "data.other", Value: "o"}, {Field: "profile.nick", Value: "n"}}, "profile.nick"},
		{"what failed was not kept", s.ID, c.ID, val("data.other", "o"), ""},
		{"compared exactly", s.ID, b.ID, []account.UniqueValue{{Field: "data.memberId", Value: "M1"}, {Field: "data.memberId", Value: "m1 "}}, ""},
		{"another field", s.ID, b.ID, val("data.otherId", "m1"), ""},
		{"another site", other.ID, x.ID, val("data.memberId", "m1"), ""},
		{"replaced: the old value is free", s.ID, a.ID, val("data.memberId", "m2"), ""},
		{"the freed value", s.ID, b.ID, val("data.memberId", "m1"), ""},
		{"the freed field", s.ID, c.ID, val("profile.nick", "n"), ""},
		{"cleared", s.ID, a.ID, nil, ""},
		{"the cleared value", s.ID, c.ID, val("data.memberId", "m2"), ""},
	} {
		err := db.SetUniqueValues(ctx, step.siteID, step.accountID, step.vals)
		if step.taken == "" && err != nil || step.taken != "" && !isTaken(err, step.taken) {
			t.Fatalf("%s: SetUniqueValues = %v, want taken %q", step.name, err, step.taken)
		}
	}
	// Each call replaced all of an account's values: b holds data.memberId
	// m1, c data.memberId m2, and nobody the others.
	for _, step := range []struct {
		field, value string
		taken        bool
	}{{"data.memberId", "m2", true}, {"profile.nick", "n", false}, {"data.memberId", "m1", true}, {"data.other", "o", false}} {
		d := newAccount(t, db, s.ID)
		err := db.SetUniqueValues(ctx, s.ID, d.ID, val(step.field, step.value))
		if isTaken(err, step.field) != step.taken || (!step.taken && err != nil) {
			t.Errorf("%s=%s: %v, want taken=%v", step.field, step.value, err, step.taken)
		}
	}

	// DeleteUniqueValues frees one field of one site.
	if err := db.DeleteUniqueValues(ctx, s.ID, "data.memberId"); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		siteID       int64
		field, value string
		taken        bool
	}{
		{s.ID, "data.memberId", "m1", false},
		{s.ID, "data.memberId", "m2", false},
		{s.ID, "profile.nick", "n", true}, // held by the account the checks above gave it
		{other.ID, "data.memberId", "m1", true},
	} {
		d := newAccount(t, db, step.siteID)
		err := db.SetUniqueValues(ctx, step.siteID, d.ID, val(step.field, step.value))
		if isTaken(err, step.field) != step.taken || (!step.taken && err != nil) {
			t.Errorf("after DeleteUniqueValues, %s=%s in site %d: %v, want taken=%v", step.field, step.value, step.siteID, err, step.taken)
		}
	}

	// Deleting an account frees its values.
	if err := db.SetUniqueValues(ctx, s.ID, b.ID, val("data.otherId", "z")); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteAccount(ctx, s.ID, b.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.SetUniqueValues(ctx, s.ID, c.ID, val("data.otherId", "z")); err != nil {
		t.Fatalf("value of a deleted account: %v", err)
	}
}

// Many accounts setting one value at once: exactly one gets it, the others
// UniqueTakenError and no other error.
func testUniqueValuesRace(t *testing.T, db *store.DB) {
	s := NewSite(t, db)
	const n = 32
	accounts := make([]account.Account, n)
	for i := range accounts {
		accounts[i] = newAccount(t, db, s.ID)
	}
	errs := race(n, func(i int) error {
		return db.SetUniqueValues(ctx, s.ID, accounts[i].ID, []account.UniqueValue{
			{Field: fmt.Sprint("data.own", i), Value: "v"}, {Field: "data.memberId", Value: "contested"}})
	})
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner < 0:
			winner = i
		case err == nil:
			t.Fatalf("calls %d and %d both got the value", winner, i)
		case !isTaken(err, "data.memberId"):
			t.Errorf("call %d: %v", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no call got the value")
	}
	// The losers kept nothing; the winner kept both its values.
	late := newAccount(t, db, s.ID)
	for i := range n {
		err := db.SetUniqueValues(ctx, s.ID, late.ID, []account.UniqueValue{{Field: fmt.Sprint("data.own", i), Value: "v"}})
		if held := isTaken(err, fmt.Sprint("data.own", i)); held != (i == winner) || (!held && err != nil) {
			t.Errorf("value of call %d: %v, want held=%v", i, err, i == winner)
		}
	}
	if err := db.SetUniqueValues(ctx, s.ID, late.ID, []account.UniqueValue{{Field: "data.memberId", Value: "contested"}}); !isTaken(err, "data.memberId") {
		t.Errorf("the contested value after the race: %v", err)
	}
}

// Within WithTx, SetUniqueValues is part of the transaction: rolled back,
// it leaves nothing; a taken value fails it.
func testUniqueValuesTx(t *testing.T, db *store.DB) {
	s := NewSite(t, db)
	a, b := newAccount(t, db, s.ID), newAccount(t, db, s.ID)
	abort := errors.New("abort")
	set := func(accountID int64, value string, then error) error {
		return db.WithTx(ctx, func(tx account.Store) error {
			if err := tx.(account.UniqueStore).SetUniqueValues(ctx, s.ID, accountID,
				[]account.UniqueValue{{Field: "data.memberId", Value: value}}); err != nil {
				return err
			}
			return then
		})
	}
	if err := set(a.ID, "m1", abort); !errors.Is(err, abort) {
		t.Fatalf("rolled back: %v", err)
	}
	if err := set(b.ID, "m1", nil); err != nil {
		t.Fatalf("the value a's rolled-back transaction set: %v", err)
	}
	if err := set(a.ID, "m1", nil); !isTaken(err, "data.memberId") {
		t.Fatalf("a taken value within WithTx: %v", err)
	}
	// b's value survived a's failed transaction; a rolled-back replacement
	// keeps what b held.
	if err := set(b.ID, "m2", abort); !errors.Is(err, abort) {
		t.Fatal(err)
	}
	if err := set(a.ID, "m1", nil); !isTaken(err, "data.memberId") {
		t.Fatalf("after b's rolled-back replacement: %v", err)
	}
}
