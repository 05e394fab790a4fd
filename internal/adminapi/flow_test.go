package adminapi_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/custos-id/custos/internal/admin"
	"github.com/custos-id/custos/internal/apitest"
)

func decode(t *testing.T, r apitest.Response, status int) map[string]any {
	t.Helper()
	if r.Status != status {
		t.Fatalf("got %d %s, want %d", r.Status, r.Body, status)
	}
	if status == 204 {
		return nil
	}
	return r.JSON(t)
}

// An operator creates a site and a key, changes a policy, adds a schema
// field, finds a user and disables them (their login then fails with
// 403041); every change is in the audit log, and no secret is shown twice.
func TestOperatorFlow(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		op := admin.Operator
		m := decode(t, e.as(t, op, "POST", "/sites", map[string]any{"name": "shop", "domains": []string{"shop.example"}}), 201)
		secret, _ := m["secret"].(string)
		siteID := int64(m["site"].(map[string]any)["id"].(float64))
		if secret == "" || siteID == 0 {
			t.Fatalf("POST /sites: %v", m)
		}
		site := "/sites/" + itoa(siteID)
		for _, p := range []string{"/sites", site} {
			if r := e.as(t, admin.ReadOnly, "GET", p, nil); r.Status != 200 || strings.Contains(string(r.Body), secret) {
				t.Fatalf("GET %s: %d, shows the secret: %s", p, r.Status, r.Body)
			}
		}
		m = decode(t, e.as(t, op, "POST", site+"/keys", map[string]any{"name": "backend", "scopes": []string{"accounts.*"}}), 201)
		keySecret, _ := m["secret"].(string)
		if keySecret == "" {
			t.Fatalf("POST keys: %v", m)
		}
		if r := e.as(t, op, "GET", site+"/keys", nil); r.Status != 200 || strings.Contains(string(r.Body), keySecret) || !strings.Contains(string(r.Body), "backend") {
			t.Fatalf("GET keys: %d %s", r.Status, r.Body)
		}

		m = decode(t, e.as(t, op, "PUT", site+"/policies", map[string]any{"security": map[string]any{"accountLockout": map[string]any{"failedLoginThreshold": 7}}}), 200)
		if lock := m["security"].(map[string]any)["accountLockout"].(map[string]any); lock["failedLoginThreshold"] != 7.0 {
			t.Fatalf("PUT policies: %v", m)
		}
		r := e.as(t, op, "PUT", site+"/policies", map[string]any{"nonsense": map[string]any{}})
		if m := decode(t, r, 400); m["errorCode"] != 400006.0 {
			t.Fatalf("PUT policies with an unknown section: %v", m)
		}

		m = decode(t, e.as(t, op, "POST", site+"/schema/fields", map[string]any{"fields": map[string]any{"data.tier": map[string]any{"type": "string", "writeAccess": "serverOnly"}}}), 200)
		if !strings.Contains(mustJSON(t, m["dataSchema"]), `"tier"`) {
			t.Fatalf("POST schema/fields: %v", m)
		}

		// The seeded site's users.
		users := "/sites/" + itoa(e.Site.ID) + "/users"
		reg := e.Call(t, "accounts.register", apitest.Form("email", "bob@example.com", "password", "pass-word-1", "finalizeRegistration", "true"))
		apitest.ExpectRPC(t, reg, 0, "")
		bob := reg["UID"].(string)
		m = decode(t, e.as(t, admin.ReadOnly, "GET", users+"?q="+url.QueryEscape(`loginIDs.emails = "bob@example.com"`), nil), 200)
		if res := m["results"].([]any); len(res) != 1 || res[0].(map[string]any)["UID"] != bob || m["totalCount"] != 1.0 {
			t.Fatalf("search: %v", m)
		}
		m = decode(t, e.as(t, admin.ReadOnly, "GET", users+"?limit=1", nil), 200)
		if len(m["results"].([]any)) != 1 || m["nextCursor"] != "1" || m["totalCount"] != 2.0 {
			t.Fatalf("page 1: %v", m)
		}
		m = decode(t, e.as(t, admin.ReadOnly, "GET", users+"?limit=1&cursor=1", nil), 200)
		if len(m["results"].([]any)) != 1 || m["nextCursor"] != nil {
			t.Fatalf("page 2: %v", m)
		}
		if m := decode(t, e.as(t, admin.ReadOnly, "GET", users+"?q="+url.QueryEscape("nonsense ==="), nil), 400); m["errorCode"] != 400006.0 {
			t.Fatalf("bad query: %v", m)
		}
		m = decode(t, e.as(t, op, "POST", users+"/"+bob+"/disable", nil), 200)
		if m["user"].(map[string]any)["isActive"] != false {
			t.Fatalf("disable: %v", m)
		}
		apitest.ExpectRPC(t, e.Call(t, "accounts.login", apitest.Form("loginID", "bob@example.com", "password", "pass-word-1")), 403041, "Account is disabled")
		decode(t, e.as(t, op, "POST", users+"/"+bob+"/enable", nil), 200)
		apitest.ExpectRPC(t, e.Call(t, "accounts.login", apitest.Form("loginID", "bob@example.com", "password", "pass-word-1")), 0, "")
		m = decode(t, e.as(t, admin.ReadOnly, "GET", users+"/"+bob, nil), 200)
		if ss, evs := m["sessions"].([]any), m["events"].([]any); m["identities"] == nil || len(ss) < 1 || len(evs) < 2 || evs[0].(map[string]any)["type"] != "login" ||
			strings.Contains(string(mustJSON(t, m)), "token") {
			t.Fatalf("user page: %v", m)
		}
		decode(t, e.as(t, op, "POST", users+"/"+bob+"/revoke-sessions", nil), 204)
		if m = decode(t, e.as(t, admin.ReadOnly, "GET", users+"/"+bob, nil), 200); len(m["sessions"].([]any)) != 0 {
			t.Fatalf("sessions after revoke-sessions: %v", m["sessions"])
		}
		if r := e.as(t, op, "GET", users+"/nobody", nil); r.Status != 404 {
			t.Fatalf("unknown user: %d %s", r.Status, r.Body)
		}

		m = decode(t, e.as(t, admin.ReadOnly, "GET", "/audit", nil), 200)
		var actions []string
		for _, x := range m["entries"].([]any) {
			en := x.(map[string]any)
			if a := en["action"].(string); en["admin"].(map[string]any)["username"] == "operator-admin" && !strings.HasPrefix(a, "session.") && !strings.HasPrefix(a, "admin.") {
				actions = append(actions, en["action"].(string))
			}
		}
		want := "user.revoke_sessions user.enable user.disable schema.set policies.set key.create site.create"
		if got := strings.Join(actions, " "); got != want {
			t.Fatalf("audit: %s, want %s", got, want)
		}
		if strings.Contains(string(e.as(t, admin.ReadOnly, "GET", "/audit", nil).Body), secret) {
			t.Fatal("the audit log shows the site secret")
		}

		// Two wrong passwords, for a known and an unknown login ID: the
		// overview's failed logins of this hour and of today.
		apitest.ExpectRPC(t, e.Call(t, "accounts.login", apitest.Form("loginID", "bob@example.com", "password", "wrong-pass-1")), 403042, "invalid loginID or password")
		apitest.ExpectRPC(t, e.Call(t, "accounts.login", apitest.Form("loginID", "nobody@example.com", "password", "wrong-pass-1")), 403042, "invalid loginID or password")
		m = decode(t, e.as(t, admin.ReadOnly, "GET", "/overview", nil), 200)
		hourly, daily := m["hourly"].(map[string]any), m["daily"].(map[string]any)
		if m["accounts"] != 2.0 || len(hourly["logins"].([]any)) != 24 || len(daily["registrations"].([]any)) != 30 {
			t.Fatalf("overview: %v", m)
		}
		for name, s := range map[string]map[string]any{"hourly": hourly, "daily": daily} {
			f := s["failures"].([]any)
			if got := f[len(f)-1]; got != 2.0 {
				t.Errorf("overview %s failures now: %v, want 2 (%v)", name, got, f)
			}
		}
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Logging in: the same answer for an unknown username and a wrong password;
// an enrolled admin needs the code, once; logout ends the session.
func TestLogin(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		wrong := func(what string, body map[string]any, code float64) {
			t.Helper()
			m := decode(t, e.call(t, "POST", "/session", body, nil, ""), 403)
			if m["errorCode"] != code {
				t.Fatalf("%s: %v, want %v", what, m, code)
			}
		}
		wrong("unknown username", map[string]any{"username": "nobody", "password": testPassword}, 403042)
		wrong("wrong password", map[string]any{"username": "owner-admin", "password": "wrong password!"}, 403042)
		wrong("no code", map[string]any{"username": "owner-admin", "password": testPassword}, 403101)
		// Logout ends the session: its cookie no longer opens anything.
		s := e.sessions[admin.ReadOnly]
		if r := e.call(t, "DELETE", "/session", nil, &s, s.csrf); r.Status != 204 || r.Cookie("custos_admin") == nil {
			t.Fatalf("logout: %d %v", r.Status, r.Header)
		}
		if r := e.call(t, "GET", "/session", nil, &s, ""); r.Status != 401 {
			t.Fatalf("after logout: %d %s", r.Status, r.Body)
		}
	})
}

