package rest_test

// The site's schema through the REST dialect: POST and PUT /users carry
// "profile", "data" and "preferences" objects, checked against the schema
// set with the RPC dialect's accounts.setSchema. Every one of the 23
// Social ID codes is produced here, with its status, token and errors entry.

import (
	"encoding/json"
	"testing"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/rest"
)

// schemaDoc has a field for each code.
const schemaDoc = `{"fields":{
	"age":{"type":"integer","writeAccess":"clientModify","minimum":0,"maximum":150},
	"score":{"type":"long","exclusiveMinimum":0,"exclusiveMaximum":100,"parity":"odd"},
	"pair":{"type":"long","parity":"even"},
	"seven":{"type":"integer","equalTo":7},
	"nick":{"type":"string","minLength":2,"maxLength":5,"disallowedValues":["admin"]},
	"code":{"type":"basic-string","length":4},
	"plan":{"type":"string","allowedValues":["free","pro"]},
	"zip":{"type":"string","format":"^[0-9]{5}$"},
	"member":{"type":"string","unique":true},
	"tags":{"type":"string","required":true}}}`

// restSchemaCase is a write refused with one field error: a PUT of the
// user {id}, or a POST creating one when post is set.
type restSchemaCase struct {
	rule  string
	post  bool
	body  string // the "user" object
	attr  string
	msg   string
	count int
}

