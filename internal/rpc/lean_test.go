package rpc_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/store"
)

// A session check reads the session and only what its answer shows of the
// account: never the password hash. What needs the hash (a password change
// through the session, a login) reads it, and a change made through a
// session keeps it.
func TestSessionCheckReadsNoPasswordHash(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		ctx := context.Background()
		uid, token := registerWith(t, e, apitest.Form("email", "lean@example.com", "password", "pass-word-1",
			"profile", `{"firstName":"Lea","lastName":"<b>é&","age":30}`))
		stored, err := e.DB.AccountByUID(ctx, e.Site.ID, uid)
		if err != nil || !strings.HasPrefix(stored.PasswordHash, "$argon2id$") {
			t.Fatalf("the stored account: hash %q, %v", stored.PasswordHash, err)
		}

		t.Run("resolve", func(t *testing.T) {
			_, a, err := e.Accounts.Sessions().Resolve(ctx, e.Site.ID, token)
			if err != nil || a.UID != uid || a.PasswordHash != "" || a.Omitted != account.PartPassword || a.Profile["firstName"] != "Lea" {
				t.Errorf("Resolve: %+v, %v; want the account without its hash", a, err)
			}
			// The profile as stored (SQLite) or decoded (PostgreSQL, whose jsonb
			// has a key order of its own), and nothing else.
			_, a, err = e.Accounts.ResolveSession(ctx, e.Site.ID, token, account.Read{Objects: account.PartProfile, Raw: true})
			asStored := a.Omitted.Has(account.PartProfile)
			if err != nil || a.PasswordHash != "" || a.Data != nil || a.Raw.Data != nil || !a.Omitted.Has(account.PartPassword|account.PartData) ||
				asStored && (a.Profile != nil || !json.Valid(a.Raw.Profile)) || !asStored && (a.Raw.Profile != nil || a.Profile["firstName"] != "Lea") ||
				asStored != (e.DB.Engine() == store.SQLite) {
				t.Errorf("ResolveSession(profile, raw): %+v, %v", a, err)
			}
		})

		t.Run("getAccountInfo", func(t *testing.T) {
			profile := map[string]any{"firstName": "Lea", "lastName": "<b>é&", "age": 30, "email": "lean@example.com"}
			for _, tc := range []struct {
				include string
				want    map[string]any
				absent  []string
			}{
				{"", map[string]any{"UID": uid, "profile": profile, "data": map[string]any{}}, []string{"preferences", "subscriptions"}},
				{"profile", map[string]any{"profile": profile}, []string{"data", "preferences"}},
				{"data,preferences,subscriptions", map[string]any{"data": map[string]any{}, "preferences": map[string]any{},
					"subscriptions": map[string]any{}}, []string{"profile"}},
				{"profile,missing-required-fields", map[string]any{"profile": profile, "missingRequiredFields": []any{}}, []string{"data"}},
				{"loginIDs", map[string]any{"loginIDs": map[string]any{"emails": []any{"lean@example.com"}, "unverifiedEmails": []any{}}},
					[]string{"profile", "data"}},
			} {
				form := apitest.Form("login_token", token)
				if tc.include != "" {
					form.Set("include", tc.include)
				}
				r, m := e.RPC(t, "accounts.getAccountInfo", form, nil)
				apitest.ExpectRPC(t, m, 0, "")
				apitest.ExpectFields(t, m, tc.want)
				apitest.ExpectAbsent(t, m, tc.absent...)
				if strings.Contains(string(r.Body), "argon2") {
					t.Errorf("include %q: the answer shows the hash: %s", tc.include, r.Body)
				}
				// The profile reads as json.Marshal writes it, on either engine.
				if want := `"profile":{"age":30,"email":"lean@example.com","firstName":"Lea","lastName":"\u003cb\u003eé\u0026"}`; tc.want["profile"] != nil && !strings.Contains(string(r.Body), want) {
					t.Errorf("include %q: %s\nwant %s", tc.include, r.Body, want)
				}
			}
		})

		t.Run("changes through the session keep the hash", func(t *testing.T) {
			m := e.Call(t, "accounts.setAccountInfo", apitest.Form("login_token", token, "profile", `{"city":"Oslo"}`))
			apitest.ExpectRPC(t, m, 0, "")
			if a, _ := e.DB.AccountByUID(ctx, e.Site.ID, uid); a.PasswordHash != stored.PasswordHash || a.Profile["city"] != "Oslo" {
				t.Errorf("after a profile change: hash %q (was %q), profile %v", a.PasswordHash, stored.PasswordHash, a.Profile)
			}
			login(t, e, "lean@example.com", "pass-word-1")
			// A password change proves the current password: the hash is read for it.
			m = e.Call(t, "accounts.setAccountInfo", apitest.Form("login_token", token, "password", "wrong-word-1", "newPassword", "pass-word-2"))
			apitest.ExpectRPC(t, m, 403042, "invalid password")
			m = e.Call(t, "accounts.setAccountInfo", apitest.Form("login_token", token, "password", "pass-word-1", "newPassword", "pass-word-2"))
			apitest.ExpectRPC(t, m, 0, "")
			login(t, e, "lean@example.com", "pass-word-2")
		})
	})
}
