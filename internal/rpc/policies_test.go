package rpc_test

// The account policies of the RPC dialect: login identifiers, password
// aging (security.passwordChangeInterval, requirePasswordChange), changes
// made with a regToken, the age limit (registration.enforceCoppa and
// minimumAge), login-ID conflicts (accountOptions.loginIdentifierConflict),
// and what getPolicies shows and setPolicies refuses.

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/apitest"
)

const (
	pendingPasswordChange = "Pending password change: change it with accounts.setAccountInfo (regToken, password, newPassword), then log in"
	passwordOnly          = "Pending password change: this regToken changes the password only (password and newPassword)"
	loginIDConflict       = "Login identifier exists: profile.email is a login email of another account"
	unusedRegToken        = "Invalid parameter value: regToken: no registration uses it yet: call accounts.register with it"
	expiredRegToken       = "Code expired: regToken has expired"
)

func underage(years int) string {
	return fmt.Sprintf("Underage user: the site accepts users of %d years and older", years)
}

const day = 24 * time.Hour

// advance is a Before that moves the clock.
func advance(clock *apitest.Clock, d time.Duration) func(*testing.T, *apitest.App) {
	return func(*testing.T, *apitest.App) { clock.Advance(d) }
}

// loginForm is the form of accounts.login.
func loginForm(loginID, pw string) url.Values {
	return apitest.Form("loginID", loginID, "password", pw)
}

// A new site logs in by email and by username; a site narrows it to emails.
func TestPolicyLoginIdentifiers(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		run(t, e, []apitest.Scenario{
			{Name: "register by username", Path: "/accounts.register", Form: apitest.Form("username", "Newbie", "password", "pass-word-1",
				"finalizeRegistration", "true"), Code: 0, Want: map[string]any{"profile": map[string]any{"username": "Newbie"}}},
			{Name: "login by username", Path: "/accounts.login", Form: loginForm("newbie", "pass-word-1"), Code: 0},
			{Name: "narrowed to emails", Path: "/accounts.setPolicies", Form: e.Secret("accountOptions", `{"loginIdentifiers":"email"}`), Code: 0},
			{Name: "register by username, narrowed", Path: "/accounts.register", Form: apitest.Form("username", "other", "password", "pass-word-1",
				"finalizeRegistration", "true"), Code: 400009, Details: "username is not a login identifier of this site, email can't be blank",
				Fields: []apitest.FieldErr{usernameNotID, emailBlank}},
		})
		if !e.Available(t, "other") {
			t.Error("a refused registration took its username")
		}
	})
}

// security.passwordChangeInterval: a login with a password older than the
// interval is 403100 with a regToken, which changes that password (the
// current one given) and nothing else, once; then the user logs in.
func TestPolicyPasswordChangeInterval(t *testing.T) {
	t.Parallel()
	apitest.ForEachClockEngine(t, func(t *testing.T, e *apitest.App, clock *apitest.Clock) {
		uid, _ := register(t, e, "aging@example.com", "pass-word-1")
		e.SetPolicies(t, "security", `{"passwordChangeInterval":30}`)
		set := "/accounts.setAccountInfo"
		withToken := func(kv ...string) url.Values { return apitest.Form(append([]string{"regToken", "{pw}"}, kv...)...) }
		run(t, e, []apitest.Scenario{
			{Name: "29 days on", Before: advance(clock, 29*day), Path: "/accounts.login", Form: loginForm("aging@example.com", "pass-word-1"), Code: 0},
			{Name: "30 days on", Before: advance(clock, day), Path: "/accounts.login", Form: loginForm("aging@example.com", "pass-word-1"),
				Code: 403100, Details: pendingPasswordChange, Want: map[string]any{"UID": uid, "isRegistered": true},
				Absent: []string{"sessionInfo", "UIDSignature"}, Save: map[string]string{"pw": "regToken"},
				After: func(t *testing.T, r apitest.Response, m map[string]any) {
					if tok, _ := m["regToken"].(string); !strings.HasPrefix(tok, "rt1_") || len(r.Header.Values("Set-Cookie")) != 0 {
						t.Errorf("regToken %q, cookies %q", tok, r.Header.Values("Set-Cookie"))
					}
				}},
			{Name: "the wrong password is a wrong password", Path: "/accounts.login", Form: loginForm("aging@example.com", "pass-word-9"),
				Code: 403042, Details: badLogin, Absent: []string{"regToken"}},
			// The token logs no one in.
			{Name: "finalizeRegistration", Path: "/accounts.finalizeRegistration", Form: apitest.Form("regToken", "{pw}"), Code: 400006, Details: usedRegToken},
			{Name: "getAccountInfo", Path: "/accounts.getAccountInfo", Form: apitest.Form("regToken", "{pw}"), Code: 400006,
				Details: "Invalid parameter value: regToken: unknown or already used"}, // a pending registration's only
			// It changes the password only, in a client call, whatever else comes along.
			{Name: "and the profile", Path: set, Form: withToken("password", "pass-word-1", "newPassword", "pass-word-2", "profile", `{"firstName":"X"}`),
				Code: 403100, Details: passwordOnly},
			{Name: "and isActive, with the secret and UID", Path: set, Form: e.Secret("regToken", "{pw}", "UID", uid, "isActive", "false"),
				Code: 403100, Details: passwordOnly},
			{Name: "with the secret, without the current password", Path: set, Form: e.Secret("regToken", "{pw}", "newPassword", "pass-word-2"),
				Code: 400002, Details: missing("password")},
			{Name: "without the new password", Path: set, Form: withToken("password", "pass-word-1"), Code: 400002, Details: missing("newPassword")},
			{Name: "wrong current password", Path: set, Form: withToken("password", "pass-word-9", "newPassword", "pass-word-2"),
				Code: 403042, Details: "invalid password"},
			{Name: "the same password", Path: set, Form: withToken("password", "pass-word-1", "newPassword", "pass-word-1"),
				Code: 401030, Details: "password must be different from last 3 ones", Fields: []apitest.FieldErr{passwordReused}},
			{Name: "still due", Path: "/accounts.login", Form: loginForm("aging@example.com", "pass-word-1"), Code: 403100, Details: pendingPasswordChange},
			{Name: "change", Path: set, Form: withToken("password", "pass-word-1", "newPassword", "pass-word-2"), Code: 0},
			{Name: "the token is spent", Path: set, Form: withToken("password", "pass-word-2", "newPassword", "pass-word-3"), Code: 400006, Details: usedRegToken},
			{Name: "the old password", Path: "/accounts.login", Form: loginForm("aging@example.com", "pass-word-1"), Code: 403042, Details: badLogin},
			{Name: "the new password", Path: "/accounts.login", Form: loginForm("aging@example.com", "pass-word-2"), Code: 0,
				Absent: []string{"regToken"}},
			{Name: "30 days after the change", Before: advance(clock, 30*day), Path: "/accounts.login", Form: loginForm("aging@example.com", "pass-word-2"),
				Code: 403100, Details: pendingPasswordChange, Save: map[string]string{"pw": "regToken"}},
			{Name: "an expired token", Before: advance(clock, time.Hour), Path: set, Form: withToken("password", "pass-word-2", "newPassword", "pass-word-3"),
				Code: 400015, Details: expiredRegToken},
			{Name: "interval off", Path: "/accounts.setPolicies", Form: e.Secret("security", `{"passwordChangeInterval":0}`), Code: 0},
			{Name: "the aged password logs in", Path: "/accounts.login", Form: loginForm("aging@example.com", "pass-word-2"), Code: 0},
		})
	})
}

// A server's accounts.setAccountInfo(requirePasswordChange=true) makes the
// next login change the password, with the interval off; a new password
// from anyone ends it, unless it comes with the requirement (a temporary
// password).
func TestPolicyRequirePasswordChange(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		uid, token := register(t, e, "req@example.com", "pass-word-1")
		set := "/accounts.setAccountInfo"
		require := func(kv ...string) url.Values { return e.Secret(append([]string{"UID", uid}, kv...)...) }
		invalid := "Invalid parameter value: requirePasswordChange: only true is accepted"
		clientOnly := "Permission denied: requirePasswordChange is set by server calls only"
		run(t, e, []apitest.Scenario{
			{Name: "false", Path: set, Form: require("requirePasswordChange", "false"), Code: 400006, Details: invalid},
			{Name: "not a boolean", Path: set, Form: require("requirePasswordChange", "soon"), Code: 400006, Details: invalid},
			{Name: "from a client", Path: set, Form: apitest.Form("login_token", token, "requirePasswordChange", "true"), Code: 403007, Details: clientOnly},
			{Name: "false from a client", Path: set, Form: apitest.Form("login_token", token, "requirePasswordChange", "false"), Code: 403007, Details: clientOnly},
			{Name: "not yet required", Path: "/accounts.login", Form: loginForm("req@example.com", "pass-word-1"), Code: 0},
			{Name: "required", Path: set, Form: require("requirePasswordChange", "true"), Code: 0},
			{Name: "the session goes on", Path: "/accounts.getAccountInfo", Form: apitest.Form("login_token", token), Code: 0, Loose: true},
			{Name: "login", Path: "/accounts.login", Form: loginForm("req@example.com", "pass-word-1"), Code: 403100, Details: pendingPasswordChange,
				Save: map[string]string{"pw": "regToken"}},
			{Name: "changed with the token", Path: set, Form: apitest.Form("regToken", "{pw}", "password", "pass-word-1", "newPassword", "pass-word-2"), Code: 0},
			{Name: "logs in", Path: "/accounts.login", Form: loginForm("req@example.com", "pass-word-2"), Code: 0},
			// A temporary password set by the server must change at once.
			{Name: "a temporary password", Path: set, Form: require("newPassword", "temp-word-1", "requirePasswordChange", "1"), Code: 0},
			{Name: "login with it", Path: "/accounts.login", Form: loginForm("req@example.com", "temp-word-1"), Code: 403100, Details: pendingPasswordChange},
			// A password reset is a change too.
			{Name: "reset token", Path: "/accounts.resetPassword", Form: e.Secret("loginID", "req@example.com", "sendEmail", "false"), Code: 0,
				Save: map[string]string{"reset": "passwordResetToken"}},
			{Name: "reset", Path: "/accounts.resetPassword", Form: apitest.Form("passwordResetToken", "{reset}", "newPassword", "pass-word-3"), Code: 0,
				Want: map[string]any{"UID": uid}},
			{Name: "logs in after the reset", Path: "/accounts.login", Form: loginForm("req@example.com", "pass-word-3"), Code: 0},
			// And a server's new password.
			{Name: "required again", Path: set, Form: require("requirePasswordChange", "TRUE"), Code: 0},
			{Name: "a server sets a password", Path: set, Form: require("newPassword", "pass-word-4"), Code: 0},
			{Name: "logs in after it", Path: "/accounts.login", Form: loginForm("req@example.com", "pass-word-4"), Code: 0},
		})
	})
}

