package rest_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/rest"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/store/storetest"
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

// restScenario runs steps against one env; values a step saves (ids,
// tokens) fill the {name} placeholders of later steps.
type restScenario struct {
	e     *env
	other site.Site // a second site, with its own users and credentials
	vars  map[string]string
}

func newRESTScenario(t *testing.T, e *env) *restScenario {
	t.Helper()
	other, err := e.app.Sites.Create(context.Background(), "other", nil)
	if err != nil {
		t.Fatal(err)
	}
	return &restScenario{e: e, other: other, vars: map[string]string{}}
}

// restStep is one request and what it must answer.
type restStep struct {
	name string
	// as selects the credentials: "" the env's site, "other" the second
	// site, "none" no Authorization header, "wrong" a wrong secret.
	as     string
	method string
	path   string // below rest.Prefix; {name} placeholders are expanded
	ctype  string // Content-Type of the body; "" is application/json
	body   string // placeholders are expanded
	status int
	// location is a regular expression the whole Location header must
	// match (placeholders expanded); "" means no Location header.
	location string
	want     string            // the whole JSON body (placeholders expanded); "" is not compared
	save     map[string]string // placeholder name → key of the response object
	check    func(t *testing.T, r response, m map[string]any)
}

func (s *restScenario) expand(str string) string {
	for k, v := range s.vars {
		str = strings.ReplaceAll(str, "{"+k+"}", v)
	}
	return str
}

// run runs the steps in order, each as a subtest. A failed step that saves
// a value stops the scenario: the steps after it depend on it.
func (s *restScenario) run(t *testing.T, steps []restStep) {
	t.Helper()
	for _, st := range steps {
		if !t.Run(st.name, func(t *testing.T) { s.step(t, st) }) && len(st.save) > 0 {
			t.Fatalf("step %q failed; the steps after it need what it saves", st.name)
		}
	}
}

func (s *restScenario) step(t *testing.T, st restStep) {
	t.Helper()
	r := s.send(t, st)
	if r.status != st.status {
		t.Errorf("%s %s: HTTP %d, want %d: %s", st.method, st.path, r.status, st.status, r.body)
	}
	checkRESTResponse(t, r)
	m := r.json(t)
	for name, key := range st.save {
		v := jsonScalar(m[key])
		if v == "" {
			t.Fatalf("no %s to save as {%s}: %s", key, name, r.body)
		}
		s.vars[name] = v
	}
	loc := r.header.Get("Location")
	if st.location == "" && loc != "" {
		t.Errorf("Location %q, want none", loc)
	}
	if st.location != "" && !regexp.MustCompile(`^`+s.expand(st.location)+`$`).MatchString(loc) {
		t.Errorf("Location %q, want %s", loc, s.expand(st.location))
	}
	if st.want != "" {
		sameJSON(t, r.body, s.expand(st.want))
	}
	if st.check != nil {
		st.check(t, r, m)
	}
}

func (s *restScenario) send(t *testing.T, st restStep) response {
	t.Helper()
	path, body := s.expand(st.path), s.expand(st.body)
	if st.as == "" && st.ctype == "" {
		return s.e.restCall(t, st.method, path, body)
	}
	hdr := http.Header{}
	id, secret := s.e.site.ID, s.e.site.SecretBase64()
	switch st.as {
	case "other":
		id, secret = s.other.ID, s.other.SecretBase64()
	case "wrong":
		secret = base64.StdEncoding.EncodeToString(make([]byte, 32))
	}
	if st.as != "none" {
		hdr.Set("Authorization", basicAuth(id, secret))
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
		hdr.Set("Content-Type", "application/json")
		if st.ctype != "" {
			hdr.Set("Content-Type", st.ctype)
		}
	}
	return s.e.do(t, st.method, rest.Prefix+path, rd, hdr)
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
	r := s.e.restCall(t, "POST", "/users", body)
	if r.status != 201 {
		t.Fatalf("create %s: %d %s", body, r.status, r.body)
	}
	return jsonScalar(r.json(t)["id"])
}

// createOtherUser creates a user of the second site and returns its id.
func (s *restScenario) createOtherUser(t *testing.T, body string) string {
	t.Helper()
	o := *s
	o.e = s.e.with(s.other)
	return o.createUser(t, body)
}

// loginToken logs in over REST and returns the login_token.
func (s *restScenario) loginToken(t *testing.T, body string) string {
	t.Helper()
	r := s.e.restCall(t, "POST", "/users/login", body)
	tok, _ := r.json(t)["login_token"].(string)
	if r.status != 201 || tok == "" {
		t.Fatalf("login %s: %d %s", body, r.status, r.body)
	}
	return tok
}

// checkLogin asserts the body of a successful login of the user whose id
// is {user}, and that its login_token is a session of the RPC dialect.
func (s *restScenario) checkLogin(user string) func(*testing.T, response, map[string]any) {
	return func(t *testing.T, r response, m map[string]any) {
		t.Helper()
		connID, _ := m["connection_id"].(string)
		if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(connID) {
			t.Errorf("connection_id %q", connID)
		}
		if m["connection"] != restBase+"/connections/"+connID {
			t.Errorf("connection %v", m["connection"])
		}
		if _, isNumber := m["user_id"].(float64); !isNumber || jsonScalar(m["user_id"]) != s.vars[user] {
			t.Errorf("user_id %#v, want the number %s", m["user_id"], s.vars[user])
		}
		if len(m) != 4 {
			t.Errorf("keys beyond connection, connection_id, login_token, user_id: %s", r.body)
		}
		tok, _ := m["login_token"].(string)
		if tok == "" {
			t.Fatalf("no login_token: %s", r.body)
		}
		if code := sessionCode(t, s.e, tok); code != 0 {
			t.Errorf("accounts.getAccountInfo with the login_token: errorCode %v", code)
		}
	}
}

// wantSessionEnded asserts that an RPC session token no longer works.
func (s *restScenario) wantSessionEnded(t *testing.T, tok string) {
	t.Helper()
	if code := sessionCode(t, s.e, tok); code == 0 {
		t.Errorf("the session %s still works", tok)
	}
}

// wantAvailable asserts accounts.isAvailableLoginID over RPC.
func (s *restScenario) wantAvailable(t *testing.T, loginID string, want bool) {
	t.Helper()
	if got := available(t, s.e, loginID); got != want {
		t.Errorf("isAvailableLoginID(%s) = %t, want %t", loginID, got, want)
	}
}

