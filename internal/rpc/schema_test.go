package rpc_test

// The site schema through the RPC dialect: accounts.setSchema, getSchema
// and deleteSchemaFields, every field code a write of account objects can
// answer (400009 with its validationErrors), unique fields under
// concurrent writes, and registrations left pending by required fields.

import (
	"net/url"
	"strconv"
	"sync"
	"testing"

	"github.com/custos-id/custos/internal/apitest"
)

// schemaDetails is the errorDetails of a refused setSchema document.
func schemaDetails(param, why string) string { return "Invalid parameter value: " + param + ": " + why }

// objectsOf is the profile, data, preferences and subscriptions of uid,
// as a server reads them.
func objectsOf(t *testing.T, e *apitest.App, uid string) string {
	t.Helper()
	m := e.Call(t, "accounts.getAccountInfo", e.Secret("UID", uid, "include", "profile,data,preferences,subscriptions"))
	apitest.ExpectRPC(t, m, 0, "")
	return apitest.Dump(map[string]any{"profile": m["profile"], "data": m["data"],
		"preferences": m["preferences"], "subscriptions": m["subscriptions"]})
}

func TestSchemaSetGetDelete(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		e.SetSchema(t, "dataSchema", `{"fields":{
			"age":{"type":"integer","writeAccess":"clientModify"},
			"vip":{"type":"boolean"}}}`)
		age := map[string]any{"type": "integer", "required": false, "writeAccess": "clientModify"}
		vip := map[string]any{"type": "boolean", "required": false, "writeAccess": "serverOnly"}
		dynamic := map[string]any{"type": "long", "required": false, "writeAccess": "serverOnly"}
		declared := map[string]any{"dynamicSchema": true, "fields": map[string]any{"age": age, "vip": vip}}
		full := map[string]any{"dynamicSchema": true, "fields": map[string]any{"age": age, "vip": vip, "score_i": dynamic}}
		unchanged := apitest.Scenario{Name: "the schema is unchanged", Path: "/accounts.getSchema",
			Form: apitest.Form("include", "dataSchema"), Want: map[string]any{"dataSchema": full}}
		uid, _ := registerWith(t, e, apitest.Form("email", "held@example.com", "password", "pass-word-1", "data", `{"age":30}`))
		refused := func(name, doc, details string) apitest.Scenario {
			return apitest.Scenario{Name: name, Path: "/accounts.setSchema", Form: e.Secret("dataSchema", doc),
				Code: 400006, Details: details}
		}
		run(t, e, []apitest.Scenario{
			{Name: "getSchema of one object", Path: "/accounts.getSchema", Form: apitest.Form("include", "dataSchema"),
				Want: map[string]any{"dataSchema": declared}, Absent: []string{"profileSchema", "subscriptionsSchema", "preferencesSchema"}},
			{Name: "getSchema of every object", Path: "/accounts.getSchema", Form: apitest.Form(),
				After: func(t *testing.T, _ apitest.Response, m map[string]any) {
					for _, k := range []string{"profileSchema", "dataSchema", "subscriptionsSchema", "preferencesSchema"} {
						apitest.Object(t, m, k)
					}
					if f := apitest.Object(t, apitest.Object(t, m, "profileSchema"), "fields"); f["firstName"] == nil {
						t.Errorf("profileSchema lacks the built-in firstName: %s", apitest.Dump(f))
					}
				}},
			{Name: "clientOnly leaves serverOnly fields out", Path: "/accounts.getSchema", Form: apitest.Form("filter", "clientOnly", "include", "dataSchema"),
				Want: map[string]any{"dataSchema": map[string]any{"dynamicSchema": true, "fields": map[string]any{"age": age}}}},
			{Name: "a server creates a dynamic field", Path: "/accounts.setAccountInfo", Form: e.Secret("UID", uid, "data", `{"score_i":"7"}`)},
			{Name: "full shows the dynamic field", Path: "/accounts.getSchema", Form: apitest.Form("include", "dataSchema", "filter", "full"),
				Want: map[string]any{"dataSchema": full}},
			{Name: "explicitOnly leaves it out", Path: "/accounts.getSchema", Form: apitest.Form("include", "dataSchema", "filter", "explicitOnly"),
				Want: map[string]any{"dataSchema": declared}},
			{Name: "its value is a number", Path: "/accounts.getAccountInfo", Form: e.Secret("UID", uid, "include", "data"),
				Want: map[string]any{"data": map[string]any{"age": 30, "score_i": 7}}},
			{Name: "unknown filter", Path: "/accounts.getSchema", Form: apitest.Form("filter", "all"),
				Code: 400006, Details: schemaDetails("filter", "want full, explicitOnly or clientOnly")},
			{Name: "unknown include", Path: "/accounts.getSchema", Form: apitest.Form("include", "dataSchema,shoeSchema"),
				Code: 400006, Details: schemaDetails("include", `unknown schema "shoeSchema"`)},
			{Name: "getSchema without apiKey", Path: "/accounts.getSchema", Form: apitest.Form(), NoAPIKey: true,
				Code: 400092, Loose: true},
			{Name: "setSchema from a client", Path: "/accounts.setSchema", Form: apitest.Form("dataSchema", `{"fields":{}}`),
				Code: 403007, Details: serverOnly("accounts.setSchema")},
			{Name: "setSchema of nothing", Path: "/accounts.setSchema", Form: e.Secret(),
				Code: 400002, Details: missing("profileSchema, dataSchema, subscriptionsSchema or preferencesSchema")},
			{Name: "not JSON", Path: "/accounts.setSchema", Form: e.Secret("dataSchema", `{"fields":`),
				Code: 400004, Details: "Invalid parameter format: dataSchema: not a JSON object"},
			refused("unknown type", `{"fields":{"a":{"type":"money"}}}`, schemaDetails("dataSchema.fields.a.type", "not a type of data fields")),
			refused("unknown attribute", `{"fieldz":{}}`, schemaDetails("dataSchema.fieldz", "unknown schema attribute")),
			unchanged,
			refused("type of a field holding data", `{"fields":{"age":{"type":"string"}}}`,
				schemaDetails("dataSchema.fields.age.type", "accounts hold data in data.age: it cannot change its type")),
			refused("removing a field holding data", `{"fields":{"age":null}}`,
				schemaDetails("dataSchema.fields.age", "accounts hold data in data.age: it cannot be removed (delete it with accounts.deleteSchemaFields)")),
			refused("unique on a field holding data", `{"fields":{"age":{"unique":true}}}`,
				schemaDetails("dataSchema.fields.age.unique", "accounts hold data in data.age: it cannot become unique")),
			unchanged,
			{Name: "deleteSchemaFields from a client", Path: "/accounts.deleteSchemaFields", Form: apitest.Form("dataSchemaFields", "age"),
				Code: 403007, Details: serverOnly("accounts.deleteSchemaFields")},
			{Name: "deleteSchemaFields of nothing", Path: "/accounts.deleteSchemaFields", Form: e.Secret(),
				Code: 400002, Details: missing("dataSchemaFields")},
			{Name: "deleteSchemaFields of profile fields", Path: "/accounts.deleteSchemaFields", Form: e.Secret("profileSchemaFields", "firstName"),
				Code: 400006, Details: schemaDetails("profileSchemaFields", "profile fields are built in and cannot be deleted")},
			{Name: "deleteSchemaFields", Path: "/accounts.deleteSchemaFields", Form: e.Secret("dataSchemaFields", "age,score_i")},
			{Name: "the values are gone", Path: "/accounts.getAccountInfo", Form: e.Secret("UID", uid, "include", "data"),
				Want: map[string]any{"data": map[string]any{}}},
			{Name: "the fields are gone", Path: "/accounts.getSchema", Form: apitest.Form("include", "dataSchema"),
				Want: map[string]any{"dataSchema": map[string]any{"dynamicSchema": true, "fields": map[string]any{"vip": vip}}}},
			{Name: "the field may come back with another type", Path: "/accounts.setSchema",
				Form: e.Secret("dataSchema", `{"fields":{"age":{"type":"string","unique":true}}}`)},
		})
	})
}

