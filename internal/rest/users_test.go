package rest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/rest"
	"github.com/custos-id/custos/internal/site"
)

// The /users API of the REST dialect, endpoint by endpoint: each success
// with its status, Location and JSON, and each error it can answer, with
// its status, token, description and errors array. Every scenario runs on
// both engines, through the real router.

// ---------------------------------------------------------------- helpers

// restBase is the URL prefix of Location headers and connection URLs.
const restBase = "http://custos.test" + rest.Prefix

// restNow is the fixed clock of newEnv as the REST dialect shows times.
const restNow = "2026-11-22T10:30:15Z"

// restScenario runs scenarios against one env; values a scenario saves
// (ids, tokens) fill the {name} placeholders of later ones.
type restScenario struct {
	e     *apitest.App
	other site.Site // a second site, with its own users and credentials
	vars  map[string]string
}

func newRESTScenario(t *testing.T, e *apitest.App) *restScenario {
	t.Helper()
	other, err := e.App.Sites.Create(context.Background(), "other", nil)
	if err != nil {
		t.Fatal(err)
	}
	return &restScenario{e: e, other: other, vars: e.Vars}
}

// run runs the scenarios in order, each as a subtest. A failed scenario
// that saves a value stops the run: the ones after it depend on it.
func (s *restScenario) run(t *testing.T, steps []apitest.Scenario) {
	t.Helper()
	apitest.Run(t, s.e, steps)
}

// fill replaces the {name} placeholders of str with the saved values.
func (s *restScenario) fill(str string) string {
	for k, v := range s.vars {
		str = strings.ReplaceAll(str, "{"+k+"}", v)
	}
	return str
}

// restUser is the JSON of a user resource.
type restUser struct {
	id        string // a number or a {placeholder}
	username  string // "" is null
	email     string // "" is null
	signedIn  bool   // signed_in_at is restNow, else null
	inactive  bool
	confirmed bool
	profile   string // the JSON of "profile"; "" when absent
}

func (u restUser) String() string {
	signedIn := "null"
	if u.signedIn {
		signedIn = strconv.Quote(restNow)
	}
	profile := ""
	if u.profile != "" {
		profile = `,"profile":` + u.profile
	}
	return fmt.Sprintf(`{"id":%s,"username":%s,"email_address":%s,"signed_up_at":%q,"signed_in_at":%s,`+
		`"active":%t,"confirmed":%t,"locked":false%s}`,
		u.id, jsonOrNull(u.username), jsonOrNull(u.email), restNow, signedIn, !u.inactive, u.confirmed, profile)
}

func jsonOrNull(s string) string {
	if s == "" {
		return "null"
	}
	b, _ := json.Marshal(s)
	return string(b)
}

// restErr is an error body whose errors array holds its description.
func restErr(token, desc string) string {
	b, _ := json.Marshal(map[string]any{"error": token, "error_description": desc, "errors": []string{desc}})
	return string(b)
}

// restField is one entry of the errors array of a validation error.
type restField struct {
	attr, msg, code string
	count           int // 0: no count
}

// restInvalid is a 422 whose description lists the field errors, as in the
// Social ID example "email_address has already been taken".
func restInvalid(fs ...restField) string {
	var msgs []string
	var errs []map[string]any
	for _, f := range fs {
		msgs = append(msgs, f.attr+" "+f.msg)
		e := map[string]any{"attribute": f.attr, "message": f.msg, "code": f.code}
		if f.count != 0 {
			e["count"] = f.count
		}
		errs = append(errs, e)
	}
	b, _ := json.Marshal(map[string]any{"error": "unprocessable_entity", "error_description": strings.Join(msgs, ", "), "errors": errs})
	return string(b)
}

// restRefused is a refused login: 403 with one base error carrying code.
func restRefused(code, msg string) string {
	b, _ := json.Marshal(map[string]any{"error": "forbidden", "error_description": msg,
		"errors": []any{map[string]any{"attribute": "base", "message": msg, "code": code}}})
	return string(b)
}

func restTaken(attr string) restField { return restField{attr, "has already been taken", "taken", 0} }

var (
	restTooShort      = restField{"password", "is too short (minimum is 8 characters)", "too_short", 8}
	restBlankPassword = restField{"password", "can't be blank", "blank", 0}
	restRepeated      = restField{"password", "must be different from last 3 ones", "repeated", 3}
	restConfirmation  = restField{"password_confirmation", "doesn't match password", "confirmation", 0}
	restInvalidEmail  = restField{"email_address", "must be a valid email", "invalid_email", 0}

	restNoLoginID    = restErr("bad_request", "Username or Email Address must be given")
	restUserNotFound = restErr("not_found", "User not found")
	restBadLogin     = restRefused("invalid_password", "wrong password and email or username combination")
	restNoUser       = restErr("bad_request", "Missing required parameter: user")
	restMalformed    = restErr("bad_request", "Invalid request body: malformed JSON")
	restNotJSON      = restErr("not_acceptable", `The request body must be JSON: set "Content-Type: application/json"`)
	restNoAuth       = restErr("unauthorized", "HTTP Basic authentication with <siteId>:<secret> is required")
	restBadAuth      = restErr("unauthorized", "Invalid site credentials")
)

// createUser creates a user over REST and returns its id.
func (s *restScenario) createUser(t *testing.T, body string) string {
	t.Helper()
	r := s.e.REST(t, "POST", "/users", body)
	if r.Status != 201 {
		t.Fatalf("create %s: %d %s", body, r.Status, r.Body)
	}
	return apitest.JSONScalar(r.JSON(t)["id"])
}

// createOtherUser creates a user of the second site and returns its id.
func (s *restScenario) createOtherUser(t *testing.T, body string) string {
	t.Helper()
	o := *s
	o.e = s.e.With(s.other)
	return o.createUser(t, body)
}

// loginToken logs in over REST and returns the login_token.
func (s *restScenario) loginToken(t *testing.T, body string) string {
	t.Helper()
	r := s.e.REST(t, "POST", "/users/login", body)
	tok, _ := r.JSON(t)["login_token"].(string)
	if r.Status != 201 || tok == "" {
		t.Fatalf("login %s: %d %s", body, r.Status, r.Body)
	}
	return tok
}

// checkLogin asserts the body of a successful login of the user whose id
// is {user}, and that its login_token is a session of the RPC dialect.
func (s *restScenario) checkLogin(user string) func(*testing.T, apitest.Response, map[string]any) {
	return func(t *testing.T, r apitest.Response, m map[string]any) {
		t.Helper()
		connID, _ := m["connection_id"].(string)
		if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(connID) {
			t.Errorf("connection_id %q", connID)
		}
		if m["connection"] != restBase+"/connections/"+connID {
			t.Errorf("connection %v", m["connection"])
		}
		if _, isNumber := m["user_id"].(float64); !isNumber || apitest.JSONScalar(m["user_id"]) != s.vars[user] {
			t.Errorf("user_id %#v, want the number %s", m["user_id"], s.vars[user])
		}
		if len(m) != 4 {
			t.Errorf("keys beyond connection, connection_id, login_token, user_id: %s", r.Body)
		}
		tok, _ := m["login_token"].(string)
		if tok == "" {
			t.Fatalf("no login_token: %s", r.Body)
		}
		if code := s.e.SessionCode(t, tok); code != 0 {
			t.Errorf("accounts.getAccountInfo with the login_token: errorCode %v", code)
		}
	}
}

// wantSessionEnded asserts that an RPC session token no longer works.
func (s *restScenario) wantSessionEnded(t *testing.T, tok string) {
	t.Helper()
	if code := s.e.SessionCode(t, tok); code == 0 {
		t.Errorf("the session %s still works", tok)
	}
}

// wantAvailable asserts accounts.isAvailableLoginID over RPC.
func (s *restScenario) wantAvailable(t *testing.T, loginID string, want bool) {
	t.Helper()
	if got := s.e.Available(t, loginID); got != want {
		t.Errorf("isAvailableLoginID(%s) = %t, want %t", loginID, got, want)
	}
}

const allowUsernames = `{"loginIdentifiers":"email,username"}`

// ---------------------------------------------------------------- POST /users

