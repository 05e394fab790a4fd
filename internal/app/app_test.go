package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/app"
	"github.com/custos-id/custos/internal/rest"
	"github.com/custos-id/custos/internal/server"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
)

func TestRPC(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		path       string // with {key} for the site's apiKey
		form       string // POST body, urlencoded
		httpStatus int
		want       map[string]any // fields the response must have
		absent     []string
	}{
		{name: "available", path: "/accounts.isAvailableLoginID?apiKey={key}&loginID=new@example.com",
			want:   map[string]any{"errorCode": 0.0, "statusCode": 200.0, "statusReason": "OK", "isAvailable": true},
			absent: []string{"errorMessage", "errorDetails", "context"}},
		{name: "taken, case-insensitive", path: "/accounts.isAvailableLoginID?apiKey={key}&loginID=ANN@example.COM",
			want: map[string]any{"errorCode": 0.0, "isAvailable": false}},
		{name: "username taken", path: "/accounts.isAvailableLoginID?apiKey={key}&loginID=Ann",
			want: map[string]any{"errorCode": 0.0, "isAvailable": false}},
		{name: "method name is case-insensitive", path: "/ACCOUNTS.isavailableloginid?apiKey={key}&loginID=x",
			want: map[string]any{"errorCode": 0.0, "isAvailable": true}},
		{name: "POST form", method: "POST", path: "/accounts.isAvailableLoginID", form: "apiKey={key}&loginID=ann",
			want: map[string]any{"errorCode": 0.0, "isAvailable": false}},
		{name: "form wins over query", method: "POST", path: "/accounts.isAvailableLoginID?loginID=free", form: "apiKey={key}&loginID=ann",
			want: map[string]any{"isAvailable": false}},
		{name: "context echoed", path: "/accounts.isAvailableLoginID?apiKey={key}&loginID=x&context=R3948184752",
			want: map[string]any{"errorCode": 0.0, "context": "R3948184752"}},
		{name: "context echoed on error", path: "/accounts.isAvailableLoginID?loginID=x&context=abc",
			want: map[string]any{"errorCode": 400092.0, "context": "abc"}},
		{name: "missing apiKey", path: "/accounts.isAvailableLoginID?loginID=x",
			want: map[string]any{"errorCode": 400092.0, "statusCode": 400.0, "statusReason": "Bad Request",
				"errorMessage": "Missing required ApiKey parameter", "errorDetails": "Missing required parameter: apiKey"}},
		{name: "unknown apiKey", path: "/accounts.isAvailableLoginID?apiKey=3_nope&loginID=x",
			want: map[string]any{"errorCode": 400093.0, "statusCode": 400.0, "errorMessage": "Invalid ApiKey parameter"}},
		{name: "unknown method", path: "/accounts.noSuchMethod?apiKey={key}",
			want: map[string]any{"errorCode": 501001.0, "statusCode": 501.0, "statusReason": "Not Implemented",
				"errorMessage": "Invalid API method", "errorDetails": `Invalid API method: "accounts.noSuchMethod"`}},
		{name: "unknown method before apiKey", path: "/nothing",
			want: map[string]any{"errorCode": 501001.0}},
		{name: "missing loginID", path: "/accounts.isAvailableLoginID?apiKey={key}",
			want: map[string]any{"errorCode": 400002.0, "errorMessage": "Missing required parameter",
				"errorDetails": "Missing required parameter: loginID"}},
		{name: "oversized loginID", path: "/accounts.isAvailableLoginID?apiKey={key}&loginID=" + strings.Repeat("a", 255),
			want: map[string]any{"errorCode": 400006.0, "errorMessage": "Invalid parameter value"}},
		{name: "control character in loginID", path: "/accounts.isAvailableLoginID?apiKey={key}&loginID=a%01b",
			want: map[string]any{"errorCode": 400004.0}},
		{name: "malformed object param", path: "/accounts.isAvailableLoginID?apiKey={key}&loginID=x&profile=%7Bbad",
			want: map[string]any{"errorCode": 400004.0, "errorMessage": "Invalid parameter format",
				"errorDetails": "Invalid parameter format: profile: not a JSON object"}},
		{name: "object param not an object", path: "/accounts.isAvailableLoginID?apiKey={key}&loginID=x&data=%5B1%5D",
			want: map[string]any{"errorCode": 400004.0, "errorDetails": "Invalid parameter format: data: not a JSON object"}},
		{name: "object param with trailing data", path: "/accounts.isAvailableLoginID?apiKey={key}&loginID=x&data=%7B%7D%7B%7D",
			want: map[string]any{"errorCode": 400004.0}},
		{name: "invalid UTF-8", path: "/accounts.isAvailableLoginID?apiKey={key}&loginID=%ff",
			want: map[string]any{"errorCode": 400004.0, "errorDetails": "Invalid parameter format: loginID: not valid UTF-8 text"}},
		{name: "unparseable query", path: "/accounts.isAvailableLoginID?apiKey={key}&loginID=%zz",
			want: map[string]any{"errorCode": 400001.0, "errorMessage": "Invalid request format"}},
		{name: "unsupported HTTP method", method: "PUT", path: "/accounts.isAvailableLoginID?apiKey={key}",
			want: map[string]any{"errorCode": 400001.0}},
		{name: "body over the limit", method: "POST", path: "/accounts.isAvailableLoginID", form: "apiKey={key}&loginID=" + strings.Repeat("a", maxBody),
			want: map[string]any{"errorCode": 413001.0, "statusCode": 413.0, "errorMessage": "Request entity too large"}},
		{name: "bad format", path: "/accounts.isAvailableLoginID?apiKey={key}&loginID=x&format=xml",
			want: map[string]any{"errorCode": 400006.0, "errorDetails": `Invalid parameter value: format: "xml" is not json or jsonp`}},
		{name: "bad httpStatusCodes", path: "/accounts.isAvailableLoginID?apiKey={key}&httpStatusCodes=maybe",
			want: map[string]any{"errorCode": 400006.0}},
		{name: "jsonp without callback", path: "/accounts.isAvailableLoginID?apiKey={key}&format=jsonp",
			want: map[string]any{"errorCode": 400002.0, "errorDetails": "Missing required parameter: callback"}},
		{name: "jsonp with hostile callback", path: "/accounts.isAvailableLoginID?apiKey={key}&format=jsonp&callback=alert(1)//",
			want: map[string]any{"errorCode": 400006.0}},
		{name: "httpStatusCodes=true on error", path: "/accounts.isAvailableLoginID?apiKey=3_nope&httpStatusCodes=true",
			httpStatus: 400, want: map[string]any{"errorCode": 400093.0, "statusCode": 400.0}},
		{name: "httpStatusCodes=TRUE on unknown method", path: "/x.y?httpStatusCodes=TRUE",
			httpStatus: 501, want: map[string]any{"errorCode": 501001.0}},
		{name: "httpStatusCodes=true on success", path: "/accounts.isAvailableLoginID?apiKey={key}&loginID=x&httpStatusCodes=1",
			httpStatus: 200, want: map[string]any{"errorCode": 0.0}},
		{name: "unknown credential kind fails closed", path: "/test.unchecked?apiKey={key}",
			want: map[string]any{"errorCode": 500001.0, "errorDetails": "General Server Error"}},
		{name: "panic", path: "/test.panic?apiKey={key}",
			want: map[string]any{"errorCode": 500001.0, "statusCode": 500.0, "statusReason": "Internal Server Error",
				"errorMessage": "General Server Error", "errorDetails": "General Server Error"}},
	}
	forEachEngine(t, func(t *testing.T, e *env) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				method, body, hdr := tc.method, io.Reader(nil), http.Header{}
				if method == "" {
					method = "GET"
				}
				if tc.form != "" {
					body = strings.NewReader(strings.ReplaceAll(tc.form, "{key}", url.QueryEscape(e.site.APIKey)))
					hdr.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				r := e.do(t, method, strings.ReplaceAll(tc.path, "{key}", e.site.APIKey), body, hdr)
				want := tc.httpStatus
				if want == 0 {
					want = 200
				}
				if r.status != want {
					t.Errorf("HTTP %d, want %d", r.status, want)
				}
				if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
					t.Errorf("Content-Type %q", ct)
				}
				m := r.json(t)
				checkEnvelope(t, r, m)
				for k, v := range tc.want {
					if m[k] != v {
						t.Errorf("%s = %#v, want %#v (body %s)", k, m[k], v, r.body)
					}
				}
				for _, k := range tc.absent {
					if _, ok := m[k]; ok {
						t.Errorf("%s present: %s", k, r.body)
					}
				}
				if bytes.Contains(r.body, []byte("secret-stack")) || bytes.Contains(r.body, []byte("goroutine")) {
					t.Errorf("internals leaked: %s", r.body)
				}
			})
		}
	})
}