// codeSite is a schema with a field for every field code, and an account
// (base) holding values in them.
type codeSite struct {
	e                *apitest.App
	uid, token, held string
}

func newCodeSite(t *testing.T, e *apitest.App) *codeSite {
	t.Helper()
	e.SetSchema(t, "dataSchema", `{"fields":{
		"age":{"type":"integer","writeAccess":"clientModify","minimum":0,"maximum":150},
		"score":{"type":"float","writeAccess":"clientModify"},
		"plan":{"type":"string","writeAccess":"clientModify","allowedValues":["free","pro"]},
		"nick":{"type":"string","writeAccess":"clientModify","minLength":2,"maxLength":5,"disallowedValues":["admin"]},
		"zip":{"type":"string","writeAccess":"clientModify","format":"^[0-9]{5}$"},
		"odd":{"type":"long","writeAccess":"clientModify","parity":"odd"},
		"vip":{"type":"boolean"},
		"member":{"type":"string","writeAccess":"clientCreate","unique":true},
		"tags":{"type":"string","writeAccess":"clientModify","required":true},
		"address.city":{"type":"string","writeAccess":"clientModify"},
		"address.secret":{"type":"string"}}}`,
		"preferencesSchema", `{"fields":{"terms.tos":{"required":true,"writeAccess":"clientModify"}}}`)
	consent := `{"terms":{"tos":{"isConsentGranted":true}}}`
	registerWith(t, e, apitest.Form("email", "other@example.com", "password", "pass-word-1",
		"data", `{"tags":"t","member":"taken-1"}`, "preferences", consent))
	uid, token := registerWith(t, e, apitest.Form("email", "base@example.com", "password", "pass-word-1",
		"data", `{"age":30,"tags":"t","member":"m-base","address":{"city":"Oslo"}}`, "preferences", consent))
	c := &codeSite{e: e, uid: uid, token: token}
	c.held = objectsOf(t, e, uid)
	return c
}

