package rpc_test

// End-to-end tests of the accounts.* methods of the RPC dialect: forms
// POSTed over HTTP to the real router, as the SDKs send them, on every
// database engine. Each test asserts the whole error: errorCode,
// statusCode, statusReason, errorMessage, errorDetails and, for 400009,
// the validationErrors entries.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/custos-id/custos/internal/apitest"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/app"
	"github.com/custos-id/custos/internal/authn"
	"github.com/custos-id/custos/internal/password"
	"github.com/custos-id/custos/internal/server"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
)

// ---------------------------------------------------------------- helpers

// Field errors that recur.
var (
	emailTaken     = apitest.Field(400003, "email", "email has already been taken")
	emailInvalid   = apitest.Field(400026, "email", "email must be a valid email")
	emailBlank     = apitest.Field(400027, "email", "email can't be blank")
	usernameTaken  = apitest.Field(400003, "username", "username has already been taken")
	usernameBad    = apitest.Field(400026, "username", "username is invalid")
	usernameNotID  = apitest.Field(400009, "username", "username is not a login identifier of this site")
	passwordShort  = apitest.Field(400009, "password", "password is too short (minimum is 8 characters)")
	passwordBlank  = apitest.Field(400027, "password", "password can't be blank")
	addEmailTaken  = apitest.Field(400003, "addLoginEmails", "addLoginEmails has already been taken")
	addEmailFormat = apitest.Field(400026, "addLoginEmails", "addLoginEmails must be a valid email")
	passwordReused = apitest.Field(401030, "password", "password must be different from last 3 ones")
)

// Error details that recur.
const (
	badLogin        = "invalid loginID or password"
	noSession       = "No valid session: log in first (the session cookie counts on POST only), or make a server call with the secret and UID"
	badToken        = "Invalid session token"
	usedRegToken    = "Invalid parameter value: regToken: unknown or already used"
	usedResetToken  = "Invalid parameter value: passwordResetToken: unknown or already used"
	disabled        = "Account is disabled"
	pendingVerifyLn = "Account Pending Verification: the email address is not verified"
	pendingReg      = "Missing required fields for registration: the registration was not finalized (call accounts.finalizeRegistration with the regToken)"
)

func missing(param string) string { return "Missing required parameter: " + param }

func noUID(uid string) string { return fmt.Sprintf("Unauthorized user: no account with UID %q", uid) }

func serverOnly(method string) string {
	return "Permission denied: " + method + " is a server call and needs the site secret"
}

// register makes a finalized account and returns its UID and session token.
func register(t *testing.T, e *apitest.App, email, pw string) (uid, token string) {
	t.Helper()
	return registerWith(t, e, apitest.Form("email", email, "password", pw))
}

// registerWith registers with form (finalized) and returns UID and token.
func registerWith(t *testing.T, e *apitest.App, form url.Values) (uid, token string) {
	t.Helper()
	form.Set("finalizeRegistration", "true")
	_, m := e.RPC(t, "accounts.register", form, nil)
	if m["errorCode"] != 0.0 {
		t.Fatalf("register: %s", apitest.Dump(m))
	}
	uid, _ = m["UID"].(string)
	token, _ = apitest.Object(t, m, "sessionInfo")["cookieValue"].(string)
	return uid, token
}

// login logs in and returns the session token.
func login(t *testing.T, e *apitest.App, loginID, pw string) string {
	t.Helper()
	_, m := e.RPC(t, "accounts.login", apitest.Form("loginID", loginID, "password", pw), nil)
	if m["errorCode"] != 0.0 {
		t.Fatalf("login %s: %s", loginID, apitest.Dump(m))
	}
	tok, _ := apitest.Object(t, m, "sessionInfo")["cookieValue"].(string)
	return tok
}

// sessionCookie returns the session cookie a response sets, or nil.
func sessionCookie(e *apitest.App, r apitest.Response) *http.Cookie {
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == "glt_"+e.Site.APIKey {
			return c
		}
	}
	return nil
}

var uidRe = regexp.MustCompile(`^[0-9a-f]{32}$`)

// expectSigned asserts the UID signature a client response carries.
func expectSigned(t *testing.T, e *apitest.App, m map[string]any, at time.Time) {
	t.Helper()
	ts, _ := m["signatureTimestamp"].(string)
	uid, _ := m["UID"].(string)
	if ts != strconv.FormatInt(at.Unix(), 10) {
		t.Errorf("signatureTimestamp %q, want %d", ts, at.Unix())
	}
	if sig := authn.UIDSignature(e.Site.Secret, ts, uid); m["UIDSignature"] != sig || sig == "" {
		t.Errorf("UIDSignature %v, want %s", m["UIDSignature"], sig)
	}
}

// run makes the calls in order, each a subtest: apitest scenarios of the
// RPC dialect, each asserting the whole error and envelope.
func run(t *testing.T, e *apitest.App, steps []apitest.Scenario) {
	t.Helper()
	apitest.Run(t, e, steps)
}

// ------------------------------------------------------------ register

func TestAccountsRegister(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		e.ClientData(t, "plan")
		t.Run("browser session", func(t *testing.T) {
			r, m := e.RPC(t, "accounts.register", apitest.Form("email", "Reg@Example.com", "password", "pass-word-1",
				"profile", `{"firstName":"Reg"}`, "data", `{"plan":"free"}`, "finalizeRegistration", "true"), nil)

			apitest.CheckEnvelope(t, r, m, apitest.Now)
			apitest.ExpectRPC(t, m, 0, "")
			uid, _ := m["UID"].(string)
			if !uidRe.MatchString(uid) {
				t.Errorf("UID %q", uid)
			}
			apitest.ExpectFields(t, m, map[string]any{
				"isActive": true, "isRegistered": true, "isVerified": false, "loginProvider": "site",
				"created": "2026-11-22T10:30:15.123Z", "createdTimestamp": apitest.Now.UnixMilli(),
				"registeredTimestamp": apitest.Now.UnixMilli(), "lastUpdatedTimestamp": apitest.Now.UnixMilli(),
				"profile": map[string]any{"firstName": "Reg", "email": "Reg@Example.com"},
			})
			apitest.ExpectAbsent(t, m, "data", "regToken", "unverifiedEmails", "lastLogin", "verified")
			expectSigned(t, e, m, apitest.Now)
			si := apitest.Object(t, m, "sessionInfo")
			token, _ := si["cookieValue"].(string)
			if si["cookieName"] != "glt_"+e.Site.APIKey || token == "" || si["expires_in"] != "86400" {
				t.Errorf("sessionInfo %s", apitest.Dump(si))
			}
			apitest.ExpectAbsent(t, si, "sessionToken", "sessionSecret")
			ck := sessionCookie(e, r)
			if ck == nil || ck.Value != token || !ck.HttpOnly || ck.Path != "/" || ck.SameSite != http.SameSiteStrictMode ||
				!ck.Secure || !ck.Expires.IsZero() {
				t.Errorf("Set-Cookie %q", r.Header.Values("Set-Cookie"))
			}
			// The session is the new account's, and data was stored.
			m = e.Call(t, "accounts.getAccountInfo", apitest.Form("login_token", token))
			apitest.ExpectRPC(t, m, 0, "")
			apitest.ExpectFields(t, m, map[string]any{"UID": uid, "data": map[string]any{"plan": "free"}})
			if e.Available(t, "reg@example.com") {
				t.Error("the registered email is available")
			}
		})

		t.Run("mobile session", func(t *testing.T) {
			r, m := e.RPC(t, "accounts.register", apitest.Form("email", "mobile@example.com", "password", "pass-word-1",
				"targetEnv", "mobile", "finalizeRegistration", "true"), nil)

			apitest.ExpectRPC(t, m, 0, "")
			si := apitest.Object(t, m, "sessionInfo")
			token, _ := si["sessionToken"].(string)
			secret, _ := si["sessionSecret"].(string)
			if b, err := base64.StdEncoding.DecodeString(secret); err != nil || len(b) != 32 || token == "" || si["expires_in"] == nil {
				t.Errorf("sessionInfo %s", apitest.Dump(si))
			}
			apitest.ExpectAbsent(t, si, "cookieName", "cookieValue")
			if len(r.Header.Values("Set-Cookie")) != 0 {
				t.Errorf("a mobile session sets a cookie: %q", r.Header.Values("Set-Cookie"))
			}
			if c := e.SessionCode(t, token); c != 0 {
				t.Errorf("getAccountInfo with the mobile token: %v", c)
			}
		})
	})
}

// A registration that fails takes no email and sets no cookie. The site
// logs in by email only: a username is refused, and an email is needed.
func TestAccountsRegisterRefused(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		e.SetPolicies(t, "accountOptions", `{"loginIdentifiers":"email"}`)
		register(t, e, "Reg@Example.com", "pass-word-1")

		// Every failure leaves the email free and sets no cookie.
		const badExpiration = "Invalid parameter value: sessionExpiration: want 0 to 315360000 seconds, or -2"
		for i, tc := range []struct {
			name    string
			form    url.Values // email is set unless the case sets it
			code    float64
			details string
			fields  []apitest.FieldErr
		}{
			{"taken email", apitest.Form("email", "reg@example.com", "password", "pass-word-1"), 400009,
				"email has already been taken", []apitest.FieldErr{emailTaken}},
			{"taken email in another case", apitest.Form("email", "REG@example.COM", "password", "pass-word-1"), 400009,
				"email has already been taken", []apitest.FieldErr{emailTaken}},
			{"taken email of the seeded account", apitest.Form("email", "ann@EXAMPLE.com", "password", "pass-word-1"), 400009,
				"email has already been taken", []apitest.FieldErr{emailTaken}},
			{"invalid email", apitest.Form("email", "not-an-email", "password", "pass-word-1"), 400009,
				"email must be a valid email", []apitest.FieldErr{emailInvalid}},
			{"email without a dot in the domain", apitest.Form("email", "a@localhost", "password", "pass-word-1"), 400009,
				"email must be a valid email", []apitest.FieldErr{emailInvalid}},
			{"email with a display name", apitest.Form("email", "Al <al@example.com>", "password", "pass-word-1"), 400009,
				"email must be a valid email", []apitest.FieldErr{emailInvalid}},
			{"password too short", apitest.Form("password", "short"), 400009,
				"password is too short (minimum is 8 characters)", []apitest.FieldErr{passwordShort}},
			{"missing password", apitest.Form(), 400009, "password can't be blank", []apitest.FieldErr{passwordBlank}},
			{"missing email", apitest.Form("email", "", "password", "pass-word-1"), 400009, "email can't be blank", []apitest.FieldErr{emailBlank}},
			{"username not allowed by the policy", apitest.Form("username", "someone", "password", "pass-word-1"), 400009,
				"username is not a login identifier of this site", []apitest.FieldErr{usernameNotID}},
			{"every problem at once", apitest.Form("email", "nope", "password", "short"), 400009,
				"email must be a valid email, password is too short (minimum is 8 characters)", []apitest.FieldErr{emailInvalid, passwordShort}},
			{"malformed profile", apitest.Form("password", "pass-word-1", "profile", `{"firstName":`), 400004,
				"Invalid parameter format: profile: not a JSON object", nil},
			{"data not an object", apitest.Form("password", "pass-word-1", "data", `[1]`), 400004,
				"Invalid parameter format: data: not a JSON object", nil},
			{"sessionExpiration -1", apitest.Form("password", "pass-word-1", "sessionExpiration", "-1"), 400006, badExpiration, nil},
			{"sessionExpiration not a number", apitest.Form("password", "pass-word-1", "sessionExpiration", "1h"), 400004,
				"Invalid parameter format: sessionExpiration: not an integer", nil},
			{"targetEnv tv", apitest.Form("password", "pass-word-1", "targetEnv", "tv"), 400006,
				"Invalid parameter value: targetEnv: want browser or mobile", nil},
			{"finalizeRegistration not a boolean", apitest.Form("password", "pass-word-1", "finalizeRegistration", "yes please"), 400006,
				"Invalid parameter value: finalizeRegistration: want true or false", nil},
			{"unknown include", apitest.Form("password", "pass-word-1", "include", "profile,bogus"), 400006,
				`Invalid parameter value: include: unknown value "bogus"`, nil},
			{"unknown regToken", apitest.Form("password", "pass-word-1", "regToken", "rt1_nope"), 400006, usedRegToken, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				email := fmt.Sprintf("fail%d@example.com", i)
				form := tc.form
				if !form.Has("email") {
					form.Set("email", email)
				}
				if !form.Has("finalizeRegistration") {
					form.Set("finalizeRegistration", "true")
				}
				r, m := e.RPC(t, "accounts.register", form, nil)
				apitest.CheckEnvelope(t, r, m, apitest.Now)
				apitest.ExpectRPC(t, m, tc.code, tc.details, tc.fields...)
				apitest.ExpectAbsent(t, m, "UID", "sessionInfo", "regToken")
				if len(r.Header.Values("Set-Cookie")) != 0 {
					t.Errorf("failed registration sets a cookie: %q", r.Header.Values("Set-Cookie"))
				}
				if !e.Available(t, email) {
					t.Errorf("a failed registration took %s", email)
				}
			})
		}

	})
}

