// Package apitest runs HTTP tests of custos as a client would: the real
// app.App on a real database (SQLite, and PostgreSQL when configured)
// behind an httptest server, with small clients for both wire dialects and
// one Scenario type (request → expected answer) that asserts either
// dialect's rendering.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/app"
	"github.com/custos-id/custos/internal/password"
	"github.com/custos-id/custos/internal/server"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
	"github.com/custos-id/custos/internal/token/tokentest"
)

// Now is the fixed clock of NewApp, unless WithClock replaces it.
var Now = time.Date(2026, 11, 22, 10, 30, 15, 123e6, time.UTC)

// MaxBody is the body limit of NewApp: small, so that tests reach it.
const MaxBody = 4 << 10

// AnnUID is the account NewApp seeds: ann, Ann@Example.com, verified.
const AnnUID = "0123456789abcdef0123456789abcdef"

// PublicURL is the public URL of the apps under test.
const PublicURL = "http://custos.test"

// CheapHashing keeps tests fast; production uses password.DefaultParams.
var CheapHashing = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// App is a custos on a real database behind a real HTTP server.
type App struct {
	*app.App
	Server *httptest.Server
	DB     *store.DB
	// URL is the database's URL when NewApp opened it ("" with WithDB),
	// for a second instance or a look under the store.
	URL string
	// Site is the site whose credentials requests carry by default.
	Site site.Site
	// Header is sent with every request that does not set it itself.
	Header http.Header
	// Vars fill the {name} placeholders of scenarios; Save adds to them.
	Vars map[string]string
	// fixedClock tells that the app's clock is a test clock, so that the
	// time of RPC answers can be asserted.
	fixedClock bool
	clock      func() time.Time
}

type config struct {
	clock       func() time.Time
	db          *store.DB
	noSite      bool
	siteName    string
	options     []func(*app.Options)
	maxBody     int64
	realTime    bool
	faultRoutes bool
	behindProxy bool
}

// Option changes what NewApp builds.
type Option func(*config)

// WithClock sets the app's clock (a clock the test moves).
func WithClock(now func() time.Time) Option { return func(c *config) { c.clock = now } }

// WithRealTime gives the app the wall clock.
func WithRealTime() Option { return func(c *config) { c.clock, c.realTime = time.Now, true } }

// WithDB serves db, opened by the caller (a second instance on one database).
func WithDB(db *store.DB) Option { return func(c *config) { c.db = db } }

// WithSocialPrivate lets social providers be on loopback and plain http:
// an Upstream of the test.
func WithSocialPrivate() Option {
	return WithOptions(func(o *app.Options) { o.SocialPrivate = true })
}

// WithoutSite creates no site and seeds no account.
func WithoutSite() Option { return func(c *config) { c.noSite = true } }

// WithSite creates a site named name, with no account, instead of "test"
// and ann.
func WithSite(name string) Option { return func(c *config) { c.siteName = name } }

// WithOptions changes the app.Options before the app is built.
func WithOptions(f func(*app.Options)) Option {
	return func(c *config) { c.options = append(c.options, f) }
}

// LoopbackProxies are the addresses of the test's own connections.
var LoopbackProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// BehindProxy trusts the test's own connections as a proxy that
// terminated TLS: every request says X-Forwarded-Proto: https unless it
// sets it, and X-Forwarded-For (see From) chooses the client's address.
func BehindProxy() Option {
	return func(c *config) {
		c.behindProxy = true
		c.options = append(c.options, func(o *app.Options) { o.TrustedProxies = LoopbackProxies })
	}
}

// From is what the trusted proxy of BehindProxy says of a client at ip.
func From(ip string) http.Header { return http.Header{"X-Forwarded-For": {ip}} }

// WithServerDefaults keeps server.DefaultConfig (its body limit) instead
// of MaxBody.
func WithServerDefaults() Option { return func(c *config) { c.maxBody = -1 } }

// Options are the options of an App under test: cheap password hashing,
// pre-generated signing keys, mail to the log.
func Options(db *store.DB, cfg server.Config, now func() time.Time) app.Options {
	return app.Options{DB: db, MasterKey: bytes.Repeat([]byte{1}, 32), Now: now, Server: cfg,
		PublicURL: PublicURL, Password: CheapHashing, KeyGen: tokentest.KeyGen()}
}

