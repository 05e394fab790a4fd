package rest_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/rest"
)

// The routes of the Social ID API around the user resource: the list, user
// tokens, and the sign-ins and connections of logins. (The mail routes are
// in socialid_mail_test.go.)

// ---------------------------------------------------------------- GET /users

// listUsers seeds the users the list tests page through: ann (the seeded
// user, the site's first), bea, cyd and dee, and bea's namesake on another
// site, which no list shows.
func listUsers(t *testing.T, e *apitest.App) (*restScenario, [4]restUser) {
	t.Helper()
	s := newRESTScenario(t, e)
	r := e.REST(t, "GET", "/users/find_by?username=ann", "")
	s.vars["ann"] = apitest.JSONScalar(r.JSON(t)["id"])
	s.vars["bea"] = s.createUser(t, `{"user":{"email_address":"bea@example.com","password":"list-password-1"}}`)
	s.vars["cyd"] = s.createUser(t, `{"user":{"username":"cyd","password":"list-password-1"}}`)
	s.vars["dee"] = s.createUser(t, `{"user":{"username":"dee","email_address":"Dee@Example.com","password":"list-password-1"}}`)
	s.vars["other"] = s.createOtherUser(t, `{"user":{"email_address":"bea@example.com","password":"list-password-1"}}`)
	return s, [4]restUser{{id: "{ann}", username: "ann", email: "Ann@Example.com", confirmed: true},
		{id: "{bea}", email: "bea@example.com"}, {id: "{cyd}", username: "cyd"},
		{id: "{dee}", username: "dee", email: "Dee@Example.com"}}
}

// listBody is the body of a GET /users answering users.
func listBody(users ...restUser) string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = u.String()
	}
	return fmt.Sprintf(`{"count":%d,"results":[%s]}`, len(users), strings.Join(out, ","))
}

func TestRESTListUsers(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		s, users := listUsers(t, e)
		annU, bea, cyd, dee := users[0], users[1], users[2], users[3]
		list := listBody
		total := func(n int) map[string]string { return map[string]string{"X-Total-Count": fmt.Sprint(n)} }
		get := func(name, query string, want string, n int) apitest.Scenario {
			return apitest.Scenario{Name: name, Method: "GET", Path: rest.Prefix + "/users" + query, WantBody: want, WantHeaders: total(n)}
		}
		withProfile := func(u restUser, p string) restUser { u.profile = p; return u }
		bad := func(name, query, desc string) apitest.Scenario {
			return apitest.Scenario{Name: name, Method: "GET", Path: rest.Prefix + "/users" + query, Status: 400,
				WantBody: restErr("bad_request", desc)}
		}
		many := strings.TrimSuffix(strings.Repeat("1,", 101), ",")
		s.run(t, []apitest.Scenario{
			get("every user, oldest first", "", list(annU, bea, cyd, dee), 4),
			get("first page", "?page_size=2", list(annU, bea), 4),
			get("second page", "?page=2&page_size=2", list(cyd, dee), 4),
			get("past the last page", "?page=3&page_size=2", list(), 4),
			get("per_page names the page size", "?per_page=3&page=2", list(dee), 4),
			get("page_size wins over per_page", "?per_page=1&page_size=2", list(annU, bea), 4),
			get("by email address, in any case", "?email_address=DEE@example.com", list(dee), 1),
			get("by username", "?username=cyd", list(cyd), 1),
			get("by both, of one user", "?username=dee&email_address=dee@example.com", list(dee), 1),
			get("by both, of two users", "?username=cyd&email_address=dee@example.com", list(), 0),
			get("an email address is no username", "?username=bea@example.com", list(), 0),
			get("no prefix search", "?email_address=bea@example", list(), 0),
			get("by ids, in id order", "?ids={dee},%20{ann},999999", list(annU, dee), 2),
			get("by ids and email address", "?ids={bea},{cyd}&email_address=bea@example.com", list(bea), 1),
			get("another site's user is not listed", "?ids={other}", list(), 0),
			get("profile fields", "?fields=email&page_size=2", list(withProfile(annU, `{}`), withProfile(bea, `{"email":"bea@example.com"}`)), 4),
			{Name: "the other site lists its own", As: &s.other, Method: "GET", Path: rest.Prefix + "/users",
				WantBody: list(restUser{id: "{other}", email: "bea@example.com"}), WantHeaders: total(1)},

			bad("page 0", "?page=0", "Invalid parameter value: page: want a whole number from 1 to 100000"),
			bad("page past the bound", "?page=100001", "Invalid parameter value: page: want a whole number from 1 to 100000"),
			bad("page not a number", "?page=two", "Invalid parameter value: page: want a whole number from 1 to 100000"),
			bad("page_size 0", "?page_size=0", "Invalid parameter value: page_size: want a whole number from 1 to 100"),
			bad("page_size over 100", "?page_size=101", "Invalid parameter value: page_size: want a whole number from 1 to 100"),
			bad("per_page over 100", "?per_page=101", "Invalid parameter value: per_page: want a whole number from 1 to 100"),
			bad("an id not a number", "?ids=1,x", "Invalid parameter value: ids: want user ids separated by commas"),
			bad("an id 0", "?ids=0", "Invalid parameter value: ids: want user ids separated by commas"),
			bad("an empty id", "?ids=1,,2", "Invalid parameter value: ids: want user ids separated by commas"),
			bad("more than 100 ids", "?ids="+many, "Invalid parameter value: ids: at most 100 ids"),
			bad("mac_address", "?mac_address=6C:A1:18:AD:32:92", "Invalid parameter value: mac_address: custos keeps no MAC addresses"),
			bad("an email address too long", "?email_address="+strings.Repeat("a", 250)+"@x.io",
				"Invalid parameter value: email_address: longer than 254 bytes"),
			bad("a username with control characters", "?username=a%01b", "Invalid parameter format: username: contains invalid characters"),
			{Name: "no credentials", Auth: "none", Method: "GET", Path: rest.Prefix + "/users", Status: 401, WantBody: restNoAuth},
		})
	})
}

