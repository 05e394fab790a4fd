package rest_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/app"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/store"
)

// Thin wrappers over internal/apitest, under the names the tests of this
// package were written with.

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

// restCall sends a JSON body to the REST dialect with the site's Basic credentials.
func (e *env) restCall(t *testing.T, method, path, body string) response {
	t.Helper()
	r := e.api().REST(t, method, path, body)
	return response{r.Status, r.Header, r.Body}
}

// sameJSON compares two JSON documents, key order aside.
func sameJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	apitest.SameJSON(t, got, want)
}

// jsonScalar is a JSON string or number as text: "" for anything else.
func jsonScalar(v any) string { return apitest.JSONScalar(v) }

// rpcForm posts a form to an RPC method and returns the parsed envelope.
func (e *env) rpcForm(t *testing.T, method string, form url.Values) map[string]any {
	t.Helper()
	form.Set("apiKey", e.site.APIKey)
	r := e.do(t, "POST", "/"+method, strings.NewReader(form.Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	return r.json(t)
}