// Five failures lock a username for a while, whether it exists or not,
// and the right password and a right, fresh code do not open it meanwhile.
func TestLockout(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		e.clock.Advance(30 * time.Second) // a code the enrollment did not use
		for _, user := range []string{"operator-admin", "nobody"} {
			for range 5 {
				decode(t, e.call(t, "POST", "/session", map[string]any{"username": user, "password": "wrong password!"}, nil, ""), 403)
			}
			code, err := totp.GenerateCode(e.sessions[admin.Operator].secret, e.clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			m := decode(t, e.call(t, "POST", "/session", map[string]any{"username": user, "password": testPassword, "code": code}, nil, ""), 403)
			if m["errorCode"] != 403120.0 {
				t.Fatalf("%s after 5 failures: %v", user, m)
			}
		}
		// 6 logins of newEnv, 15 back in 30 s (of a burst of 30) and 12
		// here: 18 more attempts reach the burst.
		for range 18 {
			decode(t, e.call(t, "POST", "/session", map[string]any{"username": "x", "password": "wrong password!"}, nil, ""), 403)
		}
		r := e.call(t, "POST", "/session/totp", map[string]any{"username": "x", "password": "wrong password!", "code": "1"}, nil, "")
		if m := decode(t, r, 403); m["errorCode"] != 403048.0 || r.Header.Get("Retry-After") == "" {
			t.Fatalf("past the burst: %v %v", m, r.Header)
		}
	})
}

