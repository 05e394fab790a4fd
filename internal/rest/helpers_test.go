package rest_test

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

// RPC helpers the REST tests use (copies of those of internal/rpc).

// vals builds a form from name, value pairs.
func vals(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// withSecret is vals plus the site secret: a server call.
func withSecret(e *env, kv ...string) url.Values {
	v := vals(kv...)
	v.Set("secret", e.site.SecretBase64())
	return v
}

// rpcPost POSTs form, urlencoded, to an RPC method of e's site (the apiKey
// is added unless form has one) and returns the response and its body. It
// checks the envelope fields that do not depend on the clock.
func rpcPost(t *testing.T, e *env, method string, form url.Values, hdr http.Header) (response, map[string]any) {
	t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	if !f.Has("apiKey") {
		f.Set("apiKey", e.site.APIKey)
	}
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	for k, v := range hdr {
		h[k] = v
	}
	r := e.do(t, "POST", "/"+method, strings.NewReader(f.Encode()), h)
	if r.status != http.StatusOK {
		t.Errorf("%s: HTTP %d, want 200 (no httpStatusCodes)", method, r.status)
	}
	m := r.json(t)
	if id, _ := m["callId"].(string); !callIDRe.MatchString(id) || m["apiVersion"] != 2.0 {
		t.Errorf("%s: envelope: %s", method, r.body)
	}
	return r, m
}

// call is rpcPost on an env with the fixed clock of newEnv, checking the
// whole envelope.
func call(t *testing.T, e *env, method string, form url.Values) map[string]any {
	t.Helper()
	r, m := rpcPost(t, e, method, form, nil)
	checkEnvelope(t, r, m)
	return m
}

// sessionCode is the errorCode of getAccountInfo with a session token.
func sessionCode(t *testing.T, e *env, token string) float64 {
	t.Helper()
	_, m := rpcPost(t, e, "accounts.getAccountInfo", vals("login_token", token), nil)
	return m["errorCode"].(float64)
}

// setPolicy sets policy sections in a server call.
func setPolicy(t *testing.T, e *env, kv ...string) {
	t.Helper()
	if m := call(t, e, "accounts.setPolicies", withSecret(e, kv...)); m["errorCode"] != 0.0 {
		t.Fatalf("setPolicies %v: %s", kv, dump(m))
	}
}

// available tells accounts.isAvailableLoginID.
func available(t *testing.T, e *env, loginID string) bool {
	t.Helper()
	m := call(t, e, "accounts.isAvailableLoginID", vals("loginID", loginID))
	ok, isBool := m["isAvailable"].(bool)
	if m["errorCode"] != 0.0 || !isBool {
		t.Fatalf("isAvailableLoginID %s: %s", loginID, dump(m))
	}
	return ok
}

// accountsClock is a clock the test moves.
type accountsClock struct {
	mu sync.Mutex
	t  time.Time
}

// newClockEnv is newEnv with a clock the test moves, and no seeded account.
func newClockEnv(t *testing.T, engine store.Engine, clock func() time.Time) *env {
	t.Helper()
	db := storetest.Open(t, engine)
	cfg := server.DefaultConfig()
	cfg.MaxBodyBytes = maxBody
	e := startApp(t, db, testOptions(db, cfg, clock))
	st, err := e.app.Sites.Create(context.Background(), "clock", nil)
	if err != nil {
		t.Fatal(err)
	}
	e.site = st
	return e
}

func dump(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// object returns the JSON object m[k], failing the test when it is not one.
func object(t *testing.T, m map[string]any, k string) map[string]any {
	t.Helper()
	o, ok := m[k].(map[string]any)
	if !ok {
		t.Fatalf("%s is not an object: %s", k, dump(m))
	}
	return o
}

// expect asserts the error of a response: code with its catalog status and
// message, details exactly (none on success) and exactly the field errors
// given.
func expect(t *testing.T, m map[string]any, code float64, details string, fields ...fieldErr) {
	t.Helper()
	info, ok := wantCodes[code]
	if !ok {
		t.Fatalf("the test lacks code %v", code)
	}
	if m["errorCode"] != code {
		t.Errorf("errorCode %v, want %v: %s", m["errorCode"], code, dump(m))
		return
	}
	if m["statusCode"] != info.status || m["statusReason"] != info.reason {
		t.Errorf("status %v %q, want %v %q", m["statusCode"], m["statusReason"], info.status, info.reason)
	}
	if code == 0 {
		for _, k := range []string{"errorMessage", "errorDetails", "validationErrors"} {
			if _, ok := m[k]; ok {
				t.Errorf("success with %s: %s", k, dump(m))
			}
		}
		return
	}
	if m["errorMessage"] != info.message {
		t.Errorf("errorMessage %q, want %q", m["errorMessage"], info.message)
	}
	if m["errorDetails"] != details {
		t.Errorf("errorDetails %q, want %q", m["errorDetails"], details)
	}
	var want []any
	for _, f := range fields {
		want = append(want, map[string]any{"errorCode": f.code, "fieldName": f.field, "message": f.msg})
	}
	got, _ := m["validationErrors"].([]any)
	if !jsonEqual(got, want) {
		t.Errorf("validationErrors %s, want %s", dump(got), dump(want))
	}
}

// codeInfo is what the envelope carries with an errorCode.
type codeInfo struct {
	status  float64
	reason  string
	message string
}

// wantCodes are the codes the tests of this package meet, as the catalog
// should give them (written out here rather than read from errcode, so
// that a change of the catalog shows).
var wantCodes = map[float64]codeInfo{
	0:      {200, "OK", ""},
	206001: {206, "Partial Content", "Account pending registration"},
	206002: {206, "Partial Content", "Account pending verification"},
	400001: {400, "Bad Request", "Invalid request format"},
	400002: {400, "Bad Request", "Missing required parameter"},
	400015: {400, "Bad Request", "Code expired"},
	400004: {400, "Bad Request", "Invalid parameter format"},
	400006: {400, "Bad Request", "Invalid parameter value"},
	400009: {400, "Bad Request", "Validation error"},
	400021: {400, "Bad Request", "CAPTCHA verification failed"},
	400097: {400, "Bad Request", "Missing required timestamp parameter"},
	400098: {400, "Bad Request", "Invalid timestamp parameter"},
	401000: {401, "Unauthorized", "Invalid policy configuration"},
	401020: {401, "Unauthorized", "Login Failed Captcha Required"},
	401021: {401, "Unauthorized", "Login Failed Wrong Captcha"},
	401030: {401, "Unauthorized", "Old password used"},
	403001: {403, "Forbidden", "Invalid session token"},
	403002: {403, "Forbidden", "The difference between the request's timestamp and the server time is larger than 120 seconds. " +
		"Please check your server's time and timezone configuration."},
	403003: {403, "Forbidden", "Invalid request signature"},
	403004: {403, "Forbidden", "Duplicate nonce"},
	403025: {403, "Forbidden", "Invalid token"},
	403026: {403, "Forbidden", "Unauthorized access error"},
	403120: {403, "Forbidden", "Account Temporarily Locked Out"},
	403005: {403, "Forbidden", "Unauthorized user"},
	403006: {403, "Forbidden", "Secret Sent Over Http"},
	403007: {403, "Forbidden", "Permission denied"},
	403010: {403, "Forbidden", "Invalid Secret"},
	403011: {403, "Forbidden", "Session has expired"},
	403012: {403, "Forbidden", "No valid session"},
	403041: {403, "Forbidden", "Account disabled"},
	403042: {403, "Forbidden", "Invalid loginID"},
	403047: {403, "Forbidden", "There is no user with that username or email"},
	403200: {403, "Forbidden", "Redundant operation"},
	501001: {501, "Not Implemented", "Invalid API method"},
}

// fieldErr is one entry of validationErrors.
type fieldErr struct {
	code  float64
	field string
	msg   string
}

func (c *accountsClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *accountsClock) advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }
