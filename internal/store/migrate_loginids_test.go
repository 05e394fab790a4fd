package store_test

import (
	"context"
	"testing"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/store"
)

// Migration 00010 re-normalizes login IDs stored in the earlier form; two
// that become one stay with the older account, and nothing fails.
func TestMigrationRenormalizesLoginIDs(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		st := newSite(t, db, "3_norm")
		create := func(uid string, ids ...account.LoginID) int64 {
			t.Helper()
			a := &account.Account{SiteID: st.ID, UID: uid, Active: true, CreatedAt: t0, UpdatedAt: t0}
			if err := db.CreateAccount(ctx, a, stored(ids...)); err != nil {
				t.Fatal(err)
			}
			return a.ID
		}
		email := func(v string) account.LoginID { return account.LoginID{Kind: account.Email, Value: v} }
		user := func(v string) account.LoginID { return account.LoginID{Kind: account.Username, Value: v} }
		// The earlier form: strings.ToLower(NFC(s)).
		older := create("u1", email("\u03ca\u0300x@example.com"))     // "Ϊ̀x@…" lower-cased, not recomposed
		newer := create("u2", email("\u1fd2x@example.com"))           // "ῒx@…", its normal form
		first := create("u3", user("strasse"))                        // normal already
		second := create("u4", user("straße"))                        // folds to "strasse"
		alone := create("u5", email("\ufb00@example.com"), user("ǆ")) // "ﬀ" folds to "ff"; "ǆ" stays

		if err := db.RenormalizeLoginIDs(ctx); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			id   account.LoginID
			want int64
		}{
			{email("\u1fd2x@example.com"), older},
			{user("strasse"), first},
			{email("ff@example.com"), alone},
			{user("ǆ"), alone},
		} {
			if a, err := db.AccountByLoginID(ctx, st.ID, tc.id); err != nil || a.ID != tc.want {
				t.Errorf("%q: account %d, %v; want %d", tc.id.Value, a.ID, err, tc.want)
			}
		}
		for _, id := range []int64{newer, second} {
			if ids, err := db.LoginIDs(ctx, id); err != nil || len(ids) != 0 {
				t.Errorf("account %d keeps %+v, %v", id, ids, err)
			}
		}
		if err := db.RenormalizeLoginIDs(ctx); err != nil { // nothing left to change
			t.Fatal(err)
		}
	})
}
