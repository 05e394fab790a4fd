package store_test

import (
	"context"
	"testing"

	"github.com/custos-id/custos/internal/policy"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
)

// Migration 00012: sites that exist keep logging in by email only, as the
// default was when they were made, unless they chose their login
// identifiers; everything else they set stays. Accounts that exist need
// no password change.
func TestMigrationKeepsLoginIdentifiers(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			url := storetest.URL(t, e)
			raw := storetest.Raw(t, url)
			p := migrations(t, e, raw)
			if _, err := p.UpTo(ctx, 9); err != nil {
				t.Fatal(err)
			}
			sites := []struct {
				stored, identifiers string
				verifyEmail         bool
			}{
				{`{}`, "email", false},
				{`{"accountOptions":{"verifyEmail":true}}`, "email", true},
				{`{"accountOptions":{"loginIdentifiers":"username"}}`, "username", false},
				{`{"accountOptions":{"loginIdentifiers":"email,username","verifyEmail":true}}`, "email,username", true},
				{`{"registration":{"requireLoginID":false}}`, "email", false},
			}
			for i, s := range sites {
				if _, err := raw.ExecContext(ctx, `INSERT INTO sites (id, name, api_key, secret_sealed, policies, created_at, updated_at)
					VALUES ($1, $2, $3, $4, $5, 1, 1)`, i+1, "s"+string(rune('a'+i)), "3_"+string(rune('a'+i)), []byte{1}, s.stored); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := raw.ExecContext(ctx, `INSERT INTO accounts (site_id, uid, created_at, updated_at) VALUES (1, 'u1', 1, 1)`); err != nil {
				t.Fatal(err)
			}
			db, err := store.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for i, s := range sites {
				r, err := db.SiteByID(ctx, int64(i+1))
				if err != nil {
					t.Fatal(err)
				}
				pol, err := policy.Parse(r.Policies)
				if err != nil {
					t.Fatalf("%s: %v", s.stored, err)
				}
				if o := pol.AccountOptions; o.LoginIdentifiers != s.identifiers || o.VerifyEmail != s.verifyEmail {
					t.Errorf("%s: now %s", s.stored, r.Policies)
				}
				if i == len(sites)-1 && pol.Registration.RequireLoginID {
					t.Errorf("%s: registration lost: %s", s.stored, r.Policies)
				}
			}
			if a, err := db.AccountByUID(ctx, 1, "u1"); err != nil || a.PasswordChangeRequired {
				t.Fatalf("account before the migration: %+v, %v", a, err)
			}
		})
	}
}