func TestRPCJSONP(t *testing.T) {
	e := newEnv(t, store.SQLite)
	for _, tc := range []struct{ query, body, code string }{
		{"apiKey={key}&loginID=ann", "", `"errorCode":0`},
		{"apiKey=3_nope", "", `"errorCode":400093`},
		// The options in the query hold when the body is what fails.
		{"apiKey={key}", "loginID=" + strings.Repeat("a", maxBody), `"errorCode":413001`},
	} {
		q := strings.ReplaceAll(tc.query, "{key}", e.site.APIKey)
		method, body, hdr := "GET", io.Reader(nil), http.Header{}
		if tc.body != "" {
			method, body = "POST", strings.NewReader(tc.body)
			hdr.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		r := e.do(t, method, "/accounts.isAvailableLoginID?format=jsonp&callback=gigya.callback&context=c1&"+q, body, hdr)
		if r.status != 200 || r.header.Get("Content-Type") != "application/javascript; charset=utf-8" {
			t.Fatalf("%d %q", r.status, r.header.Get("Content-Type"))
		}
		s := string(r.body)
		if !strings.HasPrefix(s, "/**/gigya.callback({") || !strings.HasSuffix(s, "});") || !strings.Contains(s, tc.code) ||
			!strings.Contains(s, `"context":"c1"`) {
			t.Fatalf("body %s", s)
		}
		inner := strings.TrimSuffix(strings.TrimPrefix(s, "/**/gigya.callback("), ");")
		if !json.Valid([]byte(inner)) {
			t.Fatalf("not JSON inside the callback: %s", inner)
		}
	}
}

func TestREST(t *testing.T) {
	const path = rest.Prefix + "/users/find_by"
	tests := []struct {
		name    string
		method  string
		path    string
		auth    string // "ok", "none", "wrong", "unknown", "nonnumeric"
		ctype   string
		body    string
		status  int
		want    map[string]any
		errors  []any // the "errors" array, when an error
		headers map[string]string
	}{
		{name: "find by email", path: path + "?email_address=ANN@example.com", auth: "ok", status: 200,
			want: map[string]any{"username": "ann", "email_address": "Ann@Example.com", "signed_up_at": "2026-11-22T10:30:15Z",
				"signed_in_at": nil, "active": true, "confirmed": true, "locked": false}},
		{name: "find by username", path: path + "?username=ann", auth: "ok", status: 200, want: map[string]any{"username": "ann"}},
		{name: "find by JSON body", path: path, auth: "ok", ctype: "application/json", body: `{"username":"ann"}`, status: 200,
			want: map[string]any{"username": "ann"}},
		{name: "JSON with charset", path: path, auth: "ok", ctype: "application/json; charset=UTF-8", body: `{"username":"ann"}`, status: 200},
		{name: "not found", path: path + "?username=nobody", auth: "ok", status: 404,
			want: map[string]any{"error": "not_found", "error_description": "User not found"}, errors: []any{"User not found"}},
		{name: "neither username nor email", path: path, auth: "ok", status: 400,
			want:   map[string]any{"error": "bad_request", "error_description": "Username or Email Address must be given"},
			errors: []any{"Username or Email Address must be given"}},
		{name: "oversized username", path: path + "?username=" + strings.Repeat("x", 300), auth: "ok", status: 400,
			want: map[string]any{"error": "bad_request"}},
		{name: "no credentials", path: path + "?username=ann", auth: "none", status: 401,
			want:    map[string]any{"error": "unauthorized"},
			headers: map[string]string{"WWW-Authenticate": `Basic realm="custos", charset="UTF-8"`}},
		{name: "wrong secret", path: path + "?username=ann", auth: "wrong", status: 401,
			want: map[string]any{"error": "unauthorized", "error_description": "Invalid site credentials"}},
		{name: "unknown site", path: path + "?username=ann", auth: "unknown", status: 401, want: map[string]any{"error": "unauthorized"}},
		{name: "non-numeric site id", path: path + "?username=ann", auth: "nonnumeric", status: 401, want: map[string]any{"error": "unauthorized"}},
		{name: "credentials before content", path: path, auth: "wrong", ctype: "text/plain", body: "x", status: 401},
		{name: "body not JSON", path: path, auth: "ok", ctype: "text/plain", body: `{"username":"ann"}`, status: 406,
			want: map[string]any{"error": "not_acceptable"}},
		{name: "form body", path: path, auth: "ok", ctype: "application/x-www-form-urlencoded", body: "username=ann", status: 406,
			want: map[string]any{"error": "not_acceptable"}},
		{name: "body without content type", path: path, auth: "ok", body: `{"username":"ann"}`, status: 406},
		{name: "JSON in another charset", path: path, auth: "ok", ctype: "application/json; charset=latin1", body: `{}`, status: 406},
		{name: "malformed JSON", path: path, auth: "ok", ctype: "application/json", body: `{"username":`, status: 400,
			want: map[string]any{"error": "bad_request", "error_description": "Invalid request body: malformed JSON"}},
		{name: "duplicate key", path: path, auth: "ok", ctype: "application/json", body: `{"username":"bob","username":"ann"}`, status: 400,
			want: map[string]any{"error": "bad_request", "error_description": `Invalid request body: duplicate key "username"`}},
		{name: "duplicate key in another case", path: path, auth: "ok", ctype: "application/json", body: `{"username":"bob","USERNAME":"ann"}`, status: 400,
			want: map[string]any{"error": "bad_request"}},
		{name: "email given as username", path: path + "?username=ann@example.com", auth: "ok", status: 404, want: map[string]any{"error": "not_found"}},
		{name: "username given as email", path: path + "?email_address=ann", auth: "ok", status: 404, want: map[string]any{"error": "not_found"}},
		{name: "dialect root", path: "/v1/marketing", auth: "ok", status: 404, want: map[string]any{"error": "not_found"}},
		{name: "JSON not an object", path: path, auth: "ok", ctype: "application/json", body: `["ann"]`, status: 400,
			want: map[string]any{"error": "bad_request"}},
		{name: "JSON of the wrong type", path: path, auth: "ok", ctype: "application/json", body: `{"username":5}`, status: 400,
			want: map[string]any{"error": "bad_request", "error_description": "Invalid request body: username must be a string"}},
		{name: "body over the limit", path: path, auth: "ok", ctype: "application/json",
			body: `{"username":"` + strings.Repeat("a", maxBody) + `"}`, status: 400,
			want: map[string]any{"error": "bad_request", "error_description": "Request entity too large"}},
		{name: "unknown route", path: rest.Prefix + "/nothing", auth: "ok", status: 404, want: map[string]any{"error": "not_found"}},
		{name: "wrong HTTP method", method: "DELETE", path: path, auth: "ok", status: 404, want: map[string]any{"error": "not_found"}},
		{name: "panic", path: rest.Prefix + "/test/panic", auth: "ok", status: 500,
			want: map[string]any{"error": "internal_server_error", "error_description": "An unknown error happened"}},
	}
	forEachEngine(t, func(t *testing.T, e *env) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				hdr := http.Header{}
				if tc.ctype != "" {
					hdr.Set("Content-Type", tc.ctype)
				}
				id, secret := strconv.FormatInt(e.site.ID, 10), e.site.SecretBase64()
				switch tc.auth {
				case "wrong":
					secret = "AAAA" + secret[4:]
				case "unknown":
					id = "999999"
				case "nonnumeric":
					id = "abc"
				}
				if tc.auth != "none" {
					req, _ := http.NewRequest("GET", "/", nil)
					req.SetBasicAuth(id, secret)
					hdr.Set("Authorization", req.Header.Get("Authorization"))
				}
				method := tc.method
				if method == "" {
					method = "GET"
				}
				var body io.Reader
				if tc.body != "" {
					body = strings.NewReader(tc.body)
				}
				r := e.do(t, method, tc.path, body, hdr)
				if r.status != tc.status {
					t.Fatalf("HTTP %d, want %d: %s", r.status, tc.status, r.body)
				}
				if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
					t.Errorf("Content-Type %q", ct)
				}
				if !callIDRe.MatchString(r.header.Get("X-Call-Id")) {
					t.Errorf("X-Call-Id %q", r.header.Get("X-Call-Id"))
				}
				m := r.json(t)
				for k, v := range tc.want {
					if m[k] != v {
						t.Errorf("%s = %#v, want %#v (body %s)", k, m[k], v, r.body)
					}
				}
				if r.status >= 400 {
					errs, ok := m["errors"].([]any)
					if !ok || len(errs) == 0 || m["error_description"] == "" {
						t.Errorf("error body incomplete: %s", r.body)
					}
					if tc.errors != nil && !jsonEqual(errs, tc.errors) {
						t.Errorf("errors = %#v, want %#v", errs, tc.errors)
					}
				}
				for k, v := range tc.headers {
					if r.header.Get(k) != v {
						t.Errorf("header %s = %q, want %q", k, r.header.Get(k), v)
					}
				}
				if bytes.Contains(r.body, []byte("secret-stack")) || bytes.Contains(r.body, []byte("goroutine")) {
					t.Errorf("internals leaked: %s", r.body)
				}
			})
		}
	})
}