// regTokens: of initRegistration, spent by the first registration that
// succeeds; of another registration, refused.
func TestAccountsRegTokens(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		register(t, e, "Reg@Example.com", "pass-word-1")

		t.Run("regToken of initRegistration", func(t *testing.T) {
			m := e.Call(t, "accounts.initRegistration", apitest.Form())
			apitest.ExpectRPC(t, m, 0, "")
			reg, _ := m["regToken"].(string)
			if !strings.HasPrefix(reg, "rt1_") {
				t.Fatalf("regToken %q", reg)
			}
			run(t, e, []apitest.Scenario{
				// A registration that fails does not spend the token.
				{Name: "taken email", Path: "/accounts.register", Form: apitest.Form("regToken", reg, "email", "reg@example.com",
					"password", "pass-word-1", "finalizeRegistration", "true"),
					Code: 400009, Details: "email has already been taken", Fields: []apitest.FieldErr{emailTaken}},
				{Name: "finalize before register", Path: "/accounts.finalizeRegistration", Form: apitest.Form("regToken", reg), Code: 400006,
					Details: "Invalid parameter value: regToken: no registration uses it yet: call accounts.register with it"},
				{Name: "first use", Path: "/accounts.register", Form: apitest.Form("regToken", reg, "email", "init1@example.com",
					"password", "pass-word-1", "finalizeRegistration", "true"), Code: 0, Absent: []string{"regToken"}},
				{Name: "second use", Path: "/accounts.register", Form: apitest.Form("regToken", reg, "email", "init2@example.com",
					"password", "pass-word-1", "finalizeRegistration", "true"), Code: 400006, Details: usedRegToken},
			})
			if !e.Available(t, "init2@example.com") {
				t.Error("a registration with a spent regToken took its email")
			}
		})

		t.Run("regToken of another registration", func(t *testing.T) {
			m := e.Call(t, "accounts.register", apitest.Form("email", "other-pending@example.com", "password", "pass-word-1"))
			apitest.ExpectRPC(t, m, 0, "")
			m = e.Call(t, "accounts.register", apitest.Form("regToken", m["regToken"].(string), "email", "thief@example.com",
				"password", "pass-word-1", "finalizeRegistration", "true"))

			apitest.ExpectRPC(t, m, 400006, "Invalid parameter value: regToken: belongs to another registration")
			if !e.Available(t, "thief@example.com") {
				t.Error("thief@example.com taken")
			}
		})
	})
}

// Usernames, where the policy makes them login identifiers.
func TestAccountsUsernames(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		e.SetPolicies(t, "accountOptions", `{"loginIdentifiers":"email,username"}`)
		r, m := e.RPC(t, "accounts.register", apitest.Form("username", "Uma", "password", "pass-word-1", "finalizeRegistration", "true"), nil)
		apitest.ExpectRPC(t, m, 0, "")
		uid, _ := m["UID"].(string)
		apitest.ExpectFields(t, m, map[string]any{"profile": map[string]any{"username": "Uma"}})
		if sessionCookie(e, r) == nil {
			t.Error("no session cookie")
		}
		run(t, e, []apitest.Scenario{
			{Name: "login by username, any case", Path: "/accounts.login", Form: apitest.Form("loginID", "uMA", "password", "pass-word-1"),
				Code: 0, Want: map[string]any{"UID": uid}},
			{Name: "login by username, wrong password", Path: "/accounts.login", Form: apitest.Form("loginID", "uma", "password", "pass-word-2"),
				Code: 403042, Details: badLogin},
			{Name: "taken username", Path: "/accounts.register", Form: apitest.Form("username", "UMA", "password", "pass-word-1",
				"finalizeRegistration", "true"), Code: 400009, Details: "username has already been taken", Fields: []apitest.FieldErr{usernameTaken}},
			// The email is free but the username taken: nothing is written.
			{Name: "free email, taken username", Path: "/accounts.register", Form: apitest.Form("email", "uma2@example.com", "username", "ann",
				"password", "pass-word-1", "finalizeRegistration", "true"), Code: 400009, Details: "username has already been taken",
				Fields: []apitest.FieldErr{usernameTaken}},
			{Name: "taken email and username", Path: "/accounts.register", Form: apitest.Form("email", "ann@example.com", "username", "uma",
				"password", "pass-word-1"), Code: 400009, Details: "email has already been taken, username has already been taken",
				Fields: []apitest.FieldErr{emailTaken, usernameTaken}},
			{Name: "username with a space", Path: "/accounts.register", Form: apitest.Form("username", "bad name", "password", "pass-word-1"),
				Code: 400009, Details: "username is invalid", Fields: []apitest.FieldErr{usernameBad}},
			{Name: "no login ID", Path: "/accounts.register", Form: apitest.Form("password", "pass-word-1"),
				Code: 400009, Details: "username can't be blank", Fields: []apitest.FieldErr{apitest.Field(400027, "username", "username can't be blank")}},
			{Name: "email and username", Path: "/accounts.register", Form: apitest.Form("email", "both@example.com", "username", "both",
				"password", "pass-word-1", "finalizeRegistration", "true"), Code: 0,
				Want: map[string]any{"profile": map[string]any{"email": "both@example.com", "username": "both"}}},
			{Name: "login by the email of that account", Path: "/accounts.login", Form: apitest.Form("loginID", "both@example.com", "password", "pass-word-1"),
				Code: 0},
		})
		if !e.Available(t, "uma2@example.com") {
			t.Error("the email of a registration whose username was taken is not available")
		}
		if e.Available(t, "UMA") {
			t.Error("the username is available")
		}
	})
}

// ----------------------------------------------- pending registration

func TestAccountsPendingRegistration(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		r, m := e.RPC(t, "accounts.register", apitest.Form("email", "pend@example.com", "password", "pass-word-1",
			"profile", `{"firstName":"Pen"}`), nil)

		apitest.ExpectRPC(t, m, 0, "")
		apitest.ExpectFields(t, m, map[string]any{"isRegistered": false, "isActive": true})
		apitest.ExpectAbsent(t, m, "sessionInfo", "registered", "registeredTimestamp")
		if sessionCookie(e, r) != nil {
			t.Error("a pending registration sets the session cookie")
		}
		uid, _ := m["UID"].(string)
		regToken, _ := m["regToken"].(string)
		if !strings.HasPrefix(regToken, "rt1_") {
			t.Fatalf("regToken %q", regToken)
		}
		loginRegToken := ""
		run(t, e, []apitest.Scenario{
			{Name: "login", Path: "/accounts.login", Form: apitest.Form("loginID", "pend@example.com", "password", "pass-word-1"),
				Code: 206001, Details: pendingReg, Want: map[string]any{"UID": uid, "isRegistered": false}, Absent: []string{"sessionInfo"},
				After: func(t *testing.T, _ apitest.Response, m map[string]any) {
					loginRegToken, _ = m["regToken"].(string)
					if !strings.HasPrefix(loginRegToken, "rt1_") || !strings.Contains(m["errorDetails"].(string), "finalizeRegistration") {
						t.Errorf("regToken %q, errorDetails %q", loginRegToken, m["errorDetails"])
					}
				}},
			{Name: "login, wrong password", Path: "/accounts.login", Form: apitest.Form("loginID", "pend@example.com", "password", "pass-word-2"),
				Code: 403042, Details: badLogin, Absent: []string{"regToken", "UID"}},
			{Name: "verifyLogin", Path: "/accounts.verifyLogin", Form: e.Secret("UID", uid), Code: 206001,
				Details: "Missing required fields for registration: the registration was not finalized", Want: map[string]any{"UID": uid}},
			{Name: "finalize without regToken", Path: "/accounts.finalizeRegistration", Form: apitest.Form(), Code: 400002, Details: missing("regToken")},
			{Name: "finalize with blank regToken", Path: "/accounts.finalizeRegistration", Form: apitest.Form("regToken", " "), Code: 400002,
				Details: missing("regToken")},
			{Name: "finalize with an unknown regToken", Path: "/accounts.finalizeRegistration", Form: apitest.Form("regToken", "rt1_nope"),
				Code: 400006, Details: usedRegToken},
			{Name: "finalize with a bad targetEnv", Path: "/accounts.finalizeRegistration", Form: apitest.Form("regToken", regToken, "targetEnv", "tv"),
				Code: 400006, Details: "Invalid parameter value: targetEnv: want browser or mobile"},
			{Name: "finalize", Path: "/accounts.finalizeRegistration", Form: apitest.Form("regToken", regToken), Code: 0,
				Want: map[string]any{"UID": uid, "isRegistered": true, "registeredTimestamp": apitest.Now.UnixMilli(),
					"profile": map[string]any{"firstName": "Pen", "email": "pend@example.com"}, "data": map[string]any{}},
				After: func(t *testing.T, _ apitest.Response, m map[string]any) {
					expectSigned(t, e, m, apitest.Now)
					if tok, _ := apitest.Object(t, m, "sessionInfo")["cookieValue"].(string); e.SessionCode(t, tok) != 0 {
						t.Error("the session of finalizeRegistration does not work")
					}
				}},
			{Name: "finalize again", Path: "/accounts.finalizeRegistration", Form: apitest.Form("regToken", regToken), Code: 400006, Details: usedRegToken},
			{Name: "login after", Path: "/accounts.login", Form: apitest.Form("loginID", "pend@example.com", "password", "pass-word-1"),
				Code: 0, Want: map[string]any{"isRegistered": true}, Absent: []string{"regToken"}},
			{Name: "verifyLogin after", Path: "/accounts.verifyLogin", Form: e.Secret("UID", uid), Code: 0},
		})
	})
}

// A regToken is a login in waiting, got with the password: a password
// reset, which ends every session, must end it too.
func TestAccountsRegTokenAfterReset(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		t.Run("regToken after a password reset", func(t *testing.T) {
			m := e.Call(t, "accounts.register", apitest.Form("email", "pend3@example.com", "password", "pass-word-1"))
			apitest.ExpectRPC(t, m, 0, "")
			m = e.Call(t, "accounts.login", apitest.Form("loginID", "pend3@example.com", "password", "pass-word-1"))
			apitest.ExpectRPC(t, m, 206001, pendingReg)
			fromLogin := m["regToken"].(string)
			m = e.Call(t, "accounts.resetPassword", e.Secret("loginID", "pend3@example.com", "sendEmail", "false"))
			apitest.ExpectRPC(t, m, 0, "")
			m = e.Call(t, "accounts.resetPassword", apitest.Form("passwordResetToken", m["passwordResetToken"].(string), "newPassword", "pass-word-2"))
			apitest.ExpectRPC(t, m, 0, "")
			m = e.Call(t, "accounts.finalizeRegistration", apitest.Form("regToken", fromLogin))
			apitest.ExpectRPC(t, m, 400006, usedRegToken)
			apitest.ExpectAbsent(t, m, "sessionInfo")
		})
	})
}

// A deactivated account must not get a session by finalizing: login
// refuses it, and the docs say isActive=false stops logins.
func TestAccountsFinalizeDeactivated(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		t.Run("deactivated before finalizing", func(t *testing.T) {
			m := e.Call(t, "accounts.register", apitest.Form("email", "pend2@example.com", "password", "pass-word-1"))
			apitest.ExpectRPC(t, m, 0, "")
			uid, reg := m["UID"].(string), m["regToken"].(string)
			apitest.ExpectRPC(t, e.Call(t, "accounts.setAccountInfo", e.Secret("UID", uid, "isActive", "false")), 0, "")
			apitest.ExpectRPC(t, e.Call(t, "accounts.login", apitest.Form("loginID", "pend2@example.com", "password", "pass-word-1")), 403041, disabled)
			m = e.Call(t, "accounts.finalizeRegistration", apitest.Form("regToken", reg))
			apitest.ExpectRPC(t, m, 403041, disabled)
			apitest.ExpectAbsent(t, m, "sessionInfo")
		})
	})
}

// ------------------------------------------------- email verification

func TestAccountsEmailVerification(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		e.SetPolicies(t, "accountOptions", `{"verifyEmail":true}`)
		const email = "Ver@Example.com"
		r, m := e.RPC(t, "accounts.register", apitest.Form("email", email, "password", "pass-word-1", "finalizeRegistration", "true"), nil)
		apitest.CheckEnvelope(t, r, m, apitest.Now)
		apitest.ExpectRPC(t, m, 206002, "Account Pending Verification: follow the link sent to "+email)
		apitest.ExpectFields(t, m, map[string]any{"unverifiedEmails": []string{email}, "isRegistered": true, "isVerified": false})
		apitest.ExpectAbsent(t, m, "sessionInfo")
		if sessionCookie(e, r) != nil {
			t.Error("a registration pending verification sets the session cookie")
		}
		uid, _ := m["UID"].(string)
		regToken, _ := m["regToken"].(string)
		if !strings.HasPrefix(regToken, "rt1_") {
			t.Fatalf("regToken %q", regToken)
		}
		initToken := e.Call(t, "accounts.initRegistration", apitest.Form())["regToken"].(string)
		run(t, e, []apitest.Scenario{
			{Name: "login", Path: "/accounts.login", Form: apitest.Form("loginID", email, "password", "pass-word-1"),
				Code: 206002, Details: pendingVerifyLn, Want: map[string]any{"UID": uid, "unverifiedEmails": []string{email}},
				Absent: []string{"sessionInfo"}, After: func(t *testing.T, _ apitest.Response, m map[string]any) {
					if tok, _ := m["regToken"].(string); !strings.HasPrefix(tok, "rt1_") {
						t.Errorf("regToken %q", tok)
					}
				}},
			{Name: "finalizeRegistration", Path: "/accounts.finalizeRegistration", Form: apitest.Form("regToken", regToken),
				Code: 206002, Details: "Account Pending Verification: follow the link sent to " + email,
				Want: map[string]any{"regToken": regToken}, Absent: []string{"sessionInfo"}},
			{Name: "verifyLogin", Path: "/accounts.verifyLogin", Form: e.Secret("UID", uid),
				Code: 206002, Details: pendingVerifyLn, Want: map[string]any{"UID": uid}},
			{Name: "loginIDs", Path: "/accounts.getAccountInfo", Form: e.Secret("UID", uid, "include", "loginIDs,emails"), Code: 0,
				Want: map[string]any{"loginIDs": map[string]any{"emails": []string{}, "unverifiedEmails": []string{email}},
					"emails": map[string]any{"verified": []string{}, "unverified": []string{email}}}},
			{Name: "resend", Path: "/accounts.resendVerificationCode", Form: apitest.Form("regToken", regToken), Code: 0},
			{Name: "resend without regToken", Path: "/accounts.resendVerificationCode", Form: apitest.Form(), Code: 400002, Details: missing("regToken")},
			{Name: "resend with an unknown regToken", Path: "/accounts.resendVerificationCode", Form: apitest.Form("regToken", "rt1_nope"),
				Code: 400006, Details: usedRegToken},
			{Name: "resend with the regToken of initRegistration", Path: "/accounts.resendVerificationCode", Form: apitest.Form("regToken", initToken),
				Code: 400006, Details: "Invalid parameter value: regToken: no registration uses it yet"},
			{Name: "resend by UID", Path: "/accounts.resendVerificationCode", Form: e.Secret("UID", uid), Code: 0},
			{Name: "resend by unknown UID", Path: "/accounts.resendVerificationCode", Form: e.Secret("UID", strings.Repeat("0", 32)),
				Code: 403005, Details: noUID(strings.Repeat("0", 32))},
			{Name: "resend for a verified email", Path: "/accounts.resendVerificationCode",
				Form: e.Secret("UID", "0123456789abcdef0123456789abcdef"), Code: 403200,
				Details: "Redundant operation: the email address is verified already"},
			{Name: "register without email", Path: "/accounts.register", Form: apitest.Form("password", "pass-word-1", "finalizeRegistration", "true"),
				Code: 400009, Details: "email can't be blank", Fields: []apitest.FieldErr{emailBlank}},
		})

		t.Run("allowUnverifiedLogin", func(t *testing.T) {
			e.SetPolicies(t, "accountOptions", `{"allowUnverifiedLogin":true}`)
			m := e.Call(t, "accounts.login", apitest.Form("loginID", email, "password", "pass-word-1"))
			apitest.ExpectRPC(t, m, 0, "")
			apitest.ExpectFields(t, m, map[string]any{"isVerified": false})
			apitest.ExpectAbsent(t, m, "regToken", "unverifiedEmails")
			apitest.Object(t, m, "sessionInfo")
			// A new registration logs in at once; the mail still goes.
			m = e.Call(t, "accounts.register", apitest.Form("email", "ver2@example.com", "password", "pass-word-1", "finalizeRegistration", "true"))
			apitest.ExpectRPC(t, m, 0, "")
			apitest.Object(t, m, "sessionInfo")
		})
	})
}

// A verified account adds a second email: while it is not verified it must
// not log in where the site requires verification. The docs say
// loginIDs.unverifiedEmails are "waiting for verification", and 206002 is
// the catalog's answer to a login with a loginID "whose connection to the
// user has not been verified".
func TestAccountsUnverifiedLoginEmail(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		e.SetPolicies(t, "accountOptions", `{"verifyEmail":true}`)
		uid := verifiedAccount(t, e, "Vera@Example.com", "pass-word-1")
		login(t, e, "vera@example.com", "pass-word-1")
		apitest.ExpectRPC(t, e.Call(t, "accounts.setAccountInfo", e.Secret("UID", uid, "addLoginEmails", "vera.alt@example.com")), 0, "")
		m := e.Call(t, "accounts.getAccountInfo", e.Secret("UID", uid, "include", "loginIDs"))
		apitest.ExpectFields(t, m, map[string]any{"loginIDs": map[string]any{"emails": []string{"Vera@Example.com"},
			"unverifiedEmails": []string{"vera.alt@example.com"}}})
		m = e.Call(t, "accounts.login", apitest.Form("loginID", "vera.alt@example.com", "password", "pass-word-1"))
		apitest.ExpectRPC(t, m, 206002, pendingVerifyLn)
		apitest.ExpectAbsent(t, m, "sessionInfo")
	})
}

// verifiedAccount stores an account whose email is verified, with a
// password, straight in the database (as newEnv does ann): the link of the
// verification mail is another test's business.
func verifiedAccount(t *testing.T, e *apitest.App, email, pw string) string {
	t.Helper()
	h, err := password.NewHasher(apitest.CheapHashing, 1)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := h.Hash(context.Background(), pw)
	if err != nil {
		t.Fatal(err)
	}
	const uid = "feedfacefeedfacefeedfacefeedface"
	a := &account.Account{SiteID: e.Site.ID, UID: uid, Email: email, PasswordHash: hash, Active: true, Registered: true,
		EmailVerified: true, Profile: map[string]any{"email": email}, CreatedAt: apitest.Now, UpdatedAt: apitest.Now, RegisteredAt: apitest.Now, VerifiedAt: apitest.Now}
	if err := e.DB.CreateAccount(context.Background(), a, []account.StoredLoginID{{LoginID: account.LoginID{Kind: account.Email,
		Value: strings.ToLower(email)}, Display: email, VerifiedAt: apitest.Now}}); err != nil {
		t.Fatal(err)
	}
	return uid
}

// ---------------------------------------------------------------- login

func TestAccountsLogin(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		uid, _ := register(t, e, "Log@Example.com", "pass-word-1")
		var wrongPassword, unknownID map[string]any
		run(t, e, []apitest.Scenario{
			{Name: "success", Path: "/accounts.login", Form: apitest.Form("loginID", "log@example.com", "password", "pass-word-1"), Code: 0,
				Want: map[string]any{"UID": uid, "lastLoginTimestamp": apitest.Now.UnixMilli(), "lastLogin": "2026-11-22T10:30:15.123Z",
					"profile": map[string]any{"email": "Log@Example.com"}},
				Absent: []string{"data", "regToken", "id_token"},
				After: func(t *testing.T, _ apitest.Response, m map[string]any) {
					expectSigned(t, e, m, apitest.Now)
					if si := apitest.Object(t, m, "sessionInfo"); si["cookieName"] != "glt_"+e.Site.APIKey || si["cookieValue"] == "" {
						t.Errorf("sessionInfo %s", apitest.Dump(si))
					}
				}},
			{Name: "email in another case, spaces around", Path: "/accounts.login",
				Form: apitest.Form("loginID", "  LOG@example.COM ", "password", "pass-word-1"), Code: 0, Want: map[string]any{"UID": uid}},
			{Name: "wrong password", Path: "/accounts.login", Form: apitest.Form("loginID", "log@example.com", "password", "pass-word-2"),
				Code: 403042, Details: badLogin, Absent: []string{"UID", "sessionInfo", "regToken"},
				After: func(t *testing.T, _ apitest.Response, m map[string]any) { wrongPassword = m }},
			{Name: "unknown loginID", Path: "/accounts.login", Form: apitest.Form("loginID", "nobody@example.com", "password", "pass-word-1"),
				Code: 403042, Details: badLogin, Absent: []string{"UID", "sessionInfo", "regToken"},
				After: func(t *testing.T, _ apitest.Response, m map[string]any) { unknownID = m }},
			{Name: "account without a password", Path: "/accounts.login", Form: apitest.Form("loginID", "ann", "password", "pass-word-1"),
				Code: 403042, Details: badLogin},
			{Name: "missing loginID", Path: "/accounts.login", Form: apitest.Form("password", "pass-word-1"), Code: 400002, Details: missing("loginID")},
			{Name: "blank loginID", Path: "/accounts.login", Form: apitest.Form("loginID", "  ", "password", "pass-word-1"), Code: 400002,
				Details: missing("loginID")},
			{Name: "missing password", Path: "/accounts.login", Form: apitest.Form("loginID", "log@example.com"), Code: 400002,
				Details: missing("password")},
			{Name: "control character in loginID", Path: "/accounts.login", Form: apitest.Form("loginID", "log\x01@example.com", "password", "x"),
				Code: 400004, Details: "Invalid parameter format: loginID: contains invalid characters"},
			{Name: "loginID too long", Path: "/accounts.login", Form: apitest.Form("loginID", strings.Repeat("a", 255), "password", "x"),
				Code: 400006, Details: "Invalid parameter value: loginID: longer than 254 bytes"},
			{Name: "sessionExpiration out of bounds", Path: "/accounts.login",
				Form: apitest.Form("loginID", "log@example.com", "password", "pass-word-1", "sessionExpiration", "-5"), Code: 400006,
				Details: "Invalid parameter value: sessionExpiration: want 0 to 315360000 seconds, or -2"},
			{Name: "targetEnv tv", Path: "/accounts.login", Form: apitest.Form("loginID", "log@example.com", "password", "pass-word-1", "targetEnv", "tv"),
				Code: 400006, Details: "Invalid parameter value: targetEnv: want browser or mobile"},
			{Name: "unknown include", Path: "/accounts.login", Form: apitest.Form("loginID", "log@example.com", "password", "pass-word-1", "include", "x"),
				Code: 400006, Details: `Invalid parameter value: include: unknown value "x"`},
			{Name: "include data and id_token", Path: "/accounts.login",
				Form: apitest.Form("loginID", "log@example.com", "password", "pass-word-1", "include", "data,id_token"), Code: 0,
				Want: map[string]any{"data": map[string]any{}}, Absent: []string{"profile"},
				After: func(t *testing.T, _ apitest.Response, m map[string]any) {
					claims := verifyJWT(t, e, m["id_token"])
					if claims["sub"] != uid || claims["exp"].(float64)-claims["iat"].(float64) != 300 {
						t.Errorf("claims %s", apitest.Dump(claims))
					}
				}},
		})
		t.Run("same answer for a wrong password and an unknown loginID", func(t *testing.T) {
			for _, k := range []string{"errorCode", "errorMessage", "errorDetails", "statusCode", "statusReason"} {
				if wrongPassword[k] != unknownID[k] {
					t.Errorf("%s: %v vs %v", k, wrongPassword[k], unknownID[k])
				}
			}
			if len(wrongPassword) != len(unknownID) {
				t.Errorf("the bodies differ:\n%s\n%s", apitest.Dump(wrongPassword), apitest.Dump(unknownID))
			}
		})
	})
}

// A deactivated account cannot log in; its open sessions stay, and
// verifyLogin tells; reactivated, it logs in again.
func TestAccountsDeactivated(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		uid, _ := register(t, e, "Log@Example.com", "pass-word-1")
		t.Run("deactivated account", func(t *testing.T) {
			token := login(t, e, "log@example.com", "pass-word-1")
			run(t, e, []apitest.Scenario{
				{Name: "isActive not a boolean", Path: "/accounts.setAccountInfo", Form: e.Secret("UID", uid, "isActive", "no way"),
					Code: 400006, Details: "Invalid parameter value: isActive: want true or false"},
				{Name: "deactivate", Path: "/accounts.setAccountInfo", Form: e.Secret("UID", uid, "isActive", "false"), Code: 0},
				{Name: "right password", Path: "/accounts.login", Form: apitest.Form("loginID", "log@example.com", "password", "pass-word-1"),
					Code: 403041, Details: disabled, Absent: []string{"UID", "sessionInfo"}},
				{Name: "wrong password", Path: "/accounts.login", Form: apitest.Form("loginID", "log@example.com", "password", "pass-word-2"),
					Code: 403042, Details: badLogin},
				{Name: "server view", Path: "/accounts.getAccountInfo", Form: e.Secret("UID", uid), Code: 0,
					Want: map[string]any{"isActive": false}},
				// Open sessions stay (docs/rpc.md); verifyLogin tells.
				{Name: "verifyLogin of an open session", Path: "/accounts.verifyLogin", Form: apitest.Form("login_token", token),
					Code: 403041, Details: disabled, Want: map[string]any{"UID": uid}},
				{Name: "verifyLogin by UID", Path: "/accounts.verifyLogin", Form: e.Secret("UID", uid),
					Code: 403041, Details: disabled, Want: map[string]any{"UID": uid}},
				{Name: "reactivate", Path: "/accounts.setAccountInfo", Form: e.Secret("UID", uid, "isActive", "TRUE"), Code: 0},
				{Name: "login again", Path: "/accounts.login", Form: apitest.Form("loginID", "log@example.com", "password", "pass-word-1"), Code: 0},
				{Name: "verifyLogin again", Path: "/accounts.verifyLogin", Form: apitest.Form("login_token", token), Code: 0,
					Want: map[string]any{"UID": uid}, After: func(t *testing.T, _ apitest.Response, m map[string]any) { expectSigned(t, e, m, apitest.Now) }},
			})
		})
	})
}

// -------------------------------------------------------------- sessions

func TestAccountsSessions(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		uid, token := register(t, e, "ses@example.com", "pass-word-1")
		cookie := http.Header{"Cookie": {"glt_" + e.Site.APIKey + "=" + token}}

		t.Run("by login_token", func(t *testing.T) {
			m := e.Call(t, "accounts.getAccountInfo", apitest.Form("login_token", token))
			apitest.ExpectRPC(t, m, 0, "")
			apitest.ExpectFields(t, m, map[string]any{"UID": uid, "profile": map[string]any{"email": "ses@example.com"}, "data": map[string]any{}})
			expectSigned(t, e, m, apitest.Now)
		})
		t.Run("by cookie", func(t *testing.T) {
			r, m := e.RPC(t, "accounts.getAccountInfo", apitest.Form(), cookie)
			apitest.CheckEnvelope(t, r, m, apitest.Now)
			apitest.ExpectRPC(t, m, 0, "")
			apitest.ExpectFields(t, m, map[string]any{"UID": uid})
		})
		t.Run("a client cannot name another UID", func(t *testing.T) {
			m := e.Call(t, "accounts.getAccountInfo", apitest.Form("login_token", token, "UID", "0123456789abcdef0123456789abcdef"))
			apitest.ExpectRPC(t, m, 0, "")
			apitest.ExpectFields(t, m, map[string]any{"UID": uid})
		})
		t.Run("cookie of another site's name", func(t *testing.T) {
			_, m := e.RPC(t, "accounts.getAccountInfo", apitest.Form(), http.Header{"Cookie": {"glt_3_other=" + token}})
			apitest.ExpectRPC(t, m, 403012, noSession)
		})
		run(t, e, []apitest.Scenario{
			{Name: "unknown token", Path: "/accounts.getAccountInfo", Form: apitest.Form("login_token", "st1_nope"), Code: 403001, Details: badToken},
			{Name: "oversized token", Path: "/accounts.getAccountInfo", Form: apitest.Form("login_token", strings.Repeat("x", 129)),
				Code: 403001, Details: badToken},
			{Name: "no token, no secret", Path: "/accounts.getAccountInfo", Form: apitest.Form(), Code: 403012, Details: noSession},
			{Name: "logout without a session", Path: "/accounts.logout", Form: apitest.Form(), Code: 403012, Details: noSession},
			{Name: "setAccountInfo without a session", Path: "/accounts.setAccountInfo", Form: apitest.Form("profile", `{"a":1}`),
				Code: 403012, Details: noSession},
			{Name: "verifyLogin without a session", Path: "/accounts.verifyLogin", Form: apitest.Form(), Code: 403012, Details: noSession},
		})

		t.Run("logout", func(t *testing.T) {
			r, m := e.RPC(t, "accounts.logout", apitest.Form(), cookie)
			apitest.CheckEnvelope(t, r, m, apitest.Now)
			apitest.ExpectRPC(t, m, 0, "")
			if ck := sessionCookie(e, r); ck == nil || ck.Value != "" || ck.MaxAge >= 0 {
				t.Errorf("logout does not clear the cookie: %q", r.Header.Values("Set-Cookie"))
			}
			apitest.ExpectRPC(t, e.Call(t, "accounts.getAccountInfo", apitest.Form("login_token", token)), 403001, badToken)
			apitest.ExpectRPC(t, e.Call(t, "accounts.logout", apitest.Form("login_token", token)), 403001, badToken)
		})

		// The HttpOnly cookie a browser login sets must not outlive a logout
		// the page asked for: every client logout answer expires it, also
		// when the session it names has already ended.
		for _, method := range []string{"accounts.logout", "socialize.logout"} {
			t.Run(method+" expires the session cookie", func(t *testing.T) {
				tok := login(t, e, "ses@example.com", "pass-word-1")
				ck := http.Header{"Cookie": {"glt_" + e.Site.APIKey + "=" + tok}}
				for _, tc := range []struct {
					name   string
					form   url.Values
					header http.Header
					code   float64
					detail string
				}{
					{"by the cookie", apitest.Form(), ck, 0, ""},
					{"the ended session's cookie", apitest.Form(), ck, 403001, badToken},
					{"no session", apitest.Form(), nil, 403012, noSession},
				} {
					r, m := e.RPC(t, method, tc.form, tc.header)
					apitest.ExpectRPC(t, m, tc.code, tc.detail)
					c := sessionCookie(e, r)
					if c == nil || c.Value != "" || c.MaxAge >= 0 || !c.HttpOnly || c.Path != "/" {
						t.Errorf("%s: the answer does not expire the cookie: %q", tc.name, r.Header.Values("Set-Cookie"))
					}
				}
				_, m := e.RPC(t, "accounts.getAccountInfo", apitest.Form(), ck)
				apitest.ExpectRPC(t, m, 403001, badToken)
				r, m := e.RPC(t, method, e.Secret("UID", uid), nil)
				apitest.ExpectRPC(t, m, 0, "")
				if c := sessionCookie(e, r); c != nil {
					t.Errorf("a server logout sets a cookie: %q", r.Header.Values("Set-Cookie"))
				}
			})
		}

		t.Run("server logout ends every session", func(t *testing.T) {
			t1, t2 := login(t, e, "ses@example.com", "pass-word-1"), login(t, e, "ses@example.com", "pass-word-1")
			other := login(t, e, "ses@example.com", "pass-word-1")
			_, otherToken := register(t, e, "ses-other@example.com", "pass-word-1")
			run(t, e, []apitest.Scenario{
				{Name: "unknown UID", Path: "/accounts.logout", Form: e.Secret("UID", strings.Repeat("f", 32)), Code: 403005,
					Details: noUID(strings.Repeat("f", 32))},
				{Name: "missing UID", Path: "/accounts.logout", Form: e.Secret(), Code: 400002, Details: missing("UID")},
				{Name: "logout", Path: "/accounts.logout", Form: e.Secret("UID", uid), Code: 0},
			})
			for _, tok := range []string{t1, t2, other} {
				if c := e.SessionCode(t, tok); c != 403001 {
					t.Errorf("a session after the server logout: %v", c)
				}
			}
			if c := e.SessionCode(t, otherToken); c != 0 {
				t.Errorf("the session of another account ended: %v", c)
			}
		})
	})
}

// Sites are apart: sessions, UIDs, secrets and one-time tokens of one site
// do nothing on another, where the same email may register again.
func TestAccountsSitesApart(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		register(t, e, "ses@example.com", "pass-word-1")
		t.Run("sites are apart", func(t *testing.T) {
			st2, err := e.App.Sites.Create(context.Background(), "second", nil)
			if err != nil {
				t.Fatal(err)
			}
			_, m := e.RPC(t, "accounts.register", apitest.Form("apiKey", st2.APIKey, "email", "ses@example.com", "password", "pass-word-1",
				"finalizeRegistration", "true"), nil)

			apitest.ExpectRPC(t, m, 0, "") // the same email on another site
			uid2 := m["UID"].(string)
			token2 := apitest.Object(t, m, "sessionInfo")["cookieValue"].(string)
			run(t, e, []apitest.Scenario{
				{Name: "session of the other site", Path: "/accounts.getAccountInfo", Form: apitest.Form("login_token", token2),
					Code: 403001, Details: badToken},
				{Name: "UID of the other site", Path: "/accounts.getAccountInfo", Form: e.Secret("UID", uid2),
					Code: 403005, Details: noUID(uid2)},
				{Name: "secret of the other site", Path: "/accounts.getAccountInfo",
					Form: apitest.Form("apiKey", st2.APIKey, "secret", e.Site.SecretBase64(), "UID", uid2), Code: 403010, Details: "Invalid Secret"},
			})
			// One-time tokens of one site do nothing on another.
			other := func(kv ...string) url.Values {
				v := apitest.Form(kv...)
				v.Set("apiKey", st2.APIKey)
				return v
			}
			reg := e.Call(t, "accounts.initRegistration", apitest.Form())["regToken"].(string)
			_, m = e.RPC(t, "accounts.register", other("regToken", reg, "email", "cross@example.com", "password", "pass-word-1"), nil)
			apitest.ExpectRPC(t, m, 400006, usedRegToken)
			rst := e.Call(t, "accounts.resetPassword", e.Secret("loginID", "ses@example.com", "sendEmail", "false"))["passwordResetToken"].(string)
			_, m = e.RPC(t, "accounts.resetPassword", other("passwordResetToken", rst, "newPassword", "pass-word-5"), nil)
			apitest.ExpectRPC(t, m, 400006, usedResetToken)
			_, m = e.RPC(t, "accounts.login", other("loginID", "ses@example.com", "password", "pass-word-1"), nil)
			apitest.ExpectRPC(t, m, 0, "")
		})
	})
}

// Sessions and one-time tokens end when their time is up, by the App's clock.
func TestAccountsSessionExpiry(t *testing.T) {
	t.Parallel()
	apitest.ForEachClockEngine(t, func(t *testing.T, e *apitest.App, clock *apitest.Clock) {
		post := clockPost(t, e, clock)
		session := func(form url.Values, expiresIn string) string {
			t.Helper()
			_, m := post("accounts.login", form)
			si := apitest.Object(t, m, "sessionInfo")
			if si["expires_in"] != expiresIn {
				t.Errorf("expires_in %v, want %s", si["expires_in"], expiresIn)
			}
			return si["cookieValue"].(string)
		}
		r, m := post("accounts.register", apitest.Form("email", "exp@example.com", "password", "pass-word-1",
			"finalizeRegistration", "true", "sessionExpiration", "1"))
		apitest.ExpectRPC(t, m, 0, "")
		if si := apitest.Object(t, m, "sessionInfo"); si["expires_in"] != "1" {
			t.Errorf("expires_in %v", si["expires_in"])
		}
		if ck := sessionCookie(e, r); ck == nil || !ck.Expires.Equal(apitest.Now.Add(time.Second).Truncate(time.Second)) {
			t.Errorf("Set-Cookie %q", r.Header.Values("Set-Cookie"))
		}
		oneSecond := apitest.Object(t, m, "sessionInfo")["cookieValue"].(string)
		creds := apitest.Form("loginID", "exp@example.com", "password", "pass-word-1")
		with := func(k, v string) url.Values {
			f := url.Values{}
			for n, vs := range creds {
				f[n] = vs
			}
			f.Set(k, v)
			return f
		}
		loginOneSecond := session(with("sessionExpiration", "1"), "1")
		browser := session(creds, "86400")
		forever := session(with("sessionExpiration", "-2"), "0")
		hour := session(with("sessionExpiration", "3600"), "3600")

		code := func(token string) (float64, string) {
			_, m := post("accounts.getAccountInfo", apitest.Form("login_token", token))
			d, _ := m["errorDetails"].(string)
			return m["errorCode"].(float64), d
		}
		for _, tok := range []string{oneSecond, loginOneSecond, browser, forever, hour} {
			if c, _ := code(tok); c != 0 {
				t.Fatalf("a fresh session: %v", c)
			}
		}
		clock.Advance(time.Second) // expiry is at exactly the end
		for _, s := range []struct {
			name  string
			token string
			code  float64
		}{
			{"1 s session", oneSecond, 403011}, {"1 s session, again: deleted", oneSecond, 403001},
			{"1 s login session", loginOneSecond, 403011}, {"browser session", browser, 0}, {"hour", hour, 0}, {"forever", forever, 0},
		} {
			if c, d := code(s.token); c != s.code {
				t.Errorf("%s: %v %s, want %v", s.name, c, d, s.code)
			} else if c == 403011 && d != "Session has expired" {
				t.Errorf("%s: errorDetails %q", s.name, d)
			}
		}
		_, m = post("accounts.getAccountInfo", apitest.Form("login_token", loginOneSecond))
		apitest.ExpectRPC(t, m, 403001, badToken)

		clock.Advance(2 * time.Hour)
		if c, _ := code(hour); c != 403011 {
			t.Errorf("hour session after 2 h: %v", c)
		}

		clock.Advance(22 * time.Hour) // 24 h and 2 s in all
		if c, _ := code(browser); c != 403011 {
			t.Errorf("browser session after 24 h: %v", c)
		}
		clock.Advance(365 * 24 * time.Hour)
		if c, _ := code(forever); c != 0 {
			t.Errorf("a session without expiry after a year: %v", c)
		}
	})
}

// clockPost is rpcPost on an env whose clock the test moves, checking that
// the answer tells the time of that clock.
func clockPost(t *testing.T, e *apitest.App, clock *apitest.Clock) func(string, url.Values) (apitest.Response, map[string]any) {
	return func(method string, form url.Values) (apitest.Response, map[string]any) {
		t.Helper()
		r, m := e.RPC(t, method, form, nil)
		if want := clock.Now().UTC().Format("2006-01-02T15:04:05.000Z"); m["time"] != want {
			t.Errorf("time %v, want %s", m["time"], want)
		}
		return r, m
	}
}

// An expired one-time token is 400015, told apart from an unknown one.
func TestAccountsTokenExpiry(t *testing.T) {
	t.Parallel()
	apitest.ForEachClockEngine(t, func(t *testing.T, e *apitest.App, clock *apitest.Clock) {
		post := clockPost(t, e, clock)
		_, m := post("accounts.register", apitest.Form("email", "exp@example.com", "password", "pass-word-1", "finalizeRegistration", "true"))
		apitest.ExpectRPC(t, m, 0, "")
		_, m = post("accounts.register", apitest.Form("email", "exp-pending@example.com", "password", "pass-word-1"))
		pendingReg := m["regToken"].(string)
		_, m = post("accounts.initRegistration", apitest.Form())
		initReg := m["regToken"].(string)
		_, m = post("accounts.resetPassword", e.Secret("loginID", "exp@example.com", "sendEmail", "false"))
		reset := m["passwordResetToken"].(string)
		clock.Advance(time.Second + 2*time.Hour)
		_, m = post("accounts.finalizeRegistration", apitest.Form("regToken", pendingReg))
		apitest.ExpectRPC(t, m, 400015, "Code expired: regToken has expired")
		_, m = post("accounts.resendVerificationCode", apitest.Form("regToken", pendingReg))
		apitest.ExpectRPC(t, m, 400015, "Code expired: regToken has expired")
		_, m = post("accounts.register", apitest.Form("regToken", initReg, "email", "exp2@example.com", "password", "pass-word-1"))
		apitest.ExpectRPC(t, m, 400015, "Code expired: regToken has expired")
		_, m = post("accounts.resetPassword", apitest.Form("passwordResetToken", reset, "newPassword", "pass-word-2"))
		apitest.ExpectRPC(t, m, 400015, "Code expired: passwordResetToken has expired")
	})
}

// ------------------------------------------------ getAccountInfo (server)

func TestAccountsGetAccountInfoServer(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		e.SetSchema(t, "dataSchema", `{"fields":{"tier":{"type":"integer","writeAccess":"clientModify"}}}`)
		uid, _ := registerWith(t, e, apitest.Form("email", "Gai@Example.com", "password", "pass-word-1",
			"profile", `{"firstName":"Gai","work":[{"company":"Acme"}]}`, "data", `{"tier":2}`))
		wrong := base64.StdEncoding.EncodeToString(make([]byte, len(e.Site.Secret)))
		unknown := strings.Repeat("0", 32)
		run(t, e, []apitest.Scenario{
			{Name: "all", Path: "/accounts.getAccountInfo", Form: e.Secret("UID", uid, "include", "profile,data,loginIDs,emails"),
				Code: 0, Want: map[string]any{"UID": uid, "isVerified": false, "isRegistered": true,
					"profile":  map[string]any{"firstName": "Gai", "work": []any{map[string]any{"company": "Acme"}}, "email": "Gai@Example.com"},
					"data":     map[string]any{"tier": 2},
					"loginIDs": map[string]any{"emails": []string{"Gai@Example.com"}, "unverifiedEmails": []string{}},
					"emails":   map[string]any{"verified": []string{}, "unverified": []string{"Gai@Example.com"}}},
				Absent: []string{"UIDSignature", "signatureTimestamp", "id_token"}},
			{Name: "default include", Path: "/accounts.getAccountInfo", Form: e.Secret("UID", uid), Code: 0,
				Want: map[string]any{"data": map[string]any{"tier": 2}}, Absent: []string{"loginIDs", "emails", "UIDSignature"}},
			{Name: "username in loginIDs", Path: "/accounts.getAccountInfo",
				Form: e.Secret("UID", "0123456789abcdef0123456789abcdef", "include", "loginIDs"), Code: 0,
				After: func(t *testing.T, _ apitest.Response, m map[string]any) {
					if apitest.Object(t, m, "loginIDs")["username"] != "ann" {
						t.Errorf("loginIDs %s", apitest.Dump(m["loginIDs"]))
					}
				}},
			{Name: "unknown UID", Path: "/accounts.getAccountInfo", Form: e.Secret("UID", unknown), Code: 403005, Details: noUID(unknown)},
			{Name: "missing UID", Path: "/accounts.getAccountInfo", Form: e.Secret(), Code: 400002, Details: missing("UID")},
			{Name: "wrong secret", Path: "/accounts.getAccountInfo", Form: apitest.Form("secret", wrong, "UID", uid), Code: 403010,
				Details: "Invalid Secret", Absent: []string{"UID"}},
			{Name: "secret not base64", Path: "/accounts.getAccountInfo", Form: apitest.Form("secret", "not base64!", "UID", uid), Code: 403010,
				Details: "Invalid Secret"},
			// A wrong secret fails even where a session would do.
			{Name: "wrong secret beside a session", Path: "/accounts.getAccountInfo",
				Form: apitest.Form("secret", wrong, "login_token", "st1_x"), Code: 403010, Details: "Invalid Secret"},
			{Name: "unknown include", Path: "/accounts.getAccountInfo", Form: e.Secret("UID", uid, "include", "bogus"), Code: 400006,
				Details: `Invalid parameter value: include: unknown value "bogus"`},
		})
	})
}

// ------------------------------------------------------------- 403006

// rawCall serves one POST with the handler directly, from remote.
func rawCall(t *testing.T, h http.Handler, target, remote string, form url.Values, hdr http.Header) (*httptest.ResponseRecorder, map[string]any) {
	t.Helper()
	req := httptest.NewRequest("POST", target, strings.NewReader(form.Encode()))
	req.RemoteAddr = remote
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range hdr {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	return rec, m
}

// The secret travels over HTTPS only: TLS, loopback, or a trusted proxy
// that says https.
func TestAccountsSecretOverHTTP(t *testing.T) {
	t.Parallel()
	e := apitest.NewApp(t, store.SQLite)
	proxied, st := proxiedApp(t)
	const overHTTP = "Secret Sent Over Http: send the secret over HTTPS"
	for _, tc := range []struct {
		name   string
		app    *app.App
		site   site.Site
		target string
		remote string
		proto  string // X-Forwarded-Proto
		secret string // "" the site's, "-" none, else this
		method string
		code   float64
		detail string
	}{
		{name: "remote client, plain HTTP", app: e.App, site: e.Site, remote: "203.0.113.7:4444", code: 403006, detail: overHTTP},
		{name: "remote client saying https, not trusted", app: e.App, site: e.Site, remote: "203.0.113.7:4444", proto: "https",
			code: 403006, detail: overHTTP},
		{name: "wrong secret over plain HTTP", app: e.App, site: e.Site, remote: "203.0.113.7:4444", secret: "AAAA",
			code: 403006, detail: overHTTP},
		{name: "TLS", app: e.App, site: e.Site, target: "https://custos.test", remote: "203.0.113.7:4444", code: 0},
		{name: "loopback", app: e.App, site: e.Site, remote: "127.0.0.1:5555", code: 0},
		{name: "loopback IPv6", app: e.App, site: e.Site, remote: "[::1]:5555", code: 0},
		{name: "no secret, client method", app: e.App, site: e.Site, remote: "203.0.113.7:4444", secret: "-",
			method: "accounts.isAvailableLoginID", code: 0},
		{name: "no secret, server method", app: e.App, site: e.Site, remote: "203.0.113.7:4444", secret: "-",
			code: 403007, detail: serverOnly("accounts.setPolicies")},
		{name: "trusted proxy, https", app: proxied, site: st, remote: "203.0.113.7:4444", proto: "https", code: 0},
		{name: "trusted proxy, HTTPS in capitals", app: proxied, site: st, remote: "203.0.113.9:1", proto: "HTTPS", code: 0},
		{name: "trusted proxy, http", app: proxied, site: st, remote: "203.0.113.7:4444", proto: "http", code: 403006, detail: overHTTP},
		{name: "trusted proxy, no header", app: proxied, site: st, remote: "203.0.113.7:4444", code: 403006, detail: overHTTP},
		{name: "outside the trusted range", app: proxied, site: st, remote: "198.51.100.7:4444", proto: "https", code: 403006, detail: overHTTP},
	} {
		t.Run(tc.name, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = "accounts.getPolicies"
			}
			form := apitest.Form("apiKey", tc.site.APIKey, "loginID", "x@example.com", "sections", "accountOptions")
			switch tc.secret {
			case "":
				form.Set("secret", tc.site.SecretBase64())
			case "-":
				if method == "accounts.getPolicies" {
					method = "accounts.setPolicies"
				}
			default:
				form.Set("secret", tc.secret)
			}
			hdr := http.Header{}
			if tc.proto != "" {
				hdr.Set("X-Forwarded-Proto", tc.proto)
			}
			_, m := rawCall(t, tc.app.Handler(), tc.target+"/"+method, tc.remote, form, hdr)
			apitest.ExpectRPC(t, m, tc.code, tc.detail)
		})
	}

}

// proxiedApp is an App (not served) that trusts X-Forwarded-Proto from
// 203.0.113.0/24, with a site.
func proxiedApp(t *testing.T) (*app.App, site.Site) {
	t.Helper()
	db := storetest.Open(t, store.SQLite)
	o := apitest.Options(db, server.DefaultConfig(), func() time.Time { return apitest.Now })
	o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}
	proxied, err := app.New(o)
	if err != nil {
		t.Fatal(err)
	}
	st, err := proxied.Sites.Create(context.Background(), "proxied", nil)
	if err != nil {
		t.Fatal(err)
	}
	return proxied, st
}

// The session cookie is Secure only over HTTPS, as a trusted proxy tells.
func TestAccountsSessionCookieSecure(t *testing.T) {
	t.Parallel()
	proxied, st := proxiedApp(t)
	t.Run("session cookie is Secure only over HTTPS", func(t *testing.T) {
		_, m := rawCall(t, proxied.Handler(), "/accounts.register", "203.0.113.7:4444", apitest.Form("apiKey", st.APIKey,
			"email", "proxy@example.com", "password", "pass-word-1", "finalizeRegistration", "true"), http.Header{"X-Forwarded-Proto": {"https"}})
		apitest.ExpectRPC(t, m, 0, "")
		for _, tc := range []struct {
			remote, proto string
			secure        bool
		}{{"203.0.113.7:4444", "https", true}, {"203.0.113.7:4444", "http", false}, {"198.51.100.7:4444", "https", false}} {
			rec, m := rawCall(t, proxied.Handler(), "/accounts.login", tc.remote, apitest.Form("apiKey", st.APIKey,
				"loginID", "proxy@example.com", "password", "pass-word-1"), http.Header{"X-Forwarded-Proto": {tc.proto}})
			apitest.ExpectRPC(t, m, 0, "")
			cks := rec.Result().Cookies()
			if len(cks) != 1 || cks[0].Secure != tc.secure || !cks[0].HttpOnly {
				t.Errorf("%s %s: Set-Cookie %q", tc.remote, tc.proto, rec.Header().Values("Set-Cookie"))
			}
		}
	})
}

// ------------------------------------------------------- setAccountInfo

// setInfo is an account registered with a profile and data, for the
// tests of accounts.setAccountInfo.
type setInfo struct {
	e          *apitest.App
	uid, token string
}

func newSetInfo(t *testing.T, e *apitest.App) *setInfo {
	t.Helper()
	e.SetSchema(t, "dataSchema", `{"fields":{"prefs.a":{"type":"integer","writeAccess":"clientModify"},
		"prefs.b":{"type":"integer","writeAccess":"clientModify"},"x":{"type":"integer","writeAccess":"clientModify"}}}`)
	uid, token := registerWith(t, e, apitest.Form("email", "set@example.com", "password", "pass-word-1",
		"profile", `{"firstName":"Set","lastName":"Ter","age":30}`, "data", `{"prefs":{"a":1,"b":2},"x":1}`))
	return &setInfo{e: e, uid: uid, token: token}
}

// info is the account's profile, data and login IDs, read by the server.
func (s *setInfo) info(t *testing.T) map[string]any {
	t.Helper()
	m := s.e.Call(t, "accounts.getAccountInfo", s.e.Secret("UID", s.uid, "include", "profile,data,loginIDs"))
	apitest.ExpectRPC(t, m, 0, "")
	return m
}

// as are parameters of a client call in the account's session.
func (s *setInfo) as(kv ...string) url.Values {
	return apitest.Form(append([]string{"login_token", s.token}, kv...)...)
}

// server are parameters of a server call for the account; login emails
// are added by server calls only.
func (s *setInfo) server(kv ...string) url.Values {
	return s.e.Secret(append([]string{"UID", s.uid}, kv...)...)
}

// registeredEmailTaken asserts that failed changes kept the registered email.
func (s *setInfo) registeredEmailTaken(t *testing.T) {
	t.Helper()
	if s.e.Available(t, "set@example.com") {
		t.Error("the failed changes freed the registered email")
	}
}

// runSetInfo runs, on each engine, the scenarios that steps gives for the
// account of newSetInfo, and asserts that the failures among them kept
// the registered email.
func runSetInfo(t *testing.T, steps func(e *apitest.App, s *setInfo) []apitest.Scenario) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		s := newSetInfo(t, e)
		run(t, e, steps(e, s))
		s.registeredEmailTaken(t)
	})
}

func TestAccountsSetAccountInfoProfile(t *testing.T) {
	runSetInfo(t, func(e *apitest.App, s *setInfo) []apitest.Scenario {
		return []apitest.Scenario{
			{Name: "merge", Path: "/accounts.setAccountInfo", Form: s.as("profile", `{"lastName":"Lee","age":null,"city":"Oslo"}`,
				"data", `{"prefs":{"b":3},"x":null}`), Code: 0,
				After: func(t *testing.T, _ apitest.Response, _ map[string]any) {
					apitest.ExpectFields(t, s.info(t), map[string]any{
						"profile": map[string]any{"firstName": "Set", "lastName": "Lee", "city": "Oslo", "email": "set@example.com"},
						"data":    map[string]any{"prefs": map[string]any{"a": 1, "b": 3}}})
				}},
			{Name: "malformed profile", Path: "/accounts.setAccountInfo", Form: s.as("profile", "{"), Code: 400004,
				Details: "Invalid parameter format: profile: not a JSON object"},
			{Name: "isActive from a client", Path: "/accounts.setAccountInfo", Form: s.as("isActive", "false"), Code: 403007,
				Details: "Permission denied: isActive is set by server calls only"},
			{Name: "unknown UID", Path: "/accounts.setAccountInfo", Form: e.Secret("UID", strings.Repeat("a", 32), "profile", `{}`),
				Code: 403005, Details: noUID(strings.Repeat("a", 32))},
			{Name: "missing UID", Path: "/accounts.setAccountInfo", Form: e.Secret("profile", `{}`), Code: 400002, Details: missing("UID")},
		}
	})
}

func TestAccountsSetAccountInfoUsername(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		s := newSetInfo(t, e)
		e.SetPolicies(t, "accountOptions", `{"loginIdentifiers":"email"}`)
		run(t, e, []apitest.Scenario{{Name: "username not allowed", Path: "/accounts.setAccountInfo", Form: s.as("username", "setter"),
			Code: 400009, Details: "username is not a login identifier of this site", Fields: []apitest.FieldErr{usernameNotID}}})
		e.SetPolicies(t, "accountOptions", `{"loginIdentifiers":"email,username"}`)

		run(t, e, []apitest.Scenario{
			{Name: "set a username", Path: "/accounts.setAccountInfo", Form: s.as("username", "setter"), Code: 0},
			{Name: "change the username", Path: "/accounts.setAccountInfo", Form: s.as("username", "Setter2"), Code: 0,
				After: func(t *testing.T, _ apitest.Response, _ map[string]any) {
					if !e.Available(t, "setter") || e.Available(t, "SETTER2") {
						t.Error("the old username is not freed, or the new one not taken")
					}
					m := s.info(t)
					if apitest.Object(t, m, "profile")["username"] != "Setter2" || apitest.Object(t, m, "loginIDs")["username"] != "Setter2" {
						t.Errorf("profile %s, loginIDs %s", apitest.Dump(m["profile"]), apitest.Dump(m["loginIDs"]))
					}
				}},
			{Name: "login by the new username", Path: "/accounts.login", Form: apitest.Form("loginID", "setter2", "password", "pass-word-1"),
				Code: 0, Want: map[string]any{"UID": s.uid}},
			{Name: "login by the old username", Path: "/accounts.login", Form: apitest.Form("loginID", "setter", "password", "pass-word-1"),
				Code: 403042, Details: badLogin},
			// One part fails: nothing of the request is written.
			{Name: "taken email among other changes", Path: "/accounts.setAccountInfo",
				Form: s.server("profile", `{"firstName":"Changed"}`, "data", `{"y":1}`, "username", "setter3", "addLoginEmails", "set3@example.com,ann@example.com"),
				Code: 400009, Details: "addLoginEmails has already been taken", Fields: []apitest.FieldErr{addEmailTaken},
				After: func(t *testing.T, _ apitest.Response, _ map[string]any) {
					m := s.info(t)
					if p := apitest.Object(t, m, "profile"); p["firstName"] != "Set" || p["username"] != "Setter2" {
						t.Errorf("profile changed: %s", apitest.Dump(p))
					}
					if _, ok := apitest.Object(t, m, "data")["y"]; ok {
						t.Errorf("data changed: %s", apitest.Dump(m["data"]))
					}
					if !e.Available(t, "setter3") || !e.Available(t, "set3@example.com") || e.Available(t, "setter2") {
						t.Error("login IDs changed")
					}
				}},
			{Name: "taken username", Path: "/accounts.setAccountInfo", Form: s.as("username", "ANN"), Code: 400009,
				Details: "username has already been taken", Fields: []apitest.FieldErr{usernameTaken}},
			{Name: "invalid username", Path: "/accounts.setAccountInfo", Form: s.as("username", "two words"), Code: 400009,
				Details: "username is invalid", Fields: []apitest.FieldErr{usernameBad}},
		})
		s.registeredEmailTaken(t)
	})
}

func TestAccountsSetAccountInfoLoginEmails(t *testing.T) {
	runSetInfo(t, func(e *apitest.App, s *setInfo) []apitest.Scenario {
		return []apitest.Scenario{
			{Name: "a client adds no login email", Path: "/accounts.setAccountInfo", Form: s.as("addLoginEmails", "mine@example.com"), Code: 403007,
				Details: "Permission denied: addLoginEmails is set by server calls only"},
			{Name: "removeLoginEmails takes emails only", Path: "/accounts.setAccountInfo", Form: s.as("removeLoginEmails", "setter"), Code: 400006,
				Details: "Invalid parameter value: removeLoginEmails: \"setter\" is not an email address"},
			{Name: "invalid email", Path: "/accounts.setAccountInfo", Form: s.server("addLoginEmails", "nope"), Code: 400009,
				Details: "addLoginEmails must be a valid email", Fields: []apitest.FieldErr{addEmailFormat}},
			{Name: "add an email", Path: "/accounts.setAccountInfo", Form: s.server("addLoginEmails", "Set2@Example.com"), Code: 0},
			{Name: "login by the added email", Path: "/accounts.login", Form: apitest.Form("loginID", "set2@example.com", "password", "pass-word-1"),
				Code: 0, Want: map[string]any{"UID": s.uid}},
			{Name: "remove it", Path: "/accounts.setAccountInfo", Form: s.as("removeLoginEmails", "SET2@example.com"), Code: 0,
				After: func(t *testing.T, _ apitest.Response, _ map[string]any) {
					if !e.Available(t, "set2@example.com") {
						t.Error("the removed email is not free")
					}
				}},
			{Name: "remove an email of another account", Path: "/accounts.setAccountInfo", Form: s.as("removeLoginEmails", "ann@example.com"),
				Code: 400006, Details: "Invalid parameter value: removeLoginEmails: not a login email of this account"},
		}
	})
}

// The password rules of setAccountInfo; TestAccountsSetAccountInfoPassword
// changes it.
func TestAccountsSetAccountInfoPasswordRefused(t *testing.T) {
	runSetInfo(t, func(e *apitest.App, s *setInfo) []apitest.Scenario {
		return []apitest.Scenario{
			{Name: "new password without the current one", Path: "/accounts.setAccountInfo", Form: s.as("newPassword", "pass-word-2"),
				Code: 400002, Details: missing("password")},
			{Name: "wrong current password", Path: "/accounts.setAccountInfo", Form: s.as("password", "pass-word-9", "newPassword", "pass-word-2"),
				Code: 403042, Details: "invalid password"},
			{Name: "new password too short", Path: "/accounts.setAccountInfo", Form: s.as("password", "pass-word-1", "newPassword", "short"),
				Code: 400009, Details: "password is too short (minimum is 8 characters)", Fields: []apitest.FieldErr{passwordShort}},
		}
	})
}

func TestAccountsSetAccountInfoPassword(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		uid, token := registerWith(t, e, apitest.Form("email", "set@example.com", "password", "pass-word-1",
			"profile", `{"firstName":"Set","lastName":"Ter","age":30}`))
		as := func(kv ...string) url.Values { return apitest.Form(append([]string{"login_token", token}, kv...)...) }
		t.Run("password change ends the other sessions", func(t *testing.T) {
			other := login(t, e, "set@example.com", "pass-word-1")
			apitest.ExpectRPC(t, e.Call(t, "accounts.setAccountInfo", as("password", "pass-word-1", "newPassword", "pass-word-2")), 0, "")
			if c := e.SessionCode(t, other); c != 403001 {
				t.Errorf("other session: %v", c)
			}
			if c := e.SessionCode(t, token); c != 0 {
				t.Errorf("calling session: %v", c)
			}
			apitest.ExpectRPC(t, e.Call(t, "accounts.login", apitest.Form("loginID", "set@example.com", "password", "pass-word-1")), 403042, badLogin)
			login(t, e, "set@example.com", "pass-word-2")
			// A server call may omit the current password, and ends every session.
			apitest.ExpectRPC(t, e.Call(t, "accounts.setAccountInfo", e.Secret("UID", uid, "newPassword", "pass-word-3")), 0, "")
			if c := e.SessionCode(t, token); c != 403001 {
				t.Errorf("session after a server password change: %v", c)
			}
			token = login(t, e, "set@example.com", "pass-word-3")
			// The current password and the two before it are refused (security.passwordHistorySize 3).
			for _, pw := range []string{"pass-word-3", "pass-word-2", "pass-word-1"} {
				m := e.Call(t, "accounts.setAccountInfo", as("password", "pass-word-3", "newPassword", pw))
				apitest.ExpectRPC(t, m, 401030, "password must be different from last 3 ones", passwordReused)
			}
			m := e.Call(t, "accounts.setAccountInfo", e.Secret("UID", uid, "newPassword", "pass-word-2"))
			apitest.ExpectRPC(t, m, 401030, "password must be different from last 3 ones", passwordReused)
			if c := e.SessionCode(t, token); c != 0 {
				t.Errorf("a refused password change ended the session: %v", c)
			}
			login(t, e, "set@example.com", "pass-word-3")
			e.SetPolicies(t, "security", `{"passwordHistorySize":0}`)
			apitest.ExpectRPC(t, e.Call(t, "accounts.setAccountInfo", as("password", "pass-word-3", "newPassword", "pass-word-3")), 0, "")
		})
	})
}

// ------------------------------------------------------- deleteAccount

func TestAccountsDeleteAccount(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		uid, token := register(t, e, "del@example.com", "pass-word-1")
		unknown := strings.Repeat("d", 32)
		m := e.Call(t, "accounts.resetPassword", e.Secret("loginID", "del@example.com", "sendEmail", "false"))
		resetToken, _ := m["passwordResetToken"].(string)
		m = e.Call(t, "accounts.register", apitest.Form("email", "del-pending@example.com", "password", "pass-word-1"))
		pendingUID, regToken := m["UID"].(string), m["regToken"].(string)
		run(t, e, []apitest.Scenario{
			{Name: "with a session", Path: "/accounts.deleteAccount", Form: apitest.Form("login_token", token, "UID", uid), Code: 403007,
				Details: serverOnly("accounts.deleteAccount")},
			{Name: "no credentials", Path: "/accounts.deleteAccount", Form: apitest.Form("UID", uid), Code: 403007,
				Details: serverOnly("accounts.deleteAccount")},
			{Name: "unknown UID", Path: "/accounts.deleteAccount", Form: e.Secret("UID", unknown), Code: 403005, Details: noUID(unknown)},
			{Name: "missing UID", Path: "/accounts.deleteAccount", Form: e.Secret(), Code: 400002, Details: missing("UID")},
			{Name: "delete", Path: "/accounts.deleteAccount", Form: e.Secret("UID", uid), Code: 0},
			{Name: "delete again", Path: "/accounts.deleteAccount", Form: e.Secret("UID", uid), Code: 403005, Details: noUID(uid)},
			{Name: "login", Path: "/accounts.login", Form: apitest.Form("loginID", "del@example.com", "password", "pass-word-1"),
				Code: 403042, Details: badLogin},
			{Name: "session", Path: "/accounts.getAccountInfo", Form: apitest.Form("login_token", token), Code: 403001, Details: badToken},
			{Name: "by UID", Path: "/accounts.getAccountInfo", Form: e.Secret("UID", uid), Code: 403005, Details: noUID(uid)},
			{Name: "reset", Path: "/accounts.resetPassword", Form: apitest.Form("loginID", "del@example.com"), Code: 403047, Details: "Login ID does not exist"},
			{Name: "reset token of the deleted account", Path: "/accounts.resetPassword",
				Form: apitest.Form("passwordResetToken", resetToken, "newPassword", "pass-word-2"), Code: 400006, Details: usedResetToken},
			{Name: "delete a pending account", Path: "/accounts.deleteAccount", Form: e.Secret("UID", pendingUID), Code: 0},
			{Name: "its regToken", Path: "/accounts.finalizeRegistration", Form: apitest.Form("regToken", regToken), Code: 400006,
				Details: usedRegToken},
		})
		if !e.Available(t, "del@example.com") {
			t.Fatal("the email of the deleted account is not available")
		}
		if uid2, _ := register(t, e, "del@example.com", "pass-word-1"); uid2 == uid {
			t.Error("a new account got the UID of the deleted one")
		}
	})
}

// ------------------------------------------------------- resetPassword

func TestAccountsResetPassword(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		uid, s1 := register(t, e, "rst@example.com", "pass-word-1")
		s2 := login(t, e, "rst@example.com", "pass-word-1")
		var first, second string
		token := func(p *string) func(*testing.T, apitest.Response, map[string]any) {
			return func(t *testing.T, _ apitest.Response, m map[string]any) {
				*p, _ = m["passwordResetToken"].(string)
				if !strings.HasPrefix(*p, "pr1_") {
					t.Errorf("passwordResetToken %q", *p)
				}
			}
		}
		run(t, e, []apitest.Scenario{
			{Name: "unknown loginID", Path: "/accounts.resetPassword", Form: apitest.Form("loginID", "nobody@example.com"), Code: 403047,
				Details: "Login ID does not exist"},
			{Name: "missing loginID", Path: "/accounts.resetPassword", Form: apitest.Form(), Code: 400002, Details: missing("loginID")},
			{Name: "sendEmail=false from a client", Path: "/accounts.resetPassword", Form: apitest.Form("loginID", "rst@example.com", "sendEmail", "false"),
				Code: 403007, Details: "Permission denied: sendEmail=false is for server calls only"},
			{Name: "sendEmail not a boolean", Path: "/accounts.resetPassword", Form: apitest.Form("loginID", "rst@example.com", "sendEmail", "nah"),
				Code: 400006, Details: "Invalid parameter value: sendEmail: want true or false"},
			{Name: "by mail", Path: "/accounts.resetPassword", Form: apitest.Form("loginID", "RST@example.com"), Code: 0,
				Absent: []string{"passwordResetToken", "UID"}},
			{Name: "token to the server", Path: "/accounts.resetPassword", Form: e.Secret("loginID", "rst@example.com", "sendEmail", "false"),
				Code: 0, Absent: []string{"UID"}, After: token(&first)},
			{Name: "second token", Path: "/accounts.resetPassword", Form: e.Secret("loginID", "rst@example.com", "sendEmail", "0"),
				Code: 0, After: token(&second)},
		})
		run(t, e, []apitest.Scenario{
			{Name: "first token revoked", Path: "/accounts.resetPassword", Form: apitest.Form("passwordResetToken", first, "newPassword", "pass-word-2"),
				Code: 400006, Details: usedResetToken},
			{Name: "loginID and token", Path: "/accounts.resetPassword", Form: apitest.Form("loginID", "rst@example.com", "passwordResetToken", second,
				"newPassword", "pass-word-2"), Code: 400006,
				Details: "Invalid parameter value: passwordResetToken: give loginID or passwordResetToken, not both"},
			{Name: "missing newPassword", Path: "/accounts.resetPassword", Form: apitest.Form("passwordResetToken", second), Code: 400002,
				Details: missing("newPassword")},
			{Name: "newPassword too short", Path: "/accounts.resetPassword", Form: apitest.Form("passwordResetToken", second, "newPassword", "short"),
				Code: 400009, Details: "password is too short (minimum is 8 characters)", Fields: []apitest.FieldErr{passwordShort}},
			{Name: "unknown token", Path: "/accounts.resetPassword", Form: apitest.Form("passwordResetToken", "pr1_nope", "newPassword", "pass-word-2"),
				Code: 400006, Details: usedResetToken},
			// The current password is refused, and the token stays good.
			{Name: "newPassword is the current one", Path: "/accounts.resetPassword",
				Form: apitest.Form("passwordResetToken", second, "newPassword", "pass-word-1"), Code: 401030,
				Details: "password must be different from last 3 ones", Fields: []apitest.FieldErr{passwordReused}},
			{Name: "reset", Path: "/accounts.resetPassword", Form: apitest.Form("passwordResetToken", second, "newPassword", "pass-word-2"),
				Code: 0, Want: map[string]any{"UID": uid}, Absent: []string{"passwordResetToken"}},
			{Name: "token reused", Path: "/accounts.resetPassword", Form: apitest.Form("passwordResetToken", second, "newPassword", "pass-word-3"),
				Code: 400006, Details: usedResetToken},
			{Name: "old password", Path: "/accounts.login", Form: apitest.Form("loginID", "rst@example.com", "password", "pass-word-1"),
				Code: 403042, Details: badLogin},
			{Name: "new password", Path: "/accounts.login", Form: apitest.Form("loginID", "rst@example.com", "password", "pass-word-2"),
				Code: 0, Want: map[string]any{"UID": uid}},
		})
		for _, s := range []string{s1, s2} {
			if c := e.SessionCode(t, s); c != 403001 {
				t.Errorf("a session after the reset: %v", c)
			}
		}
	})
}

// --------------------------------------------------------------- JWT

// verifyJWT checks an id_token with the site's public key from
// accounts.getJWTPublicKey and returns its claims.
func verifyJWT(t *testing.T, e *apitest.App, token any) map[string]any {
	t.Helper()
	tok, _ := token.(string)
	jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatalf("id_token %q: %v", tok, err)
	}
	m := e.Call(t, "accounts.getJWTPublicKey", apitest.Form())
	apitest.ExpectRPC(t, m, 0, "")
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON([]byte(apitest.Dump(map[string]any{"kty": m["kty"], "kid": m["kid"], "use": m["use"],
		"alg": m["alg"], "n": m["n"], "e": m["e"]}))); err != nil {
		t.Fatalf("JWK: %v", err)
	}
	payload, err := jws.Verify(jwk)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if kid := jws.Signatures[0].Header.KeyID; kid != m["kid"] || kid == "" {
		t.Errorf("kid %q, key %v", kid, m["kid"])
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

func TestAccountsGetJWT(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		uid, token := registerWith(t, e, apitest.Form("email", "Jwt@Example.com", "password", "pass-word-1", "profile", `{"firstName":"Jay"}`))
		t.Run("public key", func(t *testing.T) {
			m := e.Call(t, "accounts.getJWTPublicKey", apitest.Form())
			apitest.ExpectRPC(t, m, 0, "")
			apitest.ExpectFields(t, m, map[string]any{"kty": "RSA", "alg": "RS256", "use": "sig", "e": "AQAB"})
			apitest.ExpectAbsent(t, m, "d", "p", "q", "dp", "dq", "qi")
			v2 := e.Call(t, "accounts.getJWTPublicKey", apitest.Form("V2", "true"))
			apitest.ExpectRPC(t, v2, 0, "")
			keys, _ := v2["keys"].([]any)
			if len(keys) != 1 || keys[0].(map[string]any)["kid"] != m["kid"] || keys[0].(map[string]any)["n"] != m["n"] {
				t.Errorf("V2 keys %s, key %s", apitest.Dump(keys), apitest.Dump(m))
			}
			apitest.ExpectRPC(t, e.Call(t, "accounts.getJWTPublicKey", apitest.Form("V2", "2")), 400006, "Invalid parameter value: V2: want true or false")
		})
		run(t, e, []apitest.Scenario{
			{Name: "server call", Path: "/accounts.getJWT", Form: e.Secret("targetUID", uid, "fields", "firstName,email,data.plan",
				"expiration", "60", "audience", "x"),
				Code: 0, Want: map[string]any{"ignoredFields": "data.plan"},
				After: func(t *testing.T, _ apitest.Response, m map[string]any) {
					c := verifyJWT(t, e, m["id_token"])
					if iss, _ := c["iss"].(string); iss != "http://custos.test/jwt/"+e.Site.APIKey+"/" || !strings.HasSuffix(iss, "/jwt/"+e.Site.APIKey+"/") {
						t.Errorf("iss %q", iss)
					}
					apitest.ExpectFields(t, c, map[string]any{"sub": uid, "apiKey": e.Site.APIKey, "iat": apitest.Now.Unix(), "exp": apitest.Now.Unix() + 60,
						"aud": "x", "firstName": "Jay", "email": "Jwt@Example.com", "email_verified": false})
				}},
			{Name: "server call by UID", Path: "/accounts.getJWT", Form: e.Secret("UID", uid), Code: 0,
				After: func(t *testing.T, _ apitest.Response, m map[string]any) {
					c := verifyJWT(t, e, m["id_token"])
					apitest.ExpectFields(t, c, map[string]any{"sub": uid, "exp": apitest.Now.Unix() + 300})
					apitest.ExpectAbsent(t, c, "aud", "firstName")
				}},
			{Name: "session", Path: "/accounts.getJWT", Form: apitest.Form("login_token", token, "fields", "profile.firstName"), Code: 0,
				After: func(t *testing.T, _ apitest.Response, m map[string]any) {
					apitest.ExpectFields(t, verifyJWT(t, e, m["id_token"]), map[string]any{"sub": uid, "firstName": "Jay"})
				}},
			// A client gets its own token whatever targetUID says.
			{Name: "session naming another UID", Path: "/accounts.getJWT",
				Form: apitest.Form("login_token", token, "targetUID", "0123456789abcdef0123456789abcdef"), Code: 0,
				After: func(t *testing.T, _ apitest.Response, m map[string]any) {
					apitest.ExpectFields(t, verifyJWT(t, e, m["id_token"]), map[string]any{"sub": uid})
				}},
			{Name: "expiration 0", Path: "/accounts.getJWT", Form: e.Secret("targetUID", uid, "expiration", "0"), Code: 400006,
				Details: "Invalid parameter value: expiration: want 1 to 86400 seconds"},
			{Name: "expiration over a day", Path: "/accounts.getJWT", Form: e.Secret("targetUID", uid, "expiration", "86401"), Code: 400006,
				Details: "Invalid parameter value: expiration: want 1 to 86400 seconds"},
			{Name: "expiration not a number", Path: "/accounts.getJWT", Form: e.Secret("targetUID", uid, "expiration", "1m"), Code: 400006,
				Details: "Invalid parameter value: expiration: want 1 to 86400 seconds"},
			{Name: "server call without targetUID", Path: "/accounts.getJWT", Form: e.Secret(), Code: 400002, Details: missing("targetUID")},
			{Name: "unknown targetUID", Path: "/accounts.getJWT", Form: e.Secret("targetUID", strings.Repeat("9", 32)), Code: 403005,
				Details: noUID(strings.Repeat("9", 32))},
			{Name: "no secret, no session", Path: "/accounts.getJWT", Form: apitest.Form("targetUID", uid), Code: 403012, Details: noSession},
			{Name: "unknown session", Path: "/accounts.getJWT", Form: apitest.Form("login_token", "st1_nope"), Code: 403001, Details: badToken},
		})
	})
}

// The email claim of an id_token must not be an address nobody verified
// while email_verified says true: relying parties take the pair as proof
// that the user owns the address. profile.email is free text a client sets.
func TestAccountsJWTEmailClaim(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		uid := verifiedAccount(t, e, "Vera@Example.com", "pass-word-1")
		token := login(t, e, "vera@example.com", "pass-word-1")
		apitest.ExpectRPC(t, e.Call(t, "accounts.setAccountInfo", apitest.Form("login_token", token, "profile", `{"email":"ceo@victim.example"}`)), 0, "")
		m := e.Call(t, "accounts.getJWT", apitest.Form("login_token", token, "fields", "email"))
		apitest.ExpectRPC(t, m, 0, "")
		c := verifyJWT(t, e, m["id_token"])
		if c["sub"] != uid {
			t.Fatalf("claims %s", apitest.Dump(c))
		}
		if c["email_verified"] == true && c["email"] != "Vera@Example.com" {
			t.Errorf("id_token says email %v, email_verified true; the verified address is Vera@Example.com", c["email"])
		}
	})
}

// ------------------------------------------------------------ policies

// policyDefaults are the policy sections of a new site.
var policyDefaults = map[string]any{
	"registration": map[string]any{"requireLoginID": true, "requireCaptcha": false, "enforceCoppa": false, "minimumAge": 0},
	"accountOptions": map[string]any{"verifyEmail": false, "allowUnverifiedLogin": false, "loginIdentifiers": "email,username",
		"preventLoginIDHarvesting": false, "loginIdentifierConflict": "ignore"},
	"passwordComplexity": map[string]any{"minLength": 8, "minCharGroups": 0, "regExp": ""},
	"passwordReset":      map[string]any{"tokenExpiration": 3600},
	"emailVerification":  map[string]any{"verificationEmailExpiration": 86400},
	"gigyaPlugins":       map[string]any{"sessionExpiration": 0},
	"security": map[string]any{"passwordHistorySize": 3, "passwordChangeInterval": 0,
		"accountLockout": map[string]any{"failedLoginThreshold": 0, "lockoutTimeSec": 300, "failedLoginResetSec": 3600},
		"ipLockout":      map[string]any{"hourlyFailedLoginThreshold": 0, "lockoutTimeSec": 300},
		"captcha":        map[string]any{"failedLoginThreshold": 0}},
}

// clientPolicyDefaults are the sections of policyDefaults a client sees.
var clientPolicyDefaults = map[string]any{"registration": policyDefaults["registration"], "passwordComplexity": policyDefaults["passwordComplexity"],
	"gigyaPlugins": policyDefaults["gigyaPlugins"], "security": policyDefaults["security"]}

// policySections are the policy sections of an answer.
func policySections(m map[string]any) map[string]any {
	out := map[string]any{}
	for k := range policyDefaults {
		if v, ok := m[k]; ok {
			out[k] = v
		}
	}
	return out
}

// expectSections asserts the policy sections an answer carries.
func expectSections(want map[string]any) func(*testing.T, apitest.Response, map[string]any) {
	return func(t *testing.T, _ apitest.Response, m map[string]any) {
		if got := policySections(m); !apitest.JSONEqual(got, want) {
			t.Errorf("sections %s, want %s", apitest.Dump(got), apitest.Dump(want))
		}
	}
}

// accounts.getPolicies: clients get the client sections, servers all.
func TestAccountsGetPolicies(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		run(t, e, []apitest.Scenario{
			{Name: "client", Path: "/accounts.getPolicies", Form: apitest.Form(), Code: 0, After: expectSections(clientPolicyDefaults)},
			{Name: "client, one section", Path: "/accounts.getPolicies", Form: apitest.Form("sections", "registration"), Code: 0,
				After: expectSections(map[string]any{"registration": policyDefaults["registration"]})},
			{Name: "client, a server section", Path: "/accounts.getPolicies", Form: apitest.Form("sections", "registration,accountOptions"),
				Code: 403007, Details: "Permission denied: section accountOptions is for server calls only"},
			{Name: "unknown section", Path: "/accounts.getPolicies", Form: e.Secret("sections", "bogus"), Code: 400006,
				Details: `Invalid parameter value: sections: unknown section "bogus"`},
			{Name: "server", Path: "/accounts.getPolicies", Form: e.Secret(), Code: 0, After: expectSections(policyDefaults)},
			{Name: "server, one section", Path: "/accounts.getPolicies", Form: e.Secret("sections", "accountOptions"), Code: 0,
				After: expectSections(map[string]any{"accountOptions": policyDefaults["accountOptions"]})},
		})
	})
}

// accounts.setPolicies: server calls only, checked section by section,
// applied whole or not at all, followed by the other methods at once.
func TestAccountsSetPolicies(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		run(t, e, []apitest.Scenario{
			{Name: "set without secret", Path: "/accounts.setPolicies", Form: apitest.Form("accountOptions", `{"verifyEmail":true}`), Code: 403007,
				Details: serverOnly("accounts.setPolicies")},
			{Name: "set nothing", Path: "/accounts.setPolicies", Form: e.Secret(), Code: 400002,
				Details: missing("a policy section (e.g. accountOptions)")},
			{Name: "unknown section", Path: "/accounts.setPolicies", Form: e.Secret("bogus", `{}`), Code: 400006,
				Details: "Invalid parameter value: bogus: unknown policy section"},
			{Name: "unknown field", Path: "/accounts.setPolicies", Form: e.Secret("accountOptions", `{"verifyEmial":true}`), Code: 400006,
				Details: "Invalid parameter value: accountOptions.verifyEmial: unknown policy"},
			{Name: "wrong type", Path: "/accounts.setPolicies", Form: e.Secret("accountOptions", `{"verifyEmail":"yes"}`), Code: 400006,
				Details: "Invalid parameter value: accountOptions.verifyEmail: want bool"},
			{Name: "not JSON", Path: "/accounts.setPolicies", Form: e.Secret("accountOptions", `verifyEmail=true`), Code: 400004,
				Details: "Invalid parameter format: accountOptions: not a JSON object"},
			{Name: "minLength 0", Path: "/accounts.setPolicies", Form: e.Secret("passwordComplexity", `{"minLength":0}`), Code: 400006,
				Details: "Invalid parameter value: passwordComplexity.minLength: want 1 to 1024"},
			{Name: "unknown login identifier", Path: "/accounts.setPolicies", Form: e.Secret("accountOptions", `{"loginIdentifiers":"phone"}`),
				Code: 400006, Details: `Invalid parameter value: accountOptions.loginIdentifiers: want "email", "username" or "email,username"`},
			{Name: "session expiration", Path: "/accounts.setPolicies", Form: e.Secret("gigyaPlugins", `{"sessionExpiration":-1}`),
				Code: 400006, Details: "Invalid parameter value: gigyaPlugins.sessionExpiration: want 0 to 315360000 seconds, or -2"},
			{Name: "regExp", Path: "/accounts.setPolicies", Form: e.Secret("passwordComplexity", `{"regExp":"("}`),
				Code: 400006, Details: "Invalid parameter value: passwordComplexity.regExp: not a valid regular expression (RE2 syntax)"},
			{Name: "resetURL", Path: "/accounts.setPolicies", Form: e.Secret("passwordReset", `{"resetURL":"javascript:alert(1)"}`),
				Code: 400006, Details: "Invalid parameter value: passwordReset.resetURL: want an absolute http(s) URL without a fragment"},
			{Name: "token expiration", Path: "/accounts.setPolicies", Form: e.Secret("passwordReset", `{"tokenExpiration":59}`),
				Code: 400006, Details: "Invalid parameter value: passwordReset.tokenExpiration: want 60 to 2592000 seconds"},
			{Name: "password history", Path: "/accounts.setPolicies", Form: e.Secret("security", `{"passwordHistorySize":11}`),
				Code: 400006, Details: "Invalid parameter value: security.passwordHistorySize: want 0 to 10"},
			// A good section beside a bad one: neither is applied.
			{Name: "rejected as a whole", Path: "/accounts.setPolicies", Form: e.Secret("accountOptions", `{"verifyEmail":true}`,
				"passwordComplexity", `{"minLength":0}`),
				Code: 400006, Details: "Invalid parameter value: passwordComplexity.minLength: want 1 to 1024"},
			{Name: "nothing changed", Path: "/accounts.getPolicies", Form: e.Secret(), Code: 0, After: expectSections(policyDefaults)},

			{Name: "set", Path: "/accounts.setPolicies", Form: e.Secret("passwordComplexity", `{"minLength":10}`), Code: 0},
			{Name: "client sees it", Path: "/accounts.getPolicies", Form: apitest.Form("sections", "passwordComplexity"), Code: 0,
				After: expectSections(map[string]any{"passwordComplexity": map[string]any{"minLength": 10, "minCharGroups": 0, "regExp": ""}})},
			{Name: "register follows it", Path: "/accounts.register", Form: apitest.Form("email", "pol@example.com", "password", "nine-char",
				"finalizeRegistration", "true"), Code: 400009, Details: "password is too short (minimum is 10 characters)",
				Fields: []apitest.FieldErr{apitest.Field(400009, "password", "password is too short (minimum is 10 characters)")}},
			{Name: "null restores the defaults", Path: "/accounts.setPolicies", Form: e.Secret("passwordComplexity", "null"), Code: 0},
			{Name: "defaults again", Path: "/accounts.getPolicies", Form: e.Secret(), Code: 0, After: expectSections(policyDefaults)},
		})
	})
}

// --------------------------------------------------------------- misc

func TestAccountsUnknownMethod(t *testing.T) {
	t.Parallel()
	e := apitest.NewApp(t, store.SQLite)
	for _, name := range []string{"accounts.noSuchMethod", "accounts.tfa.initTFA"} {
		m := e.Call(t, name, apitest.Form())
		apitest.ExpectRPC(t, m, 501001, fmt.Sprintf("Invalid API method: %q", name))
	}
}
