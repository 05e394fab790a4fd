package rest_test

import (
	"testing"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/rest"
)

// The three examples of the Social ID error document, reproduced in status
// and body (key order aside), on both engines.
func TestRESTSeedExamples(t *testing.T) {
	t.Parallel()
	users := rest.Prefix + "/users"
	wrongLogin := `{"error":"forbidden","error_description":"wrong password and email or username combination",
		"errors":[{"attribute":"base","code":"invalid_password","message":"wrong password and email or username combination"}]}`
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		apitest.Run(t, e, []apitest.Scenario{
			{Name: "1. create user without required parameters", Path: users,
				Body:   `{"user":{"username":"","email_address":"","password":"new_user_secret"}}`,
				Status: 400, WantBody: `{"error":"bad_request","error_description":"Username or Email Address must be given",
					"errors":["Username or Email Address must be given"]}`},
			// 2. Update user password with a password that has been recently used.
			{Name: "create", Path: users, Body: `{"user":{"email_address":"john_doe@domain.com","password":"new_password"}}`,
				Status: 201, Save: map[string]string{"id": "id"}, Location: restBase + "/users/{id}"},
			{Name: "second password", Method: "PUT", Path: users + "/{id}", Body: `{"user":{"password":"second_password"}}`},
			{Name: "third password", Method: "PUT", Path: users + "/{id}", Body: `{"user":{"password":"third_password"}}`},
			{Name: "2. the first password again", Method: "PUT", Path: users + "/{id}", Body: `{"user":{"password":"new_password"}}`,
				Status: 422, WantBody: `{"error":"unprocessable_entity","error_description":"password must be different from last 3 ones",
					"errors":[{"attribute":"password","message":"must be different from last 3 ones","code":"repeated","count":3}]}`},
			// 3. User login with incorrect email/password — and, the same, with an unknown email.
			{Name: "3. login with a wrong password", Path: users + "/login",
				Body: `{"email_address":"john_doe@domain.com","password":"wrong_password"}`, Status: 403, WantBody: wrongLogin},
			{Name: "3. login with an unknown email", Path: users + "/login",
				Body: `{"email_address":"nobody@domain.com","password":"wrong_password"}`, Status: 403, WantBody: wrongLogin},
		})
	})
}

// A user made in one dialect logs in through the other.
func TestCrossDialect(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		apitest.Run(t, e, []apitest.Scenario{
			{Name: "REST create", Path: rest.Prefix + "/users", Body: `{"user":{"email_address":"rest@example.com","password":"rest-password-1"}}`,
				Status: 201, Save: map[string]string{"restID": "id"}, Location: restBase + "/users/{restID}"},
			{Name: "RPC login of the REST user", Path: "/accounts.login",
				Form: apitest.Form("loginID", "rest@example.com", "password", "rest-password-1"), After: has("sessionInfo")},
			{Name: "RPC register", Path: "/accounts.register",
				Form: apitest.Form("email", "rpc@example.com", "password", "rpc-password-1", "finalizeRegistration", "true"),
				Save: map[string]string{"rpcUID": "UID"}},
			{Name: "REST login of the RPC user", Path: rest.Prefix + "/users/login",
				Body:   `{"user":{"email_address":"rpc@example.com","password":"rpc-password-1"}}`,
				Status: 201, Location: restBase + "/sign_ins/[0-9]+", Save: map[string]string{"tok": "login_token"}},
			// The REST login token is a session of the RPC dialect too.
			{Name: "getAccountInfo with the REST login token", Path: "/accounts.getAccountInfo", Form: apitest.Form("login_token", "{tok}"),
				After: func(t *testing.T, _ apitest.Response, m map[string]any) {
					if m["UID"] != e.Vars["rpcUID"] {
						t.Errorf("UID %v, want %s", m["UID"], e.Vars["rpcUID"])
					}
				}},
			{Name: "GET the REST user after an RPC login", Path: rest.Prefix + "/users/{restID}", After: has("signed_in_at")},
		})
	})
}

// has asserts that the answer has the field k, not null.
func has(k string) func(*testing.T, apitest.Response, map[string]any) {
	return func(t *testing.T, r apitest.Response, m map[string]any) {
		t.Helper()
		if m[k] == nil {
			t.Errorf("no %s: %s", k, r.Body)
		}
	}
}
