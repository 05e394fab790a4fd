package rpc_test

// accounts.importFullAccount and accounts.importAccount: every answer they
// give, through HTTP on both engines. The hashes imported are argon2id PHC
// strings custos itself makes; legacy algorithms are password's to test.

import (
	"context"
	"regexp"
	"sync"
	"testing"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/password"
)

var (
	hashOnce sync.Once
	hashes   = map[string]string{}
)

// phc is an argon2id hash of pw, made as custos makes them.
func phc(t *testing.T, pw string) string {
	t.Helper()
	hashOnce.Do(func() {
		h, err := password.NewHasher(apitest.CheapHashing, 1)
		if err != nil {
			panic(err)
		}
		for _, p := range []string{"imported-pass-1", "imported-pass-2"} {
			if hashes[p], err = h.Hash(context.Background(), p); err != nil {
				panic(err)
			}
		}
	})
	return hashes[pw]
}

// importForm is a full import of ann with her password.
func importForm(e *apitest.App, t *testing.T, kv ...string) map[string]any {
	t.Helper()
	form := e.Secret("UID", "legacy-ann-1", "created", "2019-03-01T10:00:00.000Z", "lastLogin", "2024-01-02T03:04:05Z",
		"loginIDs", `{"username":"Zed","emails":["Zed@Legacy.example"]}`,
		"emails", `{"verified":["Zed@Legacy.example"]}`,
		"profile", `{"firstName":"Ann"}`, "data", `{"plan":"gold"}`,
		"password", `{"compoundHashedPassword":"`+phc(t, "imported-pass-1")+`"}`)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			form.Del(kv[i])
		} else {
			form.Set(kv[i], kv[i+1])
		}
	}
	return e.Call(t, "accounts.importFullAccount", form)
}

func TestImportFullAccount(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		m := importForm(e, t)
		apitest.ExpectRPC(t, m, 0, "")
		apitest.ExpectFields(t, m, map[string]any{"UID": "legacy-ann-1", "identityConflicts": []any{}, "isUpdated": false})
		for _, id := range []string{"zed@legacy.example", "ZED"} {
			login(t, e, id, "imported-pass-1")
		}
		if n := e.MailCount(t); n != 0 {
			t.Errorf("%d mails queued by an import", n)
		}
		info := e.Call(t, "accounts.getAccountInfo", e.Secret("UID", "legacy-ann-1", "include", "profile,data,loginIDs,emails"))
		apitest.ExpectFields(t, info, map[string]any{
			"created": "2019-03-01T10:00:00.000Z", "isVerified": true, "isRegistered": true, "isActive": true,
			"data": map[string]any{"plan": "gold"},
		})
		if p := apitest.Object(t, info, "profile"); p["firstName"] != "Ann" || p["email"] != "Zed@Legacy.example" {
			t.Errorf("profile %s", apitest.Dump(p))
		}
	})
}

func TestImportUpsertReplaces(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		apitest.ExpectRPC(t, importForm(e, t), 0, "")
		m := importForm(e, t, "importPolicy", "upsert", "loginIDs", `{"emails":["zed@new.example"]}`, "emails", "",
			"data", `{"tier":2}`, "profile", "", "lastLogin", "",
			"password", `{"compoundHashedPassword":"`+phc(t, "imported-pass-2")+`"}`)
		apitest.ExpectRPC(t, m, 0, "")
		apitest.ExpectFields(t, m, map[string]any{"UID": "legacy-ann-1", "isUpdated": true})
		login(t, e, "zed@new.example", "imported-pass-2")
		for _, id := range []string{"zed@legacy.example", "zed"} {
			_, r := e.RPC(t, "accounts.login", loginForm(id, "imported-pass-2"), nil)
			apitest.ExpectRPC(t, r, 403042, "invalid loginID or password")
		}
		info := e.Call(t, "accounts.getAccountInfo", e.Secret("UID", "legacy-ann-1", "include", "profile,data"))
		apitest.ExpectFields(t, info, map[string]any{"data": map[string]any{"tier": 2.0}})
		if p := apitest.Object(t, info, "profile"); p["firstName"] != "Ann" {
			t.Errorf("a profile the upsert did not give changed: %s", apitest.Dump(p))
		}
	})
}