// accounts.setAccountInfo with the regToken of a registration not
// finalized: a client call, whatever credentials come along, under the
// client's rules; the regToken finalizes the registration afterwards. A
// password changed with it ends the account's other regTokens.
func TestPolicyRegTokenChanges(t *testing.T) {
	t.Parallel()
	apitest.ForEachClockEngine(t, func(t *testing.T, e *apitest.App, clock *apitest.Clock) {
		pending := func(email string) string {
			t.Helper()
			m := e.Call(t, "accounts.register", apitest.Form("email", email, "password", "pass-word-1", "profile", `{"firstName":"Pen"}`))
			apitest.ExpectRPC(t, m, 0, "")
			return m["regToken"].(string)
		}
		e.ClientData(t, "plan")
		e.Vars["reg"], e.Vars["other"] = pending("pend@example.com"), pending("pend-other@example.com")
		m := e.Call(t, "accounts.initRegistration", apitest.Form())
		e.Vars["init"] = m["regToken"].(string)
		set := "/accounts.setAccountInfo"
		as := func(kv ...string) url.Values { return apitest.Form(append([]string{"regToken", "{reg}"}, kv...)...) }
		run(t, e, []apitest.Scenario{
			{Name: "profile and data", Path: set, Form: as("profile", `{"lastName":"Ding"}`, "data", `{"plan":"trial"}`), Code: 0},
			{Name: "a login email, with the secret", Path: set, Form: e.Secret("regToken", "{reg}", "addLoginEmails", "pend2@example.com"),
				Code: 403007, Details: "Permission denied: addLoginEmails is set by server calls only"},
			{Name: "isActive, with the secret", Path: set, Form: e.Secret("regToken", "{reg}", "isActive", "false"),
				Code: 403007, Details: "Permission denied: isActive is set by server calls only"},
			{Name: "requirePasswordChange, with the secret", Path: set, Form: e.Secret("regToken", "{reg}", "requirePasswordChange", "true"),
				Code: 403007, Details: "Permission denied: requirePasswordChange is set by server calls only"},
			{Name: "a new password without the current one", Path: set, Form: as("newPassword", "pass-word-2"), Code: 400002, Details: missing("password")},
			{Name: "another registration's regToken", Path: set, Form: apitest.Form("regToken", "{other}", "profile", `{"lastName":"Other"}`), Code: 0},
			{Name: "a login of the pending account", Path: "/accounts.login", Form: loginForm("pend@example.com", "pass-word-1"),
				Code: 206001, Details: pendingReg, Save: map[string]string{"fromLogin": "regToken"}},
			{Name: "a new password", Path: set, Form: as("password", "pass-word-1", "newPassword", "pass-word-2"), Code: 0},
			{Name: "it ended the regToken of the login", Path: "/accounts.finalizeRegistration", Form: apitest.Form("regToken", "{fromLogin}"),
				Code: 400006, Details: usedRegToken},
			{Name: "finalize with the regToken", Path: "/accounts.finalizeRegistration", Form: apitest.Form("regToken", "{reg}"), Code: 0,
				Want: map[string]any{"isRegistered": true, "profile": map[string]any{"firstName": "Pen", "lastName": "Ding", "email": "pend@example.com"},
					"data": map[string]any{"plan": "trial"}}},
			{Name: "spent by finalizing", Path: set, Form: as("profile", `{"lastName":"Late"}`), Code: 400006, Details: usedRegToken},
			{Name: "the new password logs in", Path: "/accounts.login", Form: loginForm("pend@example.com", "pass-word-2"), Code: 0},
			{Name: "an unknown regToken", Path: set, Form: apitest.Form("regToken", "rt1_nope", "profile", `{}`), Code: 400006, Details: usedRegToken},
			{Name: "a regToken of initRegistration", Path: set, Form: apitest.Form("regToken", "{init}", "profile", `{}`), Code: 400006, Details: unusedRegToken},
			{Name: "an expired regToken", Before: advance(clock, time.Hour), Path: set, Form: apitest.Form("regToken", "{other}", "profile", `{}`),
				Code: 400015, Details: expiredRegToken},
			{Name: "neither regToken nor session", Path: set, Form: apitest.Form("profile", `{}`), Code: 403012, Details: noSession},
			// The regToken of a pending verification changes nothing.
			{Name: "verification on", Path: "/accounts.setPolicies", Form: e.Secret("accountOptions", `{"verifyEmail":true}`), Code: 0},
			{Name: "register, to verify", Path: "/accounts.register", Form: apitest.Form("email", "ver@example.com", "password", "pass-word-1",
				"finalizeRegistration", "true"), Code: 206002, Details: "Account Pending Verification: follow the link sent to ver@example.com",
				Loose: true, Save: map[string]string{"ver": "regToken"}},
			{Name: "the regToken of a pending verification", Path: set, Form: apitest.Form("regToken", "{ver}", "profile", `{"lastName":"V"}`),
				Code: 206002, Details: pendingVerifyLn},
		})
	})
}