// Bodies and paths the API refuses, each in its error format.
func TestHostileInput(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		s := e.sessions[admin.Owner]
		send := func(what, method, path, contentType, body string, status int, code float64) {
			t.Helper()
			h := map[string][]string{"Cookie": {"custos_admin=" + s.cookie}, "X-Csrf-Token": {s.csrf}}
			if contentType != "" {
				h["Content-Type"] = []string{contentType}
			}
			r := e.Do(t, method, path, strings.NewReader(body), h)
			m := decode(t, r, status)
			if m["errorCode"] != code || m["error_description"] == "" || r.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("%s: %d %v %v", what, r.Status, m, r.Header)
			}
		}
		p := "/admin/api/v1"
		j := "application/json"
		send("not JSON", "POST", p+"/sites", "text/plain", `{"name":"x"}`, 406, 406001)
		send("malformed", "POST", p+"/sites", j, `{"name":`, 400, 400001)
		send("an array", "POST", p+"/sites", j, `["x"]`, 400, 400001)
		send("an unknown field", "POST", p+"/sites", j, `{"name":"x","secret":"mine"}`, 400, 400001)
		send("a wrong type", "POST", p+"/sites", j, `{"name":1}`, 400, 400001)
		send("two values", "POST", p+"/sites", j, `{"name":"x"} {}`, 400, 400001)
		send("too deep", "POST", p+"/sites", j, `{"name":"x","domains":`+strings.Repeat("[", 200)+strings.Repeat("]", 200)+`}`, 400, 400001)
		send("too large", "POST", p+"/sites", j, `{"name":"`+strings.Repeat("x", 5<<10)+`"}`, 400, 413001)
		send("no name", "POST", p+"/sites", j, `{}`, 400, 400002)
		send("an unknown route", "GET", p+"/nothing", "", "", 404, 404000)
		send("another method", "PUT", p+"/sites", "", "", 404, 404000)
		send("the root", "GET", p, "", "", 404, 404000)
		send("not canonical", "GET", p+"/x/../sites", "", "", 404, 404000)
		send("an unknown site", "GET", p+"/sites/999", "", "", 404, 404000)
		send("a site id not a number", "GET", p+"/sites/x", "", "", 404, 404000)
		send("a bad limit", "GET", p+"/sites/"+itoa(e.Site.ID)+"/users?limit=1000", "", "", 400, 400006)
		send("a query not UTF-8", "GET", p+"/sites/"+itoa(e.Site.ID)+"/users?q=%FF", "", "", 400, 400001)
		send("a query with NUL", "GET", p+"/audit?action=%00", "", "", 400, 400001)
		send("a bad cursor", "GET", p+"/audit?cursor=x", "", "", 400, 400006)
		send("a bad status", "GET", p+"/outbox?status=x", "", "", 400, 400006)
		send("no mail to retry", "POST", p+"/outbox/1/retry", "", "", 404, 404000)
		send("the last owner", "DELETE", p+"/admins/1", "", "", 400, 400006)
	})
}