func TestImportCreateUIDAndCase(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		m := e.Call(t, "accounts.importFullAccount", e.Secret("createUID", "true",
			"LoginIDs", `{"Emails":["bo@example.com"]}`,
			"Password", `{"CompoundHashedPassword":"`+phc(t, "imported-pass-1")+`","pepper":"x"}`,
			"shoeSize", "44"))
		apitest.ExpectRPC(t, m, 0, "")
		if uid, _ := m["UID"].(string); !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(uid) {
			t.Errorf("UID %q", m["UID"])
		}
		apitest.ExpectFields(t, m, map[string]any{"ignoredFields": []any{"password.pepper"}})
		ignored := map[string]bool{}
		for _, p := range m["ignoredParams"].([]any) {
			ignored[p.(map[string]any)["paramName"].(string)] = true
		}
		if !ignored["shoeSize"] || len(ignored) != 1 {
			t.Errorf("ignoredParams %s, want shoeSize only", apitest.Dump(m["ignoredParams"]))
		}
		login(t, e, "bo@example.com", "imported-pass-1")
		// Without times, a verified login email is verified as of now.
		info := e.Call(t, "accounts.getAccountInfo", e.Secret("UID", m["UID"].(string), "include", "loginIDs"))
		apitest.ExpectFields(t, info, map[string]any{"isVerified": true,
			"loginIDs": map[string]any{"emails": []any{"bo@example.com"}, "unverifiedEmails": []any{}}})
	})
}

func TestImportAccountFlat(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		m := e.Call(t, "accounts.importAccount", e.Secret("UID", "flat-1", "email", "cy@example.com",
			"skipVerification", "true", "username", "cy", "profile", `{"lastName":"Young"}`,
			"compoundHashedPassword", phc(t, "imported-pass-1")))
		apitest.ExpectRPC(t, m, 0, "")
		apitest.ExpectFields(t, m, map[string]any{"UID": "flat-1", "isImported": true})
		login(t, e, "cy@example.com", "imported-pass-1")
		login(t, e, "cy", "imported-pass-1")
		m = e.Call(t, "accounts.importAccount", e.Secret("UID", "flat-2", "email", "dee@example.com",
			"hashedPassword", "aGFzaA==", "pwHashAlgorithm", "rot13"))
		apitest.ExpectRPC(t, m, 400006, `Invalid parameter value: password: hash algorithm "rot13" is not supported`)
	})
}

