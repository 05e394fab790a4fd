package rest_test

import (
	"testing"
	"time"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/rest"
)

// The REST view of the account policies that refuse a login: a password
// change due (security.passwordChangeInterval, or a server's
// requirePasswordChange) and the age limit (registration.enforceCoppa).
// The site's server changes the password (PUT /users/:id), after which the
// user signs in. REST takes no profile, so that an age or a conflicting
// profile.email (403043) reaches it through the RPC dialect only: the age
// limit shows at login here, a conflict not at all.
func TestRESTLoginPolicies(t *testing.T) {
	t.Parallel()
	apitest.ForEachClockEngine(t, func(t *testing.T, a *apitest.App, clock *apitest.Clock) {
		m := a.Call(t, "accounts.register", apitest.Form("email", "pol@example.com", "password", "right-password-1",
			"profile", `{"birthYear":2020}`, "finalizeRegistration", "true"))
		apitest.ExpectRPC(t, m, 0, "")
		uid := m["UID"].(string)
		r := a.REST(t, "GET", "/users/find_by?email_address=pol@example.com", "")
		a.Vars["id"] = apitest.JSONScalar(r.JSON(t)["id"])
		login := rest.Prefix + "/users/login"
		body := func(pw string) string { return `{"email_address":"pol@example.com","password":"` + pw + `"}` }
		const pending = "Pending password change: the user must change the password before signing in; set a new one with PUT /users/:id"
		const underage = "Underage user: the site accepts users of 13 years and older"
		signedIn := func(t *testing.T, r apitest.Response, m map[string]any) {
			if tok, _ := m["login_token"].(string); tok == "" {
				t.Errorf("no login_token: %s", r.Body)
			}
		}
		day := 24 * time.Hour
		apitest.Run(t, a, []apitest.Scenario{
			{Name: "interval", Path: "/accounts.setPolicies", Form: a.Secret("security", `{"passwordChangeInterval":30}`), Code: 0},
			{Name: "29 days on", Before: func(*testing.T, *apitest.App) { clock.Advance(29 * day) }, Path: login, Body: body("right-password-1"),
				Status: 201, Location: restBase + "/sign_ins/[0-9]+", After: signedIn},
			{Name: "30 days on", Before: func(*testing.T, *apitest.App) { clock.Advance(day) }, Path: login, Body: body("right-password-1"),
				Status: 403, WantBody: restErr("forbidden", pending)},
			{Name: "the wrong password", Path: login, Body: body("wrong-password-9"), Status: 403, WantBody: restBadLogin},
			{Name: "a new password", Method: "PUT", Path: rest.Prefix + "/users/{id}", Body: `{"user":{"password":"right-password-2"}}`, Status: 200},
			{Name: "signs in", Path: login, Body: body("right-password-2"), Status: 201, Location: restBase + "/sign_ins/[0-9]+", After: signedIn},
			{Name: "required by the server", Path: "/accounts.setAccountInfo", Form: a.Secret("UID", uid, "requirePasswordChange", "true"), Code: 0},
			{Name: "required", Path: login, Body: body("right-password-2"), Status: 403, WantBody: restErr("forbidden", pending)},
			{Name: "another new password", Method: "PUT", Path: rest.Prefix + "/users/{id}", Body: `{"user":{"password":"right-password-3"}}`, Status: 200},
			{Name: "signs in again", Path: login, Body: body("right-password-3"), Status: 201, Location: restBase + "/sign_ins/[0-9]+", After: signedIn},
			{Name: "COPPA", Path: "/accounts.setPolicies", Form: a.Secret("registration", `{"enforceCoppa":true}`), Code: 0},
			{Name: "under the age limit", Path: login, Body: body("right-password-3"), Status: 403, WantBody: restErr("forbidden", underage)},
			{Name: "under the age limit, the wrong password", Path: login, Body: body("wrong-password-9"), Status: 403, WantBody: restBadLogin},
		})
	})
}
