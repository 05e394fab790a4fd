package app_test

import (
	"io"
	"net/http"
	"net/http/httptest"
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

func newEnv(t testing.TB, engine store.Engine, opts ...apitest.Option) *env {
	t.Helper()
	return wrap(apitest.NewApp(t, engine, append([]apitest.Option{apitest.WithFaultRoutes()}, opts...)...))
}

// testOptions are the options of an App under test: cheap password hashing,
// mail to the log.
func testOptions(db *store.DB, cfg server.Config, now func() time.Time) app.Options {
	return apitest.Options(db, cfg, now)
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

func dump(v any) string { return apitest.Dump(v) }

type syncBuffer = apitest.SyncBuffer
