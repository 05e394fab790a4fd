package oidcop_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/app"
	"github.com/custos-id/custos/internal/captcha"
	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/oidcop"
	"github.com/custos-id/custos/internal/server"
	"github.com/custos-id/custos/internal/store/storetest"
)

// The tests of the hosted pages on their own: the real account service on
// a real database of each engine, the pages behind the server's middleware,
// a browser-like client with a cookie jar posting the forms it was shown,
// and the provider's side of the handoff recorded.

const (
	patEmail    = "pat@example.com"
	patPassword = "correct-horse-1"
	context1    = "ctx-0123456789abcdef"
	redirectURI = "https://rp.example.org/callback"
)

var csrfKey = bytes.Repeat([]byte{7}, 32)

// recorder is the provider's side of the handoff: what the pages asked for.
type recorder struct {
	mu        sync.Mutex
	continued []string // session tokens
	approved  int
	denied    int
}

func (rec *recorder) Continue(w http.ResponseWriter, r *http.Request, sessionToken string) {
	rec.mu.Lock()
	rec.continued = append(rec.continued, sessionToken)
	rec.mu.Unlock()
	http.Redirect(w, r, "/continued", http.StatusSeeOther)
}

func (rec *recorder) Approve(w http.ResponseWriter, r *http.Request) {
	rec.mu.Lock()
	rec.approved++
	rec.mu.Unlock()
	http.Redirect(w, r, "/approved", http.StatusSeeOther)
}

func (rec *recorder) Deny(w http.ResponseWriter, r *http.Request) {
	rec.mu.Lock()
	rec.denied++
	rec.mu.Unlock()
	http.Redirect(w, r, "/denied", http.StatusSeeOther)
}

func (rec *recorder) counts() (continued, approved, denied int) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.continued), rec.approved, rec.denied
}

// pagesEnv serves the hosted pages of a's site for one authorization request.
type pagesEnv struct {
	a      *apitest.App
	req    oidcop.Request
	rec    *recorder
	srv    *httptest.Server
	client *http.Client // a browser: cookies kept, redirects not followed
}

func newPagesEnv(t *testing.T, a *apitest.App, edit func(*oidcop.Request)) *pagesEnv {
	t.Helper()
	e := &pagesEnv{a: a, rec: &recorder{}}
	e.req = oidcop.Request{Site: a.Site,
		Auth: oauth.AuthRequest{ID: context1, SiteID: a.Site.ID, ClientID: "rp-1", RedirectURI: redirectURI,
			ResponseType: "code", Scopes: []string{"openid", "email"}},
		Client:   oauth.Client{ClientID: "rp-1", Name: "Example Shop", RedirectURIs: []string{redirectURI}},
		Accounts: a.Accounts, CSRFKey: csrfKey}
	if edit != nil {
		edit(&e.req)
	}
	pages := oidcop.NewHostedPages(nil)
	mux := http.NewServeMux()
	mux.HandleFunc("/oidc/op/v1.0/{apiKey}/login", func(w http.ResponseWriter, r *http.Request) {
		pages.LoginWith(w, r, e.req, e.rec)
	})
	mux.HandleFunc("/oidc/op/v1.0/{apiKey}/consent", func(w http.ResponseWriter, r *http.Request) {
		pages.ConsentWith(w, r, e.req, e.rec)
	})
	mux.Handle("GET "+oidcop.StylesheetPath, oidcop.Stylesheet())
	e.srv = httptest.NewServer(server.Middleware(mux, server.DefaultConfig(), slog.New(slog.DiscardHandler), server.NewMetrics()))
	t.Cleanup(e.srv.Close)
	e.client = e.browser(t)
	return e
}

func (e *pagesEnv) browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (e *pagesEnv) path(page string) string {
	return "/oidc/op/v1.0/" + e.a.Site.APIKey + "/" + page + "?context=" + context1
}

type answer struct {
	status  int
	header  http.Header
	body    string
	cookies []*http.Cookie
}

func (e *pagesEnv) do(t *testing.T, c *http.Client, method, path string, form url.Values, header http.Header) answer {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{res.StatusCode, res.Header, string(b), res.Cookies()}
}

