package rest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/rest"
)

// The REST dialect's handling of credentials, content types, bodies and
// routes, as a table of requests to /users/find_by and the answers they
// must get. Every answer is JSON with an X-Call-Id, an error has a
// description and errors, and none shows internals.
func TestREST(t *testing.T) {
	t.Parallel()
	const path = rest.Prefix + "/users/find_by"
	tests := []apitest.Scenario{
		{Name: "find by email", Path: path + "?email_address=ANN@example.com", Status: 200,
			Want: map[string]any{"username": "ann", "email_address": "Ann@Example.com", "signed_up_at": "2026-11-22T10:30:15Z",
				"signed_in_at": nil, "active": true, "confirmed": true, "locked": false}},
		{Name: "find by username", Path: path + "?username=ann", Status: 200, Want: map[string]any{"username": "ann"}},
		{Name: "find by JSON body", Path: path, Body: `{"username":"ann"}`, Status: 200,
			Want: map[string]any{"username": "ann"}},
		{Name: "JSON with charset", Path: path, Headers: ctype("application/json; charset=UTF-8"), Body: `{"username":"ann"}`, Status: 200},
		{Name: "not found", Path: path + "?username=nobody", Status: 404,
			Want: map[string]any{"error": "not_found", "error_description": "User not found", "errors": []any{"User not found"}}},
		{Name: "neither username nor email", Path: path, Status: 400,
			Want: map[string]any{"error": "bad_request", "error_description": "Username or Email Address must be given",
				"errors": []any{"Username or Email Address must be given"}}},
		{Name: "oversized username", Path: path + "?username=" + strings.Repeat("x", 300), Status: 400,
			Want: map[string]any{"error": "bad_request"}},
		{Name: "no credentials", Path: path + "?username=ann", Auth: "none", Status: 401,
			Want:        map[string]any{"error": "unauthorized"},
			WantHeaders: map[string]string{"WWW-Authenticate": `Basic realm="custos", charset="UTF-8"`}},
		{Name: "wrong secret", Path: path + "?username=ann", Auth: "wrong", Status: 401,
			Want: map[string]any{"error": "unauthorized", "error_description": "Invalid site credentials"}},
		{Name: "unknown site", Path: path + "?username=ann", Auth: "unknown", Status: 401, Want: map[string]any{"error": "unauthorized"}},
		{Name: "non-numeric site id", Path: path + "?username=ann", Auth: "nonnumeric", Status: 401, Want: map[string]any{"error": "unauthorized"}},
		{Name: "credentials before content", Path: path, Auth: "wrong", Headers: ctype("text/plain"), Body: "x", Status: 401},
		{Name: "body not JSON", Path: path, Headers: ctype("text/plain"), Body: `{"username":"ann"}`, Status: 406,
			Want: map[string]any{"error": "not_acceptable"}},
		{Name: "form body", Path: path, Headers: ctype("application/x-www-form-urlencoded"), Body: "username=ann", Status: 406,
			Want: map[string]any{"error": "not_acceptable"}},
		{Name: "body without content type", Path: path, Headers: ctype(""), Body: `{"username":"ann"}`, Status: 406},
		{Name: "JSON in another charset", Path: path, Headers: ctype("application/json; charset=latin1"), Body: `{}`, Status: 406},
		{Name: "malformed JSON", Path: path, Body: `{"username":`, Status: 400,
			Want: map[string]any{"error": "bad_request", "error_description": "Invalid request body: malformed JSON"}},
		{Name: "duplicate key", Path: path, Body: `{"username":"bob","username":"ann"}`, Status: 400,
			Want: map[string]any{"error": "bad_request", "error_description": `Invalid request body: duplicate key "username"`}},
		{Name: "duplicate key in another case", Path: path, Body: `{"username":"bob","USERNAME":"ann"}`, Status: 400,
			Want: map[string]any{"error": "bad_request"}},
		{Name: "email given as username", Path: path + "?username=ann@example.com", Status: 404, Want: map[string]any{"error": "not_found"}},
		{Name: "username given as email", Path: path + "?email_address=ann", Status: 404, Want: map[string]any{"error": "not_found"}},
		{Name: "dialect root", Path: "/v1/marketing", Status: 404, Want: map[string]any{"error": "not_found"}},
		{Name: "JSON not an object", Path: path, Body: `["ann"]`, Status: 400,
			Want: map[string]any{"error": "bad_request"}},
		{Name: "JSON of the wrong type", Path: path, Body: `{"username":5}`, Status: 400,
			Want: map[string]any{"error": "bad_request", "error_description": "Invalid request body: username must be a string"}},
		{Name: "body over the limit", Path: path, Body: `{"username":"` + strings.Repeat("a", apitest.MaxBody) + `"}`, Status: 400,
			Want: map[string]any{"error": "bad_request", "error_description": "Request entity too large"}},
		{Name: "unknown route", Path: rest.Prefix + "/nothing", Status: 404, Want: map[string]any{"error": "not_found"}},
		{Name: "wrong HTTP method", Method: "DELETE", Path: path, Status: 404, Want: map[string]any{"error": "not_found"}},
		{Name: "panic", Path: rest.Prefix + "/test/panic", Status: 500,
			Want: map[string]any{"error": "internal_server_error", "error_description": "An unknown error happened"}},
	}
	apitest.ForEachEngine(t, func(t *testing.T, a *apitest.App) {
		for _, s := range tests {
			if s.Method == "" {
				s.Method = "GET" // bodies too: find_by takes them
			}
			s.NotContains = []string{"secret-stack", "goroutine"}
			s.Test(t, a)
		}
	}, apitest.WithFaultRoutes())
}

// ctype is a Content-Type header; "" sends none.
func ctype(v string) http.Header {
	if v == "" {
		return http.Header{"Content-Type": nil}
	}
	return http.Header{"Content-Type": {v}}
}