func TestRESTCreateUser(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		s := newRESTScenario(t, e)
		john := restUser{id: "{john}", email: "John.Doe@Example.com"}
		s.run(t, []apitest.Scenario{
			{Name: "email and password", Method: "POST", Path: rest.Prefix + "/users",
				Body:   `{"user":{"email_address":"John.Doe@Example.com","password":"new_user_secret"}}`,
				Status: 201, Location: restBase + "/users/{john}", Save: map[string]string{"john": "id"}, WantBody: john.String()},
			{Name: "the Location is the user", Method: "GET", Path: rest.Prefix + "/users/{john}", Status: 200, WantBody: john.String()},
			// A new site logs in by username too.
			{Name: "username only", Method: "POST", Path: rest.Prefix + "/users",
				Body:   `{"user":{"username":"johnny","password":"new_user_secret"}}`,
				Status: 201, Location: restBase + "/users/{johnny}", Save: map[string]string{"johnny": "id"},
				WantBody: restUser{id: "{johnny}", username: "johnny"}.String()},
			{Name: "username and email", Method: "POST", Path: rest.Prefix + "/users",
				Body:   `{"user":{"username":"mary","email_address":"mary@example.com","password":"new_user_secret","password_confirmation":"new_user_secret"}}`,
				Status: 201, Location: restBase + "/users/{mary}", Save: map[string]string{"mary": "id"},
				WantBody: restUser{id: "{mary}", username: "mary", email: "mary@example.com"}.String()},

			// Login IDs are unique within a site only.
			{Name: "the same email in another site", As: &s.other, Method: "POST", Path: rest.Prefix + "/users",
				Body:   `{"user":{"email_address":"john.doe@example.com","password":"new_user_secret"}}`,
				Status: 201, Location: restBase + "/users/{otherJohn}", Save: map[string]string{"otherJohn": "id"},
				WantBody: restUser{id: "{otherJohn}", email: "john.doe@example.com"}.String()},
		})
		// A site narrowed to emails refuses usernames.
		e.SetPolicies(t, "accountOptions", `{"loginIdentifiers":"email"}`)
		s.run(t, []apitest.Scenario{
			{Name: "username while only emails log in", Method: "POST", Path: rest.Prefix + "/users",
				Body:   `{"user":{"username":"jimmy","password":"new_user_secret"}}`,
				Status: 422, WantBody: restInvalid(restField{"username", "is not a login identifier of this site", "invalid", 0},
					restField{"email_address", "can't be blank", "blank", 0})},
		})
	})
}

// POST /users refused: no login ID or user, field errors (nothing is
// created), a body that is not what the route takes, no credentials.
func TestRESTCreateUserRefused(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		s := newRESTScenario(t, e)
		e.SetPolicies(t, "accountOptions", allowUsernames)
		s.createUser(t, `{"user":{"email_address":"John.Doe@Example.com","password":"new_user_secret"}}`)
		s.createUser(t, `{"user":{"username":"johnny","password":"new_user_secret"}}`)
		s.createUser(t, `{"user":{"username":"mary","email_address":"mary@example.com","password":"new_user_secret"}}`)
		s.run(t, []apitest.Scenario{
			// 400: no login ID, no user.
			{Name: "neither username nor email", Method: "POST", Path: rest.Prefix + "/users", Body: `{"user":{"password":"new_user_secret"}}`,
				Status: 400, WantBody: restNoLoginID},
			{Name: "blank username and email", Method: "POST", Path: rest.Prefix + "/users",
				Body: `{"user":{"username":" ","email_address":"","password":"new_user_secret"}}`, Status: 400, WantBody: restNoLoginID},
			{Name: "empty user object", Method: "POST", Path: rest.Prefix + "/users", Body: `{"user":{}}`, Status: 400, WantBody: restNoLoginID},
			{Name: "fields outside user", Method: "POST", Path: rest.Prefix + "/users",
				Body: `{"email_address":"out@example.com","password":"new_user_secret"}`, Status: 400, WantBody: restNoUser},
			{Name: "user null", Method: "POST", Path: rest.Prefix + "/users", Body: `{"user":null}`, Status: 400, WantBody: restNoUser},
			{Name: "no body", Method: "POST", Path: rest.Prefix + "/users", Status: 400, WantBody: restNoUser},

			// 422: validation.
			{Name: "taken email", Method: "POST", Path: rest.Prefix + "/users",
				Body:   `{"user":{"email_address":"John.Doe@Example.com","password":"new_user_secret"}}`,
				Status: 422, WantBody: `{"error":"unprocessable_entity","error_description":"email_address has already been taken",
					"errors":[{"attribute":"email_address","message":"has already been taken","code":"taken"}]}`},
			{Name: "taken email in another case", Method: "POST", Path: rest.Prefix + "/users",
				Body: `{"user":{"email_address":"JOHN.DOE@example.COM","password":"new_user_secret"}}`, Status: 422,
				WantBody: restInvalid(restTaken("email_address"))},
			{Name: "taken username in another case", Method: "POST", Path: rest.Prefix + "/users",
				Body: `{"user":{"username":"JOHNNY","password":"new_user_secret"}}`, Status: 422, WantBody: restInvalid(restTaken("username"))},
			{Name: "email and username both taken", Method: "POST", Path: rest.Prefix + "/users",
				Body:   `{"user":{"username":"Mary","email_address":"Mary@Example.com","password":"new_user_secret"}}`,
				Status: 422, WantBody: restInvalid(restTaken("email_address"), restTaken("username"))},
			{Name: "invalid email", Method: "POST", Path: rest.Prefix + "/users",
				Body: `{"user":{"email_address":"not-an-email","password":"new_user_secret"}}`, Status: 422,
				WantBody: restInvalid(restInvalidEmail)},
			{Name: "invalid username", Method: "POST", Path: rest.Prefix + "/users",
				Body: `{"user":{"username":"two words","password":"new_user_secret"}}`, Status: 422,
				WantBody: restInvalid(restField{"username", "is invalid", "invalid", 0})},
			{Name: "short password", Method: "POST", Path: rest.Prefix + "/users",
				Body: `{"user":{"email_address":"short@example.com","password":"short"}}`, Status: 422,
				WantBody: restInvalid(restTooShort)},
			{Name: "blank password", Method: "POST", Path: rest.Prefix + "/users",
				Body: `{"user":{"email_address":"blank@example.com","password":""}}`, Status: 422, WantBody: restInvalid(restBlankPassword)},
			{Name: "no password", Method: "POST", Path: rest.Prefix + "/users",
				Body: `{"user":{"email_address":"blank@example.com"}}`, Status: 422, WantBody: restInvalid(restBlankPassword)},
			{Name: "password_confirmation differs", Method: "POST", Path: rest.Prefix + "/users",
				Body:   `{"user":{"email_address":"confirm@example.com","password":"new_user_secret","password_confirmation":"new_user_secreT"}}`,
				Status: 422, WantBody: restInvalid(restConfirmation)},
			{Name: "several problems at once", Method: "POST", Path: rest.Prefix + "/users",
				Body: `{"user":{"email_address":"bad","username":"two words","password":"short"}}`, Status: 422,
				WantBody: restInvalid(restInvalidEmail, restField{"username", "is invalid", "invalid", 0}, restTooShort)},
			{Name: "nothing was created by the failures", Method: "GET", Path: rest.Prefix + "/users/find_by?email_address=confirm@example.com",
				Status: 404, WantBody: restUserNotFound},

			// The request itself.
			{Name: "a value of the wrong type", Method: "POST", Path: rest.Prefix + "/users", Body: `{"user":{"email_address":5}}`, Status: 400,
				WantBody: restErr("bad_request", "Invalid request body: user.email_address must be a string")},
			{Name: "body not JSON", Method: "POST", Path: rest.Prefix + "/users", Headers: ctype("text/plain"),
				Body: `{"user":{"email_address":"plain@example.com","password":"new_user_secret"}}`, Status: 406, WantBody: restNotJSON},
			{Name: "malformed JSON", Method: "POST", Path: rest.Prefix + "/users", Body: `{"user":{"email_address":`, Status: 400, WantBody: restMalformed},
			{Name: "no credentials", Auth: "none", Method: "POST", Path: rest.Prefix + "/users",
				Body: `{"user":{"email_address":"anon@example.com","password":"new_user_secret"}}`, Status: 401, WantBody: restNoAuth},
			{Name: "wrong secret", Auth: "wrong", Method: "POST", Path: rest.Prefix + "/users",
				Body: `{"user":{"email_address":"anon@example.com","password":"new_user_secret"}}`, Status: 401, WantBody: restBadAuth},
			{Name: "no user made without credentials", Method: "GET", Path: rest.Prefix + "/users/find_by?email_address=anon@example.com",
				Status: 404, WantBody: restUserNotFound},
		})
	})
}