// Enrolling replaces the first password: POST /session/totp needs
// newPassword, of at least 12 characters and not the current one; each
// password-only login draws a new secret.
func TestEnrollNeedsNewPassword(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		if _, _, err := e.Admins.Create(t.Context(), admin.System, admin.NewAdmin{Username: "fresh", Role: admin.ReadOnly, Password: initialPassword}); err != nil {
			t.Fatal(err)
		}
		creds := map[string]any{"username": "fresh", "password": initialPassword}
		first := decode(t, e.call(t, "POST", "/session", creds, nil, ""), 200)["enroll"].(map[string]any)["secret"]
		secret := decode(t, e.call(t, "POST", "/session", creds, nil, ""), 200)["enroll"].(map[string]any)["secret"].(string)
		if first == secret {
			t.Fatal("two logins answered the same pending secret")
		}
		code, _ := totp.GenerateCode(secret, e.clock.Now())
		creds["code"] = code
		for _, c := range []struct {
			np   string
			want float64
		}{{"", 400002}, {"short", 400006}, {initialPassword, 400006}} {
			np, want := c.np, c.want
			if np != "" {
				creds["newPassword"] = np
			}
			if m := decode(t, e.call(t, "POST", "/session/totp", creds, nil, ""), 400); m["errorCode"] != want {
				t.Fatalf("newPassword %q: %v", np, m)
			}
		}
		creds["newPassword"] = "a brand new password"
		decode(t, e.call(t, "POST", "/session/totp", creds, nil, ""), 200)
		m := decode(t, e.as(t, admin.Owner, "GET", "/audit?action=admin.", nil), 200)
		if !strings.Contains(mustJSON(t, m), `"admin.enroll.start"`) {
			t.Fatalf("no admin.enroll.start in the audit log: %v", m)
		}
	})
}

// A TOTP code opens one session: the same code again is refused, as a
// wrong one is.
func TestTOTPReplay(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		e.clock.Advance(30 * time.Second)
		code, err := totp.GenerateCode(e.sessions[admin.Owner].secret, e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		creds := map[string]any{"username": "owner-admin", "password": testPassword, "code": code}
		decode(t, e.call(t, "POST", "/session", creds, nil, ""), 200)
		if m := decode(t, e.call(t, "POST", "/session", creds, nil, ""), 403); m["errorCode"] != 403042.0 {
			t.Fatalf("the same code again: %v", m)
		}
	})
}