// codeCase is a write refused with field errors.
type codeCase struct {
	name string
	// by: "register" (a client), "serverRegister", "session" or "server"
	// (setAccountInfo of base).
	by     string
	kv     []string
	fields []apitest.FieldErr
	before func(t *testing.T, e *apitest.App)
}

func (c *codeSite) scenario(cc codeCase, i int) apitest.Scenario {
	e := c.e
	var form url.Values
	path, email := "/accounts.setAccountInfo", ""
	switch cc.by {
	case "register", "serverRegister":
		email = "new" + itoa(i) + "@example.com"
		path, form = "/accounts.register", apitest.Form(append([]string{"email", email, "password", "pass-word-1",
			"finalizeRegistration", "true"}, cc.kv...)...)
		if cc.by == "serverRegister" {
			form.Set("secret", e.Site.SecretBase64())
		}
	case "session":
		form = apitest.Form(append([]string{"login_token", c.token}, cc.kv...)...)
	case "server":
		form = e.Secret(append([]string{"UID", c.uid}, cc.kv...)...)
	}
	details := ""
	for i, f := range cc.fields {
		if i > 0 {
			details += ", "
		}
		details += f.Msg
	}
	return apitest.Scenario{Name: cc.name, Path: path, Form: form, Code: 400009, Details: details, Fields: cc.fields,
		Before: cc.before, Absent: []string{"UID", "sessionInfo", "regToken"},
		After: func(t *testing.T, _ apitest.Response, _ map[string]any) {
			if email != "" && !e.Available(t, email) {
				t.Errorf("a refused registration created %s", email)
			}
			if got := objectsOf(t, e, c.uid); got != c.held {
				t.Errorf("a refused write changed the account:\n got %s\nwant %s", got, c.held)
			}
		}}
}

func fe(code float64, field, msg string) apitest.FieldErr {
	return apitest.Field(code, field, field+" "+msg)
}