// ---------------------------------------------------------------- PUT /users/:id/token

func TestRESTUserToken(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		s := newRESTScenario(t, e)
		s.vars["id"] = s.createUser(t, `{"user":{"email_address":"tok@example.com","password":"token-password-1"}}`)
		s.vars["otherID"] = s.createOtherUser(t, `{"user":{"email_address":"tok@example.com","password":"token-password-1"}}`)
		login := s.loginToken(t, `{"email_address":"tok@example.com","password":"token-password-1"}`)
		s.vars["fresh"] = s.createUser(t, `{"user":{"email_address":"fresh@example.com","password":"token-password-1"}}`)
		var tokens []string
		// token answers the user, with signed_in_at as it was, and a token that works.
		token := func(u restUser) func(*testing.T, apitest.Response, map[string]any) {
			return func(t *testing.T, r apitest.Response, m map[string]any) {
				tok, _ := m["token"].(string)
				if !strings.HasPrefix(tok, "st1_") {
					t.Fatalf("token %q", tok)
				}
				delete(m, "token")
				apitest.SameJSON(t, []byte(apitest.Dump(m)), s.fill(u.String()))
				if code := e.SessionCode(t, tok); code != 0 {
					t.Errorf("the user token: getAccountInfo errorCode %v", code)
				}
				tokens = append(tokens, tok)
			}
		}
		user := restUser{id: "{id}", email: "tok@example.com", signedIn: true}
		put := func(name, path string, status int, want string) apitest.Scenario {
			return apitest.Scenario{Name: name, Method: "PUT", Path: rest.Prefix + path, Status: status, WantBody: want}
		}
		s.run(t, []apitest.Scenario{
			{Name: "a token", Method: "PUT", Path: rest.Prefix + "/users/{id}/token", After: token(user)},
			{Name: "another token", Method: "PUT", Path: rest.Prefix + "/users/{id}/token", After: token(user)},
			{Name: "a user who never logged in", Method: "PUT", Path: rest.Prefix + "/users/{fresh}/token",
				After: token(restUser{id: "{fresh}", email: "fresh@example.com"})},
			{Name: "still never signed in", Method: "GET", Path: rest.Prefix + "/users/{fresh}",
				WantBody: restUser{id: "{fresh}", email: "fresh@example.com"}.String()},
		})
		if len(tokens) != 3 {
			t.Fatalf("%d tokens", len(tokens))
		}
		s.wantSessionEnded(t, tokens[0]) // the new token ended the one before
		for _, tok := range []string{login, tokens[1], tokens[2]} {
			if code := e.SessionCode(t, tok); code != 0 {
				t.Errorf("session %s: errorCode %v", tok, code)
			}
		}
		s.run(t, []apitest.Scenario{
			put("deactivate", "/users/{id}/deactivate", 200, restUser{id: "{id}", email: "tok@example.com", signedIn: true, inactive: true}.String()),
			put("no token for an inactive user", "/users/{id}/token", 403, restRefused("active", "user is not active")),
			put("activate", "/users/{id}/activate", 200, user.String()),
			put("an unknown id", "/users/999999/token", 404, restUserNotFound),
			put("a non-numeric id", "/users/abc/token", 404, restUserNotFound),
			put("a user of another site", "/users/{otherID}/token", 404, restUserNotFound),
			{Name: "with a body not JSON", Method: "PUT", Path: rest.Prefix + "/users/{id}/token", Headers: ctype("text/plain"), Body: `{}`,
				Status: 406, WantBody: restNotJSON},
			{Name: "no credentials", Auth: "none", Method: "PUT", Path: rest.Prefix + "/users/{id}/token", Status: 401, WantBody: restNoAuth},
		})
		if code := e.SessionCode(t, tokens[1]); code != 0 {
			t.Errorf("refused requests ended the user token: errorCode %v", code)
		}
		// Where the site requires confirmed addresses, an unconfirmed user gets none.
		e.SetPolicies(t, "accountOptions", `{"verifyEmail":true}`)
		s.run(t, []apitest.Scenario{
			put("no token for an unconfirmed user", "/users/{id}/token", 403, restRefused("confirmed", "email address is not confirmed")),
		})
	})
}