const allowUsernames = `{"loginIdentifiers":"email,username"}`

// ---------------------------------------------------------------- POST /users

func TestRESTCreateUser(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		s := newRESTScenario(t, e)
		john := restUser{id: "{john}", email: "John.Doe@Example.com"}
		s.run(t, []restStep{
			{name: "email and password", method: "POST", path: "/users",
				body:   `{"user":{"email_address":"John.Doe@Example.com","password":"new_user_secret"}}`,
				status: 201, location: restBase + "/users/{john}", save: map[string]string{"john": "id"}, want: john.String()},
			{name: "the Location is the user", method: "GET", path: "/users/{john}", status: 200, want: john.String()},
			{name: "username while only emails log in", method: "POST", path: "/users",
				body:   `{"user":{"username":"johnny","password":"new_user_secret"}}`,
				status: 422, want: restInvalid(restField{"username", "is not a login identifier of this site", "invalid", 0},
					restField{"email_address", "can't be blank", "blank", 0})},
		})
		setPolicy(t, e, "accountOptions", allowUsernames)
		s.run(t, []restStep{
			{name: "username only", method: "POST", path: "/users",
				body:   `{"user":{"username":"johnny","password":"new_user_secret"}}`,
				status: 201, location: restBase + "/users/{johnny}", save: map[string]string{"johnny": "id"},
				want: restUser{id: "{johnny}", username: "johnny"}.String()},
			{name: "username and email", method: "POST", path: "/users",
				body:   `{"user":{"username":"mary","email_address":"mary@example.com","password":"new_user_secret","password_confirmation":"new_user_secret"}}`,
				status: 201, location: restBase + "/users/{mary}", save: map[string]string{"mary": "id"},
				want: restUser{id: "{mary}", username: "mary", email: "mary@example.com"}.String()},

			// 400: no login ID, no user.
			{name: "neither username nor email", method: "POST", path: "/users", body: `{"user":{"password":"new_user_secret"}}`,
				status: 400, want: restNoLoginID},
			{name: "blank username and email", method: "POST", path: "/users",
				body: `{"user":{"username":" ","email_address":"","password":"new_user_secret"}}`, status: 400, want: restNoLoginID},
			{name: "empty user object", method: "POST", path: "/users", body: `{"user":{}}`, status: 400, want: restNoLoginID},
			{name: "fields outside user", method: "POST", path: "/users",
				body: `{"email_address":"out@example.com","password":"new_user_secret"}`, status: 400, want: restNoUser},
			{name: "user null", method: "POST", path: "/users", body: `{"user":null}`, status: 400, want: restNoUser},
			{name: "no body", method: "POST", path: "/users", status: 400, want: restNoUser},

			// 422: validation.
			{name: "taken email", method: "POST", path: "/users",
				body:   `{"user":{"email_address":"John.Doe@Example.com","password":"new_user_secret"}}`,
				status: 422, want: `{"error":"unprocessable_entity","error_description":"email_address has already been taken",
					"errors":[{"attribute":"email_address","message":"has already been taken","code":"taken"}]}`},
			{name: "taken email in another case", method: "POST", path: "/users",
				body: `{"user":{"email_address":"JOHN.DOE@example.COM","password":"new_user_secret"}}`, status: 422,
				want: restInvalid(restTaken("email_address"))},
			{name: "taken username in another case", method: "POST", path: "/users",
				body: `{"user":{"username":"JOHNNY","password":"new_user_secret"}}`, status: 422, want: restInvalid(restTaken("username"))},
			{name: "email and username both taken", method: "POST", path: "/users",
				body:   `{"user":{"username":"Mary","email_address":"Mary@Example.com","password":"new_user_secret"}}`,
				status: 422, want: restInvalid(restTaken("email_address"), restTaken("username"))},
			{name: "invalid email", method: "POST", path: "/users",
				body: `{"user":{"email_address":"not-an-email","password":"new_user_secret"}}`, status: 422,
				want: restInvalid(restInvalidEmail)},
			{name: "invalid username", method: "POST", path: "/users",
				body: `{"user":{"username":"two words","password":"new_user_secret"}}`, status: 422,
				want: restInvalid(restField{"username", "is invalid", "invalid", 0})},
			{name: "short password", method: "POST", path: "/users",
				body: `{"user":{"email_address":"short@example.com","password":"short"}}`, status: 422,
				want: restInvalid(restTooShort)},
			{name: "blank password", method: "POST", path: "/users",
				body: `{"user":{"email_address":"blank@example.com","password":""}}`, status: 422, want: restInvalid(restBlankPassword)},
			{name: "no password", method: "POST", path: "/users",
				body: `{"user":{"email_address":"blank@example.com"}}`, status: 422, want: restInvalid(restBlankPassword)},
			{name: "password_confirmation differs", method: "POST", path: "/users",
				body:   `{"user":{"email_address":"confirm@example.com","password":"new_user_secret","password_confirmation":"new_user_secreT"}}`,
				status: 422, want: restInvalid(restConfirmation)},
			{name: "several problems at once", method: "POST", path: "/users",
				body: `{"user":{"email_address":"bad","username":"two words","password":"short"}}`, status: 422,
				want: restInvalid(restInvalidEmail, restField{"username", "is invalid", "invalid", 0}, restTooShort)},
			{name: "nothing was created by the failures", method: "GET", path: "/users/find_by?email_address=confirm@example.com",
				status: 404, want: restUserNotFound},

			// The request itself.
			{name: "a value of the wrong type", method: "POST", path: "/users", body: `{"user":{"email_address":5}}`, status: 400,
				want: restErr("bad_request", "Invalid request body: user.email_address must be a string")},
			{name: "body not JSON", method: "POST", path: "/users", ctype: "text/plain",
				body: `{"user":{"email_address":"plain@example.com","password":"new_user_secret"}}`, status: 406, want: restNotJSON},
			{name: "malformed JSON", method: "POST", path: "/users", body: `{"user":{"email_address":`, status: 400, want: restMalformed},
			{name: "no credentials", as: "none", method: "POST", path: "/users",
				body: `{"user":{"email_address":"anon@example.com","password":"new_user_secret"}}`, status: 401, want: restNoAuth},
			{name: "wrong secret", as: "wrong", method: "POST", path: "/users",
				body: `{"user":{"email_address":"anon@example.com","password":"new_user_secret"}}`, status: 401, want: restBadAuth},
			{name: "no user made without credentials", method: "GET", path: "/users/find_by?email_address=anon@example.com",
				status: 404, want: restUserNotFound},

			// Login IDs are unique within a site only.
			{name: "the same email in another site", as: "other", method: "POST", path: "/users",
				body:   `{"user":{"email_address":"john.doe@example.com","password":"new_user_secret"}}`,
				status: 201, location: restBase + "/users/{otherJohn}", save: map[string]string{"otherJohn": "id"},
				want: restUser{id: "{otherJohn}", email: "john.doe@example.com"}.String()},
		})
	})
}