// Every field code of a write, from clients and servers, in registrations
// and in setAccountInfo: 400009 listing every problem, nothing written.
func TestSchemaFieldCodes(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		c := newCodeSite(t, e)
		cases := []codeCase{
			// 400020: a client may not remove or overwrite a container of fields it may not write.
			{name: "400020 client removes a container", by: "session", kv: []string{"data", `{"address":null}`},
				fields: []apitest.FieldErr{fe(400020, "data.address", "holds fields a client may not replace or remove")}},
			{name: "400020 client overwrites a container", by: "session", kv: []string{"data", `{"address":"x"}`},
				fields: []apitest.FieldErr{fe(400020, "data.address", "holds fields a client may not overwrite")}},
			{name: "400020 client registers over a container", by: "register", kv: []string{"data", `{"address":"x"}`},
				fields: []apitest.FieldErr{fe(400020, "data.address", "holds fields a client may not overwrite")}},
			// 400022: unique.
			{name: "400022 server setAccountInfo", by: "server", kv: []string{"data", `{"member":"taken-1"}`},
				fields: []apitest.FieldErr{fe(400022, "data.member", "has already been taken")}},
			{name: "400022 client registration", by: "register", kv: []string{"data", `{"tags":"t","member":"taken-1"}`},
				fields: []apitest.FieldErr{fe(400022, "data.member", "has already been taken")}},
			{name: "400022 server registration", by: "serverRegister", kv: []string{"data", `{"member":"m-base"}`},
				fields: []apitest.FieldErr{fe(400022, "data.member", "has already been taken")}},
			// 400023: types.
			{name: "400023 not a number", by: "session", kv: []string{"data", `{"age":"x"}`},
				fields: []apitest.FieldErr{fe(400023, "data.age", "is not a number")}},
			{name: "400023 not an integer", by: "register", kv: []string{"data", `{"age":1.5}`},
				fields: []apitest.FieldErr{fe(400023, "data.age", "must be an integer")}},
			{name: "400023 float", by: "server", kv: []string{"data", `{"score":true}`},
				fields: []apitest.FieldErr{fe(400023, "data.score", "is not a number")}},
			{name: "400023 boolean", by: "server", kv: []string{"data", `{"vip":"yes"}`},
				fields: []apitest.FieldErr{fe(400023, "data.vip", "must be true or false")}},
			{name: "400023 server overwrites a container", by: "server", kv: []string{"data", `{"address":"x"}`},
				fields: []apitest.FieldErr{fe(400023, "data.address", "must be an object")}},
			{name: "400023 integer range", by: "serverRegister", kv: []string{"data", `{"age":99999999999}`},
				fields: []apitest.FieldErr{fe(400023, "data.age", "must be less than or equal to 2147483647")}},
			// 400024: not a field of the schema.
			{name: "400024 unknown profile field", by: "server", kv: []string{"profile", `{"shoeSize":44}`},
				fields: []apitest.FieldErr{fe(400024, "profile.shoeSize", "is not a field of the schema")}},
			{name: "400024 bad field name", by: "serverRegister", kv: []string{"data", `{"1x":1}`},
				fields: []apitest.FieldErr{fe(400024, "data.1x", "is not a valid field name")}},
			{name: "400024 unknown subscription", by: "session", kv: []string{"subscriptions", `{"news":{"isSubscribed":true}}`},
				fields: []apitest.FieldErr{fe(400024, "subscriptions.news", "is not a field of the schema")}},
			// 400025: write access.
			{name: "400025 serverOnly field", by: "session", kv: []string{"data", `{"vip":true}`},
				fields: []apitest.FieldErr{fe(400025, "data.vip", "may not be written by a client")}},
			{name: "400025 undeclared data field", by: "register", kv: []string{"data", `{"fresh":1}`},
				fields: []apitest.FieldErr{fe(400025, "data.fresh", "may not be written by a client")}},
			{name: "400025 clientCreate set already", by: "session", kv: []string{"data", `{"member":"m-2"}`},
				fields: []apitest.FieldErr{fe(400025, "data.member", "is set already and may not be changed by a client")}},
			// 400026: value constraints.
			{name: "400026 minimum", by: "session", kv: []string{"data", `{"age":-1}`},
				fields: []apitest.FieldErr{fe(400026, "data.age", "must be greater than or equal to 0")}},
			{name: "400026 maximum", by: "server", kv: []string{"data", `{"age":151}`},
				fields: []apitest.FieldErr{fe(400026, "data.age", "must be less than or equal to 150")}},
			{name: "400026 inclusion", by: "register", kv: []string{"data", `{"plan":"gold"}`},
				fields: []apitest.FieldErr{fe(400026, "data.plan", "is not included in the list")}},
			{name: "400026 exclusion", by: "session", kv: []string{"data", `{"nick":"admin"}`},
				fields: []apitest.FieldErr{fe(400026, "data.nick", "is reserved")}},
			{name: "400026 too short", by: "session", kv: []string{"data", `{"nick":"a"}`},
				fields: []apitest.FieldErr{fe(400026, "data.nick", "is too short (minimum is 2 characters)")}},
			{name: "400026 too long", by: "session", kv: []string{"data", `{"nick":"abcdef"}`},
				fields: []apitest.FieldErr{fe(400026, "data.nick", "is too long (maximum is 5 characters)")}},
			{name: "400026 format", by: "session", kv: []string{"data", `{"zip":"12a45"}`},
				fields: []apitest.FieldErr{fe(400026, "data.zip", "is invalid")}},
			{name: "400026 odd", by: "server", kv: []string{"data", `{"odd":4}`},
				fields: []apitest.FieldErr{fe(400026, "data.odd", "must be odd")}},
			{name: "400026 gender", by: "session", kv: []string{"profile", `{"gender":"x"}`},
				fields: []apitest.FieldErr{fe(400026, "profile.gender", "is not included in the list")}},
			{name: "400026 profile email", by: "session", kv: []string{"profile", `{"email":"nope"}`},
				fields: []apitest.FieldErr{fe(400026, "profile.email", "must be a valid email")}},
			// 400027: required values.
			{name: "400027 blank", by: "session", kv: []string{"data", `{"tags":"  "}`},
				fields: []apitest.FieldErr{fe(400027, "data.tags", "can't be blank")}},
			{name: "400027 empty", by: "server", kv: []string{"data", `{"tags":[]}`},
				fields: []apitest.FieldErr{fe(400027, "data.tags", "can't be empty")}},
			{name: "400027 must be present", by: "server", kv: []string{"data", `{"tags":null}`},
				fields: []apitest.FieldErr{fe(400027, "data.tags", "must be present")}},
			{name: "400027 accepted", by: "session", kv: []string{"preferences", `{"terms":{"tos":{"isConsentGranted":false}}}`},
				fields: []apitest.FieldErr{fe(400027, "preferences.terms.tos.isConsentGranted", "must be accepted")}},
			// Every problem at once, in the order of the objects and paths.
			{name: "every problem", by: "register", kv: []string{"profile", `{"gender":"x"}`,
				"data", `{"age":"x","vip":true,"fresh":1,"address":"x","plan":"gold"}`},
				fields: []apitest.FieldErr{fe(400026, "profile.gender", "is not included in the list"),
					fe(400020, "data.address", "holds fields a client may not overwrite"),
					fe(400023, "data.age", "is not a number"),
					fe(400025, "data.fresh", "may not be written by a client"),
					fe(400026, "data.plan", "is not included in the list"),
					fe(400025, "data.vip", "may not be written by a client")}},
			{name: "every problem in setAccountInfo", by: "session", kv: []string{"data", `{"age":-1,"nick":"a","tags":" "}`},
				fields: []apitest.FieldErr{fe(400026, "data.age", "must be greater than or equal to 0"),
					fe(400026, "data.nick", "is too short (minimum is 2 characters)"),
					fe(400027, "data.tags", "can't be blank")}},
			// Last: it changes the schema.
			{name: "400024 dynamic schema off", by: "server", kv: []string{"data", `{"fresh":1}`},
				before: func(t *testing.T, e *apitest.App) { e.SetSchema(t, "dataSchema", `{"dynamicSchema":false}`) },
				fields: []apitest.FieldErr{fe(400024, "data.fresh", "is not a field of the schema")}},
		}
		var steps []apitest.Scenario
		for i, cc := range cases {
			steps = append(steps, c.scenario(cc, i))
		}
		run(t, e, steps)
	})
}

// The same writes succeed where the schema allows them.
func TestSchemaWritesAllowed(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		c := newCodeSite(t, e)
		run(t, e, []apitest.Scenario{
			{Name: "a client writes what it may", Path: "/accounts.setAccountInfo", Form: apitest.Form("login_token", c.token,
				"data", `{"age":"31","nick":"ann","plan":"pro","address":{"city":"Bergen"}}`)},
			{Name: "a server writes serverOnly fields and creates one", Path: "/accounts.setAccountInfo",
				Form: e.Secret("UID", c.uid, "data", `{"vip":true,"member":"m-new","address":{"secret":"s"},"since_d":"2024-05-31"}`)},
			{Name: "what was written", Path: "/accounts.getAccountInfo", Form: e.Secret("UID", c.uid, "include", "data"),
				Want: map[string]any{"data": map[string]any{"age": 31, "nick": "ann", "plan": "pro", "tags": "t", "vip": true,
					"member": "m-new", "since_d": "2024-05-31", "address": map[string]any{"city": "Bergen", "secret": "s"}}}},
			{Name: "the old unique value is free again", Path: "/accounts.setAccountInfo",
				Form: e.Secret("UID", c.uid, "data", `{"member":"m-base"}`)},
			{Name: "member stops being unique", Path: "/accounts.setSchema",
				Form: e.Secret("dataSchema", `{"fields":{"member":{"unique":false}}}`)},
			{Name: "another account takes the same value", Path: "/accounts.register", Form: e.Secret("email", "twin@example.com",
				"password", "pass-word-1", "finalizeRegistration", "true", "data", `{"tags":"t","member":"m-base"}`,
				"preferences", `{"terms":{"tos":{"isConsentGranted":true}}}`)},
			{Name: "unique again refused: accounts hold data", Path: "/accounts.setSchema",
				Form: e.Secret("dataSchema", `{"fields":{"member":{"unique":true}}}`), Code: 400006,
				Details: schemaDetails("dataSchema.fields.member.unique", "accounts hold data in data.member: it cannot become unique")},
		})
	})
}

// Many registrations race for one value of a unique field: one wins.
func TestSchemaUniqueConcurrent(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		e.SetSchema(t, "dataSchema", `{"fields":{"memberId":{"type":"string","unique":true}}}`)
		const n = 64
		answers := make([]map[string]any, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_, answers[i] = e.RPC(t, "accounts.register", e.Secret("email", "racer"+itoa(i)+"@example.com",
					"password", "pass-word-1", "finalizeRegistration", "true", "data", `{"memberId":"M-1"}`), nil)
			})
		}
		wg.Wait()
		won := -1
		taken := fe(400022, "data.memberId", "has already been taken")
		for i, m := range answers {
			if m["errorCode"] == 0.0 {
				if won >= 0 {
					t.Fatalf("two registrations won: %d and %d", won, i)
				}
				won = i
				continue
			}
			apitest.ExpectRPC(t, m, 400009, taken.Msg, taken)
		}
		if won < 0 {
			t.Fatal("no registration won")
		}
		for i := range n {
			if avail := e.Available(t, "racer"+itoa(i)+"@example.com"); avail == (i == won) {
				t.Errorf("racer %d (winner %d): available %v", i, won, avail)
			}
		}

		// Through setAccountInfo: two accounts race for a value.
		uids := make([]string, n)
		for i := range n {
			m := e.Call(t, "accounts.register", e.Secret("email", "setter"+itoa(i)+"@example.com",
				"password", "pass-word-1", "finalizeRegistration", "true"))
			apitest.ExpectRPC(t, m, 0, "")
			uids[i], _ = m["UID"].(string)
		}
		for i := range n {
			wg.Go(func() {
				_, answers[i] = e.RPC(t, "accounts.setAccountInfo", e.Secret("UID", uids[i], "data", `{"memberId":"M-2"}`), nil)
			})
		}
		wg.Wait()
		won = -1
		for i, m := range answers {
			if m["errorCode"] == 0.0 {
				if won >= 0 {
					t.Fatalf("two updates won: %d and %d", won, i)
				}
				won = i
				continue
			}
			apitest.ExpectRPC(t, m, 400009, taken.Msg, taken)
		}
		if won < 0 {
			t.Fatal("no update won")
		}
		for i, uid := range uids {
			m := e.Call(t, "accounts.getAccountInfo", e.Secret("UID", uid, "include", "data"))
			if _, has := apitest.Object(t, m, "data")["memberId"]; has != (i == won) {
				t.Errorf("setter %d (winner %d) holds memberId: %v", i, won, has)
			}
		}
	})
}

func itoa(i int) string { return strconv.Itoa(i) }

// sameRegToken asserts that a pending answer carries the regToken saved.
func sameRegToken(e *apitest.App) func(*testing.T, apitest.Response, map[string]any) {
	return func(t *testing.T, _ apitest.Response, m map[string]any) {
		if m["regToken"] != e.Vars["regToken"] {
			t.Errorf("regToken %v, want %s", m["regToken"], e.Vars["regToken"])
		}
	}
}