func TestRESTSchemaCodes(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		e.SetSchema(t, "dataSchema", schemaDoc)
		// The user the PUTs change, and another holding member taken-1.
		for _, u := range []string{
			`{"email_address":"other@example.com","password":"pass-word-1","data":{"tags":"t","member":"taken-1"}}`,
			`{"email_address":"base@example.com","password":"pass-word-1","data":{"tags":"t","member":"m-base","age":30}}`,
		} {
			if r := e.REST(t, "POST", "/users", `{"user":`+u+`}`); r.Status != 201 {
				t.Fatalf("create %s: %d %s", u, r.Status, r.Body)
			}
		}
		var steps []apitest.Scenario
		steps = append(steps, apitest.Scenario{Name: "find base", Path: rest.Prefix + "/users/find_by?email_address=base@example.com",
			Save: map[string]string{"id": "id"}})
		cases := []restSchemaCase{
			{rule: "inclusion", body: `{"data":{"plan":"gold"}}`, attr: "data.plan", msg: "is not included in the list"},
			{rule: "exclusion", body: `{"data":{"nick":"admin"}}`, attr: "data.nick", msg: "is reserved"},
			{rule: "invalid", body: `{"data":{"zip":"12a45"}}`, attr: "data.zip", msg: "is invalid"},
			{rule: "invalid", body: `{"data":{"plan":true}}`, attr: "data.plan", msg: "must be a string"},
			{rule: "confirmation", body: `{"password":"new-password-2","password_confirmation":"new-password-3"}`,
				attr: "password_confirmation", msg: "doesn't match password"},
			{rule: "empty", body: `{"data":{"tags":[]}}`, attr: "data.tags", msg: "can't be empty"},
			{rule: "blank", body: `{"data":{"tags":"  "}}`, attr: "data.tags", msg: "can't be blank"},
			{rule: "blank", post: true, body: `{"email_address":"nodata@example.com","password":"pass-word-1"}`, attr: "data.tags", msg: "can't be blank"},
			{rule: "too_long", body: `{"data":{"nick":"abcdef"}}`, attr: "data.nick", msg: "is too long (maximum is 5 characters)", count: 5},
			{rule: "too_short", body: `{"data":{"nick":"a"}}`, attr: "data.nick", msg: "is too short (minimum is 2 characters)", count: 2},
			{rule: "wrong_length", body: `{"data":{"code":"abc"}}`, attr: "data.code", msg: "is the wrong length (should be 4 characters)", count: 4},
			{rule: "not_a_number", body: `{"data":{"age":"x"}}`, attr: "data.age", msg: "is not a number"},
			{rule: "not_an_integer", body: `{"data":{"age":1.5}}`, attr: "data.age", msg: "must be an integer"},
			{rule: "greater_than", body: `{"data":{"score":-1}}`, attr: "data.score", msg: "must be greater than 0", count: 0},
			{rule: "greater_than_or_equal_to", body: `{"data":{"age":-1}}`, attr: "data.age", msg: "must be greater than or equal to 0", count: 0},
			{rule: "equal_to", body: `{"data":{"seven":8}}`, attr: "data.seven", msg: "must be equal to 7", count: 7},
			{rule: "less_than", body: `{"data":{"score":101}}`, attr: "data.score", msg: "must be less than 100", count: 100},
			{rule: "less_than_or_equal_to", body: `{"data":{"age":151}}`, attr: "data.age", msg: "must be less than or equal to 150", count: 150},
			{rule: "odd", body: `{"data":{"score":4}}`, attr: "data.score", msg: "must be odd"},
			{rule: "even", body: `{"data":{"pair":3}}`, attr: "data.pair", msg: "must be even"},
			{rule: "taken", body: `{"data":{"member":"taken-1"}}`, attr: "data.member", msg: "has already been taken"},
			{rule: "taken", post: true, body: `{"email_address":"racer@example.com","password":"pass-word-1","data":{"tags":"t","member":"m-base"}}`,
				attr: "data.member", msg: "has already been taken"},
			{rule: "must_be_present", body: `{"data":{"tags":null}}`, attr: "data.tags", msg: "must be present"},
			{rule: "invalid_email", body: `{"profile":{"email":"nope"}}`, attr: "profile.email", msg: "must be a valid email"},
			{rule: "invalid_email", post: true, body: `{"email_address":"nope","password":"pass-word-1","data":{"tags":"t"}}`,
				attr: "email_address", msg: "must be a valid email"},
			{rule: "repeated", body: `{"password":"pass-word-1"}`, attr: "password", msg: "must be different from last 3 ones", count: 3},
		}
		covered := map[string]bool{"accepted": true} // TestRESTSchemaAccepted
		for _, c := range cases {
			covered[c.rule] = true
		}
		for _, ri := range errcode.Rules() {
			if field := ri.Code/1000 == 400; field && !covered[string(ri.Rule)] { // the rest refuse logins
				t.Errorf("no case produces %s", ri.Rule)
			}
		}
		for _, c := range cases {
			s := apitest.Scenario{Name: c.rule + " " + c.body, Method: "PUT", Path: rest.Prefix + "/users/{id}",
				Body: `{"user":` + c.body + `}`, Status: 422, Token: "unprocessable_entity",
				WantBody: restSchemaInvalid(c)}
			if c.post {
				s.Method, s.Path = "POST", rest.Prefix+"/users"
			}
			steps = append(steps, s)
		}
		steps = append(steps,
			apitest.Scenario{Name: "nothing was created", Path: rest.Prefix + "/users/find_by?email_address=nodata@example.com", Status: 404, Token: "not_found"},
			apitest.Scenario{Name: "nor the loser of the unique value", Path: rest.Prefix + "/users/find_by?email_address=racer@example.com", Status: 404, Token: "not_found"},
			apitest.Scenario{Name: "the password is unchanged", Method: "POST", Path: rest.Prefix + "/users/login",
				Body: `{"email_address":"base@example.com","password":"pass-word-1"}`, Status: 201, Location: restBase + "/sign_ins/[0-9]+"},
			apitest.Scenario{Name: "a good change", Method: "PUT", Path: rest.Prefix + "/users/{id}",
				Body: `{"user":{"data":{"age":31,"plan":"pro","score":"7","member":"m-new"}}}`, Status: 200},
		)
		apitest.Run(t, e, steps)
		// The data as the RPC dialect reads it: the refused writes left it.
		uid := loginUID(t, e, "base@example.com", "pass-word-1")
		m := e.Call(t, "accounts.getAccountInfo", e.Secret("UID", uid, "include", "data"))
		if want := map[string]any{"tags": "t", "member": "m-new", "age": 31, "plan": "pro", "score": 7}; !apitest.JSONEqual(m["data"], want) {
			t.Errorf("data %s, want %s: refused writes changed it, or the good one did not", apitest.Dump(m["data"]), apitest.Dump(want))
		}
	})
}

