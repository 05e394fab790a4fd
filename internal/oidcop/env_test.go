package oidcop_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/app"
	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/oidcop"
	"github.com/custos-id/custos/internal/store/storetest"
)

// clock is a test clock that starts at the real time: the op package
// checks the expiry of tokens against the real clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// env is a custos with a site, its provider, and a browser that follows
// no redirect.
type env struct {
	*apitest.App
	clock  *clock
	issuer string // as the provider names it (apitest.PublicURL)
	path   string // the issuer's path
	client *http.Client
	// jar is the browser's cookies by name, sent back with every request
	// (the provider's are Secure: the loopback test client counts as
	// HTTPS, and a cookie jar would not send them over plain HTTP).
	jar map[string]*http.Cookie
}

// otherBrowser is the same custos seen from a browser without cookies.
func (e *env) otherBrowser() *env {
	o := *e
	o.jar = map[string]*http.Cookie{}
	return &o
}

func forEachEngine(t *testing.T, test func(t *testing.T, e *env)) {
	forEachEngineWith(t, nil, test)
}

// forEachEngineWith is forEachEngine with the app's options changed by opts.
func forEachEngineWith(t *testing.T, opts func(*app.Options), test func(t *testing.T, e *env)) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			c := &clock{t: time.Now().UTC().Truncate(time.Second)}
			a := apitest.NewApp(t, engine, apitest.WithClock(c.now),
				apitest.WithOptions(func(o *app.Options) {
					o.OIDCPages = testPages{}
					if opts != nil {
						opts(o)
					}
				}))
			e := &env{App: a, clock: c, jar: map[string]*http.Cookie{}}
			e.path = oidcop.Prefix + a.Site.APIKey
			e.issuer = apitest.PublicURL + e.path
			srv := a.Server
			// Every host is the test server: the provider's URLs name
			// apitest.PublicURL.
			addr := srv.Listener.Addr().String()
			e.client = &http.Client{
				Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
					return (&net.Dialer{}).DialContext(ctx, network, addr)
				}},
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			}
			test(t, e)
		})
	}
}

// ctx is a context whose HTTP client (for x/oauth2 and go-oidc) reaches
// the test server.
func (e *env) ctx() context.Context {
	return context.WithValue(context.Background(), oauth2.HTTPClient, e.client)
}

// newClient registers a relying party.
func (e *env) newClient(t *testing.T, public bool, edit func(*oauth.Client)) oauth.NewClient {
	t.Helper()
	c := oauth.Client{Name: "rp", RedirectURIs: []string{"https://rp.example/cb"},
		PostLogoutRedirectURIs: []string{"https://rp.example/bye"}}
	if edit != nil {
		edit(&c)
	}
	n, err := e.OAuth.CreateClient(context.Background(), e.Site.ID, c, public)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("HTTP %d body %q: %v", r.status, r.body, err)
	}
	return m
}