// Required fields without values leave a registration pending until they
// are filled; a field that becomes required stops the logins of accounts
// without it.
func TestSchemaPendingRegistration(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		e.SetSchema(t, "profileSchema", `{"fields":{"firstName":{"required":true}}}`,
			"dataSchema", `{"fields":{"terms":{"type":"boolean","required":true,"writeAccess":"clientModify"}}}`)
		pending := "Missing required fields for registration: data.terms, profile.firstName"
		run(t, e, []apitest.Scenario{
			{Name: "register without the required fields", Path: "/accounts.register",
				Form: apitest.Form("email", "pend@example.com", "password", "pass-word-1", "finalizeRegistration", "true"),
				Code: 206001, Details: pending, Save: map[string]string{"regToken": "regToken", "uid": "UID"},
				Want: map[string]any{"isRegistered": false}, Absent: []string{"sessionInfo"}},
			{Name: "missingRequiredFields", Path: "/accounts.getAccountInfo", Form: e.Secret("UID", "{uid}", "include", "missing-required-fields"),
				Want: map[string]any{"missingRequiredFields": []string{"data.terms", "profile.firstName"}}},
			{Name: "login while pending", Path: "/accounts.login", Form: apitest.Form("loginID", "pend@example.com", "password", "pass-word-1"),
				Code: 206001, Details: pending, Absent: []string{"sessionInfo"},
				After: func(t *testing.T, _ apitest.Response, m map[string]any) {
					if tok, _ := m["regToken"].(string); tok == "" {
						t.Error("no regToken")
					}
				}},
			{Name: "finalize while fields are missing", Path: "/accounts.finalizeRegistration", Form: apitest.Form("regToken", "{regToken}"),
				Code: 206001, Details: pending, Absent: []string{"sessionInfo"}, After: sameRegToken(e)},
			// The user completes the fields with the regToken: a client call.
			{Name: "a refused value", Path: "/accounts.setAccountInfo", Form: apitest.Form("regToken", "{regToken}", "data", `{"terms":"yes"}`),
				Code: 400009, Details: "data.terms must be true or false", Fields: []apitest.FieldErr{fe(400023, "data.terms", "must be true or false")}},
			{Name: "a server-only field, even with the secret", Path: "/accounts.setAccountInfo",
				Form: e.Secret("regToken", "{regToken}", "data", `{"vip":true}`),
				Code: 400009, Details: "data.vip may not be written by a client", Fields: []apitest.FieldErr{fe(400025, "data.vip", "may not be written by a client")}},
			{Name: "fill one field", Path: "/accounts.setAccountInfo", Form: apitest.Form("regToken", "{regToken}", "data", `{"terms":true}`)},
			{Name: "finalize, one field missing", Path: "/accounts.finalizeRegistration", Form: apitest.Form("regToken", "{regToken}"),
				Code: 206001, Details: "Missing required fields for registration: profile.firstName", After: sameRegToken(e)},
			{Name: "fill the other", Path: "/accounts.setAccountInfo", Form: apitest.Form("regToken", "{regToken}", "profile", `{"firstName":"Pen"}`)},
			{Name: "missingRequiredFields is empty", Path: "/accounts.getAccountInfo", Form: e.Secret("UID", "{uid}", "include", "missing-required-fields"),
				Want: map[string]any{"missingRequiredFields": []string{}}},
			{Name: "finalize", Path: "/accounts.finalizeRegistration", Form: apitest.Form("regToken", "{regToken}"),
				Want: map[string]any{"isRegistered": true},
				After: func(t *testing.T, _ apitest.Response, m map[string]any) {
					if m["UID"] != e.Vars["uid"] {
						t.Errorf("UID %v, want %s", m["UID"], e.Vars["uid"])
					}
					if tok, _ := apitest.Object(t, m, "sessionInfo")["cookieValue"].(string); e.SessionCode(t, tok) != 0 {
						t.Error("the session of finalizeRegistration does not work")
					}
				}},
			{Name: "login", Path: "/accounts.login", Form: apitest.Form("loginID", "pend@example.com", "password", "pass-word-1")},
			{Name: "a field becomes required", Path: "/accounts.setSchema",
				Form: e.Secret("dataSchema", `{"fields":{"plan":{"type":"string","required":true,"writeAccess":"clientModify"}}}`)},
			{Name: "login of an account without it", Path: "/accounts.login", Form: apitest.Form("loginID", "pend@example.com", "password", "pass-word-1"),
				Code: 206001, Details: "Missing required fields for registration: data.plan", Absent: []string{"sessionInfo"},
				Save: map[string]string{"regToken": "regToken"}},
			// The user completes it with that regToken, as after registering.
			{Name: "the user fills it", Path: "/accounts.setAccountInfo", Form: apitest.Form("regToken", "{regToken}", "data", `{"plan":"pro"}`)},
			{Name: "and finalizes", Path: "/accounts.finalizeRegistration", Form: apitest.Form("regToken", "{regToken}"),
				After: func(t *testing.T, _ apitest.Response, m map[string]any) {
					if apitest.Object(t, m, "sessionInfo")["cookieValue"] == nil {
						t.Error("no session")
					}
				}},
			{Name: "the regToken is spent", Path: "/accounts.setAccountInfo", Form: apitest.Form("regToken", "{regToken}", "data", `{"plan":"free"}`),
				Code: 400006, Loose: true},
			{Name: "a server fills one too", Path: "/accounts.setSchema",
				Form: e.Secret("dataSchema", `{"fields":{"tier":{"type":"string","required":true}}}`)},
			{Name: "login without it", Path: "/accounts.login", Form: apitest.Form("loginID", "pend@example.com", "password", "pass-word-1"),
				Code: 206001, Details: "Missing required fields for registration: data.tier", Loose: true},
			{Name: "a server fills it", Path: "/accounts.setAccountInfo", Form: e.Secret("UID", "{uid}", "data", `{"tier":"gold"}`)},
			{Name: "login again", Path: "/accounts.login", Form: apitest.Form("loginID", "pend@example.com", "password", "pass-word-1")},
		})
	})
}