// ---------------------------------------------------------------- GET /users/:id

func TestRESTGetUser(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		s := newRESTScenario(t, e)
		s.vars["id"] = s.createUser(t, `{"user":{"email_address":"get@example.com","password":"get-password-1"}}`)
		tok := s.loginToken(t, `{"email_address":"get@example.com","password":"get-password-1"}`)
		info := e.Call(t, "accounts.getAccountInfo", apitest.Form("login_token", tok))
		uid, _ := info["UID"].(string)
		if m := e.Call(t, "accounts.setAccountInfo", e.Secret("UID", uid,
			"profile", `{"firstName":"Gert","lastName":"Smit","age":41}`)); m["errorCode"] != 0.0 {
			t.Fatalf("setAccountInfo: %v", m)
		}
		user := restUser{id: "{id}", email: "get@example.com", signedIn: true}
		withProfile := func(p string) string { u := user; u.profile = p; return u.String() }
		s.vars["otherID"] = s.createOtherUser(t,
			`{"user":{"email_address":"get@example.com","password":"get-password-1"}}`)

		s.run(t, []apitest.Scenario{
			{Name: "user", Method: "GET", Path: rest.Prefix + "/users/{id}", Status: 200, WantBody: user.String()},
			{Name: "fields", Method: "GET", Path: rest.Prefix + "/users/{id}?fields=firstName", Status: 200, WantBody: withProfile(`{"firstName":"Gert"}`)},
			{Name: "comma-separated fields", Method: "GET", Path: rest.Prefix + "/users/{id}?fields=firstName,%20age", Status: 200,
				WantBody: withProfile(`{"firstName":"Gert","age":41}`)},
			{Name: "fields[] form", Method: "GET", Path: rest.Prefix + "/users/{id}?fields%5B%5D=firstName&fields%5B%5D=lastName", Status: 200,
				WantBody: withProfile(`{"firstName":"Gert","lastName":"Smit"}`)},
			{Name: "a login ID is a profile field", Method: "GET", Path: rest.Prefix + "/users/{id}?fields=email", Status: 200,
				WantBody: withProfile(`{"email":"get@example.com"}`)},
			{Name: "unknown fields are left out", Method: "GET", Path: rest.Prefix + "/users/{id}?fields=firstName,shoeSize", Status: 200,
				WantBody: withProfile(`{"firstName":"Gert"}`)},

			{Name: "unknown id", Method: "GET", Path: rest.Prefix + "/users/999999", Status: 404, WantBody: restUserNotFound},
			{Name: "non-numeric id", Method: "GET", Path: rest.Prefix + "/users/abc", Status: 404, WantBody: restUserNotFound},
			{Name: "zero id", Method: "GET", Path: rest.Prefix + "/users/0", Status: 404, WantBody: restUserNotFound},
			{Name: "negative id", Method: "GET", Path: rest.Prefix + "/users/-1", Status: 404, WantBody: restUserNotFound},
			{Name: "id beyond int64", Method: "GET", Path: rest.Prefix + "/users/99999999999999999999", Status: 404, WantBody: restUserNotFound},
			{Name: "a user of another site", As: &s.other, Method: "GET", Path: rest.Prefix + "/users/{id}", Status: 404, WantBody: restUserNotFound},
			{Name: "the other site's own user", As: &s.other, Method: "GET", Path: rest.Prefix + "/users/{otherID}", Status: 200,
				WantBody: restUser{id: "{otherID}", email: "get@example.com"}.String()},
			{Name: "the other site's user from this site", Method: "GET", Path: rest.Prefix + "/users/{otherID}", Status: 404, WantBody: restUserNotFound},
			{Name: "no credentials", Auth: "none", Method: "GET", Path: rest.Prefix + "/users/{id}", Status: 401, WantBody: restNoAuth},
		})
	})
}

// ---------------------------------------------------------------- PUT /users/:id

// newUpdateScenario has the users of the PUT /users/{id} tests: johnny
// ({id}, password first-password-1), mary ({mary}) and, in the other site,
// a user with johnny's email ({otherID}).
func newUpdateScenario(t *testing.T, e *apitest.App) *restScenario {
	t.Helper()
	s := newRESTScenario(t, e)
	e.SetPolicies(t, "accountOptions", allowUsernames)
	s.vars["id"] = s.createUser(t, `{"user":{"username":"johnny","email_address":"john@example.com","password":"first-password-1"}}`)
	s.vars["mary"] = s.createUser(t, `{"user":{"username":"mary","email_address":"mary@example.com","password":"mary-password-1"}}`)
	s.vars["otherID"] = s.createOtherUser(t,
		`{"user":{"email_address":"john@example.com","password":"first-password-1"}}`)
	return s
}

// runUpdate runs, on each engine, the scenarios that steps gives for
// newUpdateScenario.
func runUpdate(t *testing.T, steps func(t *testing.T, s *restScenario) []apitest.Scenario) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		s := newUpdateScenario(t, e)
		s.run(t, steps(t, s))
	})
}

// Changes of the login IDs: username and email.
func TestRESTUpdateUser(t *testing.T) {
	runUpdate(t, func(t *testing.T, s *restScenario) []apitest.Scenario {
		return []apitest.Scenario{
			{Name: "confirmation token", Method: "POST", Path: rest.Prefix + "/users/email_confirmation/token",
				Body: `{"email_address":"john@example.com"}`, Status: 201, Save: map[string]string{"ctok": "email_confirmation_token"}},
			{Name: "confirm the email", Method: "POST", Path: rest.Prefix + "/users/email_confirmation", Body: `{"email_confirmation_token":"{ctok}"}`,
				Status: 200, WantBody: restUser{id: "{id}", username: "johnny", email: "john@example.com", confirmed: true}.String()},
			{Name: "log in", Method: "POST", Path: rest.Prefix + "/users/login", Body: `{"username":"johnny","password":"first-password-1"}`,
				Status: 201, Location: restBase + "/sign_ins/[0-9]+", Save: map[string]string{"session": "login_token"}},

			{Name: "change the username", Method: "PUT", Path: rest.Prefix + "/users/{id}", Body: `{"user":{"username":"John2"}}`, Status: 200,
				WantBody: restUser{id: "{id}", username: "John2", email: "john@example.com", confirmed: true, signedIn: true}.String()},
			{Name: "the old username is gone", Method: "GET", Path: rest.Prefix + "/users/find_by?username=johnny", Status: 404, WantBody: restUserNotFound},
			{Name: "the new username finds the user", Method: "GET", Path: rest.Prefix + "/users/find_by?username=john2", Status: 200,
				WantBody: restUser{id: "{id}", username: "John2", email: "john@example.com", confirmed: true, signedIn: true}.String()},
			{Name: "change the email", Method: "PUT", Path: rest.Prefix + "/users/{id}", Body: `{"user":{"email_address":"John@New.example.com"}}`,
				Status: 200, WantBody: restUser{id: "{id}", username: "John2", email: "John@New.example.com", signedIn: true}.String(),
				After: func(t *testing.T, _ apitest.Response, _ map[string]any) {
					s.wantAvailable(t, "john@example.com", true)
					s.wantAvailable(t, "john@new.example.com", false)
				}},
			{Name: "the new email logs in", Method: "POST", Path: rest.Prefix + "/users/login",
				Body: `{"email_address":"john@new.example.com","password":"first-password-1"}`, Status: 201,
				Location: restBase + "/sign_ins/[0-9]+", After: s.checkLogin("id")},
			{Name: "the old email does not", Method: "POST", Path: rest.Prefix + "/users/login",
				Body: `{"email_address":"john@example.com","password":"first-password-1"}`, Status: 403, WantBody: restBadLogin},
			{Name: "the same email in another case changes nothing", Method: "PUT", Path: rest.Prefix + "/users/{id}",
				Body: `{"user":{"email_address":"JOHN@new.example.com"}}`, Status: 200,
				WantBody: restUser{id: "{id}", username: "John2", email: "John@New.example.com", signedIn: true}.String()},
			{Name: "an empty user changes nothing", Method: "PUT", Path: rest.Prefix + "/users/{id}", Body: `{"user":{}}`, Status: 200,
				WantBody: restUser{id: "{id}", username: "John2", email: "John@New.example.com", signedIn: true}.String()},
		}
	})
}