// registration.enforceCoppa and minimumAge: a birth date that may be under
// the limit refuses a registration, a change of the birth date, a
// finalization and a login, and stores nothing. The clock is apitest.Now,
// 2026-11-22 10:30 UTC: 21 November somewhere on Earth.
func TestPolicyAgeLimit(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		kidUID, _ := registerWith(t, e, apitest.Form("email", "kid@example.com", "password", "pass-word-1", "profile", `{"birthYear":2020}`))
		m := e.Call(t, "accounts.register", apitest.Form("email", "kid2@example.com", "password", "pass-word-1", "profile", `{"birthYear":2020}`))
		apitest.ExpectRPC(t, m, 0, "")
		e.Vars["kidReg"] = m["regToken"].(string)
		run(t, e, []apitest.Scenario{
			{Name: "minimumAge under COPPA's", Path: "/accounts.setPolicies", Form: e.Secret("registration", `{"enforceCoppa":true,"minimumAge":12}`),
				Code: 400006, Details: "Invalid parameter value: registration.minimumAge: 12 contradicts registration.enforceCoppa (users of 13 and older): want 0 or 13 and more"},
			{Name: "COPPA", Path: "/accounts.setPolicies", Form: e.Secret("registration", `{"enforceCoppa":true}`), Code: 0},
		})
		for i, tc := range []struct {
			name, profile string
			ok            bool
		}{
			{"born 2014", `{"birthYear":2014}`, false},
			{"born 2013, maybe in December", `{"birthYear":2013}`, false},
			{"born December 2013", `{"birthYear":2013,"birthMonth":12}`, false},
			{"born November 2013, maybe on the 30th", `{"birthYear":2013,"birthMonth":11}`, false},
			{"13 today in UTC, not yet everywhere", `{"birthYear":2013,"birthMonth":11,"birthDay":22}`, false},
			{"13 everywhere", `{"birthYear":2013,"birthMonth":11,"birthDay":21}`, true},
			{"born 2012", `{"birthYear":2012}`, true},
			{"numeric strings", `{"birthYear":"2014","birthMonth":"1","birthDay":"1"}`, false},
			{"no birth date", `{"firstName":"Nobody"}`, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				email := fmt.Sprintf("age%d@example.com", i)
				m := e.Call(t, "accounts.register", apitest.Form("email", email, "password", "pass-word-1", "profile", tc.profile,
					"finalizeRegistration", "true"))
				if tc.ok {
					apitest.ExpectRPC(t, m, 0, "")
					return
				}
				apitest.ExpectRPC(t, m, 403044, underage(13))
				apitest.ExpectAbsent(t, m, "UID", "regToken", "sessionInfo")
				if !e.Available(t, email) {
					t.Errorf("a refused registration took %s", email)
				}
			})
		}
		adult := login(t, e, "age6@example.com", "pass-word-1") // born 2012
		set := "/accounts.setAccountInfo"
		run(t, e, []apitest.Scenario{
			{Name: "a younger birth year", Path: set, Form: apitest.Form("login_token", adult, "profile", `{"birthYear":2015,"firstName":"Young"}`),
				Code: 403044, Details: underage(13)},
			{Name: "unchanged", Path: "/accounts.getAccountInfo", Form: apitest.Form("login_token", adult), Loose: true,
				Want: map[string]any{"profile": map[string]any{"birthYear": 2012, "email": "age6@example.com"}}},
			// An account under the limit from before the policy: it logs in no more; a change
			// that leaves its birth date is made, one that sets another under the limit is not.
			{Name: "login under the limit", Path: "/accounts.login", Form: loginForm("kid@example.com", "pass-word-1"), Code: 403044,
				Details: underage(13), Absent: []string{"UID", "sessionInfo"}},
			{Name: "login under the limit, wrong password", Path: "/accounts.login", Form: loginForm("kid@example.com", "pass-word-9"),
				Code: 403042, Details: badLogin},
			{Name: "a server changes the name", Path: set, Form: e.Secret("UID", kidUID, "profile", `{"firstName":"Kid"}`), Code: 0},
			{Name: "a server sets another birth year under the limit", Path: set, Form: e.Secret("UID", kidUID, "profile", `{"birthYear":2019}`),
				Code: 403044, Details: underage(13)},
			// A pending registration under the limit is not finalized; its regToken may correct the birth year.
			{Name: "finalize under the limit", Path: "/accounts.finalizeRegistration", Form: apitest.Form("regToken", "{kidReg}"),
				Code: 403044, Details: underage(13), Absent: []string{"sessionInfo"}},
			{Name: "still pending", Path: "/accounts.login", Form: loginForm("kid2@example.com", "pass-word-1"), Code: 403044, Details: underage(13)},
			{Name: "the birth year corrected", Path: set, Form: apitest.Form("regToken", "{kidReg}", "profile", `{"birthYear":2000}`), Code: 0},
			{Name: "finalize", Path: "/accounts.finalizeRegistration", Form: apitest.Form("regToken", "{kidReg}"), Code: 0,
				Want: map[string]any{"isRegistered": true}},
			{Name: "minimumAge 18", Path: "/accounts.setPolicies", Form: e.Secret("registration", `{"enforceCoppa":true,"minimumAge":18}`), Code: 0},
			{Name: "born 2008", Path: "/accounts.register", Form: apitest.Form("email", "teen@example.com", "password", "pass-word-1",
				"profile", `{"birthYear":2008,"birthMonth":12,"birthDay":1}`), Code: 403044, Details: underage(18)},
			{Name: "minimumAge alone", Path: "/accounts.setPolicies", Form: e.Secret("registration", `{"enforceCoppa":false,"minimumAge":8}`), Code: 0},
			{Name: "born 2018", Path: "/accounts.register", Form: apitest.Form("email", "eight@example.com", "password", "pass-word-1",
				"profile", `{"birthYear":2018}`), Code: 403044, Details: underage(8)},
			{Name: "off", Path: "/accounts.setPolicies", Form: e.Secret("registration", "null"), Code: 0},
			{Name: "the kid logs in", Path: "/accounts.login", Form: loginForm("kid@example.com", "pass-word-1"), Code: 0},
		})
		if !e.Available(t, "teen@example.com") || !e.Available(t, "eight@example.com") {
			t.Error("a refused registration took its email")
		}
	})
}

