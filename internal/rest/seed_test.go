package rest_test

import (
	"net/url"
	"strconv"
	"testing"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/rest"
)

// The three examples of the Social ID error document, reproduced in status
// and body (key order aside), on both engines.
func TestRESTSeedExamples(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		// 1. Create user without required parameters.
		r := e.REST(t, "POST", "/users", `{"user":{"username":"","email_address":"","password":"new_user_secret"}}`)
		if r.Status != 400 {
			t.Fatalf("example 1: HTTP %d", r.Status)
		}
		apitest.SameJSON(t, r.Body, `{"error":"bad_request","error_description":"Username or Email Address must be given",
			"errors":["Username or Email Address must be given"]}`)

		// 2. Update user password with a password that has been recently used.
		r = e.REST(t, "POST", "/users", `{"user":{"email_address":"john_doe@domain.com","password":"new_password"}}`)
		if r.Status != 201 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		id := strconv.Itoa(int(r.JSON(t)["id"].(float64)))
		if loc := r.Header.Get("Location"); loc != "http://custos.test"+rest.Prefix+"/users/"+id {
			t.Fatalf("Location %q", loc)
		}
		for _, pw := range []string{"second_password", "third_password"} {
			if r := e.REST(t, "PUT", "/users/"+id, `{"user":{"password":"`+pw+`"}}`); r.Status != 200 {
				t.Fatalf("update to %s: %d %s", pw, r.Status, r.Body)
			}
		}
		r = e.REST(t, "PUT", "/users/"+id, `{"user":{"password":"new_password"}}`)
		if r.Status != 422 {
			t.Fatalf("example 2: HTTP %d %s", r.Status, r.Body)
		}
		apitest.SameJSON(t, r.Body, `{"error":"unprocessable_entity","error_description":"password must be different from last 3 ones",
			"errors":[{"attribute":"password","message":"must be different from last 3 ones","code":"repeated","count":3}]}`)

		// 3. User login with incorrect email/password — and, the same, with an unknown email.
		for _, body := range []string{
			`{"email_address":"john_doe@domain.com","password":"wrong_password"}`,
			`{"email_address":"nobody@domain.com","password":"wrong_password"}`,
		} {
			r = e.REST(t, "POST", "/users/login", body)
			if r.Status != 403 {
				t.Fatalf("example 3: HTTP %d %s", r.Status, r.Body)
			}
			apitest.SameJSON(t, r.Body, `{"error":"forbidden","error_description":"wrong password and email or username combination",
				"errors":[{"attribute":"base","code":"invalid_password","message":"wrong password and email or username combination"}]}`)
		}
	})
}

// A user made in one dialect logs in through the other.
func TestCrossDialect(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		r := e.REST(t, "POST", "/users", `{"user":{"email_address":"rest@example.com","password":"rest-password-1"}}`)
		if r.Status != 201 {
			t.Fatalf("REST create: %d %s", r.Status, r.Body)
		}
		restID := r.JSON(t)["id"].(float64)
		m := e.Call(t, "accounts.login", url.Values{"loginID": {"rest@example.com"}, "password": {"rest-password-1"}})
		if m["errorCode"] != 0.0 || m["sessionInfo"] == nil {
			t.Fatalf("RPC login of a REST user: %v", m)
		}

		m = e.Call(t, "accounts.register", url.Values{"email": {"rpc@example.com"}, "password": {"rpc-password-1"},
			"finalizeRegistration": {"true"}})
		if m["errorCode"] != 0.0 {
			t.Fatalf("RPC register: %v", m)
		}
		r = e.REST(t, "POST", "/users/login", `{"user":{"email_address":"rpc@example.com","password":"rpc-password-1"}}`)
		if r.Status != 201 || r.JSON(t)["login_token"] == "" {
			t.Fatalf("REST login of an RPC user: %d %s", r.Status, r.Body)
		}
		// The REST login token is a session of the RPC dialect too.
		tok := r.JSON(t)["login_token"].(string)
		if m := e.Call(t, "accounts.getAccountInfo", url.Values{"login_token": {tok}}); m["errorCode"] != 0.0 || m["UID"] != m["UID"] {
			t.Fatalf("getAccountInfo with the REST login token: %v", m)
		}
		if r := e.REST(t, "GET", "/users/"+strconv.Itoa(int(restID)), ""); r.Status != 200 || r.JSON(t)["signed_in_at"] == nil {
			t.Fatalf("GET user after an RPC login: %d %s", r.Status, r.Body)
		}
	})
}