// ---------------------------------------------------------------- GET /users/:id

func TestRESTGetUser(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		s := newRESTScenario(t, e)
		s.vars["id"] = s.createUser(t, `{"user":{"email_address":"get@example.com","password":"get-password-1"}}`)
		tok := s.loginToken(t, `{"email_address":"get@example.com","password":"get-password-1"}`)
		info := e.rpcForm(t, "accounts.getAccountInfo", url.Values{"login_token": {tok}})
		uid, _ := info["UID"].(string)
		if m := e.rpcForm(t, "accounts.setAccountInfo", url.Values{"UID": {uid}, "secret": {e.site.SecretBase64()},
			"profile": {`{"firstName":"Gert","lastName":"Smit","age":41}`}}); m["errorCode"] != 0.0 {
			t.Fatalf("setAccountInfo: %v", m)
		}
		user := restUser{id: "{id}", email: "get@example.com", signedIn: true}
		withProfile := func(p string) string { u := user; u.profile = p; return u.String() }
		s.vars["otherID"] = s.createOtherUser(t,
			`{"user":{"email_address":"get@example.com","password":"get-password-1"}}`)

		s.run(t, []restStep{
			{name: "user", method: "GET", path: "/users/{id}", status: 200, want: user.String()},
			{name: "fields", method: "GET", path: "/users/{id}?fields=firstName", status: 200, want: withProfile(`{"firstName":"Gert"}`)},
			{name: "comma-separated fields", method: "GET", path: "/users/{id}?fields=firstName,%20age", status: 200,
				want: withProfile(`{"firstName":"Gert","age":41}`)},
			{name: "fields[] form", method: "GET", path: "/users/{id}?fields%5B%5D=firstName&fields%5B%5D=lastName", status: 200,
				want: withProfile(`{"firstName":"Gert","lastName":"Smit"}`)},
			{name: "a login ID is a profile field", method: "GET", path: "/users/{id}?fields=email", status: 200,
				want: withProfile(`{"email":"get@example.com"}`)},
			{name: "unknown fields are left out", method: "GET", path: "/users/{id}?fields=firstName,shoeSize", status: 200,
				want: withProfile(`{"firstName":"Gert"}`)},

			{name: "unknown id", method: "GET", path: "/users/999999", status: 404, want: restUserNotFound},
			{name: "non-numeric id", method: "GET", path: "/users/abc", status: 404, want: restUserNotFound},
			{name: "zero id", method: "GET", path: "/users/0", status: 404, want: restUserNotFound},
			{name: "negative id", method: "GET", path: "/users/-1", status: 404, want: restUserNotFound},
			{name: "id beyond int64", method: "GET", path: "/users/99999999999999999999", status: 404, want: restUserNotFound},
			{name: "a user of another site", as: "other", method: "GET", path: "/users/{id}", status: 404, want: restUserNotFound},
			{name: "the other site's own user", as: "other", method: "GET", path: "/users/{otherID}", status: 200,
				want: restUser{id: "{otherID}", email: "get@example.com"}.String()},
			{name: "the other site's user from this site", method: "GET", path: "/users/{otherID}", status: 404, want: restUserNotFound},
			{name: "no credentials", as: "none", method: "GET", path: "/users/{id}", status: 401, want: restNoAuth},
		})
	})
}

// ---------------------------------------------------------------- PUT /users/:id