// A change of password, and the password rules (422).
func TestRESTUpdateUserPassword(t *testing.T) {
	runUpdate(t, func(t *testing.T, s *restScenario) []apitest.Scenario {
		session := s.loginToken(t, `{"username":"johnny","password":"first-password-1"}`)
		johnny := restUser{id: "{id}", username: "johnny", email: "john@example.com", signedIn: true}.String()
		return []apitest.Scenario{
			{Name: "change the password", Method: "PUT", Path: rest.Prefix + "/users/{id}",
				Body: `{"user":{"password":"second-password-2","password_confirmation":"second-password-2"}}`, Status: 200,
				WantBody: johnny, After: func(t *testing.T, _ apitest.Response, _ map[string]any) { s.wantSessionEnded(t, session) }},
			{Name: "the old password fails", Method: "POST", Path: rest.Prefix + "/users/login",
				Body: `{"username":"johnny","password":"first-password-1"}`, Status: 403, WantBody: restBadLogin},
			{Name: "the new password works", Method: "POST", Path: rest.Prefix + "/users/login",
				Body: `{"username":"johnny","password":"second-password-2"}`, Status: 201,
				Location: restBase + "/sign_ins/[0-9]+", After: s.checkLogin("id")},

			{Name: "a password used before", Method: "PUT", Path: rest.Prefix + "/users/{id}", Body: `{"user":{"password":"first-password-1"}}`,
				Status: 422, WantBody: `{"error":"unprocessable_entity","error_description":"password must be different from last 3 ones",
					"errors":[{"attribute":"password","message":"must be different from last 3 ones","code":"repeated","count":3}]}`},
			{Name: "the current password", Method: "PUT", Path: rest.Prefix + "/users/{id}", Body: `{"user":{"password":"second-password-2"}}`,
				Status: 422, WantBody: restInvalid(restRepeated)},
			{Name: "password_confirmation differs", Method: "PUT", Path: rest.Prefix + "/users/{id}",
				Body: `{"user":{"password":"third-password-3","password_confirmation":"third-password-4"}}`, Status: 422,
				WantBody: restInvalid(restConfirmation)},
			{Name: "blank password", Method: "PUT", Path: rest.Prefix + "/users/{id}", Body: `{"user":{"password":""}}`, Status: 422,
				WantBody: restInvalid(restBlankPassword)},
			{Name: "short password", Method: "PUT", Path: rest.Prefix + "/users/{id}", Body: `{"user":{"password":"short"}}`, Status: 422,
				WantBody: restInvalid(restTooShort)},
			{Name: "the password stayed", Method: "POST", Path: rest.Prefix + "/users/login",
				Body: `{"username":"johnny","password":"second-password-2"}`, Status: 201, Location: restBase + "/sign_ins/[0-9]+"},
		}
	})
}

// Refused changes: taken and invalid login IDs (422), requests without a
// user (400), users that are not there or of another site (404).
func TestRESTUpdateUserRefused(t *testing.T) {
	runUpdate(t, func(t *testing.T, s *restScenario) []apitest.Scenario {
		return []apitest.Scenario{
			{Name: "taken email", Method: "PUT", Path: rest.Prefix + "/users/{id}", Body: `{"user":{"email_address":"MARY@example.com"}}`,
				Status: 422, WantBody: `{"error":"unprocessable_entity","error_description":"email_address has already been taken",
					"errors":[{"attribute":"email_address","message":"has already been taken","code":"taken"}]}`},
			{Name: "taken username", Method: "PUT", Path: rest.Prefix + "/users/{id}", Body: `{"user":{"username":"Mary"}}`, Status: 422,
				WantBody: restInvalid(restTaken("username"))},
			{Name: "invalid email", Method: "PUT", Path: rest.Prefix + "/users/{id}", Body: `{"user":{"email_address":"nope"}}`, Status: 422,
				WantBody: restInvalid(restInvalidEmail)},
			{Name: "several problems at once", Method: "PUT", Path: rest.Prefix + "/users/{id}",
				Body:   `{"user":{"username":"two words","email_address":"nope","password":"short"}}`,
				Status: 422, WantBody: restInvalid(restField{"username", "is invalid", "invalid", 0}, restInvalidEmail, restTooShort)},
			{Name: "nothing changed by the failures", Method: "GET", Path: rest.Prefix + "/users/{id}", Status: 200,
				WantBody: restUser{id: "{id}", username: "johnny", email: "john@example.com"}.String()},

			{Name: "no user", Method: "PUT", Path: rest.Prefix + "/users/{id}", Body: `{"username":"x"}`, Status: 400, WantBody: restNoUser},
			{Name: "malformed JSON", Method: "PUT", Path: rest.Prefix + "/users/{id}", Body: `{"user":`, Status: 400, WantBody: restMalformed},
			{Name: "unknown id", Method: "PUT", Path: rest.Prefix + "/users/999999", Body: `{"user":{"username":"ghost"}}`, Status: 404,
				WantBody: restUserNotFound},
			{Name: "non-numeric id", Method: "PUT", Path: rest.Prefix + "/users/abc", Body: `{"user":{"username":"ghost"}}`, Status: 404,
				WantBody: restUserNotFound},
			{Name: "a user of another site", Method: "PUT", Path: rest.Prefix + "/users/{otherID}", Body: `{"user":{"password":"hijack-password-1"}}`,
				Status: 404, WantBody: restUserNotFound},
			{Name: "the other site's user is untouched", As: &s.other, Method: "POST", Path: rest.Prefix + "/users/login",
				Body: `{"email_address":"john@example.com","password":"first-password-1"}`, Status: 201,
				Location: restBase + "/sign_ins/[0-9]+"},
			{Name: "the password stayed", Method: "POST", Path: rest.Prefix + "/users/login",
				Body: `{"username":"johnny","password":"first-password-1"}`, Status: 201, Location: restBase + "/sign_ins/[0-9]+"},
		}
	})
}

// ---------------------------------------------------------------- DELETE /users/:id