// form GETs a page and returns it with the CSRF token of its form.
func (e *pagesEnv) form(t *testing.T, c *http.Client, page string) (answer, string) {
	t.Helper()
	got := e.do(t, c, http.MethodGet, e.path(page), nil, nil)
	if got.status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", page, got.status, got.body)
	}
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(got.body)
	if m == nil {
		t.Fatalf("GET %s: no CSRF token in %s", page, got.body)
	}
	return got, m[1]
}

func (a answer) cookie(name string) *http.Cookie {
	for _, c := range a.cookies {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// register makes pat's account, with a password.
func register(t *testing.T, a *apitest.App) {
	t.Helper()
	_, m := a.RPC(t, "accounts.register", apitest.Form("email", patEmail, "password", patPassword,
		"finalizeRegistration", "true"), nil)
	if m["errorCode"] != 0.0 {
		t.Fatalf("register: %s", apitest.Dump(m))
	}
}

const wantCSP = "default-src 'none'; style-src 'self'; form-action 'self' https://rp.example.org; frame-ancestors 'none'; base-uri 'none'"

// checkHeaders checks the headers of every page.
func checkHeaders(t *testing.T, got answer) {
	t.Helper()
	for k, want := range map[string]string{
		"Content-Security-Policy": wantCSP,
		"Content-Type":            "text/html; charset=utf-8",
		"Cache-Control":           "no-store",
		"Referrer-Policy":         "no-referrer",
		"X-Frame-Options":         "DENY",
		"X-Content-Type-Options":  "nosniff",
	} {
		if v := got.header.Get(k); v != want {
			t.Errorf("%s: %q, want %q", k, v, want)
		}
	}
}

var (
	inputRE = regexp.MustCompile(`<input ([^>]*)>`)
	attrRE  = regexp.MustCompile(`([a-z-]+)(?:="([^"]*)")?`)
)

// checkHTML checks what every page keeps to: a language, one h1, nothing
// inline for the CSP to refuse, the stylesheet, and a label for every
// visible input.
func checkHTML(t *testing.T, body string) {
	t.Helper()
	for _, want := range []string{`<html lang="en"`, `<meta name="viewport" content="width=device-width, initial-scale=1">`,
		`<link rel="stylesheet" href="` + oidcop.StylesheetPath + `?v=`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if n := strings.Count(body, "<h1"); n != 1 {
		t.Errorf("%d h1, want 1", n)
	}
	for _, bad := range []string{"<script", "style=", "<style", "javascript:"} {
		if strings.Contains(body, bad) {
			t.Errorf("page has %q", bad)
		}
	}
	if m := regexp.MustCompile(` on[a-z]+=`).FindString(body); m != "" {
		t.Errorf("page has an event handler %q", m)
	}
	for _, in := range inputRE.FindAllStringSubmatch(body, -1) {
		attrs := map[string]string{}
		for _, m := range attrRE.FindAllStringSubmatch(in[1], -1) {
			attrs[m[1]] = m[2]
		}
		if attrs["type"] == "hidden" {
			continue
		}
		if attrs["id"] == "" || !strings.Contains(body, `<label for="`+attrs["id"]+`">`) {
			t.Errorf("input without a label: %s", in[0])
		}
		if attrs["autocomplete"] == "" {
			t.Errorf("input without autocomplete: %s", in[0])
		}
		if d := attrs["aria-describedby"]; d != "" && !strings.Contains(body, `id="`+d+`"`) {
			t.Errorf("aria-describedby %q names nothing", d)
		}
	}
}

func TestLoginPage(t *testing.T) {
	apitest.ForEachEngine(t, func(t *testing.T, a *apitest.App) {
		register(t, a)
		e := newPagesEnv(t, a, nil)
		got, token := e.form(t, e.client, "login")
		checkHeaders(t, got)
		checkHTML(t, got.body)
		for _, want := range []string{"<title>Log in – test</title>", `<p class="custos-site-name">test</p>`,
			"to continue to Example Shop", `<label for="loginID">Email or username</label>`,
			`autocomplete="username"`, `autocomplete="current-password"`,
			`action="/oidc/op/v1.0/` + a.Site.APIKey + `/login?context=` + context1 + `"`} {
			if !strings.Contains(got.body, want) {
				t.Errorf("login page lacks %s", want)
			}
		}
		ck := got.cookie("custos-csrf")
		if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" {
			t.Fatalf("CSRF cookie %+v", ck)
		}

		// A second GET keeps the browser's cookie, so that tabs agree.
		again, token2 := e.form(t, e.client, "login")
		if again.cookie("custos-csrf") != nil || token2 != token {
			t.Errorf("second GET: new cookie %v, token %q (was %q)", again.cookie("custos-csrf"), token2, token)
		}

		res := e.do(t, e.client, http.MethodPost, e.path("login"),
			url.Values{"csrf": {token}, "loginID": {"Pat@Example.com"}, "password": {patPassword}},
			http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {e.srv.URL}})
		if res.status != http.StatusSeeOther || res.header.Get("Location") != "/continued" {
			t.Fatalf("login: %d %s %s", res.status, res.header.Get("Location"), res.body)
		}
		sc := res.cookie("glt_" + a.Site.APIKey)
		if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteStrictMode || sc.Path != "/" || sc.Secure {
			t.Fatalf("session cookie %+v", sc)
		}
		if len(e.rec.continued) != 1 || e.rec.continued[0] != sc.Value {
			t.Fatalf("continued with %v, cookie %s", e.rec.continued, sc.Value)
		}
		_, acc, err := a.Accounts.Sessions().Resolve(context.Background(), a.Site.ID, sc.Value)
		if err != nil || acc.Email != patEmail {
			t.Fatalf("the session: %v, account %q", err, acc.Email)
		}
	})
}

// TestLoginPagePolicy: the login ID's label and type follow the site's
// loginIdentifiers, and a login_hint fills it in.
func TestLoginPagePolicy(t *testing.T) {
	apitest.ForEachEngine(t, func(t *testing.T, a *apitest.App) {
		for _, tc := range []struct{ ids, want string }{
			{"email", `<label for="loginID">Email</label>`},
			{"username", `<label for="loginID">Username</label>`},
		} {
			a.SetPolicies(t, "accountOptions", `{"loginIdentifiers":"`+tc.ids+`"}`)
			st, err := a.Sites.ByID(context.Background(), a.Site.ID)
			if err != nil {
				t.Fatal(err)
			}
			e := newPagesEnv(t, a, func(r *oidcop.Request) { r.Site = st; r.Auth.LoginHint = `pat"<x>` })
			got, _ := e.form(t, e.client, "login")
			for _, want := range []string{tc.want, `value="pat&#34;&lt;x&gt;"`, `id="password" name="password" type="password" autocomplete="current-password" required autofocus`} {
				if !strings.Contains(got.body, want) {
					t.Errorf("%s: page lacks %s", tc.ids, want)
				}
			}
		}
	})
}

// TestLoginPageFailures: every refusal answers the form again (or an error
// page) with its catalog code, and logs no one in.
func TestLoginPageFailures(t *testing.T) {
	apitest.ForEachEngine(t, func(t *testing.T, a *apitest.App) {
		register(t, a)
		e := newPagesEnv(t, a, nil)
		_, token := e.form(t, e.client, "login")
		sameOrigin := http.Header{"Sec-Fetch-Site": {"same-origin"}}
		post := func(form url.Values, h http.Header) answer {
			return e.do(t, e.client, http.MethodPost, e.path("login"), form, h)
		}
		creds := func(loginID, pw string) url.Values {
			return url.Values{"csrf": {token}, "loginID": {loginID}, "password": {pw}}
		}
		generic := "The login details are not right. Check them and try again."
		for _, tc := range []struct {
			name   string
			form   url.Values
			header http.Header
			status int
			want   []string
		}{
			{"wrong password", creds(patEmail, "wrong-horse-1"), sameOrigin, 422,
				[]string{generic, "Error 403042: Invalid loginID", `<a href="#loginID">`, `value="pat@example.com"`}},
			{"unknown user", creds("nobody@example.com", patPassword), sameOrigin, 422,
				[]string{generic, "Error 403042: Invalid loginID"}},
			{"account without a password", creds("ann@example.com", patPassword), sameOrigin, 422,
				[]string{generic, "Error 403042: Invalid loginID"}},
			{"no password", creds(patEmail, ""), sameOrigin, 422,
				[]string{"Enter your password.", `<a href="#password">`, `id="password-error"`,
					`aria-invalid="true" aria-describedby="password-error"`, "Error 400002"}},
			{"no login ID", creds("", patPassword), sameOrigin, 422,
				[]string{"Enter your email or username.", `aria-invalid="true" aria-describedby="loginID-error"`}},
			{"no CSRF token", url.Values{"loginID": {patEmail}, "password": {patPassword}}, sameOrigin, 403,
				[]string{"This form has expired", "Error 403000: Forbidden", `name="csrf"`}},
			{"wrong CSRF token", url.Values{"csrf": {token[1:] + "A"}, "loginID": {patEmail}, "password": {patPassword}}, sameOrigin, 403,
				[]string{"This form has expired"}},
			{"cross-site post", creds(patEmail, patPassword), http.Header{"Sec-Fetch-Site": {"cross-site"}}, 403,
				[]string{"This form was sent from another site", "Error 403000: Forbidden"}},
			{"post from another origin", creds(patEmail, patPassword), http.Header{"Origin": {"https://evil.example"}}, 403,
				[]string{"This form was sent from another site"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got := post(tc.form, tc.header)
				if got.status != tc.status {
					t.Fatalf("status %d, want %d: %s", got.status, tc.status, got.body)
				}
				checkHeaders(t, got)
				checkHTML(t, got.body)
				if strings.Contains(got.body, `name="csrf"`) && !strings.Contains(got.body, "<title>Error: ") {
					t.Errorf("title does not say Error: %s", got.body)
				}
				for _, want := range tc.want {
					if !strings.Contains(got.body, want) {
						t.Errorf("answer lacks %s: %s", want, got.body)
					}
				}
				if got.cookie("glt_"+a.Site.APIKey) != nil || len(e.rec.continued) != 0 {
					t.Errorf("logged in: cookie %v, continued %v", got.cookie("glt_"+a.Site.APIKey), e.rec.continued)
				}
			})
		}

		// Another browser's token is no good with this browser's cookie,
		// nor a token of another request or of the consent page.
		other := e.browser(t)
		_, theirs := e.form(t, other, "login")
		if got := post(creds(patEmail, patPassword), sameOrigin); got.status != http.StatusSeeOther {
			t.Fatalf("own token: %d %s", got.status, got.body)
		}
		for _, tc := range []struct {
			name    string
			browser *http.Client
			token   string
		}{
			{"a token with another browser's cookie", other, token},
			{"another browser's token", e.client, theirs},
			{"a token without its cookie", e.browser(t), token},
		} {
			got := e.do(t, tc.browser, http.MethodPost, e.path("login"),
				url.Values{"csrf": {tc.token}, "loginID": {patEmail}, "password": {patPassword}}, sameOrigin)
			if got.status != http.StatusForbidden || got.cookie("glt_"+a.Site.APIKey) != nil {
				t.Errorf("%s: %d", tc.name, got.status)
			}
		}
		if n, _, _ := e.rec.counts(); n != 1 {
			t.Errorf("continued %d times, want 1", n)
		}
	})
}

// TestLoginPageLockout: the account's lockout shows as its own message.
func TestLoginPageLockout(t *testing.T) {
	apitest.ForEachEngine(t, func(t *testing.T, a *apitest.App) {
		register(t, a)
		a.SetPolicies(t, "security", `{"accountLockout":{"failedLoginThreshold":2,"lockoutTimeSec":60,"failedLoginResetSec":600}}`)
		st, err := a.Sites.ByID(context.Background(), a.Site.ID)
		if err != nil {
			t.Fatal(err)
		}
		e := newPagesEnv(t, a, func(r *oidcop.Request) { r.Site = st })
		_, token := e.form(t, e.client, "login")
		// Refused forms count no failure: the account is not locked by them.
		for range 3 {
			e.do(t, e.client, http.MethodPost, e.path("login"),
				url.Values{"csrf": {"forged"}, "loginID": {patEmail}, "password": {"wrong-horse-1"}}, nil)
		}
		if got := e.do(t, e.client, http.MethodPost, e.path("login"),
			url.Values{"csrf": {token}, "loginID": {patEmail}, "password": {"wrong-horse-1"}}, nil); !strings.Contains(got.body, "Error 403042") {
			t.Fatalf("first counted failure: %s", got.body)
		}
		var got answer
		for range 2 {
			got = e.do(t, e.client, http.MethodPost, e.path("login"),
				url.Values{"csrf": {token}, "loginID": {patEmail}, "password": {"wrong-horse-1"}}, nil)
		}
		for _, want := range []string{"Too many failed attempts", "Error 403120"} {
			if got.status != 422 || !strings.Contains(got.body, want) {
				t.Fatalf("locked: %d, lacks %q: %s", got.status, want, got.body)
			}
		}
	})
}

func TestConsentPage(t *testing.T) {
	apitest.ForEachEngine(t, func(t *testing.T, a *apitest.App) {
		e := newPagesEnv(t, a, func(r *oidcop.Request) {
			r.Auth.AccountID, r.Auth.Subject = 1, apitest.AnnUID
			r.Auth.Scopes = []string{"openid", "profile", "email", "offline_access", "loyalty"}
			r.Config.CustomScopes = map[string][]string{"loyalty": {"tier", "points"}}
		})
		got, token := e.form(t, e.client, "consent")
		checkHeaders(t, got)
		checkHTML(t, got.body)
		for _, want := range []string{"<h1>Allow Example Shop access to your test account?</h1>",
			"<li>Know who you are: your user ID at test</li>", "<li>See your email address and whether it is verified</li>",
			"<li>See your profile:", "<li>Keep this access when you are not using Example Shop",
			"<li>See your tier, points (“loyalty”)</li>", "<p>You are logged in as Ann@Example.com.</p>",
			`name="decision" value="allow"`, `name="decision" value="deny"`} {
			if !strings.Contains(got.body, want) {
				t.Errorf("consent page lacks %s", want)
			}
		}
		_, loginToken := e.form(t, e.client, "login")
		for _, tc := range []struct {
			name   string
			form   url.Values
			header http.Header
			status int
			want   string
		}{
			{"no token", url.Values{"decision": {"allow"}}, nil, 403, "This form has expired"},
			{"the login form's token", url.Values{"csrf": {loginToken}, "decision": {"allow"}}, nil, 403, "This form has expired"},
			{"cross-site", url.Values{"csrf": {token}, "decision": {"allow"}}, http.Header{"Sec-Fetch-Site": {"cross-site"}}, 403, "another site"},
			{"no decision", url.Values{"csrf": {token}}, nil, 422, `Choose Allow or Deny.</a>`},
			{"unknown decision", url.Values{"csrf": {token}, "decision": {"maybe"}}, nil, 422, `<a href="#decision">`},
		} {
			got := e.do(t, e.client, http.MethodPost, e.path("consent"), tc.form, tc.header)
			if got.status != tc.status || !strings.Contains(got.body, tc.want) {
				t.Errorf("%s: %d, want %d with %q: %s", tc.name, got.status, tc.status, tc.want, got.body)
			}
			if _, approved, denied := e.rec.counts(); approved+denied != 0 {
				t.Fatalf("%s: handed off", tc.name)
			}
		}
		for _, tc := range []struct{ decision, location string }{{"deny", "/denied"}, {"allow", "/approved"}} {
			got := e.do(t, e.client, http.MethodPost, e.path("consent"), url.Values{"csrf": {token}, "decision": {tc.decision}}, nil)
			if got.status != http.StatusSeeOther || got.header.Get("Location") != tc.location {
				t.Errorf("%s: %d %s", tc.decision, got.status, got.header.Get("Location"))
			}
		}
		if _, approved, denied := e.rec.counts(); approved != 1 || denied != 1 {
			t.Errorf("approved %d, denied %d", approved, denied)
		}
	})
}

// TestConsentBeforeLogin: a request no one logged in to has no consent page.
func TestConsentBeforeLogin(t *testing.T) {
	apitest.ForEachEngine(t, func(t *testing.T, a *apitest.App) {
		e := newPagesEnv(t, a, nil)
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			got := e.do(t, e.client, method, e.path("consent"), url.Values{"decision": {"allow"}}, nil)
			if got.status != http.StatusForbidden || !strings.Contains(got.body, "Error 403012: No valid session") {
				t.Errorf("%s: %d %s", method, got.status, got.body)
			}
			checkHeaders(t, got)
		}
		if _, approved, denied := e.rec.counts(); approved+denied != 0 {
			t.Fatal("handed off")
		}
	})
}