func TestRESTUpdateUser(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		s := newRESTScenario(t, e)
		setPolicy(t, e, "accountOptions", allowUsernames)
		s.vars["id"] = s.createUser(t, `{"user":{"username":"johnny","email_address":"john@example.com","password":"first-password-1"}}`)
		s.vars["mary"] = s.createUser(t, `{"user":{"username":"mary","email_address":"mary@example.com","password":"mary-password-1"}}`)
		s.vars["otherID"] = s.createOtherUser(t,
			`{"user":{"email_address":"john@example.com","password":"first-password-1"}}`)

		s.run(t, []restStep{
			{name: "confirmation token", method: "POST", path: "/users/email_confirmation/token",
				body: `{"email_address":"john@example.com"}`, status: 201, save: map[string]string{"ctok": "email_confirmation_token"}},
			{name: "confirm the email", method: "POST", path: "/users/email_confirmation", body: `{"email_confirmation_token":"{ctok}"}`,
				status: 200, want: restUser{id: "{id}", username: "johnny", email: "john@example.com", confirmed: true}.String()},
			{name: "log in", method: "POST", path: "/users/login", body: `{"username":"johnny","password":"first-password-1"}`,
				status: 201, location: restBase + "/sign_ins/[0-9]+", save: map[string]string{"session": "login_token"}},

			{name: "change the username", method: "PUT", path: "/users/{id}", body: `{"user":{"username":"John2"}}`, status: 200,
				want: restUser{id: "{id}", username: "John2", email: "john@example.com", confirmed: true, signedIn: true}.String()},
			{name: "the old username is gone", method: "GET", path: "/users/find_by?username=johnny", status: 404, want: restUserNotFound},
			{name: "the new username finds the user", method: "GET", path: "/users/find_by?username=john2", status: 200,
				want: restUser{id: "{id}", username: "John2", email: "john@example.com", confirmed: true, signedIn: true}.String()},
			{name: "change the email", method: "PUT", path: "/users/{id}", body: `{"user":{"email_address":"John@New.example.com"}}`,
				status: 200, want: restUser{id: "{id}", username: "John2", email: "John@New.example.com", signedIn: true}.String(),
				check: func(t *testing.T, _ response, _ map[string]any) {
					s.wantAvailable(t, "john@example.com", true)
					s.wantAvailable(t, "john@new.example.com", false)
				}},
			{name: "the new email logs in", method: "POST", path: "/users/login",
				body: `{"email_address":"john@new.example.com","password":"first-password-1"}`, status: 201,
				location: restBase + "/sign_ins/[0-9]+", check: s.checkLogin("id")},
			{name: "the old email does not", method: "POST", path: "/users/login",
				body: `{"email_address":"john@example.com","password":"first-password-1"}`, status: 403, want: restBadLogin},
			{name: "the same email in another case changes nothing", method: "PUT", path: "/users/{id}",
				body: `{"user":{"email_address":"JOHN@new.example.com"}}`, status: 200,
				want: restUser{id: "{id}", username: "John2", email: "John@New.example.com", signedIn: true}.String()},
			{name: "an empty user changes nothing", method: "PUT", path: "/users/{id}", body: `{"user":{}}`, status: 200,
				want: restUser{id: "{id}", username: "John2", email: "John@New.example.com", signedIn: true}.String()},

			{name: "change the password", method: "PUT", path: "/users/{id}",
				body: `{"user":{"password":"second-password-2","password_confirmation":"second-password-2"}}`, status: 200,
				want:  restUser{id: "{id}", username: "John2", email: "John@New.example.com", signedIn: true}.String(),
				check: func(t *testing.T, _ response, _ map[string]any) { s.wantSessionEnded(t, s.vars["session"]) }},
			{name: "the old password fails", method: "POST", path: "/users/login",
				body: `{"username":"john2","password":"first-password-1"}`, status: 403, want: restBadLogin},
			{name: "the new password works", method: "POST", path: "/users/login",
				body: `{"username":"john2","password":"second-password-2"}`, status: 201,
				location: restBase + "/sign_ins/[0-9]+", check: s.checkLogin("id")},

			// 422: validation.
			{name: "a password used before", method: "PUT", path: "/users/{id}", body: `{"user":{"password":"first-password-1"}}`,
				status: 422, want: `{"error":"unprocessable_entity","error_description":"password must be different from last 3 ones",
					"errors":[{"attribute":"password","message":"must be different from last 3 ones","code":"repeated","count":3}]}`},
			{name: "the current password", method: "PUT", path: "/users/{id}", body: `{"user":{"password":"second-password-2"}}`,
				status: 422, want: restInvalid(restRepeated)},
			{name: "password_confirmation differs", method: "PUT", path: "/users/{id}",
				body: `{"user":{"password":"third-password-3","password_confirmation":"third-password-4"}}`, status: 422,
				want: restInvalid(restConfirmation)},
			{name: "blank password", method: "PUT", path: "/users/{id}", body: `{"user":{"password":""}}`, status: 422,
				want: restInvalid(restBlankPassword)},
			{name: "short password", method: "PUT", path: "/users/{id}", body: `{"user":{"password":"short"}}`, status: 422,
				want: restInvalid(restTooShort)},
			{name: "taken email", method: "PUT", path: "/users/{id}", body: `{"user":{"email_address":"MARY@example.com"}}`,
				status: 422, want: `{"error":"unprocessable_entity","error_description":"email_address has already been taken",
					"errors":[{"attribute":"email_address","message":"has already been taken","code":"taken"}]}`},
			{name: "taken username", method: "PUT", path: "/users/{id}", body: `{"user":{"username":"Mary"}}`, status: 422,
				want: restInvalid(restTaken("username"))},
			{name: "invalid email", method: "PUT", path: "/users/{id}", body: `{"user":{"email_address":"nope"}}`, status: 422,
				want: restInvalid(restInvalidEmail)},
			{name: "several problems at once", method: "PUT", path: "/users/{id}",
				body:   `{"user":{"username":"two words","email_address":"nope","password":"short"}}`,
				status: 422, want: restInvalid(restField{"username", "is invalid", "invalid", 0}, restInvalidEmail, restTooShort)},
			{name: "nothing changed by the failures", method: "GET", path: "/users/{id}", status: 200,
				want: restUser{id: "{id}", username: "John2", email: "John@New.example.com", signedIn: true}.String()},
			{name: "the password stayed", method: "POST", path: "/users/login",
				body: `{"username":"john2","password":"second-password-2"}`, status: 201, location: restBase + "/sign_ins/[0-9]+"},

			// 400 and 404.
			{name: "no user", method: "PUT", path: "/users/{id}", body: `{"username":"x"}`, status: 400, want: restNoUser},
			{name: "malformed JSON", method: "PUT", path: "/users/{id}", body: `{"user":`, status: 400, want: restMalformed},
			{name: "unknown id", method: "PUT", path: "/users/999999", body: `{"user":{"username":"ghost"}}`, status: 404,
				want: restUserNotFound},
			{name: "non-numeric id", method: "PUT", path: "/users/abc", body: `{"user":{"username":"ghost"}}`, status: 404,
				want: restUserNotFound},
			{name: "a user of another site", method: "PUT", path: "/users/{otherID}", body: `{"user":{"password":"hijack-password-1"}}`,
				status: 404, want: restUserNotFound},
			{name: "the other site's user is untouched", as: "other", method: "POST", path: "/users/login",
				body: `{"email_address":"john@example.com","password":"first-password-1"}`, status: 201,
				location: restBase + "/sign_ins/[0-9]+"},
		})
	})
}

// ---------------------------------------------------------------- DELETE /users/:id

func TestRESTDeleteUser(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		s := newRESTScenario(t, e)
		s.vars["id"] = s.createUser(t, `{"user":{"email_address":"del@example.com","password":"delete-password-1"}}`)
		s.vars["otherID"] = s.createOtherUser(t,
			`{"user":{"email_address":"del@example.com","password":"delete-password-1"}}`)
		tok := s.loginToken(t, `{"email_address":"del@example.com","password":"delete-password-1"}`)

		s.run(t, []restStep{
			{name: "a user of another site", method: "DELETE", path: "/users/{otherID}", status: 404, want: restUserNotFound},
			{name: "delete", method: "DELETE", path: "/users/{id}", status: 200, want: `{"id":{id}}`,
				check: func(t *testing.T, _ response, _ map[string]any) {
					s.wantAvailable(t, "del@example.com", true)
					s.wantSessionEnded(t, tok)
				}},
			{name: "gone", method: "GET", path: "/users/{id}", status: 404, want: restUserNotFound},
			{name: "not found by email", method: "GET", path: "/users/find_by?email_address=del@example.com", status: 404,
				want: restUserNotFound},
			{name: "login refused", method: "POST", path: "/users/login",
				body: `{"email_address":"del@example.com","password":"delete-password-1"}`, status: 403, want: restBadLogin},
			{name: "delete again", method: "DELETE", path: "/users/{id}", status: 404, want: restUserNotFound},
			{name: "unknown id", method: "DELETE", path: "/users/999999", status: 404, want: restUserNotFound},
			{name: "non-numeric id", method: "DELETE", path: "/users/abc", status: 404, want: restUserNotFound},
			{name: "no credentials", as: "none", method: "DELETE", path: "/users/{otherID}", status: 401, want: restNoAuth},
			{name: "the email is free again", method: "POST", path: "/users",
				body:   `{"user":{"email_address":"del@example.com","password":"delete-password-1"}}`,
				status: 201, location: restBase + "/users/{again}", save: map[string]string{"again": "id"},
				want: restUser{id: "{again}", email: "del@example.com"}.String()},
			{name: "the other site's user is still there", as: "other", method: "GET", path: "/users/{otherID}", status: 200,
				want: restUser{id: "{otherID}", email: "del@example.com"}.String()},
		})
		if s.vars["again"] == s.vars["id"] {
			t.Errorf("the new user reuses the deleted user's id %s", s.vars["id"])
		}
	})
}

// ---------------------------------------------------------------- POST /users/login

func TestRESTLogin(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		s := newRESTScenario(t, e)
		setPolicy(t, e, "accountOptions", allowUsernames)
		s.vars["id"] = s.createUser(t, `{"user":{"username":"logger","email_address":"log@example.com","password":"login-password-1"}}`)
		ok := func(name, body string) restStep {
			return restStep{name: name, method: "POST", path: "/users/login", body: body, status: 201,
				location: restBase + "/sign_ins/[0-9]+", check: s.checkLogin("id")}
		}
		refused := func(name, body, want string) restStep {
			return restStep{name: name, method: "POST", path: "/users/login", body: body, status: 403, want: want}
		}
		bad := func(name, body, want string) restStep {
			return restStep{name: name, method: "POST", path: "/users/login", body: body, status: 400, want: want}
		}
		inactive := restRefused("active", "user is not active")
		unconfirmed := restRefused("confirmed", "email address is not confirmed")
		noPassword := restErr("bad_request", "Password must be given")

		s.run(t, []restStep{
			{name: "never signed in", method: "GET", path: "/users/{id}", status: 200,
				want: restUser{id: "{id}", username: "logger", email: "log@example.com"}.String()},
			ok("email", `{"email_address":"log@example.com","password":"login-password-1"}`),
			{name: "signed in", method: "GET", path: "/users/{id}", status: 200,
				want: restUser{id: "{id}", username: "logger", email: "log@example.com", signedIn: true}.String()},
			ok("email in another case", `{"email_address":"LOG@Example.COM","password":"login-password-1"}`),
			ok("wrapped in user", `{"user":{"email_address":"log@example.com","password":"login-password-1"}}`),
			ok("username", `{"username":"Logger","password":"login-password-1"}`),
			ok("username wrapped in user", `{"user":{"username":"logger","password":"login-password-1"}}`),
			{name: "each login is a new sign-in", method: "POST", path: "/users/login",
				body: `{"username":"logger","password":"login-password-1"}`, status: 201, location: restBase + "/sign_ins/[0-9]+",
				check: func(t *testing.T, r response, m map[string]any) {
					again := s.e.restCall(t, "POST", "/users/login", `{"username":"logger","password":"login-password-1"}`)
					if again.header.Get("Location") == r.header.Get("Location") || again.json(t)["login_token"] == m["login_token"] {
						t.Errorf("two logins, one sign-in: %s and %s", r.header.Get("Location"), again.header.Get("Location"))
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
			{name: "body not JSON", method: "POST", path: "/users/login", ctype: "application/x-www-form-urlencoded",
				body: "email_address=log%40example.com&password=login-password-1", status: 406, want: restNotJSON},
			{name: "no credentials", as: "none", method: "POST", path: "/users/login",
				body: `{"email_address":"log@example.com","password":"login-password-1"}`, status: 401, want: restNoAuth},

			// A deactivated user: told only to who knows the password.
			{name: "deactivate", method: "PUT", path: "/users/{id}/deactivate", status: 200,
				want: restUser{id: "{id}", username: "logger", email: "log@example.com", signedIn: true, inactive: true}.String()},
			refused("deactivated", `{"email_address":"log@example.com","password":"login-password-1"}`, inactive),
			refused("deactivated, by username", `{"username":"logger","password":"login-password-1"}`, inactive),
			refused("deactivated, wrong password", `{"email_address":"log@example.com","password":"wrong_password"}`, restBadLogin),
			{name: "activate", method: "PUT", path: "/users/{id}/activate", status: 200,
				want: restUser{id: "{id}", username: "logger", email: "log@example.com", signedIn: true}.String()},
			ok("active again", `{"email_address":"log@example.com","password":"login-password-1"}`),
		})
		// The same login ID and password, with another site's credentials.
		s.run(t, []restStep{
			{name: "the login ID of another site", as: "other", method: "POST", path: "/users/login",
				body: `{"email_address":"log@example.com","password":"login-password-1"}`, status: 403, want: restBadLogin},
		})

		// Unconfirmed emails under a policy that requires confirmation.
		setPolicy(t, e, "accountOptions", `{"verifyEmail":true,"allowUnverifiedLogin":false,"loginIdentifiers":"email,username"}`)
		s.run(t, []restStep{
			{name: "create under verifyEmail", method: "POST", path: "/users",
				body:   `{"user":{"email_address":"unconf@example.com","username":"unconf","password":"login-password-1"}}`,
				status: 201, location: restBase + "/users/{unconf}", save: map[string]string{"unconf": "id"},
				want: restUser{id: "{unconf}", username: "unconf", email: "unconf@example.com"}.String()},
			{name: "username only under verifyEmail", method: "POST", path: "/users",
				body: `{"user":{"username":"noemail","password":"login-password-1"}}`, status: 422,
				want: restInvalid(restField{"email_address", "can't be blank", "blank", 0})},
			refused("unconfirmed", `{"email_address":"unconf@example.com","password":"login-password-1"}`, unconfirmed),
			refused("unconfirmed, by username", `{"username":"unconf","password":"login-password-1"}`, unconfirmed),
			refused("unconfirmed, wrong password", `{"email_address":"unconf@example.com","password":"wrong_password"}`, restBadLogin),
			refused("an older unconfirmed user", `{"email_address":"log@example.com","password":"login-password-1"}`, unconfirmed),
			{name: "confirmation token", method: "POST", path: "/users/email_confirmation/token",
				body: `{"username":"unconf"}`, status: 201, save: map[string]string{"ctok": "email_confirmation_token"}},
			{name: "confirm", method: "POST", path: "/users/email_confirmation", body: `{"email_confirmation_token":"{ctok}"}`,
				status: 200, want: restUser{id: "{unconf}", username: "unconf", email: "unconf@example.com", confirmed: true}.String()},
			{name: "confirmed", method: "POST", path: "/users/login",
				body: `{"email_address":"unconf@example.com","password":"login-password-1"}`, status: 201,
				location: restBase + "/sign_ins/[0-9]+", check: s.checkLogin("unconf")},
		})
	})
}

// ---------------------------------------------------------------- GET /users/find_by

func TestRESTFindBy(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		s := newRESTScenario(t, e)
		setPolicy(t, e, "accountOptions", allowUsernames)
		s.vars["id"] = s.createUser(t, `{"user":{"username":"Finder","email_address":"Find@Example.com","password":"find-password-1"}}`)
		user := restUser{id: "{id}", username: "Finder", email: "Find@Example.com"}.String()
		find := func(name, query string, status int, want string) restStep {
			return restStep{name: name, method: "GET", path: "/users/find_by" + query, status: status, want: want}
		}
		s.run(t, []restStep{
			find("by email", "?email_address=find@example.com", 200, user),
			find("by username", "?username=FINDER", 200, user),
			find("both: the email counts", "?email_address=find@example.com&username=nobody", 200, user),
			{name: "in a JSON body", method: "GET", path: "/users/find_by", body: `{"email_address":"Find@Example.com"}`,
				status: 200, want: user},
			find("unknown email", "?email_address=nobody@example.com", 404, restUserNotFound),
			find("unknown username", "?username=nobody", 404, restUserNotFound),
			find("a username as email_address", "?email_address=finder", 404, restUserNotFound),
			find("neither", "", 400, restNoLoginID),
			find("both blank", "?email_address=&username=", 400, restNoLoginID),
			{name: "a user of another site", as: "other", method: "GET", path: "/users/find_by?username=finder", status: 404,
				want: restUserNotFound},
			{name: "no credentials", as: "none", method: "GET", path: "/users/find_by?username=finder", status: 401, want: restNoAuth},
		})
	})
}