// accepted: a required consent not granted, through REST and, in its own
// words, through RPC; a REST create grants it in the same body.
func TestRESTSchemaAccepted(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		r := e.REST(t, "POST", "/users", `{"user":{"email_address":"carol@example.com","password":"pass-word-1"}}`)
		if r.Status != 201 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		uid := loginUID(t, e, "carol@example.com", "pass-word-1")
		e.SetSchema(t, "preferencesSchema", `{"fields":{"terms.tos":{"required":true,"writeAccess":"clientModify"}}}`)
		accepted := apitest.Field(400027, "preferences.terms.tos.isConsentGranted", "preferences.terms.tos.isConsentGranted must be accepted")
		refused := restSchemaInvalid(restSchemaCase{attr: "preferences.terms.tos.isConsentGranted", msg: "must be accepted", rule: "accepted"})
		apitest.Run(t, e, []apitest.Scenario{
			{Name: "RPC", Path: "/accounts.setAccountInfo",
				Form: e.Secret("UID", uid, "preferences", `{"terms":{"tos":{"isConsentGranted":false}}}`),
				Code: 400009, Details: accepted.Msg, Fields: []apitest.FieldErr{accepted}},
			{Name: "REST update", Method: "PUT", Path: rest.Prefix + "/users/{id}", Before: func(t *testing.T, e *apitest.App) {
				e.Vars["id"] = apitest.Dump(restUserID(t, e, "carol@example.com"))
			}, Body: `{"user":{"preferences":{"terms":{"tos":{"isConsentGranted":false}}}}}`,
				Status: 422, Token: "unprocessable_entity", WantBody: refused},
			{Name: "REST create without the consent", Method: "POST", Path: rest.Prefix + "/users",
				Body: `{"user":{"email_address":"bob@example.com","password":"pass-word-1"}}`, Status: 422, Token: "unprocessable_entity",
				WantBody: restSchemaInvalid(restSchemaCase{attr: "preferences.terms.tos.isConsentGranted", msg: "can't be blank", rule: "blank"})},
			{Name: "REST create granting it", Method: "POST", Path: rest.Prefix + "/users",
				Body:   `{"user":{"email_address":"bob@example.com","password":"pass-word-1","preferences":{"terms":{"tos":{"isConsentGranted":true}}}}}`,
				Status: 201, Location: restBase + "/users/[0-9]+"},
		})
	})
}

// restUserID finds a user's id through GET /users/find_by.
func restUserID(t *testing.T, e *apitest.App, email string) int64 {
	t.Helper()
	r := e.REST(t, "GET", "/users/find_by?email_address="+email, "")
	var u struct{ ID int64 }
	if r.Status != 200 || json.Unmarshal([]byte(r.Body), &u) != nil {
		t.Fatalf("find_by %s: %d %s", email, r.Status, r.Body)
	}
	return u.ID
}

// loginUID logs in through the RPC dialect and returns the UID.
func loginUID(t *testing.T, e *apitest.App, loginID, pw string) string {
	t.Helper()
	m := e.Call(t, "accounts.login", apitest.Form("loginID", loginID, "password", pw))
	uid, _ := m["UID"].(string)
	if uid == "" {
		t.Fatalf("login %s: %s", loginID, apitest.Dump(m))
	}
	return uid
}

func restSchemaInvalid(c restSchemaCase) string {
	f := restField{c.attr, c.msg, c.rule, c.count}
	if c.count == 0 && (c.rule == "greater_than" || c.rule == "greater_than_or_equal_to") {
		// A count of 0 is a count all the same: restInvalid leaves 0 out.
		return `{"error":"unprocessable_entity","error_description":"` + c.attr + " " + c.msg + `",` +
			`"errors":[{"attribute":"` + c.attr + `","message":"` + c.msg + `","code":"` + c.rule + `","count":0}]}`
	}
	return restInvalid(f)
}
