package conformance

import (
	"fmt"
	"testing"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/store"
)

func init() {
	register("export", testAccountsAfter, "AccountsAfter")
}

// AccountsAfter pages through a site's accounts in id order, each with
// its login IDs and their verified state, and nothing of another site.
func testAccountsAfter(t *testing.T, db *store.DB) {
	s, other := NewSite(t, db), NewSite(t, db)
	newAccount(t, db, other.ID, email("other@example.com"))
	var want []account.Account
	for i := range 5 {
		ids := Stored(email(fmt.Sprintf("p%d@example.com", i)), username(fmt.Sprintf("p%d", i)))
		ids[0].VerifiedAt = t0
		a := account.Account{SiteID: s.ID, UID: unique("exp"), PasswordHash: "h", Active: true, CreatedAt: t0, UpdatedAt: t0}
		if err := db.CreateAccount(ctx, &a, ids); err != nil {
			t.Fatal(err)
		}
		want = append(want, a)
	}
	newAccount(t, db, s.ID) // no login ID
	var got []account.ExportedAccount
	var after int64
	for {
		page, err := db.AccountsAfter(ctx, s.ID, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, page...)
		if len(page) < 2 {
			break
		}
		after = page[len(page)-1].ID
	}
	if len(got) != 6 {
		t.Fatalf("%d accounts, want 6", len(got))
	}
	for i, a := range want {
		g := got[i]
		if g.UID != a.UID || g.ID != a.ID || len(g.LoginIDs) != 2 {
			t.Fatalf("account %d: %+v, want %s with 2 login IDs", i, g, a.UID)
		}
		for _, id := range g.LoginIDs {
			if (id.Kind == account.Email) != !id.VerifiedAt.IsZero() || id.Display == "" {
				t.Errorf("account %d login ID %+v", i, id)
			}
		}
	}
	if len(got[5].LoginIDs) != 0 {
		t.Errorf("login IDs of an account without: %+v", got[5].LoginIDs)
	}
}