// accountOptions.loginIdentifierConflict: with a fail value, a profile.email
// that is a login email of another account refuses the registration or
// the change, and nothing is stored.
func TestPolicyLoginIdentifierConflict(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		bobUID, bob := register(t, e, "bob@example.com", "pass-word-1")
		set := "/accounts.setAccountInfo"
		profile := func(email string) url.Values {
			return apitest.Form("login_token", bob, "profile", fmt.Sprintf(`{"email":%q}`, email))
		}
		registerAs := func(email, profileEmail string) url.Values {
			return apitest.Form("email", email, "password", "pass-word-1", "finalizeRegistration", "true",
				"profile", fmt.Sprintf(`{"email":%q}`, profileEmail))
		}
		policy := func(v string) url.Values {
			return e.Secret("accountOptions", fmt.Sprintf(`{"loginIdentifierConflict":%q}`, v))
		}
		run(t, e, []apitest.Scenario{
			{Name: "ignored by default", Path: set, Form: profile("ann@example.com"), Code: 0},
			{Name: "an unknown value", Path: "/accounts.setPolicies", Form: policy("merge"), Code: 400006,
				Details: "Invalid parameter value: accountOptions.loginIdentifierConflict: want ignore, failOnSiteConflictingIdentity or failOnAnyConflictingIdentity"},
			{Name: "fail on the site's", Path: "/accounts.setPolicies", Form: policy("failOnSiteConflictingIdentity"), Code: 0},
			{Name: "register with another's email", Path: "/accounts.register", Form: registerAs("carl@example.com", "ANN@example.com"),
				Code: 403043, Details: loginIDConflict, Absent: []string{"UID"}},
			{Name: "set another's email", Path: set, Form: profile("Ann@Example.com"), Code: 403043, Details: loginIDConflict},
			{Name: "a server sets another's email", Path: set, Form: e.Secret("UID", bobUID, "profile", `{"email":"ann@example.com","city":"Oslo"}`),
				Code: 403043, Details: loginIDConflict},
			{Name: "unchanged", Path: "/accounts.getAccountInfo", Form: e.Secret("UID", bobUID), Loose: true,
				Want: map[string]any{"profile": map[string]any{"email": "ann@example.com"}}},
			{Name: "set its own", Path: set, Form: profile("Bob@example.com"), Code: 0},
			{Name: "set an address nobody logs in with", Path: set, Form: profile("bob.work@example.com"), Code: 0},
			{Name: "register with its own email", Path: "/accounts.register", Form: registerAs("dora@example.com", "Dora@Example.com"), Code: 0, Loose: true},
			{Name: "a taken email is taken", Path: "/accounts.register", Form: registerAs("ann@example.com", "ann@example.com"),
				Code: 400009, Details: "email has already been taken", Fields: []apitest.FieldErr{emailTaken}},
			{Name: "fail on any", Path: "/accounts.setPolicies", Form: policy("failOnAnyConflictingIdentity"), Code: 0},
			{Name: "register with another's email again", Path: "/accounts.register", Form: registerAs("carl@example.com", "dora@example.com"),
				Code: 403043, Details: loginIDConflict},
			// A site that hides which login IDs exist tells clients of no
			// conflict (the answer would tell that the address has an
			// account); its server still hears of it.
			{Name: "hide login IDs", Path: "/accounts.setPolicies",
				Form: e.Secret("accountOptions", `{"preventLoginIDHarvesting":true,"verifyEmail":true,"allowUnverifiedLogin":true}`)},
			{Name: "a client under harvesting protection", Path: set, Form: profile("dora@example.com"), Code: 0},
			{Name: "a server under harvesting protection", Path: set, Form: e.Secret("UID", bobUID, "profile", `{"email":"dora@example.com"}`),
				Code: 403043, Details: loginIDConflict},
			{Name: "show login IDs", Path: "/accounts.setPolicies", Form: e.Secret("accountOptions", `{"preventLoginIDHarvesting":false}`)},
			{Name: "ignore", Path: "/accounts.setPolicies", Form: policy("ignore"), Code: 0},
			{Name: "register with another's email, ignored", Path: "/accounts.register", Form: registerAs("erin@example.com", "dora@example.com"),
				Code: 0, Loose: true},
		})
		if !e.Available(t, "carl@example.com") {
			t.Error("a refused registration took its email")
		}
	})
}

