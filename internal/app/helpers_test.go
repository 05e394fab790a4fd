// Some of these helpers serve test files of this package that other
// branches add; staticcheck would call them unused until then.
//
//lint:file-ignore U1000 helpers kept for the HTTP tests of this package
package app_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/app"
	"github.com/custos-id/custos/internal/server"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/store"
)

// Thin wrappers over internal/apitest, under the names the tests of this
// package were written with.

var now = apitest.Now

const maxBody = apitest.MaxBody

var (
	cheapHashing = apitest.CheapHashing
	callIDRe     = apitest.CallIDRe
)

// env is a custos on a real database behind a real HTTP server: an
// apitest.App whose site and default header a test may change.
type env struct {
	a    *apitest.App
	srv  *httptest.Server
	app  *app.App
	db   *store.DB
	site site.Site
	// header is sent with every request that does not set it itself.
	header http.Header
}

func wrap(a *apitest.App) *env {
	return &env{a: a, srv: a.Server, app: a.App, db: a.DB, site: a.Site, header: a.Header}
}

// api is the apitest.App of e, with e's site and header.
func (e *env) api() *apitest.App {
	a := e.a
	if a == nil { // an env built field by field
		a = apitest.Serve(e.app, e.srv, e.db)
	}
	b := a.With(e.site)
	b.Header = e.header
	return b
}

// with is e acting for site st.
func (e *env) with(st site.Site) *env {
	c := *e
	c.site = st
	return &c
}

func newEnv(t testing.TB, engine store.Engine, opts ...apitest.Option) *env {
	t.Helper()
	return wrap(apitest.NewApp(t, engine, append([]apitest.Option{apitest.WithFaultRoutes()}, opts...)...))
}

// testOptions are the options of an App under test: cheap password hashing,
// mail to the log.
func testOptions(db *store.DB, cfg server.Config, now func() time.Time) app.Options {
	return apitest.Options(db, cfg, now)
}

// startApp serves an App of o behind a loopback test server, until the
// test ends. The env has no site yet.
func startApp(t testing.TB, db *store.DB, o app.Options) *env {
	t.Helper()
	return newEnv(t, "", apitest.WithDB(db), apitest.WithoutSite(), apitest.WithClock(o.Now),
		apitest.WithOptions(func(p *app.Options) { *p = o }))
}

func forEachEngine(t *testing.T, test func(t *testing.T, e *env)) {
	apitest.ForEachEngine(t, func(t *testing.T, a *apitest.App) { test(t, wrap(a)) }, apitest.WithFaultRoutes())
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (e *env) do(t testing.TB, method, path string, body io.Reader, header http.Header) response {
	t.Helper()
	r := e.api().Do(t, method, path, body, header)
	return response{r.Status, r.Header, r.Body}
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	return apitest.Response{Status: r.status, Header: r.header, Body: r.body}.JSON(t)
}

// checkEnvelope asserts the fields every RPC response carries.
func checkEnvelope(t testing.TB, r response, m map[string]any) {
	t.Helper()
	// newEnv's clock: the time of the answer is asserted.
	apitest.CheckEnvelope(t, apitest.Response{Status: r.status, Header: r.header, Body: r.body}, m, now)
}

func jsonEqual(a, b any) bool { return apitest.JSONEqual(a, b) }

// vals builds a form from name, value pairs.
func vals(kv ...string) url.Values { return apitest.Form(kv...) }

// withSecret is vals plus the site secret: a server call.
func withSecret(e *env, kv ...string) url.Values { return e.api().Secret(kv...) }

// rpcPost POSTs form, urlencoded, to an RPC method of e's site (the apiKey
// is added unless form has one) and returns the response and its body. It
// checks the envelope fields that do not depend on the clock.
func rpcPost(t testing.TB, e *env, method string, form url.Values, hdr http.Header) (response, map[string]any) {
	t.Helper()
	r, m := e.api().RPC(t, method, form, hdr)
	return response{r.Status, r.Header, r.Body}, m
}

// call is rpcPost on an env with the fixed clock of newEnv, checking the
// whole envelope.
func call(t testing.TB, e *env, method string, form url.Values) map[string]any {
	t.Helper()
	r, m := rpcPost(t, e, method, form, nil)
	checkEnvelope(t, r, m)
	return m
}

// fieldErr is one entry of validationErrors.
type fieldErr = apitest.FieldErr

// expect asserts the error of a response: code with its catalog status and
// message, details exactly (none on success) and exactly the field errors
// given.
func expect(t testing.TB, m map[string]any, code float64, details string, fields ...fieldErr) {
	t.Helper()
	apitest.ExpectRPC(t, m, code, details, fields...)
}

func dump(v any) string { return apitest.Dump(v) }

// object returns the JSON object m[k], failing the test when it is not one.
func object(t testing.TB, m map[string]any, k string) map[string]any {
	t.Helper()
	return apitest.Object(t, m, k)
}

// expectFields asserts some fields of m, compared as JSON.
func expectFields(t testing.TB, m map[string]any, want map[string]any) {
	t.Helper()
	apitest.ExpectFields(t, m, want)
}

// expectAbsent asserts that m has none of keys.
func expectAbsent(t testing.TB, m map[string]any, keys ...string) {
	t.Helper()
	apitest.ExpectAbsent(t, m, keys...)
}

// setPolicy sets policy sections in a server call.
func setPolicy(t testing.TB, e *env, kv ...string) {
	t.Helper()
	e.api().SetPolicies(t, kv...)
}

// available tells accounts.isAvailableLoginID.
func available(t testing.TB, e *env, loginID string) bool {
	t.Helper()
	return e.api().Available(t, loginID)
}

// sessionCode is the errorCode of getAccountInfo with a session token.
func sessionCode(t testing.TB, e *env, token string) float64 {
	t.Helper()
	return e.api().SessionCode(t, token)
}

// accountsClock is a clock the test moves.
type accountsClock struct{ *apitest.Clock }

func newAccountsClock() *accountsClock { return &accountsClock{apitest.NewClock()} }

func (c *accountsClock) now() time.Time { return c.Clock.Now() }

func (c *accountsClock) advance(d time.Duration) { c.Clock.Advance(d) }

// newClockEnv is newEnv with a clock the test moves, and no seeded account.
func newClockEnv(t *testing.T, engine store.Engine, clock func() time.Time) *env {
	t.Helper()
	e := newEnv(t, engine, apitest.WithClock(clock), apitest.WithoutSite())
	st, err := e.app.Sites.Create(context.Background(), "clock", nil)
	if err != nil {
		t.Fatal(err)
	}
	e.site = st
	return e
}

type syncBuffer = apitest.SyncBuffer