// NewApp builds a custos on a new database of engine and serves it until
// the test ends. Unless WithoutSite, it has a site "test" (domain
// example.com) with one account, ann (AnnUID).
func NewApp(t testing.TB, engine store.Engine, opts ...Option) *App {
	t.Helper()
	c := config{clock: func() time.Time { return Now }, maxBody: MaxBody}
	for _, o := range opts {
		o(&c)
	}
	var u string
	if c.db == nil {
		u = storetest.URL(t, engine)
		c.db = storetest.OpenURL(t, u)
	}
	cfg := server.DefaultConfig()
	if c.maxBody > 0 {
		cfg.MaxBodyBytes = c.maxBody
	}
	o := Options(c.db, cfg, c.clock)
	for _, f := range c.options {
		f(&o)
	}
	a, err := app.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if c.faultRoutes {
		addFaultRoutes(t, a)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(a.Accounts.Wait) // work after answers ends before the database closes
	e := &App{App: a, Server: srv, DB: c.db, URL: u, Vars: map[string]string{}, fixedClock: !c.realTime, clock: c.clock}
	if c.behindProxy {
		e.Header = http.Header{"X-Forwarded-Proto": {"https"}}
	}
	switch {
	case c.siteName != "":
		e.Site = e.newSite(t, c.siteName)
	case !c.noSite:
		e.Site = e.seed(t)
	}
	return e
}

// newSite creates a site named name, with no domain and no account.
func (a *App) newSite(t testing.TB, name string) site.Site {
	t.Helper()
	st, err := a.Sites.Create(context.Background(), name, nil)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// seed creates the site "test" and ann.
func (a *App) seed(t testing.TB) site.Site {
	t.Helper()
	ctx := context.Background()
	st, err := a.Sites.Create(ctx, "test", []string{"example.com"})
	if err != nil {
		t.Fatal(err)
	}
	now := a.clock()
	ann := &account.Account{SiteID: st.ID, UID: AnnUID, Username: "ann", Email: "Ann@Example.com",
		Active: true, EmailVerified: true, CreatedAt: now, UpdatedAt: now}
	if err := a.DB.CreateAccount(ctx, ann, []account.StoredLoginID{
		{LoginID: account.LoginID{Kind: account.Email, Value: "ann@example.com"}, Display: "Ann@Example.com"},
		{LoginID: account.LoginID{Kind: account.Username, Value: "ann"}, Display: "ann"}}); err != nil {
		t.Fatal(err)
	}
	return st
}

// ForEachEngine runs test, in parallel, on a new App of each engine.
func ForEachEngine(t *testing.T, test func(t *testing.T, a *App), opts ...Option) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			test(t, NewApp(t, engine, opts...))
		})
	}
}

// With returns a copy of a whose requests carry the credentials of st.
func (a *App) With(st site.Site) *App {
	b := *a
	b.Site = st
	return &b
}

// Response is an HTTP answer, read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body as an object, failing the test when it is not one.
func (r Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body %q: %v", r.Body, err)
	}
	return m
}

// Cookie returns the cookie named name that the response sets, or nil.
func (r Response) Cookie(name string) *http.Cookie {
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Do sends a request to the server, with a.Header where header does not
// set a field.
func (a *App) Do(t testing.TB, method, path string, body io.Reader, header http.Header) Response {
	t.Helper()
	req, err := http.NewRequest(method, a.Server.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	for k, vs := range a.Header {
		if _, set := req.Header[k]; !set {
			req.Header[k] = vs
		}
	}
	res, err := a.Server.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return Response{res.StatusCode, res.Header, b}
}

// Serve wraps an app the caller built and serves at srv. The time of its
// RPC answers is not asserted: its clock is the caller's.
func Serve(a *app.App, srv *httptest.Server, db *store.DB) *App {
	return &App{App: a, Server: srv, DB: db, Vars: map[string]string{}, clock: time.Now}
}

// WorkerStopTimeout bounds how long RunWorker waits, when the test ends,
// for the background work to stop.
const WorkerStopTimeout = 15 * time.Second

// RunWorker runs the background work of a (App.Run: the outbox, mail
// delivery among it) until the test ends.
func RunWorker(t testing.TB, a *app.App) {
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.Run(ctx)
	}()
	t.Cleanup(func() {
		stop()
		select {
		case <-done:
		case <-time.After(WorkerStopTimeout):
			t.Errorf("custos's background work did not stop within %s", WorkerStopTimeout)
		}
	})
}
