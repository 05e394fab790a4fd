package rest_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/rest"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
)

const lockPolicy = `{"accountLockout":{"failedLoginThreshold":3,"lockoutTimeSec":60,"failedLoginResetSec":600}}`

// newLockoutApp is a custos behind a trusted loopback proxy that
// terminated TLS, with a clock the test moves and a site without accounts
// whose lockout policy is lockPolicy.
func newLockoutApp(t *testing.T, engine store.Engine) (*apitest.App, *apitest.Clock) {
	t.Helper()
	clock := apitest.NewClock()
	a := apitest.NewApp(t, engine, apitest.WithClock(clock.Now), apitest.WithSite("abuse"), apitest.BehindProxy())
	a.SetPolicies(t, "security", lockPolicy)
	return a, clock
}

// The REST view of an account lockout: a locked user is shown locked and
// refused with its own code; unlock ends the lockout and forgets the
// failures; a lockout that ends by itself shows so.
func TestAbuseRESTLockout(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			a, clock := newLockoutApp(t, engine)
			r := a.REST(t, "POST", "/users", `{"user":{"email_address":"rl@example.com","password":"right-password-1"}}`)
			if r.Status != 201 {
				t.Fatalf("create: %d %s", r.Status, r.Body)
			}
			id := apitest.JSONScalar(r.JSON(t)["id"])
			user := func(locked, signedIn bool) string {
				in := "null"
				if signedIn {
					in = strconv.Quote(restNow)
				}
				return fmt.Sprintf(`{"id":%s,"username":null,"email_address":"rl@example.com","signed_up_at":%q,"signed_in_at":%s,`+
					`"active":true,"confirmed":false,"locked":%t}`, id, restNow, in, locked)
			}
			const rightBody = `{"email_address":"rl@example.com","password":"right-password-1"}`
			const wrongBody = `{"email_address":"rl@example.com","password":"wrong-password-9"}`
			locked := restRefused("locked", "user is locked")
			loggedIn := func(t *testing.T, r apitest.Response, m map[string]any) {
				t.Helper()
				if tok, _ := m["login_token"].(string); tok == "" || apitest.JSONScalar(m["user_id"]) != id {
					t.Errorf("login body %s", r.Body)
				}
			}
			users, login := rest.Prefix+"/users/"+id, rest.Prefix+"/users/login"
			later := func(d time.Duration) func(*testing.T, *apitest.App) {
				return func(*testing.T, *apitest.App) { clock.Advance(d) }
			}
			apitest.Run(t, a, []apitest.Scenario{
				{Name: "not locked", Path: users, WantBody: user(false, false)},
				{Name: "failure 1", Path: login, Body: wrongBody, Status: 403, WantBody: restBadLogin},
				{Name: "failure 2", Path: login, Body: wrongBody, Status: 403, WantBody: restBadLogin},
				{Name: "failure 3", Path: login, Body: wrongBody, Status: 403, WantBody: restBadLogin},
				{Name: "the right password, locked", Path: login, Body: rightBody, Status: 403, WantBody: locked},
				{Name: "wrapped in user, in another case, locked", Path: login,
					Body: `{"user":{"email_address":"RL@example.com","password":"right-password-1"}}`, Status: 403, WantBody: locked},
				{Name: "shown locked", Path: users, WantBody: user(true, false)},
				{Name: "found locked", Path: rest.Prefix + "/users/find_by?email_address=rl@example.com", WantBody: user(true, false)},
				{Name: "unlock", Method: "PUT", Path: users + "/unlock", WantBody: user(false, false)},
				{Name: "shown unlocked", Path: users, WantBody: user(false, false)},
				// The unlock forgot the failures too: two more do not lock.
				{Name: "failure 1 after the unlock", Path: login, Body: wrongBody, Status: 403, WantBody: restBadLogin},
				{Name: "failure 2 after the unlock", Path: login, Body: wrongBody, Status: 403, WantBody: restBadLogin},
				{Name: "the right password", Path: login, Body: rightBody, Status: 201, Location: restBase + "/sign_ins/[0-9]+", After: loggedIn},
				{Name: "unlock an unlocked user", Method: "PUT", Path: users + "/unlock", WantBody: user(false, true)},
				{Name: "unlock an unknown user", Method: "PUT", Path: rest.Prefix + "/users/999999/unlock", Status: 404, WantBody: restUserNotFound},
				// A lockout that ends by itself shows so.
				{Name: "failure 1 again", Path: login, Body: wrongBody, Status: 403, WantBody: restBadLogin},
				{Name: "failure 2 again", Path: login, Body: wrongBody, Status: 403, WantBody: restBadLogin},
				{Name: "failure 3 again", Path: login, Body: wrongBody, Status: 403, WantBody: restBadLogin},
				{Name: "locked again", Path: users, WantBody: user(true, true)},
				{Name: "61 s later, not locked", Before: later(61 * time.Second), Path: users, WantBody: user(false, true)},
				{Name: "61 s later, the right password", Path: login, Body: rightBody, Status: 201, Location: restBase + "/sign_ins/[0-9]+", After: loggedIn},
			})
			// The RPC dialect sees the same account.
			t.Run("RPC login", func(t *testing.T) {
				_, m := a.RPC(t, "accounts.login", apitest.Form("loginID", "rl@example.com", "password", "right-password-1"),
					http.Header{"X-Forwarded-Proto": {"https"}})
				apitest.ExpectRPC(t, m, 0, "")
				if _, ok := m["sessionInfo"].(map[string]any); !ok {
					t.Errorf("a login without sessionInfo: %s", apitest.Dump(m))
				}
			})
		})
	}
}