// TestPagesSecureCookies: over HTTPS the CSRF cookie is a __Host- cookie
// and the session cookie is Secure.
func TestPagesSecureCookies(t *testing.T) {
	apitest.ForEachEngine(t, func(t *testing.T, a *apitest.App) {
		register(t, a)
		e := newPagesEnv(t, a, func(r *oidcop.Request) { r.Secure = true })
		pages := oidcop.NewHostedPages(nil)
		w := httptest.NewRecorder()
		pages.LoginWith(w, httptest.NewRequest(http.MethodGet, "https://id.example"+e.path("login"), nil), e.req, e.rec)
		res := w.Result()
		var csrf *http.Cookie
		for _, c := range res.Cookies() {
			if c.Name == "__Host-custos-csrf" {
				csrf = c
			}
		}
		if csrf == nil || !csrf.Secure || csrf.Path != "/" || csrf.Domain != "" {
			t.Fatalf("CSRF cookie %+v", res.Cookies())
		}
		token := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(w.Body.String())[1]
		r := httptest.NewRequest(http.MethodPost, "https://id.example"+e.path("login"),
			strings.NewReader(url.Values{"csrf": {token}, "loginID": {patEmail}, "password": {patPassword}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.AddCookie(csrf)
		w = httptest.NewRecorder()
		pages.LoginWith(w, r, e.req, e.rec)
		sc := w.Result().Cookies()
		if w.Code != http.StatusSeeOther || len(sc) != 1 || sc[0].Name != "glt_"+a.Site.APIKey || !sc[0].Secure {
			t.Fatalf("login: %d %+v %s", w.Code, sc, w.Body)
		}
	})
}

func TestPageCSP(t *testing.T) {
	for uri, want := range map[string]string{
		"https://rp.example.org/cb?x=1":    "'self' https://rp.example.org",
		"http://localhost:8080/cb":         "'self' http://localhost:8080",
		"HTTPS://RP.Example.org/cb":        "'self' https://rp.example.org",
		"http://[::1]:3000/cb":             "'self' http://[::1]:3000",
		"com.example.app:/oauth2redirect":  "'self' com.example.app:",
		"https://rp.example.org;x/cb":      "'self'",
		"https://user@rp.example.org/cb":   "'self' https://rp.example.org",
		"https://rp.exämple.org/cb":        "'self'",
		"javascript:alert(1)":              "'self'",
		"":                                 "'self'",
		"https://rp.example.org 'unsafe'/": "'self'",
	} {
		csp := oidcop.PageCSP(uri)
		if !strings.Contains(csp, "; form-action "+want+"; ") {
			t.Errorf("%q: %s, want form-action %s", uri, csp, want)
		}
	}
}

// TestStylesheetContrast: the default colours keep WCAG 2.2 AA contrast,
// 4.5:1 for text and 3:1 for borders and the focus ring.
func TestStylesheetContrast(t *testing.T) {
	css, err := os.ReadFile("pages.css")
	if err != nil {
		t.Fatal(err)
	}
	colour := map[string][3]float64{}
	for _, m := range regexp.MustCompile(`--custos-([a-z-]+): #([0-9a-f]{6});`).FindAllStringSubmatch(string(css), -1) {
		var c [3]float64
		for i := range c {
			v, _ := strconv.ParseUint(m[2][2*i:2*i+2], 16, 8)
			c[i] = float64(v) / 255
		}
		colour[m[1]] = c
	}
	luminance := func(c [3]float64) float64 {
		for i, x := range c {
			if x <= 0.03928 {
				c[i] = x / 12.92
			} else {
				c[i] = math.Pow((x+0.055)/1.055, 2.4)
			}
		}
		return 0.2126*c[0] + 0.7152*c[1] + 0.0722*c[2]
	}
	for _, tc := range []struct {
		fg, bg string
		min    float64
	}{
		{"text", "background", 4.5}, {"text", "surface", 4.5}, {"muted", "background", 4.5},
		{"accent", "background", 4.5}, {"accent-text", "accent", 4.5}, {"accent-text", "accent-hover", 4.5},
		{"error", "background", 4.5}, {"border", "background", 3}, {"border", "surface", 3}, {"focus", "background", 3},
	} {
		fg, ok1 := colour[tc.fg]
		bg, ok2 := colour[tc.bg]
		if !ok1 || !ok2 {
			t.Fatalf("no --custos-%s or --custos-%s", tc.fg, tc.bg)
		}
		a, b := luminance(fg), luminance(bg)
		if ratio := (max(a, b) + 0.05) / (min(a, b) + 0.05); ratio < tc.min {
			t.Errorf("%s on %s: %.2f:1, want %.1f:1", tc.fg, tc.bg, ratio, tc.min)
		}
	}
}

func TestStylesheet(t *testing.T) {
	srv := httptest.NewServer(oidcop.Stylesheet())
	defer srv.Close()
	res, err := http.Get(srv.URL + oidcop.StylesheetPath)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/css; charset=utf-8" ||
		res.Header.Get("X-Content-Type-Options") != "nosniff" || !bytes.Contains(body, []byte("--custos-accent:")) {
		t.Fatalf("%d %v", res.StatusCode, res.Header)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+oidcop.StylesheetPath, nil)
	req.Header.Set("If-None-Match", res.Header.Get("ETag"))
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", res.StatusCode)
	}
}

// TestLoginPageConditions: what keeps a user who knows the password from
// a session is told in plain words with its catalog code; no session.
func TestLoginPageConditions(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			v, err := captcha.New("http://127.0.0.1:9/siteverify", "s3cret") // never asked: no token is sent
			if err != nil {
				t.Fatal(err)
			}
			a := apitest.NewApp(t, engine, apitest.WithOptions(func(o *app.Options) { o.Captcha = v }))
			reg := func(email string, more ...string) map[string]any {
				_, m := a.RPC(t, "accounts.register", apitest.Form(append([]string{"email", email, "password", patPassword}, more...)...), nil)
				return m
			}
			for _, tc := range []struct {
				name, loginID string
				setup         func()
				code          errcode.Code
				text          string
			}{
				{"pending registration", "pend@example.com", func() { reg("pend@example.com") },
					errcode.AccountPendingRegistration, "Your registration with test is not complete."},
				{"disabled", "off@example.com", func() {
					uid, _ := reg("off@example.com", "finalizeRegistration", "true")["UID"].(string)
					a.Call(t, "accounts.setAccountInfo", a.Secret("UID", uid, "isActive", "false"))
				}, errcode.AccountDisabled, "This account is disabled. Contact test for help."},
				{"pending verification", "unverified@example.com", func() {
					a.SetPolicies(t, "accountOptions", `{"verifyEmail":true}`)
					reg("unverified@example.com", "finalizeRegistration", "true")
				}, errcode.AccountPendingVerification, "Your email address is not verified yet."},
				{"CAPTCHA required", "pat@example.com", func() {
					a.SetPolicies(t, "accountOptions", `{"verifyEmail":false}`, "security", `{"captcha":{"failedLoginThreshold":1}}`)
					reg(patEmail, "finalizeRegistration", "true")
					a.RPC(t, "accounts.login", apitest.Form("loginID", patEmail, "password", "wrong-horse-1"), nil)
				}, errcode.LoginFailedCaptchaRequired, "asks for a CAPTCHA, which this page cannot show"},
			} {
				tc.setup()
				st, err := a.Sites.ByID(context.Background(), a.Site.ID)
				if err != nil {
					t.Fatal(err)
				}
				e := newPagesEnv(t, a, func(r *oidcop.Request) { r.Site = st })
				_, token := e.form(t, e.client, "login")
				got := e.do(t, e.client, http.MethodPost, e.path("login"),
					url.Values{"csrf": {token}, "loginID": {tc.loginID}, "password": {patPassword}}, nil)
				want := "Error " + strconv.Itoa(int(tc.code)) + ": " + (&errcode.Error{Code: tc.code}).Entry().Message
				if got.status != 422 || !strings.Contains(got.body, tc.text) || !strings.Contains(got.body, want) {
					t.Errorf("%s: %d, want 422 with %q and %q: %s", tc.name, got.status, tc.text, want, got.body)
				}
				if got.cookie("glt_"+a.Site.APIKey) != nil || len(e.rec.continued) != 0 {
					t.Errorf("%s: logged in", tc.name)
				}
			}
		})
	}
}