func TestRESTDeleteUser(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		s := newRESTScenario(t, e)
		s.vars["id"] = s.createUser(t, `{"user":{"email_address":"del@example.com","password":"delete-password-1"}}`)
		s.vars["otherID"] = s.createOtherUser(t,
			`{"user":{"email_address":"del@example.com","password":"delete-password-1"}}`)
		tok := s.loginToken(t, `{"email_address":"del@example.com","password":"delete-password-1"}`)

		s.run(t, []apitest.Scenario{
			{Name: "a user of another site", Method: "DELETE", Path: rest.Prefix + "/users/{otherID}", Status: 404, WantBody: restUserNotFound},
			{Name: "delete", Method: "DELETE", Path: rest.Prefix + "/users/{id}", Status: 200, WantBody: `{"id":{id}}`,
				After: func(t *testing.T, _ apitest.Response, _ map[string]any) {
					s.wantAvailable(t, "del@example.com", true)
					s.wantSessionEnded(t, tok)
				}},
			{Name: "gone", Method: "GET", Path: rest.Prefix + "/users/{id}", Status: 404, WantBody: restUserNotFound},
			{Name: "not found by email", Method: "GET", Path: rest.Prefix + "/users/find_by?email_address=del@example.com", Status: 404,
				WantBody: restUserNotFound},
			{Name: "login refused", Method: "POST", Path: rest.Prefix + "/users/login",
				Body: `{"email_address":"del@example.com","password":"delete-password-1"}`, Status: 403, WantBody: restBadLogin},
			{Name: "delete again", Method: "DELETE", Path: rest.Prefix + "/users/{id}", Status: 404, WantBody: restUserNotFound},
			{Name: "unknown id", Method: "DELETE", Path: rest.Prefix + "/users/999999", Status: 404, WantBody: restUserNotFound},
			{Name: "non-numeric id", Method: "DELETE", Path: rest.Prefix + "/users/abc", Status: 404, WantBody: restUserNotFound},
			{Name: "no credentials", Auth: "none", Method: "DELETE", Path: rest.Prefix + "/users/{otherID}", Status: 401, WantBody: restNoAuth},
			{Name: "the email is free again", Method: "POST", Path: rest.Prefix + "/users",
				Body:   `{"user":{"email_address":"del@example.com","password":"delete-password-1"}}`,
				Status: 201, Location: restBase + "/users/{again}", Save: map[string]string{"again": "id"},
				WantBody: restUser{id: "{again}", email: "del@example.com"}.String()},
			{Name: "the other site's user is still there", As: &s.other, Method: "GET", Path: rest.Prefix + "/users/{otherID}", Status: 200,
				WantBody: restUser{id: "{otherID}", email: "del@example.com"}.String()},
		})
		if s.vars["again"] == s.vars["id"] {
			t.Errorf("the new user reuses the deleted user's id %s", s.vars["id"])
		}
	})
}

// ---------------------------------------------------------------- POST /users/login

func TestRESTLogin(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		s := newRESTScenario(t, e)
		e.SetPolicies(t, "accountOptions", allowUsernames)
		s.vars["id"] = s.createUser(t, `{"user":{"username":"logger","email_address":"log@example.com","password":"login-password-1"}}`)
		ok := func(name, body string) apitest.Scenario {
			return apitest.Scenario{Name: name, Method: "POST", Path: rest.Prefix + "/users/login", Body: body, Status: 201,
				Location: restBase + "/sign_ins/[0-9]+", After: s.checkLogin("id")}
		}
		refused := func(name, body, want string) apitest.Scenario {
			return apitest.Scenario{Name: name, Method: "POST", Path: rest.Prefix + "/users/login", Body: body, Status: 403, WantBody: want}
		}
		bad := func(name, body, want string) apitest.Scenario {
			return apitest.Scenario{Name: name, Method: "POST", Path: rest.Prefix + "/users/login", Body: body, Status: 400, WantBody: want}
		}
		inactive := restRefused("active", "user is not active")
		noPassword := restErr("bad_request", "Password must be given")

		s.run(t, []apitest.Scenario{
			{Name: "never signed in", Method: "GET", Path: rest.Prefix + "/users/{id}", Status: 200,
				WantBody: restUser{id: "{id}", username: "logger", email: "log@example.com"}.String()},
			ok("email", `{"email_address":"log@example.com","password":"login-password-1"}`),
			{Name: "signed in", Method: "GET", Path: rest.Prefix + "/users/{id}", Status: 200,
				WantBody: restUser{id: "{id}", username: "logger", email: "log@example.com", signedIn: true}.String()},
			ok("email in another case", `{"email_address":"LOG@Example.COM","password":"login-password-1"}`),
			ok("wrapped in user", `{"user":{"email_address":"log@example.com","password":"login-password-1"}}`),
			ok("username", `{"username":"Logger","password":"login-password-1"}`),
			ok("username wrapped in user", `{"user":{"username":"logger","password":"login-password-1"}}`),
			{Name: "each login is a new sign-in", Method: "POST", Path: rest.Prefix + "/users/login",
				Body: `{"username":"logger","password":"login-password-1"}`, Status: 201, Location: restBase + "/sign_ins/[0-9]+",
				After: func(t *testing.T, r apitest.Response, m map[string]any) {
					again := s.e.REST(t, "POST", "/users/login", `{"username":"logger","password":"login-password-1"}`)
					if again.Header.Get("Location") == r.Header.Get("Location") || again.JSON(t)["login_token"] == m["login_token"] {
						t.Errorf("two logins, one sign-in: %s and %s", r.Header.Get("Location"), again.Header.Get("Location"))
					}
				}},

			// No enumeration: one answer to a wrong password and an unknown user.
			refused("wrong password", `{"email_address":"log@example.com","password":"wrong_password"}`, restBadLogin),
			refused("unknown email", `{"email_address":"nobody@example.com","password":"wrong_password"}`, restBadLogin),
			refused("unknown username", `{"username":"nobody","password":"wrong_password"}`, restBadLogin),

			bad("missing password", `{"email_address":"log@example.com"}`, noPassword),
			bad("empty password", `{"email_address":"log@example.com","password":""}`, noPassword),
			bad("missing login ID", `{"password":"login-password-1"}`, restNoLoginID),
			bad("blank login ID", `{"email_address":"  ","username":"","password":"login-password-1"}`, restNoLoginID),
			bad("no body", "", restNoLoginID),
			bad("malformed JSON", `{"email_address":`, restMalformed),
			// A login ID the domain refuses is named as the body names it.
			bad("email too long", `{"email_address":"`+strings.Repeat("a", 300)+`@example.com","password":"login-password-1"}`,
				restErr("bad_request", "Invalid parameter value: email_address: longer than 254 bytes")),
			bad("username too long", `{"username":"`+strings.Repeat("a", 300)+`","password":"login-password-1"}`,
				restErr("bad_request", "Invalid parameter value: username: longer than 254 bytes")),
			bad("email with a control character", `{"email_address":"log\u0001@example.com","password":"login-password-1"}`,
				restErr("bad_request", "Invalid parameter format: email_address: contains invalid characters")),
			{Name: "body not JSON", Method: "POST", Path: rest.Prefix + "/users/login", Headers: ctype("application/x-www-form-urlencoded"),
				Body: "email_address=log%40example.com&password=login-password-1", Status: 406, WantBody: restNotJSON},
			{Name: "no credentials", Auth: "none", Method: "POST", Path: rest.Prefix + "/users/login",
				Body: `{"email_address":"log@example.com","password":"login-password-1"}`, Status: 401, WantBody: restNoAuth},

			// A deactivated user: told only to who knows the password.
			{Name: "deactivate", Method: "PUT", Path: rest.Prefix + "/users/{id}/deactivate", Status: 200,
				WantBody: restUser{id: "{id}", username: "logger", email: "log@example.com", signedIn: true, inactive: true}.String()},
			refused("deactivated", `{"email_address":"log@example.com","password":"login-password-1"}`, inactive),
			refused("deactivated, by username", `{"username":"logger","password":"login-password-1"}`, inactive),
			refused("deactivated, wrong password", `{"email_address":"log@example.com","password":"wrong_password"}`, restBadLogin),
			{Name: "activate", Method: "PUT", Path: rest.Prefix + "/users/{id}/activate", Status: 200,
				WantBody: restUser{id: "{id}", username: "logger", email: "log@example.com", signedIn: true}.String()},
			ok("active again", `{"email_address":"log@example.com","password":"login-password-1"}`),
		})
		// The same login ID and password, with another site's credentials.
		s.run(t, []apitest.Scenario{
			{Name: "the login ID of another site", As: &s.other, Method: "POST", Path: rest.Prefix + "/users/login",
				Body: `{"email_address":"log@example.com","password":"login-password-1"}`, Status: 403, WantBody: restBadLogin},
		})
	})
}