// What the review of the schema found: each refused request changes
// nothing, schema included.
func TestSchemaRefusalsChangeNothing(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		e.SetSchema(t, "dataSchema", `{"fields":{"keep":{"type":"string"},"addr.code":{"type":"string","unique":true}}}`)
		uid, _ := registerWith(t, e, e.Secret("email", "kim@example.com", "password", "pass-word-1", "finalizeRegistration", "true",
			"data", `{"keep":"k","addr":{"code":"Z1"}}`))
		keptData := map[string]any{"data": map[string]any{"keep": "k", "addr": map[string]any{"code": "Z1"}}}
		init := e.Call(t, "accounts.initRegistration", apitest.Form())
		e.Vars["init"] = init["regToken"].(string)
		run(t, e, []apitest.Scenario{
			{Name: "delete across objects, one refused", Path: "/accounts.deleteSchemaFields",
				Form: e.Secret("dataSchemaFields", "keep", "preferencesSchemaFields", "nope"),
				Code: 400006, Details: schemaDetails("preferencesSchemaFields", "nope is not a field of the preferences schema")},
			{Name: "delete a parent of fields", Path: "/accounts.deleteSchemaFields", Form: e.Secret("dataSchemaFields", "addr"),
				Code: 400006, Details: schemaDetails("dataSchemaFields", "addr holds fields of the schema: name them (addr.code)")},
			{Name: "the data stayed", Path: "/accounts.getAccountInfo", Form: e.Secret("UID", uid, "include", "data"), Want: keptData},
			{Name: "a regToken register is a client's, even with the secret", Path: "/accounts.register",
				Form: e.Secret("regToken", "{init}", "email", "lee@example.com", "password", "pass-word-1", "data", `{"keep":"x"}`),
				Code: 400009, Details: "data.keep may not be written by a client", Fields: []apitest.FieldErr{fe(400025, "data.keep", "may not be written by a client")}},
			{Name: "an under-age registration", Path: "/accounts.setPolicies", Form: e.Secret("registration", `{"enforceCoppa":true}`)},
			{Name: "creates no field", Path: "/accounts.register",
				Form: e.Secret("email", "kid@example.com", "password", "pass-word-1", "profile", `{"birthYear":2024}`, "data", `{"fresh_s":"x"}`),
				Code: 403044, Loose: true},
			{Name: "the schema has no new field", Path: "/accounts.getSchema", Form: apitest.Form("include", "dataSchema"),
				After: func(t *testing.T, _ apitest.Response, m map[string]any) {
					if _, ok := apitest.Object(t, apitest.Object(t, m, "dataSchema"), "fields")["fresh_s"]; ok {
						t.Error("a refused registration created data.fresh_s")
					}
				}},
		})
		if !e.Available(t, "lee@example.com") || !e.Available(t, "kid@example.com") {
			t.Error("a refused registration took its email")
		}
	})
}