// ---------------------------------------------------------------- reset password

func TestRESTResetPassword(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		s := newRESTScenario(t, e)
		setPolicy(t, e, "accountOptions", allowUsernames)
		s.vars["id"] = s.createUser(t, `{"user":{"username":"resetter","email_address":"reset@example.com","password":"reset-password-1"}}`)
		session := s.loginToken(t, `{"email_address":"reset@example.com","password":"reset-password-1"}`)
		s.vars["otherID"] = s.createOtherUser(t,
			`{"user":{"email_address":"reset@example.com","password":"reset-password-1"}}`)
		resetTokenOf := func(name string) func(*testing.T, response, map[string]any) {
			return func(t *testing.T, r response, m map[string]any) {
				if jsonScalar(m["user_id"]) != s.vars[name] || len(m) != 2 {
					t.Errorf("want {user_id: %s, reset_password_token}: %s", s.vars[name], r.body)
				}
			}
		}
		tokenNotFound := restErr("not_found", "Reset password token not found")
		login := func(name, pw string, status int) restStep {
			st := restStep{name: name, method: "POST", path: "/users/login", status: status,
				body: `{"email_address":"reset@example.com","password":"` + pw + `"}`}
			if status == 201 {
				st.location = restBase + "/sign_ins/[0-9]+"
			} else {
				st.want = restBadLogin
			}
			return st
		}

		s.run(t, []restStep{
			{name: "token by username", method: "POST", path: "/users/reset_password/token", body: `{"user":{"username":"RESETTER"}}`,
				status: 201, save: map[string]string{"first": "reset_password_token"}, check: resetTokenOf("id")},
			{name: "token by email", method: "POST", path: "/users/reset_password/token", body: `{"email_address":"reset@example.com"}`,
				status: 201, save: map[string]string{"tok": "reset_password_token"}, check: resetTokenOf("id")},
			{name: "a new token revokes the earlier one", method: "POST", path: "/users/reset_password",
				body: `{"user":{"reset_password_token":"{first}","password":"never-password-9"}}`, status: 404, want: tokenNotFound},
			{name: "token of an unknown user", method: "POST", path: "/users/reset_password/token",
				body: `{"email_address":"nobody@example.com"}`, status: 404, want: restUserNotFound},
			{name: "token without a login ID", method: "POST", path: "/users/reset_password/token", body: `{}`, status: 400,
				want: restNoLoginID},
			{name: "token, no credentials", as: "none", method: "POST", path: "/users/reset_password/token",
				body: `{"email_address":"reset@example.com"}`, status: 401, want: restNoAuth},

			{name: "short password", method: "POST", path: "/users/reset_password",
				body: `{"user":{"reset_password_token":"{tok}","password":"short"}}`, status: 422, want: restInvalid(restTooShort)},
			{name: "the current password", method: "POST", path: "/users/reset_password",
				body: `{"user":{"reset_password_token":"{tok}","password":"reset-password-1"}}`, status: 422, want: restInvalid(restRepeated)},
			{name: "password_confirmation differs", method: "POST", path: "/users/reset_password",
				body:   `{"user":{"reset_password_token":"{tok}","password":"reset-password-2","password_confirmation":"reset-password-3"}}`,
				status: 422, want: restInvalid(restConfirmation)},
			{name: "no password", method: "POST", path: "/users/reset_password",
				body: `{"user":{"reset_password_token":"{tok}"}}`, status: 422, want: restInvalid(restBlankPassword)},
			{name: "missing token", method: "POST", path: "/users/reset_password", body: `{"user":{"password":"reset-password-2"}}`,
				status: 400, want: restErr("bad_request", "Missing required parameter: reset_password_token")},
			{name: "no user", method: "POST", path: "/users/reset_password",
				body: `{"reset_password_token":"{tok}","password":"reset-password-2"}`, status: 400, want: restNoUser},
			{name: "unknown token", method: "POST", path: "/users/reset_password",
				body: `{"user":{"reset_password_token":"pr1_unknown","password":"reset-password-2"}}`, status: 404, want: tokenNotFound},
			{name: "the token in another site", as: "other", method: "POST", path: "/users/reset_password",
				body: `{"user":{"reset_password_token":"{tok}","password":"reset-password-2"}}`, status: 404, want: tokenNotFound},
			login("the failures changed nothing", "reset-password-1", 201),

			{name: "reset", method: "POST", path: "/users/reset_password",
				body:   `{"user":{"reset_password_token":"{tok}","password":"reset-password-2","password_confirmation":"reset-password-2"}}`,
				status: 200, want: `{"user_id":{id}}`,
				check: func(t *testing.T, _ response, _ map[string]any) { s.wantSessionEnded(t, session) }},
			login("the new password logs in", "reset-password-2", 201),
			login("the old does not", "reset-password-1", 403),
			{name: "the token again", method: "POST", path: "/users/reset_password",
				body: `{"user":{"reset_password_token":"{tok}","password":"reset-password-3"}}`, status: 404, want: tokenNotFound},
			login("the password stayed", "reset-password-2", 201),
			{name: "a token before a password change", method: "POST", path: "/users/reset_password/token",
				body: `{"username":"resetter"}`, status: 201, save: map[string]string{"stale": "reset_password_token"}},
			{name: "change the password", method: "PUT", path: "/users/{id}", body: `{"user":{"password":"reset-password-4"}}`,
				status: 200, want: restUser{id: "{id}", username: "resetter", email: "reset@example.com", signedIn: true}.String()},
			{name: "the change revoked the token", method: "POST", path: "/users/reset_password",
				body: `{"user":{"reset_password_token":"{stale}","password":"reset-password-5"}}`, status: 404, want: tokenNotFound},
			login("the changed password holds", "reset-password-4", 201),
			{name: "the other site's user kept its password", as: "other", method: "POST", path: "/users/login",
				body: `{"email_address":"reset@example.com","password":"reset-password-1"}`, status: 201,
				location: restBase + "/sign_ins/[0-9]+"},
		})
	})
}