// Logins under a policy that requires confirmed emails: refused with their
// own code until the email is confirmed, older users too.
func TestRESTLoginUnconfirmed(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		s := newRESTScenario(t, e)
		e.SetPolicies(t, "accountOptions", allowUsernames)
		s.vars["id"] = s.createUser(t, `{"user":{"username":"logger","email_address":"log@example.com","password":"login-password-1"}}`)
		refused := func(name, body, want string) apitest.Scenario {
			return apitest.Scenario{Name: name, Method: "POST", Path: rest.Prefix + "/users/login", Body: body, Status: 403, WantBody: want}
		}
		unconfirmed := restRefused("confirmed", "email address is not confirmed")
		e.SetPolicies(t, "accountOptions", `{"verifyEmail":true,"allowUnverifiedLogin":false,"loginIdentifiers":"email,username"}`)
		s.run(t, []apitest.Scenario{
			{Name: "create under verifyEmail", Method: "POST", Path: rest.Prefix + "/users",
				Body:   `{"user":{"email_address":"unconf@example.com","username":"unconf","password":"login-password-1"}}`,
				Status: 201, Location: restBase + "/users/{unconf}", Save: map[string]string{"unconf": "id"},
				WantBody: restUser{id: "{unconf}", username: "unconf", email: "unconf@example.com"}.String()},
			{Name: "username only under verifyEmail", Method: "POST", Path: rest.Prefix + "/users",
				Body: `{"user":{"username":"noemail","password":"login-password-1"}}`, Status: 422,
				WantBody: restInvalid(restField{"email_address", "can't be blank", "blank", 0})},
			refused("unconfirmed", `{"email_address":"unconf@example.com","password":"login-password-1"}`, unconfirmed),
			refused("unconfirmed, by username", `{"username":"unconf","password":"login-password-1"}`, unconfirmed),
			refused("unconfirmed, wrong password", `{"email_address":"unconf@example.com","password":"wrong_password"}`, restBadLogin),
			refused("an older unconfirmed user", `{"email_address":"log@example.com","password":"login-password-1"}`, unconfirmed),
			{Name: "confirmation token", Method: "POST", Path: rest.Prefix + "/users/email_confirmation/token",
				Body: `{"username":"unconf"}`, Status: 201, Save: map[string]string{"ctok": "email_confirmation_token"}},
			{Name: "confirm", Method: "POST", Path: rest.Prefix + "/users/email_confirmation", Body: `{"email_confirmation_token":"{ctok}"}`,
				Status: 200, WantBody: restUser{id: "{unconf}", username: "unconf", email: "unconf@example.com", confirmed: true}.String()},
			{Name: "confirmed", Method: "POST", Path: rest.Prefix + "/users/login",
				Body: `{"email_address":"unconf@example.com","password":"login-password-1"}`, Status: 201,
				Location: restBase + "/sign_ins/[0-9]+", After: s.checkLogin("unconf")},
		})
	})
}

// ---------------------------------------------------------------- GET /users/find_by

func TestRESTFindBy(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		s := newRESTScenario(t, e)
		e.SetPolicies(t, "accountOptions", allowUsernames)
		s.vars["id"] = s.createUser(t, `{"user":{"username":"Finder","email_address":"Find@Example.com","password":"find-password-1"}}`)
		user := restUser{id: "{id}", username: "Finder", email: "Find@Example.com"}.String()
		find := func(name, query string, status int, want string) apitest.Scenario {
			return apitest.Scenario{Name: name, Method: "GET", Path: rest.Prefix + "/users/find_by" + query, Status: status, WantBody: want}
		}
		s.run(t, []apitest.Scenario{
			find("by email", "?email_address=find@example.com", 200, user),
			find("by username", "?username=FINDER", 200, user),
			find("both: the email counts", "?email_address=find@example.com&username=nobody", 200, user),
			{Name: "in a JSON body", Method: "GET", Path: rest.Prefix + "/users/find_by", Body: `{"email_address":"Find@Example.com"}`,
				Status: 200, WantBody: user},
			find("unknown email", "?email_address=nobody@example.com", 404, restUserNotFound),
			find("unknown username", "?username=nobody", 404, restUserNotFound),
			find("a username as email_address", "?email_address=finder", 404, restUserNotFound),
			find("neither", "", 400, restNoLoginID),
			find("both blank", "?email_address=&username=", 400, restNoLoginID),
			{Name: "a user of another site", As: &s.other, Method: "GET", Path: rest.Prefix + "/users/find_by?username=finder", Status: 404,
				WantBody: restUserNotFound},
			{Name: "no credentials", Auth: "none", Method: "GET", Path: rest.Prefix + "/users/find_by?username=finder", Status: 401, WantBody: restNoAuth},
		})
	})
}

// ---------------------------------------------------------------- reset password

// resetScenario is resetter ({id}, password reset-password-1, logged in
// as session), with a user of the same email in the other site.
type resetScenario struct {
	*restScenario
	session string
}

func newResetScenario(t *testing.T, e *apitest.App) resetScenario {
	t.Helper()
	s := newRESTScenario(t, e)
	e.SetPolicies(t, "accountOptions", allowUsernames)
	s.vars["id"] = s.createUser(t, `{"user":{"username":"resetter","email_address":"reset@example.com","password":"reset-password-1"}}`)
	session := s.loginToken(t, `{"email_address":"reset@example.com","password":"reset-password-1"}`)
	s.vars["otherID"] = s.createOtherUser(t,
		`{"user":{"email_address":"reset@example.com","password":"reset-password-1"}}`)
	return resetScenario{s, session}
}

// resetTokenNotFound is the answer to an unknown reset password token.
var resetTokenNotFound = restErr("not_found", "Reset password token not found")

// token asks for a reset password token by email and saves it as {name}.
func (s resetScenario) token(name string) apitest.Scenario {
	return apitest.Scenario{Name: "token by email", Method: "POST", Path: rest.Prefix + "/users/reset_password/token",
		Body: `{"email_address":"reset@example.com"}`, Status: 201, Save: map[string]string{name: "reset_password_token"},
		After: func(t *testing.T, r apitest.Response, m map[string]any) {
			if apitest.JSONScalar(m["user_id"]) != s.vars["id"] || len(m) != 2 {
				t.Errorf("want {user_id: %s, reset_password_token}: %s", s.vars["id"], r.Body)
			}
		}}
}

// login logs resetter in with pw: 201, or 403 for a wrong password.
func (s resetScenario) login(name, pw string, status int) apitest.Scenario {
	st := apitest.Scenario{Name: name, Method: "POST", Path: rest.Prefix + "/users/login", Status: status,
		Body: `{"email_address":"reset@example.com","password":"` + pw + `"}`}
	if status == 201 {
		st.Location = restBase + "/sign_ins/[0-9]+"
	} else {
		st.WantBody = restBadLogin
	}
	return st
}

// runReset runs, on each engine, the scenarios that steps gives for
// newResetScenario.
func runReset(t *testing.T, steps func(t *testing.T, s resetScenario) []apitest.Scenario) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		s := newResetScenario(t, e)
		s.run(t, steps(t, s))
	})
}

// Asking for a reset password token.
func TestRESTResetPasswordToken(t *testing.T) {
	runReset(t, func(t *testing.T, s resetScenario) []apitest.Scenario {
		byUsername := s.token("first")
		byUsername.Name, byUsername.Body = "token by username", `{"user":{"username":"RESETTER"}}`
		return []apitest.Scenario{
			byUsername,
			s.token("tok"),
			{Name: "a new token revokes the earlier one", Method: "POST", Path: rest.Prefix + "/users/reset_password",
				Body: `{"user":{"reset_password_token":"{first}","password":"never-password-9"}}`, Status: 404, WantBody: resetTokenNotFound},
			{Name: "token of an unknown user", Method: "POST", Path: rest.Prefix + "/users/reset_password/token",
				Body: `{"email_address":"nobody@example.com"}`, Status: 404, WantBody: restUserNotFound},
			{Name: "token without a login ID", Method: "POST", Path: rest.Prefix + "/users/reset_password/token", Body: `{}`, Status: 400,
				WantBody: restNoLoginID},
			{Name: "token, no credentials", Auth: "none", Method: "POST", Path: rest.Prefix + "/users/reset_password/token",
				Body: `{"email_address":"reset@example.com"}`, Status: 401, WantBody: restNoAuth},
		}
	})
}

// Resets that are refused change nothing.
func TestRESTResetPasswordRefused(t *testing.T) {
	runReset(t, func(t *testing.T, s resetScenario) []apitest.Scenario {
		return []apitest.Scenario{
			s.token("tok"),
			{Name: "short password", Method: "POST", Path: rest.Prefix + "/users/reset_password",
				Body: `{"user":{"reset_password_token":"{tok}","password":"short"}}`, Status: 422, WantBody: restInvalid(restTooShort)},
			{Name: "the current password", Method: "POST", Path: rest.Prefix + "/users/reset_password",
				Body: `{"user":{"reset_password_token":"{tok}","password":"reset-password-1"}}`, Status: 422, WantBody: restInvalid(restRepeated)},
			{Name: "password_confirmation differs", Method: "POST", Path: rest.Prefix + "/users/reset_password",
				Body:   `{"user":{"reset_password_token":"{tok}","password":"reset-password-2","password_confirmation":"reset-password-3"}}`,
				Status: 422, WantBody: restInvalid(restConfirmation)},
			{Name: "no password", Method: "POST", Path: rest.Prefix + "/users/reset_password",
				Body: `{"user":{"reset_password_token":"{tok}"}}`, Status: 422, WantBody: restInvalid(restBlankPassword)},
			{Name: "missing token", Method: "POST", Path: rest.Prefix + "/users/reset_password", Body: `{"user":{"password":"reset-password-2"}}`,
				Status: 400, WantBody: restErr("bad_request", "Missing required parameter: reset_password_token")},
			{Name: "no user", Method: "POST", Path: rest.Prefix + "/users/reset_password",
				Body: `{"reset_password_token":"{tok}","password":"reset-password-2"}`, Status: 400, WantBody: restNoUser},
			{Name: "unknown token", Method: "POST", Path: rest.Prefix + "/users/reset_password",
				Body: `{"user":{"reset_password_token":"pr1_unknown","password":"reset-password-2"}}`, Status: 404, WantBody: resetTokenNotFound},
			{Name: "the token in another site", As: &s.other, Method: "POST", Path: rest.Prefix + "/users/reset_password",
				Body: `{"user":{"reset_password_token":"{tok}","password":"reset-password-2"}}`, Status: 404, WantBody: resetTokenNotFound},
			s.login("the failures changed nothing", "reset-password-1", 201),
		}
	})
}

// A reset: it ends the sessions, the token is used once, and a change of
// password revokes tokens asked for before it.
func TestRESTResetPassword(t *testing.T) {
	runReset(t, func(t *testing.T, s resetScenario) []apitest.Scenario {
		return []apitest.Scenario{
			s.token("tok"),
			{Name: "reset", Method: "POST", Path: rest.Prefix + "/users/reset_password",
				Body:   `{"user":{"reset_password_token":"{tok}","password":"reset-password-2","password_confirmation":"reset-password-2"}}`,
				Status: 200, WantBody: `{"user_id":{id}}`,
				After: func(t *testing.T, _ apitest.Response, _ map[string]any) { s.wantSessionEnded(t, s.session) }},
			s.login("the new password logs in", "reset-password-2", 201),
			s.login("the old does not", "reset-password-1", 403),
			{Name: "the token again", Method: "POST", Path: rest.Prefix + "/users/reset_password",
				Body: `{"user":{"reset_password_token":"{tok}","password":"reset-password-3"}}`, Status: 404, WantBody: resetTokenNotFound},
			s.login("the password stayed", "reset-password-2", 201),
			{Name: "a token before a password change", Method: "POST", Path: rest.Prefix + "/users/reset_password/token",
				Body: `{"username":"resetter"}`, Status: 201, Save: map[string]string{"stale": "reset_password_token"}},
			{Name: "change the password", Method: "PUT", Path: rest.Prefix + "/users/{id}", Body: `{"user":{"password":"reset-password-4"}}`,
				Status: 200, WantBody: restUser{id: "{id}", username: "resetter", email: "reset@example.com", signedIn: true}.String()},
			{Name: "the change revoked the token", Method: "POST", Path: rest.Prefix + "/users/reset_password",
				Body: `{"user":{"reset_password_token":"{stale}","password":"reset-password-5"}}`, Status: 404, WantBody: resetTokenNotFound},
			s.login("the changed password holds", "reset-password-4", 201),
			{Name: "the other site's user kept its password", As: &s.other, Method: "POST", Path: rest.Prefix + "/users/login",
				Body: `{"email_address":"reset@example.com","password":"reset-password-1"}`, Status: 201,
				Location: restBase + "/sign_ins/[0-9]+"},
		}
	})
}

// ---------------------------------------------------------------- email confirmation

func TestRESTEmailConfirmation(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		s := newRESTScenario(t, e)
		e.SetPolicies(t, "accountOptions", allowUsernames)
		s.vars["id"] = s.createUser(t, `{"user":{"email_address":"conf@example.com","password":"confirm-password-1"}}`)
		s.vars["nomail"] = s.createUser(t, `{"user":{"username":"nomail","password":"confirm-password-1"}}`)
		tokenOf := func(t *testing.T, r apitest.Response, m map[string]any) {
			if apitest.JSONScalar(m["user_id"]) != s.vars["id"] || len(m) != 2 {
				t.Errorf("want {user_id: %s, email_confirmation_token}: %s", s.vars["id"], r.Body)
			}
		}
		tokenNotFound := restErr("not_found", "Email confirmation token not found")
		confirm := func(name string, as *site.Site, token string, status int, want string) apitest.Scenario {
			return apitest.Scenario{Name: name, As: as, Method: "POST", Path: rest.Prefix + "/users/email_confirmation",
				Body: `{"email_confirmation_token":"` + token + `"}`, Status: status, WantBody: want}
		}

		s.run(t, []apitest.Scenario{
			{Name: "token", Method: "POST", Path: rest.Prefix + "/users/email_confirmation/token", Body: `{"email_address":"CONF@example.com"}`,
				Status: 201, Save: map[string]string{"first": "email_confirmation_token"}, After: tokenOf},
			{Name: "another token, wrapped in user", Method: "POST", Path: rest.Prefix + "/users/email_confirmation/token",
				Body: `{"user":{"email_address":"conf@example.com"}}`, Status: 201,
				Save: map[string]string{"tok": "email_confirmation_token"}, After: tokenOf},
			confirm("the earlier token stopped working", nil, "{first}", 404, tokenNotFound),
			confirm("unknown token", nil, "ev1_unknown", 404, tokenNotFound),
			confirm("the token in another site", &s.other, "{tok}", 404, tokenNotFound),
			{Name: "missing token", Method: "POST", Path: rest.Prefix + "/users/email_confirmation", Body: `{}`, Status: 400,
				WantBody: restErr("bad_request", "Missing required parameter: email_confirmation_token")},
			{Name: "not yet confirmed", Method: "GET", Path: rest.Prefix + "/users/{id}", Status: 200,
				WantBody: restUser{id: "{id}", email: "conf@example.com"}.String()},
			confirm("confirm", nil, "{tok}", 200, restUser{id: "{id}", email: "conf@example.com", confirmed: true}.String()),
			confirm("the token again", nil, "{tok}", 404, tokenNotFound),
			{Name: "confirmed", Method: "GET", Path: rest.Prefix + "/users/{id}", Status: 200,
				WantBody: restUser{id: "{id}", email: "conf@example.com", confirmed: true}.String()},
			{Name: "token for a confirmed user", Method: "POST", Path: rest.Prefix + "/users/email_confirmation/token",
				Body: `{"email_address":"conf@example.com"}`, Status: 409,
				WantBody: restErr("conflict", "Redundant operation: the email address is confirmed already")},
			{Name: "token for an unknown user", Method: "POST", Path: rest.Prefix + "/users/email_confirmation/token",
				Body: `{"email_address":"nobody@example.com"}`, Status: 404, WantBody: restUserNotFound},
			{Name: "token without a login ID", Method: "POST", Path: rest.Prefix + "/users/email_confirmation/token", Body: `{}`, Status: 400,
				WantBody: restNoLoginID},
			{Name: "token for a user without email", Method: "POST", Path: rest.Prefix + "/users/email_confirmation/token",
				Body: `{"username":"nomail"}`, Status: 400,
				WantBody: restErr("bad_request", "Invalid parameter value: email_address: the user has no email address")},
			{Name: "token, no credentials", Auth: "none", Method: "POST", Path: rest.Prefix + "/users/email_confirmation/token",
				Body: `{"email_address":"conf@example.com"}`, Status: 401, WantBody: restNoAuth},
		})
	})
}

