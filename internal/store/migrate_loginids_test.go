package store_test

import (
	"context"
	"testing"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/conformance"
)

// Migration 00010 re-normalizes login IDs stored in the earlier form. Two
// that become one go to the older account; the other account keeps its row
// under a form no login reaches; nothing is deleted, nothing fails.
func TestMigrationRenormalizesLoginIDs(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		st := conformance.NewSite(t, db)
		create := func(uid string, ids ...account.LoginID) int64 {
			t.Helper()
			a := &account.Account{SiteID: st.ID, UID: uid, Active: true, CreatedAt: t0, UpdatedAt: t0}
			if err := db.CreateAccount(ctx, a, conformance.Stored(ids...)); err != nil {
				t.Fatal(err)
			}
			return a.ID
		}
		email := func(v string) account.LoginID { return account.LoginID{Kind: account.Email, Value: v} }
		user := func(v string) account.LoginID { return account.LoginID{Kind: account.Username, Value: v} }
		// The earlier form, strings.ToLower(NFC(s)), left "Ϊ̀" lower-cased
		// but not recomposed: "ῒ" where the normal form is "ῒ".
		const oldX, normalX = "\u03ca\u0300x@example.com", "\u1fd2x@example.com"
		const oldY, normalY = "\u03ca\u0300y@example.com", "\u1fd2y@example.com"
		older := create("u1", email(oldX))    // the old form first…
		newer := create("u2", email(normalX)) // …then the normal form
		first := create("u3", email(normalY)) // the normal form first…
		second := create("u4", email(oldY))   // …then the old form
		plain := create("u5", email("straße@example.com"), user("ǆ"))

		if err := db.RenormalizeLoginIDs(ctx); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			id   account.LoginID
			want int64
		}{
			{email(normalX), older},
			{email(normalY), first},
			{email("straße@example.com"), plain}, // lower case already: no change
			{user("ǆ"), plain},
		} {
			if a, err := db.AccountByLoginID(ctx, st.ID, tc.id); err != nil || a.ID != tc.want {
				t.Errorf("%q: account %d, %v; want %d", tc.id.Value, a.ID, err, tc.want)
			}
		}
		// The younger account of each pair keeps a row, in a form no login reaches.
		for id, want := range map[int64]string{newer: oldX, second: oldY} {
			if ids, err := db.LoginIDs(ctx, id); err != nil || len(ids) != 1 || ids[0].Value != want {
				t.Errorf("account %d keeps %+v, %v; want %q", id, ids, err, want)
			}
		}
		if err := db.RenormalizeLoginIDs(ctx); err != nil { // the parked rows stay parked
			t.Fatal(err)
		}
	})
}