// ---------------------------------------------------------------- sign-ins and connections

func TestRESTSignInsAndConnections(t *testing.T) {
	t.Parallel()
	apitest.ForEachClockEngine(t, func(t *testing.T, e *apitest.App, clock *apitest.Clock) {
		s := newRESTScenario(t, e)
		s.vars["id"] = s.createUser(t, `{"user":{"email_address":"sign@example.com","password":"sign-password-1"}}`)
		loginBody := `{"email_address":"sign@example.com","password":"sign-password-1"}`
		// signedIn saves the sign-in id of the login's Location as {name}.
		signedIn := func(name string) func(*testing.T, apitest.Response, map[string]any) {
			return func(t *testing.T, r apitest.Response, m map[string]any) {
				loc := r.Header.Get("Location")
				s.vars[name] = loc[strings.LastIndex(loc, "/")+1:]
				s.vars["connUpper"] = strings.ToUpper(s.vars["conn"])
			}
		}
		later := clock.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05Z")
		signIn := func(id, conn, created string) string {
			return fmt.Sprintf(`{"id":%s,"user_id":{id},"connection":"%s/connections/%s","connection_id":"%s","created_at":%q,"expires_at":%q}`,
				id, restBase, conn, conn, created, later)
		}
		notSignIn, notConn := restErr("not_found", "Sign in not found"), restErr("not_found", "Connection not found")
		get := func(name, path string, status int, want string) apitest.Scenario {
			return apitest.Scenario{Name: name, Method: "GET", Path: rest.Prefix + path, Status: status, WantBody: want}
		}
		del := func(name, path string, status int, want string) apitest.Scenario {
			return apitest.Scenario{Name: name, Method: "DELETE", Path: rest.Prefix + path, Status: status, WantBody: want}
		}
		e.SetPolicies(t, "gigyaPlugins", `{"sessionExpiration":3600}`)
		s.run(t, []apitest.Scenario{
			{Name: "log in", Method: "POST", Path: rest.Prefix + "/users/login", Body: loginBody, Status: 201,
				Location: restBase + "/sign_ins/[0-9]+", Save: map[string]string{"conn": "connection_id", "tok": "login_token"}, After: signedIn("signIn")},
			{Name: "log in again", Method: "POST", Path: rest.Prefix + "/users/login", Body: loginBody, Status: 201,
				Location: restBase + "/sign_ins/[0-9]+", Save: map[string]string{"conn2": "connection_id", "tok2": "login_token"}, After: signedIn("signIn2")},
			get("the sign-in", "/sign_ins/{signIn}", 200, signIn("{signIn}", "{conn}", restNow)),
			get("the connection", "/connections/{conn}", 200,
				strings.TrimSuffix(signIn("{signIn}", "{conn}", restNow), "}")+`,"sign_in":"`+restBase+`/sign_ins/{signIn}"}`),
			get("the connection with profile fields", "/connections/{conn}?fields=email,shoeSize", 200,
				strings.TrimSuffix(signIn("{signIn}", "{conn}", restNow), "}")+`,"sign_in":"`+restBase+`/sign_ins/{signIn}","profile":{"email":"sign@example.com"}}`),

			{Name: "another site's sign-in", As: &s.other, Method: "GET", Path: rest.Prefix + "/sign_ins/{signIn}", Status: 404, WantBody: notSignIn},
			{Name: "another site's connection", As: &s.other, Method: "GET", Path: rest.Prefix + "/connections/{conn}", Status: 404, WantBody: notConn},
			{Name: "another site cannot end it", As: &s.other, Method: "DELETE", Path: rest.Prefix + "/connections/{conn}", Status: 404, WantBody: notConn},
			get("an unknown sign-in", "/sign_ins/999999", 404, notSignIn),
			get("a sign-in id not a number", "/sign_ins/abc", 404, notSignIn),
			get("sign-in 0", "/sign_ins/0", 404, notSignIn),
			get("a negative sign-in id", "/sign_ins/-1", 404, notSignIn),
			get("a sign-in id beyond int64", "/sign_ins/99999999999999999999", 404, notSignIn),
			get("an unknown connection", "/connections/00000000000000000000000000000000", 404, notConn),
			get("a connection id in upper case", "/connections/{connUpper}", 404, notConn),
			get("a connection id too short", "/connections/0123abcd", 404, notConn),
			get("a connection id too long", "/connections/{conn}00", 404, notConn),
			get("a connection id not hex", "/connections/zz", 404, notConn),
			{Name: "no credentials", Auth: "none", Method: "GET", Path: rest.Prefix + "/sign_ins/{signIn}", Status: 401, WantBody: restNoAuth},

			del("end the connection", "/connections/{conn}", 200, `{"connection_id":"{conn}","user_id":{id}}`),
			get("its sign-in is gone", "/sign_ins/{signIn}", 404, notSignIn),
			get("its connection is gone", "/connections/{conn}", 404, notConn),
			del("end it again", "/connections/{conn}", 404, notConn),
			get("the other sign-in stays", "/sign_ins/{signIn2}", 200, signIn("{signIn2}", "{conn2}", restNow)),
		})
		s.wantSessionEnded(t, s.vars["tok"])
		if code := e.SessionCode(t, s.vars["tok2"]); code != 0 {
			t.Errorf("the other session: errorCode %v", code)
		}
		// An expired session is no sign-in and no connection.
		clock.Advance(time.Hour)
		s.run(t, []apitest.Scenario{
			get("an expired sign-in", "/sign_ins/{signIn2}", 404, notSignIn),
			get("an expired connection", "/connections/{conn2}", 404, notConn),
			del("an expired connection cannot end", "/connections/{conn2}", 404, notConn),
		})
	})
}