// ---------------------------------------------------------------- expired tokens

// Reset and confirmation tokens expire by the App's clock: 403 forbidden.
func TestRESTExpiredTokens(t *testing.T) {
	t.Parallel()
	apitest.ForEachClockEngine(t, func(t *testing.T, e *apitest.App, clock *apitest.Clock) {
		s := newRESTScenario(t, e)
		s.vars["id"] = s.createUser(t, `{"user":{"email_address":"late@example.com","password":"late-password-1"}}`)
		resetToken := apitest.Scenario{Name: "reset token", Method: "POST", Path: rest.Prefix + "/users/reset_password/token",
			Body: `{"email_address":"late@example.com"}`, Status: 201, Save: map[string]string{"rtok": "reset_password_token"}}
		confirmToken := apitest.Scenario{Name: "confirmation token", Method: "POST", Path: rest.Prefix + "/users/email_confirmation/token",
			Body: `{"email_address":"late@example.com"}`, Status: 201, Save: map[string]string{"ctok": "email_confirmation_token"}}
		reset := func(name, pw string, status int, want string) apitest.Scenario {
			return apitest.Scenario{Name: name, Method: "POST", Path: rest.Prefix + "/users/reset_password", Status: status, WantBody: want,
				Body: `{"user":{"reset_password_token":"{rtok}","password":"` + pw + `"}}`}
		}
		confirm := func(name string, status int, want string) apitest.Scenario {
			return apitest.Scenario{Name: name, Method: "POST", Path: rest.Prefix + "/users/email_confirmation", Status: status, WantBody: want,
				Body: `{"email_confirmation_token":"{ctok}"}`}
		}
		advance := func(d time.Duration) func(*testing.T, apitest.Response, map[string]any) {
			return func(*testing.T, apitest.Response, map[string]any) { clock.Advance(d) }
		}
		resetExpired := restErr("forbidden", "Code expired: reset_password_token has expired")

		// passwordReset.tokenExpiration is 3600 s by default.
		resetToken.After = advance(3599 * time.Second)
		s.run(t, []apitest.Scenario{resetToken, reset("a second before expiry", "late-password-2", 200, `{"user_id":{id}}`)})
		resetToken.After = advance(3600 * time.Second)
		s.run(t, []apitest.Scenario{
			resetToken,
			reset("expired", "late-password-3", 403, resetExpired),
			reset("expired, with a password too short", "short", 403, resetExpired),
			{Name: "the password stayed", Method: "POST", Path: rest.Prefix + "/users/login",
				Body: `{"email_address":"late@example.com","password":"late-password-2"}`, Status: 201,
				Location: restBase + "/sign_ins/[0-9]+"},
		})

		// emailVerification.verificationEmailExpiration is 86400 s by default.
		confirmToken.After = advance(86400 * time.Second)
		s.run(t, []apitest.Scenario{
			confirmToken,
			confirm("expired confirmation", 403, restErr("forbidden", "Code expired: email_confirmation_token has expired")),
		})
		confirmToken.After = advance(86399 * time.Second)
		s.run(t, []apitest.Scenario{confirmToken, confirm("a second before expiry", 200, "")})
		if r := e.REST(t, "GET", "/users/"+s.vars["id"], ""); r.JSON(t)["confirmed"] != true {
			t.Errorf("not confirmed: %s", r.Body)
		}
	})
}

// ---------------------------------------------------------------- activate, deactivate, unlock

func TestRESTActivation(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		s := newRESTScenario(t, e)
		s.vars["id"] = s.createUser(t, `{"user":{"email_address":"act@example.com","password":"active-password-1"}}`)
		s.vars["otherID"] = s.createOtherUser(t,
			`{"user":{"email_address":"act@example.com","password":"active-password-1"}}`)
		active := restUser{id: "{id}", email: "act@example.com"}.String()
		inactive := restUser{id: "{id}", email: "act@example.com", inactive: true}.String()
		put := func(name, path string, status int, want string) apitest.Scenario {
			return apitest.Scenario{Name: name, Method: "PUT", Path: rest.Prefix + path, Status: status, WantBody: want}
		}
		s.run(t, []apitest.Scenario{
			put("activate an active user", "/users/{id}/activate", 409, restErr("conflict", "The user is active already")),
			put("deactivate", "/users/{id}/deactivate", 200, inactive),
			{Name: "inactive", Method: "GET", Path: rest.Prefix + "/users/{id}", Status: 200, WantBody: inactive},
			put("deactivate again", "/users/{id}/deactivate", 409, restErr("conflict", "The user is inactive already")),
			put("unlock an inactive user", "/users/{id}/unlock", 200, inactive),
			put("activate", "/users/{id}/activate", 200, active),
			{Name: "active", Method: "GET", Path: rest.Prefix + "/users/{id}", Status: 200, WantBody: active},
			put("unlock", "/users/{id}/unlock", 200, active),
			put("unlock again", "/users/{id}/unlock", 200, active),

			put("activate an unknown id", "/users/999999/activate", 404, restUserNotFound),
			put("deactivate an unknown id", "/users/999999/deactivate", 404, restUserNotFound),
			put("unlock an unknown id", "/users/999999/unlock", 404, restUserNotFound),
			put("deactivate a non-numeric id", "/users/abc/deactivate", 404, restUserNotFound),
			put("deactivate a user of another site", "/users/{otherID}/deactivate", 404, restUserNotFound),
			put("unlock a user of another site", "/users/{otherID}/unlock", 404, restUserNotFound),
			{Name: "the other site's user stays active", As: &s.other, Method: "GET", Path: rest.Prefix + "/users/{otherID}", Status: 200,
				WantBody: restUser{id: "{otherID}", email: "act@example.com"}.String()},
			{Name: "no credentials", Auth: "none", Method: "PUT", Path: rest.Prefix + "/users/{id}/deactivate", Status: 401, WantBody: restNoAuth},
			{Name: "wrong secret", Auth: "wrong", Method: "PUT", Path: rest.Prefix + "/users/{id}/deactivate", Status: 401, WantBody: restBadAuth},
			{Name: "still active", Method: "GET", Path: rest.Prefix + "/users/{id}", Status: 200, WantBody: active},
		})
	})
}

// ---------------------------------------------------------------- every route

// Every route checks the credentials first, then that the body is JSON:
// 401, 406 and 400 in the one format, each with an X-Call-Id.
func TestRESTEveryRoute(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		s := newRESTScenario(t, e)
		id := s.createUser(t, `{"user":{"email_address":"route@example.com","password":"route-password-1"}}`)
		routes := 0
		for _, pattern := range e.App.REST.Routes() {
			method, path, _ := strings.Cut(pattern, " ")
			path = strings.ReplaceAll(path, "{id}", id)
			if strings.HasPrefix(path, rest.Prefix+"/test/") || path == rest.Prefix+"/info" {
				continue // GET /info takes api_secret and token instead (TestSocialSignIns)
			}
			routes++
			s.run(t, []apitest.Scenario{
				{Name: pattern + " without credentials", Auth: "none", Method: method, Path: path, Status: 401, WantBody: restNoAuth},
				{Name: pattern + " with a wrong secret", Auth: "wrong", Method: method, Path: path, Status: 401, WantBody: restBadAuth},
				{Name: pattern + " with a body not JSON", Method: method, Path: path, Headers: ctype("text/plain"), Body: `{}`,
					Status: 406, WantBody: restNotJSON},
				{Name: pattern + " with malformed JSON", Method: method, Path: path, Body: `{"user":`, Status: 400, WantBody: restMalformed},
			})
		}
		if routes != 23 {
			t.Errorf("%d routes, want 23", routes)
		}
		// None of that touched the user.
		s.vars["id"] = id
		s.run(t, []apitest.Scenario{{Name: "the user is as it was", Method: "GET", Path: rest.Prefix + "/users/{id}", Status: 200,
			WantBody: restUser{id: "{id}", email: "route@example.com"}.String()}})
	})
}