func TestOps(t *testing.T) {
	e := newEnv(t, store.SQLite)
	for _, p := range []string{"/healthz", "/readyz"} {
		if r := e.do(t, "GET", p, nil, nil); r.status != 200 || r.json(t)["status"] != "ok" {
			t.Errorf("%s: %d %s", p, r.status, r.body)
		}
	}
	e.do(t, "GET", "/accounts.isAvailableLoginID?apiKey=3_nope", nil, nil)
	r := e.do(t, "GET", "/metrics", nil, nil)
	for _, want := range []string{
		`custos_requests_total{dialect="rpc",error_code="400093",method="accounts.isAvailableLoginID"} 1`,
		`custos_request_duration_seconds_bucket{dialect="rpc",error_code="400093",method="accounts.isAvailableLoginID",le="+Inf"} 1`,
		`custos_requests_total{dialect="ops",error_code="0",method="healthz"} 1`,
	} {
		if !strings.Contains(string(r.body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// With the database gone, the process is up but not ready.
	e.db.Close()
	if r := e.do(t, "GET", "/healthz", nil, nil); r.status != 200 {
		t.Errorf("healthz after close: %d", r.status)
	}
	if r := e.do(t, "GET", "/readyz", nil, nil); r.status != 503 || r.json(t)["status"] != "database unavailable" {
		t.Errorf("readyz after close: %d %s", r.status, r.body)
	}
}

// The log of calls that carry secrets holds none of them: paths only, no
// query strings, no credentials.
func TestLogsHoldNoSecrets(t *testing.T) {
	var logs syncBuffer
	db := storetest.Open(t, store.SQLite)
	o := testOptions(db, server.DefaultConfig(), time.Now)
	o.Log = slog.New(slog.NewJSONHandler(&logs, nil))
	a, err := app.New(o)
	if err != nil {
		t.Fatal(err)
	}
	st, err := a.Sites.Create(context.Background(), "s", nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	e := &env{srv: srv, app: a, db: db, site: st}
	secret := st.SecretBase64()
	e.do(t, "GET", "/accounts.isAvailableLoginID?apiKey="+st.APIKey+"&loginID=x&secret="+url.QueryEscape(secret), nil, nil)
	e.do(t, "POST", "/accounts.isAvailableLoginID", strings.NewReader("apiKey="+st.APIKey+"&secret="+url.QueryEscape(secret)),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	hdr := http.Header{}
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(strconv.FormatInt(st.ID, 10), secret)
	hdr.Set("Authorization", req.Header.Get("Authorization"))
	e.do(t, "GET", rest.Prefix+"/users/find_by?username=x", nil, hdr)
	out := logs.String()
	if strings.Count(out, `"msg":"request"`) != 3 {
		t.Fatalf("expected 3 access log lines:\n%s", out)
	}
	for _, s := range []string{secret, url.QueryEscape(secret), hdr.Get("Authorization"), "loginID="} {
		if strings.Contains(out, s) {
			t.Fatalf("log holds %q:\n%s", s, out)
		}
	}
}
