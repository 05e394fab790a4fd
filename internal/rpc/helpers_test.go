package rpc_test

// Helpers shared by the HTTP tests of this package (a copy of those of
// internal/app, until internal/apitest holds them).

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/app"
	"github.com/custos-id/custos/internal/password"
	"github.com/custos-id/custos/internal/rest"
	"github.com/custos-id/custos/internal/rpc"
	"github.com/custos-id/custos/internal/server"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
)

var now = time.Date(2026, 11, 22, 10, 30, 15, 123e6, time.UTC)

// env is a custos on a real database behind a real HTTP server.
type env struct {
	srv  *httptest.Server
	app  *app.App
	db   *store.DB
	site site.Site
	// header is sent with every request that does not set it itself.
	header http.Header
}

const maxBody = 4 << 10

func newEnv(t testing.TB, engine store.Engine) *env {
	t.Helper()
	db := storetest.Open(t, engine)
	cfg := server.DefaultConfig()
	cfg.MaxBodyBytes = maxBody
	a, err := app.New(testOptions(db, cfg, func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	st, err := a.Sites.Create(context.Background(), "test", []string{"example.com"})
	if err != nil {
		t.Fatal(err)
	}
	// Routes that panic, to prove that a panic becomes 500001 in each dialect.
	a.RPC.Register("test.panic", rpc.Method{Run: func(context.Context, *rpc.Call) (any, error) { panic("boom secret-stack") }})
	// A method whose credentials the adapter does not know how to check must not run.
	a.RPC.Register("test.unchecked", rpc.Method{Auth: rpc.Auth(99), Run: func(context.Context, *rpc.Call) (any, error) {
		t.Error("a method ran on unchecked credentials")
		return nil, nil
	}})
	a.REST.Handle("GET /test/panic", func(context.Context, *rest.Request) (rest.Response, error) { panic("boom secret-stack") })
	ann := &account.Account{SiteID: st.ID, UID: "0123456789abcdef0123456789abcdef", Username: "ann", Email: "Ann@Example.com",
		Active: true, EmailVerified: true, CreatedAt: now, UpdatedAt: now}
	if err := db.CreateAccount(context.Background(), ann, []account.StoredLoginID{
		{LoginID: account.LoginID{Kind: account.Email, Value: "ann@example.com"}, Display: "Ann@Example.com"},
		{LoginID: account.LoginID{Kind: account.Username, Value: "ann"}, Display: "ann"}}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return &env{srv: srv, app: a, db: db, site: st}
}

// startApp serves an App of o behind a loopback test server, until the
// test ends. The env has no site yet.
func startApp(t testing.TB, db *store.DB, o app.Options) *env {
	t.Helper()
	a, err := app.New(o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return &env{srv: srv, app: a, db: db}
}

// testOptions are the options of an App under test: cheap password hashing,
// mail to the log.
func testOptions(db *store.DB, cfg server.Config, now func() time.Time) app.Options {
	return app.Options{DB: db, MasterKey: bytes.Repeat([]byte{1}, 32), Now: now, Server: cfg,
		PublicURL: "http://custos.test", Password: cheapHashing}
}

// cheapHashing keeps tests fast; production uses password.DefaultParams.
var cheapHashing = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func forEachEngine(t *testing.T, test func(t *testing.T, e *env)) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			test(t, newEnv(t, engine))
		})
	}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (e *env) do(t *testing.T, method, path string, body io.Reader, header http.Header) response {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	for k, vs := range e.header {
		if _, set := req.Header[k]; !set {
			req.Header[k] = vs
		}
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{res.StatusCode, res.Header, b}
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return m
}

var callIDRe = regexp.MustCompile(`^[0-9a-f]{32}$`)

// checkEnvelope asserts the fields every RPC response carries.
func checkEnvelope(t *testing.T, r response, m map[string]any) {
	t.Helper()
	id, _ := m["callId"].(string)
	if !callIDRe.MatchString(id) || r.header.Get("X-Call-Id") != id {
		t.Errorf("callId %q, header %q", id, r.header.Get("X-Call-Id"))
	}
	if m["time"] != "2026-11-22T10:30:15.123Z" || m["apiVersion"] != 2.0 {
		t.Errorf("time %v apiVersion %v", m["time"], m["apiVersion"])
	}
	if r.header.Get("Date") == "" {
		t.Error("no Date header")
	}
	if _, ok := m["statusReason"].(string); !ok {
		t.Error("no statusReason")
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// rpcForm posts a form to an RPC method and returns the parsed envelope.
func (e *env) rpcForm(t *testing.T, method string, form url.Values) map[string]any {
	t.Helper()
	form.Set("apiKey", e.site.APIKey)
	r := e.do(t, "POST", "/"+method, strings.NewReader(form.Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	return r.json(t)
}

// REST helpers the abuse tests use (copies of those of internal/rest).

// restCall sends a JSON body to the REST dialect with the site's Basic credentials.
func (e *env) restCall(t *testing.T, method, path, body string) response {
	t.Helper()
	req, _ := http.NewRequest(method, "/", nil)
	req.SetBasicAuth(strconv.FormatInt(e.site.ID, 10), e.site.SecretBase64())
	hdr := http.Header{"Authorization": {req.Header.Get("Authorization")}}
	if body != "" {
		hdr.Set("Content-Type", "application/json")
	}
	var rd *strings.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	if rd == nil {
		return e.do(t, method, rest.Prefix+path, nil, hdr)
	}
	return e.do(t, method, rest.Prefix+path, rd, hdr)
}

// sameJSON compares two JSON documents, key order aside.
func sameJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("body %s: %v", got, err)
	}
	json.Unmarshal([]byte(want), &w)
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Fatalf("body\n got %s\nwant %s", gb, wb)
	}
}

// restNow is the fixed clock of newEnv as the REST dialect shows times.
const restNow = "2026-11-22T10:30:15Z"

// checkRESTResponse asserts what every response carries: JSON, an
// X-Call-Id and, for an error, the token of its status, a description and
// a non-empty errors array of strings or {attribute, message, code}.
func checkRESTResponse(t *testing.T, r response) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if id := r.header.Get("X-Call-Id"); !callIDRe.MatchString(id) {
		t.Errorf("X-Call-Id %q", id)
	}
	if r.status < 400 {
		return
	}
	m := r.json(t)
	token, _ := m["error"].(string)
	if restStatuses[token] != r.status {
		t.Errorf("error %q with HTTP %d: %s", token, r.status, r.body)
	}
	if d, _ := m["error_description"].(string); d == "" {
		t.Errorf("no error_description: %s", r.body)
	}
	errs, _ := m["errors"].([]any)
	if len(errs) == 0 {
		t.Errorf("no errors array: %s", r.body)
	}
	for _, e := range errs {
		if _, ok := e.(string); ok {
			continue
		}
		f, _ := e.(map[string]any)
		for _, k := range []string{"attribute", "message", "code"} {
			if s, _ := f[k].(string); s == "" {
				t.Errorf("errors entry without %s: %s", k, r.body)
			}
		}
	}
	if r.status == 401 && r.header.Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
}

// jsonScalar is a JSON string or number as text: "" for anything else.
func jsonScalar(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

// restErr is an error body whose errors array holds its description.
func restErr(token, desc string) string {
	b, _ := json.Marshal(map[string]any{"error": token, "error_description": desc, "errors": []string{desc}})
	return string(b)
}

// restRefused is a refused login: 403 with one base error carrying code.
func restRefused(code, msg string) string {
	b, _ := json.Marshal(map[string]any{"error": "forbidden", "error_description": msg,
		"errors": []any{map[string]any{"attribute": "base", "message": msg, "code": code}}})
	return string(b)
}

func basicAuth(siteID int64, secret string) string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(strconv.FormatInt(siteID, 10), secret)
	return req.Header.Get("Authorization")
}

var (
	restUserNotFound = restErr("not_found", "User not found")
	restBadLogin     = restRefused("invalid_password", "wrong password and email or username combination")
)

// restStatuses is the status table of the Social ID error document.
var restStatuses = map[string]int{"bad_request": 400, "unauthorized": 401, "forbidden": 403, "not_found": 404,
	"not_acceptable": 406, "conflict": 409, "unprocessable_entity": 422, "internal_server_error": 500}