// Every error an import answers; after each, nothing was written.
func TestImportErrors(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		e.SetSchema(t, "dataSchema", `{"fields":{"age":{"type":"integer"}}}`)
		register(t, e, "taken@example.com", "first-password-1")
		apitest.ExpectRPC(t, importForm(e, t, "UID", "exists-1", "loginIDs", `{"emails":["other@legacy.example"]}`), 0, "")
		taken := apitest.Field(400003, "email", "email has already been taken")
		for _, c := range []struct {
			name    string
			kv      []string
			code    float64
			details string
			fields  []apitest.FieldErr
		}{
			{"no UID", []string{"UID", ""}, 400002, "Missing required parameter: UID", nil},
			{"UID exists", []string{"UID", "exists-1"}, 400003,
				`Unique identifier exists: an account with UID "exists-1" exists (importPolicy=upsert replaces it)`, nil},
			{"UID with spaces", []string{"UID", "a b"}, 400004, "Invalid parameter format: UID: contains invalid characters", nil},
			{"importPolicy", []string{"importPolicy", "merge"}, 400006, `Invalid parameter value: importPolicy: "merge": want insert or upsert`, nil},
			{"created", []string{"created", "2019-03-01 10:00"}, 400006,
				`Invalid parameter value: created: "2019-03-01 10:00" is not an ISO 8601 time in UTC (2006-01-02T15:04:05.000Z)`, nil},
			{"not UTC", []string{"lastLogin", "2019-03-01T10:00:00+02:00"}, 400006,
				`Invalid parameter value: lastLogin: "2019-03-01T10:00:00+02:00" is not an ISO 8601 time in UTC (2006-01-02T15:04:05.000Z)`, nil},
			{"isActive", []string{"isActive", "maybe"}, 400006, "Invalid parameter value: isActive: want true or false", nil},
			{"loginIDs not JSON", []string{"loginIDs", `{"emails":`}, 400006, "Invalid parameter value: loginIDs: malformed JSON", nil},
			{"emails not a list", []string{"loginIDs", `{"emails":"zed@legacy.example"}`}, 400006,
				"Invalid parameter value: loginIDs.emails: want an array of strings", nil},
			{"login email taken", []string{"loginIDs", `{"emails":["Taken@example.com"]}`}, 400009, "email has already been taken",
				[]apitest.FieldErr{taken}},
			{"bad email", []string{"loginIDs", `{"emails":["not-an-address"]}`}, 400009, "email must be a valid email",
				[]apitest.FieldErr{apitest.Field(400026, "email", "email must be a valid email")}},
			{"schema", []string{"data", `{"age":"old"}`}, 400009, "data.age is not a number",
				[]apitest.FieldErr{apitest.Field(400023, "data.age", "data.age is not a number")}},
			{"no hash", []string{"password", `{"hashSettings":{"algorithm":"md5"}}`}, 400006,
				"Invalid parameter value: password: give compoundHashedPassword, or hashedPassword with hashSettings", nil},
			{"hash without algorithm", []string{"password", `{"hashedPassword":"aGFzaA=="}`}, 400006,
				"Invalid parameter value: password.hashSettings.algorithm: hashedPassword needs its algorithm", nil},
			{"compound and algorithm", []string{"password", `{"compoundHashedPassword":"$1$x$y","hashSettings":{"algorithm":"md5"}}`}, 400006,
				"Invalid parameter value: password.compoundHashedPassword: give it alone, without hashedPassword or hashSettings.algorithm", nil},
			{"unsupported algorithm", []string{"password", `{"hashedPassword":"aGFzaA==","hashSettings":{"algorithm":"rot13"}}`}, 400006,
				`Invalid parameter value: password: hash algorithm "rot13" is not supported`, nil},
			{"malformed argon2id", []string{"password", `{"compoundHashedPassword":"$argon2id$v=19$m=64,t=1$c2FsdA$a2V5"}`}, 400006,
				"Invalid parameter value: password: malformed or unsupported hash: want m=,t=,p=", nil},
			{"malformed bcrypt", []string{"password", `{"compoundHashedPassword":"$2b$10$short"}`}, 400006,
				"Invalid parameter value: password: malformed or unsupported hash: not a bcrypt hash", nil},
			{"unsupported compound", []string{"password", `{"compoundHashedPassword":"$9z$abc"}`}, 400006,
				`Invalid parameter value: password: hash algorithm "$9z$" is not supported`, nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				kv := append([]string{"UID", "failed-1"}, c.kv...)
				apitest.ExpectRPC(t, importForm(e, t, kv...), c.code, c.details, c.fields...)
				for _, uid := range []string{"failed-1", "a b"} {
					m := e.Call(t, "accounts.getAccountInfo", e.Secret("UID", uid))
					if m["errorCode"] == 0.0 {
						t.Errorf("%s was written", uid)
					}
				}
				if !e.Available(t, "zed") {
					t.Errorf("a login ID of the failed import was written")
				}
			})
		}
		// A client may not import.
		m := e.Call(t, "accounts.importFullAccount", apitest.Form("UID", "client-1"))
		apitest.ExpectRPC(t, m, 403007, "Permission denied: accounts.importFullAccount is a server call and needs the site secret")
	})
}

// Unique fields: an import may not take another account's value, and an
// upsert that drops a value frees it.
func TestImportUniqueFields(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		e.SetSchema(t, "dataSchema", `{"fields":{"memberId":{"type":"string","unique":true}}}`)
		imp := func(uid, policy, data string) map[string]any {
			return e.Call(t, "accounts.importFullAccount", e.Secret("UID", uid, "importPolicy", policy, "data", data))
		}
		apitest.ExpectRPC(t, imp("m1", "insert", `{"memberId":"M1"}`), 0, "")
		apitest.ExpectRPC(t, imp("m2", "insert", `{"memberId":"M1"}`), 400009, "data.memberId has already been taken",
			apitest.Field(400022, "data.memberId", "data.memberId has already been taken"))
		apitest.ExpectRPC(t, imp("m1", "upsert", `{"other":1}`), 0, "")
		apitest.ExpectRPC(t, imp("m2", "insert", `{"memberId":"M1"}`), 0, "")
	})
}