// A client's getPolicies shows the client sections only, whatever it asks
// and whatever the server set: never accountOptions, passwordReset or
// emailVerification.
func TestPolicyClientSections(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		_, token := register(t, e, "cli@example.com", "pass-word-1")
		e.SetPolicies(t, "accountOptions", `{"loginIdentifierConflict":"failOnSiteConflictingIdentity","preventLoginIDHarvesting":true,"verifyEmail":true}`,
			"passwordReset", `{"resetURL":"https://example.com/reset"}`, "emailVerification", `{"verificationEmailExpiration":600}`,
			"registration", `{"enforceCoppa":true,"minimumAge":16}`, "security", `{"passwordChangeInterval":90}`)
		serverOnly := []string{"accountOptions", "passwordReset", "emailVerification"}
		for name, form := range map[string]url.Values{
			"apiKey":     apitest.Form(),
			"session":    apitest.Form("login_token", token),
			"all named":  apitest.Form("sections", "registration,passwordComplexity,gigyaPlugins,security"),
			"one named":  apitest.Form("sections", "security"),
			"registered": apitest.Form("sections", "registration"),
		} {
			t.Run(name, func(t *testing.T) {
				m := e.Call(t, "accounts.getPolicies", form)
				apitest.ExpectRPC(t, m, 0, "")
				apitest.ExpectAbsent(t, m, serverOnly...)
				if s, ok := m["security"].(map[string]any); ok && s["passwordChangeInterval"] != 90.0 {
					t.Errorf("security %s", apitest.Dump(s))
				}
				if r, ok := m["registration"].(map[string]any); ok && (r["enforceCoppa"] != true || r["minimumAge"] != 16.0) {
					t.Errorf("registration %s", apitest.Dump(r))
				}
			})
		}
		for _, section := range serverOnly {
			m := e.Call(t, "accounts.getPolicies", apitest.Form("login_token", token, "sections", "registration,"+section))
			apitest.ExpectRPC(t, m, 403007, "Permission denied: section "+section+" is for server calls only")
			apitest.ExpectAbsent(t, m, append(serverOnly, "registration")...)
		}
		m := e.Call(t, "accounts.getPolicies", e.Secret())
		apitest.ExpectFields(t, apitest.Object(t, m, "accountOptions"), map[string]any{"loginIdentifierConflict": "failOnSiteConflictingIdentity"})
	})
}

// A bad policy document is refused naming the problem, and leaves every
// stored policy as it was.
func TestPolicySetPoliciesRefused(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		e.SetPolicies(t, "registration", `{"enforceCoppa":true,"minimumAge":16}`,
			"accountOptions", `{"loginIdentifierConflict":"failOnSiteConflictingIdentity","loginIdentifiers":"email"}`,
			"security", `{"passwordChangeInterval":90,"accountLockout":{"failedLoginThreshold":5}}`,
			"passwordComplexity", `{"minLength":10,"regExp":"[0-9]"}`)
		before := policySections(e.Call(t, "accounts.getPolicies", e.Secret()))
		const badRegExp = "Invalid parameter value: passwordComplexity.regExp: not a valid regular expression (RE2 syntax)"
		for _, tc := range []struct {
			name    string
			form    []string
			code    float64
			details string
		}{
			{"unknown section", []string{"twoFactorAuth", `{}`}, 400006, "Invalid parameter value: twoFactorAuth: unknown policy section"},
			{"unknown attribute", []string{"registration", `{"enforceCopa":false}`}, 400006,
				"Invalid parameter value: registration.enforceCopa: unknown policy"},
			{"unknown nested attribute", []string{"security", `{"accountLockout":{"failedLoginThreshold":3,"threshold":3}}`}, 400006,
				"Invalid parameter value: security.accountLockout.threshold: unknown policy"},
			{"wrong type", []string{"security", `{"passwordChangeInterval":"30"}`}, 400006,
				"Invalid parameter value: security.passwordChangeInterval: want int"},
			{"wrong nested type", []string{"security", `{"ipLockout":{"lockoutTimeSec":true}}`}, 400006,
				"Invalid parameter value: security.ipLockout.lockoutTimeSec: want int"},
			{"wrong type of a boolean", []string{"registration", `{"enforceCoppa":"no"}`}, 400006,
				"Invalid parameter value: registration.enforceCoppa: want bool"},
			{"a section that is no object", []string{"registration", `[]`}, 400004, "Invalid parameter format: registration: not a JSON object"},
			{"not JSON", []string{"security", `{"passwordChangeInterval":`}, 400004, "Invalid parameter format: security: not a JSON object"},
			{"interval out of bounds", []string{"security", `{"passwordChangeInterval":3651}`}, 400006,
				"Invalid parameter value: security.passwordChangeInterval: want 0 to 3650 days"},
			{"negative interval", []string{"security", `{"passwordChangeInterval":-1}`}, 400006,
				"Invalid parameter value: security.passwordChangeInterval: want 0 to 3650 days"},
			{"age out of bounds", []string{"registration", `{"minimumAge":121}`}, 400006,
				"Invalid parameter value: registration.minimumAge: want 0 to 120 years"},
			{"an age that contradicts COPPA", []string{"registration", `{"minimumAge":12}`}, 400006,
				"Invalid parameter value: registration.minimumAge: 12 contradicts registration.enforceCoppa (users of 13 and older): want 0 or 13 and more"},
			{"harvesting protection without verification or CAPTCHA", []string{"accountOptions", `{"preventLoginIDHarvesting":true}`}, 401000,
				"Invalid policy configuration: preventLoginIDHarvesting needs accountOptions.verifyEmail or registration.requireCaptcha"},
			{"unknown conflict handling", []string{"accountOptions", `{"loginIdentifierConflict":"saveProfileAndFail"}`}, 400006,
				"Invalid parameter value: accountOptions.loginIdentifierConflict: want ignore, failOnSiteConflictingIdentity or failOnAnyConflictingIdentity"},
			{"unknown login identifier", []string{"accountOptions", `{"loginIdentifiers":"email,phone"}`}, 400006,
				`Invalid parameter value: accountOptions.loginIdentifiers: want "email", "username" or "email,username"`},
			{"a regex that does not compile", []string{"passwordComplexity", `{"regExp":"[0-9"}`}, 400006, badRegExp},
			{"a regex RE2 has not", []string{"passwordComplexity", `{"regExp":"(?=.*[0-9])"}`}, 400006, badRegExp},
			{"a good section beside a bad one", []string{"accountOptions", `{"loginIdentifiers":"email,username"}`,
				"security", `{"passwordChangeInterval":4000}`}, 400006, "Invalid parameter value: security.passwordChangeInterval: want 0 to 3650 days"},
			{"a good change beside a bad one in a section", []string{"registration", `{"enforceCoppa":false,"minimumAge":200}`}, 400006,
				"Invalid parameter value: registration.minimumAge: want 0 to 120 years"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				m := e.Call(t, "accounts.setPolicies", e.Secret(tc.form...))
				apitest.ExpectRPC(t, m, tc.code, tc.details)
				after := policySections(e.Call(t, "accounts.getPolicies", e.Secret()))
				if !apitest.JSONEqual(after, before) {
					t.Errorf("policies changed:\n%s\nwere\n%s", apitest.Dump(after), apitest.Dump(before))
				}
			})
		}
	})
}