// location is the redirect's target, parsed.
func (r response) location(t *testing.T) *url.URL {
	t.Helper()
	if r.status != http.StatusFound {
		t.Fatalf("HTTP %d, want 302: %s", r.status, r.body)
	}
	u, err := url.Parse(r.header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (e *env) do(t *testing.T, method, path string, form url.Values, header http.Header) response {
	t.Helper()
	var body io.Reader
	u := apitest.PublicURL + path
	if method == http.MethodGet && form != nil {
		u += "?" + form.Encode()
	} else if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	for _, c := range e.jar {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	res, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 {
			delete(e.jar, c.Name)
		} else {
			e.jar[c.Name] = c
		}
	}
	b, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, b}
}

// next follows r's redirect when it leads to custos (the test client
// follows none): a GET in the same browser.
func (e *env) next(t *testing.T, r response) response {
	t.Helper()
	loc := r.header.Get("Location")
	if r.status != http.StatusFound || !strings.HasPrefix(loc, apitest.PublicURL+"/") {
		return r
	}
	return e.do(t, http.MethodGet, strings.TrimPrefix(loc, apitest.PublicURL), nil, nil)
}

// authorizeAll GETs authorize and follows it to continue, which decides
// where the browser goes: a login page, or the client.
func (e *env) authorizeAll(t *testing.T, q url.Values) response {
	t.Helper()
	r := e.op(t, http.MethodGet, "authorize", q, nil)
	if !strings.HasPrefix(r.header.Get("Location"), e.issuer+"/authorize/continue?") {
		return r
	}
	return e.next(t, r)
}

// op calls an endpoint of the site's provider.
func (e *env) op(t *testing.T, method, endpoint string, form url.Values, header http.Header) response {
	t.Helper()
	return e.do(t, method, e.path+"/"+endpoint, form, header)
}

// wantJSONError asserts an error of a JSON endpoint: status, RFC error,
// catalog code and message.
func wantJSONError(t *testing.T, r response, status int, rfc string, code errcode.Code) {
	t.Helper()
	m := r.json(t)
	entry, _ := errcode.Lookup(code)
	if r.status != status || m["error"] != rfc || m["errorCode"] != float64(code) || m["errorMessage"] != entry.Message {
		t.Errorf("got HTTP %d %s, want %d error %s errorCode %d %q", r.status, r.body, status, rfc, code, entry.Message)
	}
	if _, ok := m["error_description"].(string); !ok {
		t.Errorf("no error_description: %s", r.body)
	}
}

// wantErrorPage asserts the HTML error page: never a redirect.
func wantErrorPage(t *testing.T, r response, code errcode.Code) {
	t.Helper()
	entry, _ := errcode.Lookup(code)
	body := string(r.body)
	if r.status != entry.Status || r.header.Get("Location") != "" || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") ||
		!strings.Contains(body, "Error "+itoa(int(code))+": "+entry.Message) || !strings.Contains(body, oidcop.StylesheetPath) ||
		!strings.Contains(r.header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("got HTTP %d %v %s, want the error page of %d", r.status, r.header, body, code)
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// wantRedirectError asserts a redirect to the client with an RFC error.
func wantRedirectError(t *testing.T, r response, target, rfc, state string) {
	t.Helper()
	u := r.location(t)
	q := u.Query()
	if u.Fragment != "" {
		q, _ = url.ParseQuery(u.Fragment)
	}
	if got := u.Scheme + "://" + u.Host + u.Path; got != target || q.Get("error") != rfc || q.Get("state") != state ||
		q.Get("error_description") == "" || q.Has("errorCode") {
		t.Errorf("redirect %s, want %s with error %s, state %q", u, target, rfc, state)
	}
}

// login registers a new account with a password and returns its UID and
// session token (accounts.register with finalizeRegistration).
func (e *env) login(t *testing.T, email string) (uid, tok string) {
	t.Helper()
	_, m := e.RPC(t, "accounts.register", apitest.Form("email", email, "password", "Secret-Pass-123",
		"finalizeRegistration", "true", "profile", `{"firstName":"Ada","lastName":"Lovelace","nickname":"ada"}`), nil)
	if m["errorCode"] != 0.0 {
		t.Fatalf("register: %s", apitest.Dump(m))
	}
	uid, _ = m["UID"].(string)
	tok, _ = apitest.Object(t, m, "sessionInfo")["cookieValue"].(string)
	return uid, tok
}

// authorize starts a request and returns its context (the request id the
// login page gets).
func (e *env) authorize(t *testing.T, q url.Values) string {
	t.Helper()
	r := e.op(t, http.MethodGet, "authorize", q, nil)
	u := r.location(t)
	id := u.Query().Get("context")
	if id == "" {
		t.Fatalf("authorize: redirect %s has no context", u)
	}
	return id
}

func basicAuth(c oauth.NewClient) http.Header {
	return http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(c.ClientID+":"+c.Secret))}}
}

func clientCredentials(e *env, c oauth.NewClient) *clientcredentials.Config {
	return &clientcredentials.Config{ClientID: c.ClientID, ClientSecret: c.Secret, TokenURL: e.issuer + "/token"}
}