// ---------------------------------------------------------------- email confirmation

func TestRESTEmailConfirmation(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		s := newRESTScenario(t, e)
		setPolicy(t, e, "accountOptions", allowUsernames)
		s.vars["id"] = s.createUser(t, `{"user":{"email_address":"conf@example.com","password":"confirm-password-1"}}`)
		s.vars["nomail"] = s.createUser(t, `{"user":{"username":"nomail","password":"confirm-password-1"}}`)
		tokenOf := func(t *testing.T, r response, m map[string]any) {
			if jsonScalar(m["user_id"]) != s.vars["id"] || len(m) != 2 {
				t.Errorf("want {user_id: %s, email_confirmation_token}: %s", s.vars["id"], r.body)
			}
		}
		tokenNotFound := restErr("not_found", "Email confirmation token not found")
		confirm := func(name, as, token string, status int, want string) restStep {
			return restStep{name: name, as: as, method: "POST", path: "/users/email_confirmation",
				body: `{"email_confirmation_token":"` + token + `"}`, status: status, want: want}
		}

		s.run(t, []restStep{
			{name: "token", method: "POST", path: "/users/email_confirmation/token", body: `{"email_address":"CONF@example.com"}`,
				status: 201, save: map[string]string{"first": "email_confirmation_token"}, check: tokenOf},
			{name: "another token, wrapped in user", method: "POST", path: "/users/email_confirmation/token",
				body: `{"user":{"email_address":"conf@example.com"}}`, status: 201,
				save: map[string]string{"tok": "email_confirmation_token"}, check: tokenOf},
			confirm("the earlier token stopped working", "", "{first}", 404, tokenNotFound),
			confirm("unknown token", "", "ev1_unknown", 404, tokenNotFound),
			confirm("the token in another site", "other", "{tok}", 404, tokenNotFound),
			{name: "missing token", method: "POST", path: "/users/email_confirmation", body: `{}`, status: 400,
				want: restErr("bad_request", "Missing required parameter: email_confirmation_token")},
			{name: "not yet confirmed", method: "GET", path: "/users/{id}", status: 200,
				want: restUser{id: "{id}", email: "conf@example.com"}.String()},
			confirm("confirm", "", "{tok}", 200, restUser{id: "{id}", email: "conf@example.com", confirmed: true}.String()),
			confirm("the token again", "", "{tok}", 404, tokenNotFound),
			{name: "confirmed", method: "GET", path: "/users/{id}", status: 200,
				want: restUser{id: "{id}", email: "conf@example.com", confirmed: true}.String()},
			{name: "token for a confirmed user", method: "POST", path: "/users/email_confirmation/token",
				body: `{"email_address":"conf@example.com"}`, status: 409,
				want: restErr("conflict", "Redundant operation: the email address is confirmed already")},
			{name: "token for an unknown user", method: "POST", path: "/users/email_confirmation/token",
				body: `{"email_address":"nobody@example.com"}`, status: 404, want: restUserNotFound},
			{name: "token without a login ID", method: "POST", path: "/users/email_confirmation/token", body: `{}`, status: 400,
				want: restNoLoginID},
			{name: "token for a user without email", method: "POST", path: "/users/email_confirmation/token",
				body: `{"username":"nomail"}`, status: 400,
				want: restErr("bad_request", "Invalid parameter value: email_address: the user has no email address")},
			{name: "token, no credentials", as: "none", method: "POST", path: "/users/email_confirmation/token",
				body: `{"email_address":"conf@example.com"}`, status: 401, want: restNoAuth},
		})
	})
}

// ---------------------------------------------------------------- expired tokens

// Reset and confirmation tokens expire by the App's clock: 403 forbidden.
func TestRESTExpiredTokens(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			clock := newAccountsClock()
			e := newClockEnv(t, engine, clock.now)
			s := newRESTScenario(t, e)
			s.vars["id"] = s.createUser(t, `{"user":{"email_address":"late@example.com","password":"late-password-1"}}`)
			resetToken := restStep{name: "reset token", method: "POST", path: "/users/reset_password/token",
				body: `{"email_address":"late@example.com"}`, status: 201, save: map[string]string{"rtok": "reset_password_token"}}
			confirmToken := restStep{name: "confirmation token", method: "POST", path: "/users/email_confirmation/token",
				body: `{"email_address":"late@example.com"}`, status: 201, save: map[string]string{"ctok": "email_confirmation_token"}}
			reset := func(name, pw string, status int, want string) restStep {
				return restStep{name: name, method: "POST", path: "/users/reset_password", status: status, want: want,
					body: `{"user":{"reset_password_token":"{rtok}","password":"` + pw + `"}}`}
			}
			confirm := func(name string, status int, want string) restStep {
				return restStep{name: name, method: "POST", path: "/users/email_confirmation", status: status, want: want,
					body: `{"email_confirmation_token":"{ctok}"}`}
			}
			advance := func(d time.Duration) func(*testing.T, response, map[string]any) {
				return func(*testing.T, response, map[string]any) { clock.advance(d) }
			}
			resetExpired := restErr("forbidden", "Code expired: reset_password_token has expired")

			// passwordReset.tokenExpiration is 3600 s by default.
			resetToken.check = advance(3599 * time.Second)
			s.run(t, []restStep{resetToken, reset("a second before expiry", "late-password-2", 200, `{"user_id":{id}}`)})
			resetToken.check = advance(3600 * time.Second)
			s.run(t, []restStep{
				resetToken,
				reset("expired", "late-password-3", 403, resetExpired),
				reset("expired, with a password too short", "short", 403, resetExpired),
				{name: "the password stayed", method: "POST", path: "/users/login",
					body: `{"email_address":"late@example.com","password":"late-password-2"}`, status: 201,
					location: restBase + "/sign_ins/[0-9]+"},
			})

			// emailVerification.verificationEmailExpiration is 86400 s by default.
			confirmToken.check = advance(86400 * time.Second)
			s.run(t, []restStep{
				confirmToken,
				confirm("expired confirmation", 403, restErr("forbidden", "Code expired: email_confirmation_token has expired")),
			})
			confirmToken.check = advance(86399 * time.Second)
			s.run(t, []restStep{confirmToken, confirm("a second before expiry", 200, "")})
			if r := e.restCall(t, "GET", "/users/"+s.vars["id"], ""); r.json(t)["confirmed"] != true {
				t.Errorf("not confirmed: %s", r.body)
			}
		})
	}
}

// ---------------------------------------------------------------- activate, deactivate, unlock

func TestRESTActivation(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		s := newRESTScenario(t, e)
		s.vars["id"] = s.createUser(t, `{"user":{"email_address":"act@example.com","password":"active-password-1"}}`)
		s.vars["otherID"] = s.createOtherUser(t,
			`{"user":{"email_address":"act@example.com","password":"active-password-1"}}`)
		active := restUser{id: "{id}", email: "act@example.com"}.String()
		inactive := restUser{id: "{id}", email: "act@example.com", inactive: true}.String()
		put := func(name, path string, status int, want string) restStep {
			return restStep{name: name, method: "PUT", path: path, status: status, want: want}
		}
		s.run(t, []restStep{
			put("activate an active user", "/users/{id}/activate", 409, restErr("conflict", "The user is active already")),
			put("deactivate", "/users/{id}/deactivate", 200, inactive),
			{name: "inactive", method: "GET", path: "/users/{id}", status: 200, want: inactive},
			put("deactivate again", "/users/{id}/deactivate", 409, restErr("conflict", "The user is inactive already")),
			put("unlock an inactive user", "/users/{id}/unlock", 200, inactive),
			put("activate", "/users/{id}/activate", 200, active),
			{name: "active", method: "GET", path: "/users/{id}", status: 200, want: active},
			put("unlock", "/users/{id}/unlock", 200, active),
			put("unlock again", "/users/{id}/unlock", 200, active),

			put("activate an unknown id", "/users/999999/activate", 404, restUserNotFound),
			put("deactivate an unknown id", "/users/999999/deactivate", 404, restUserNotFound),
			put("unlock an unknown id", "/users/999999/unlock", 404, restUserNotFound),
			put("deactivate a non-numeric id", "/users/abc/deactivate", 404, restUserNotFound),
			put("deactivate a user of another site", "/users/{otherID}/deactivate", 404, restUserNotFound),
			put("unlock a user of another site", "/users/{otherID}/unlock", 404, restUserNotFound),
			{name: "the other site's user stays active", as: "other", method: "GET", path: "/users/{otherID}", status: 200,
				want: restUser{id: "{otherID}", email: "act@example.com"}.String()},
			{name: "no credentials", as: "none", method: "PUT", path: "/users/{id}/deactivate", status: 401, want: restNoAuth},
			{name: "wrong secret", as: "wrong", method: "PUT", path: "/users/{id}/deactivate", status: 401, want: restBadAuth},
			{name: "still active", method: "GET", path: "/users/{id}", status: 200, want: active},
		})
	})
}

// ---------------------------------------------------------------- every route

// Every route checks the credentials first, then that the body is JSON:
// 401, 406 and 400 in the one format, each with an X-Call-Id.
func TestRESTEveryRoute(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		s := newRESTScenario(t, e)
		id := s.createUser(t, `{"user":{"email_address":"route@example.com","password":"route-password-1"}}`)
		routes := 0
		for _, pattern := range e.app.REST.Routes() {
			method, path, _ := strings.Cut(pattern, " ")
			path = strings.TrimPrefix(strings.ReplaceAll(path, "{id}", id), rest.Prefix)
			if strings.HasPrefix(path, "/test/") {
				continue
			}
			routes++
			s.run(t, []restStep{
				{name: pattern + " without credentials", as: "none", method: method, path: path, status: 401, want: restNoAuth},
				{name: pattern + " with a wrong secret", as: "wrong", method: method, path: path, status: 401, want: restBadAuth},
				{name: pattern + " with a body not JSON", method: method, path: path, ctype: "text/plain", body: `{}`,
					status: 406, want: restNotJSON},
				{name: pattern + " with malformed JSON", method: method, path: path, body: `{"user":`, status: 400, want: restMalformed},
			})
		}
		if routes != 13 {
			t.Errorf("%d routes under /users, want 13", routes)
		}
		// None of that touched the user.
		s.vars["id"] = id
		s.run(t, []restStep{{name: "the user is as it was", method: "GET", path: "/users/{id}", status: 200,
			want: restUser{id: "{id}", email: "route@example.com"}.String()}})
	})
}
