package rpc_test

// The redirect flows of social login end to end, with custos's own OpenID
// Provider as the upstream: a second site of the same custos, with a
// relying party whose redirect URI is the callback. The browser is a test
// client that follows no redirect and keeps cookies.

import (
	"context"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/app"
	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/oidcop"
	"github.com/custos-id/custos/internal/rpc"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/social"
	"github.com/custos-id/custos/internal/store/storetest"
)

// socialEnv is a custos whose site "test" (domain example.com) has the
// provider "custos-up": the OpenID Provider of the site "upstream" of the
// same custos, where the user up@example.org has an account.
type socialEnv struct {
	*apitest.App
	up     site.Site
	client *http.Client
}

const (
	upEmail    = "up@example.org"
	upPassword = "Upstream-Pass-1"
	siteReturn = "https://example.com/after"
	// loopbackReturn is a registered plain-http loopback redirect URI (a
	// native app's).
	loopbackReturn = "http://127.0.0.1:5555/cb"
	upProvider     = "custos-up"
	// socialBase is the PublicURL of the custos of these tests: the
	// OpenID Provider takes a plain http redirect URI on localhost only.
	// Every host is the test server to the test's clients.
	socialBase = "http://localhost"
)

func forEachSocialApp(t *testing.T, test func(t *testing.T, e *socialEnv)) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			var addr string
			dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, network, addr)
			}
			client := &http.Client{Transport: &http.Transport{DialContext: dial},
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			a := apitest.NewApp(t, engine, apitest.WithRealTime(), apitest.BehindProxy(),
				apitest.WithOptions(func(o *app.Options) {
					o.PublicURL = socialBase
					o.SocialPrivate, o.SocialHTTPClient = true, &http.Client{Transport: &http.Transport{DialContext: dial}}
				}))
			addr = a.Server.Listener.Addr().String()
			e := &socialEnv{App: a, client: client}
			ctx := context.Background()
			var err error
			if e.up, err = a.Sites.Create(ctx, "upstream", nil); err != nil {
				t.Fatal(err)
			}
			if _, err := a.Accounts.Register(ctx, e.up, account.RegisterInput{Email: upEmail, Password: upPassword,
				Objects:  account.Objects{Profile: map[string]any{"firstName": "Ada", "lastName": "Upstream"}},
				Finalize: true, NoSession: true, Caller: account.Caller{Server: true}}); err != nil {
				t.Fatal(err)
			}
			rp, err := a.OAuth.CreateClient(ctx, e.up.ID, oauth.Client{Name: "custos downstream",
				RedirectURIs: []string{socialBase + rpc.SocialCallbackPath}, ResponseTypes: []string{"code"},
				GrantTypes: []string{"authorization_code"}}, false)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.Social.SetProvider(ctx, a.Site.ID, social.Provider{Name: upProvider, Kind: social.OIDC,
				Issuer: socialBase + oidcop.Prefix + e.up.APIKey, ClientID: rp.ClientID, ClientSecret: rp.Secret,
				Scopes: []string{"openid", "email", "profile"}, Enabled: true}); err != nil {
				t.Fatal(err)
			}
			if _, err := a.Social.SetRedirectURIs(ctx, a.Site.ID, []string{siteReturn, loopbackReturn}); err != nil {
				t.Fatal(err)
			}
			test(t, e)
		})
	}
}

// browser is one browser: its cookies for custos.
type browser struct {
	e   *socialEnv
	jar map[string]*http.Cookie
}

func (e *socialEnv) browser() *browser { return &browser{e: e, jar: map[string]*http.Cookie{}} }

type reply struct {
	status int
	header http.Header
	body   string
}

func (b *browser) get(t *testing.T, u string) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The trusted proxy (apitest.BehindProxy) says the browser came over
	// HTTPS.
	req.Header.Set("X-Forwarded-Proto", "https")
	for _, c := range b.jar {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	res, err := b.e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 {
			delete(b.jar, c.Name)
		} else {
			b.jar[c.Name] = c
		}
	}
	body, _ := io.ReadAll(res.Body)
	return reply{res.StatusCode, res.Header, string(body)}
}

// post is get with a form, as a provider's form_post makes the browser
// send it.
func (b *browser) post(t *testing.T, u string, form url.Values) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// The trusted proxy (apitest.BehindProxy) says the browser came over
	// HTTPS.
	req.Header.Set("X-Forwarded-Proto", "https")
	for _, c := range b.jar {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	res, err := b.e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return reply{res.StatusCode, res.Header, string(body)}
}

func (r reply) location(t *testing.T) *url.URL {
	t.Helper()
	if r.status != http.StatusFound {
		t.Fatalf("HTTP %d, want a redirect: %s", r.status, r.body)
	}
	u, err := url.Parse(r.header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// begin GETs a flow's method and answers the provider's authorization URL.
func (b *browser) begin(t *testing.T, method string, q url.Values) *url.URL {
	t.Helper()
	return b.get(t, socialBase+"/"+method+"?"+q.Encode()).location(t)
}

// atProvider logs in at the upstream as upEmail and answers the callback
// URL the provider sends the browser to.
func (b *browser) atProvider(t *testing.T, authURL *url.URL) *url.URL {
	t.Helper()
	return b.atProviderAs(t, authURL, upEmail)
}

// atProviderAs is atProvider as the upstream user email.
func (b *browser) atProviderAs(t *testing.T, authURL *url.URL, email string) *url.URL {
	t.Helper()
	if !strings.HasPrefix(authURL.String(), socialBase+oidcop.Prefix+b.e.up.APIKey+"/authorize?") {
		t.Fatalf("begin: redirect to %s, want the upstream's authorize", authURL)
	}
	u := b.get(t, authURL.String()).location(t)
	id := u.Query().Get("context")
	if id == "" {
		t.Fatalf("authorize: redirect %s has no context", u)
	}
	_, m := b.e.RPC(t, "accounts.login", url.Values{"apiKey": {b.e.up.APIKey}, "loginID": {email}, "password": {upPassword}}, nil)
	tok, _ := apitest.Object(t, m, "sessionInfo")["login_token"].(string)
	if tok == "" {
		t.Fatalf("upstream login: %s", apitest.Dump(m))
	}
	cont := socialBase + oidcop.Prefix + b.e.up.APIKey + "/authorize/continue?" +
		url.Values{"context": {id}, "login_token": {tok}}.Encode()
	cb := b.get(t, cont).location(t)
	if !strings.HasPrefix(cb.String(), socialBase+rpc.SocialCallbackPath+"?") {
		t.Fatalf("continue: redirect %s, want the callback", cb)
	}
	return cb
}

// result follows the callback and answers the redirect_uri's fragment.
func (b *browser) result(t *testing.T, cb *url.URL, redirectURI string) url.Values {
	t.Helper()
	u := b.get(t, cb.String()).location(t)
	if got := u.Scheme + "://" + u.Host + u.Path; got != redirectURI || u.RawQuery != "" && !strings.Contains(redirectURI, "?") {
		t.Fatalf("callback: redirect to %s, want %s", u, redirectURI)
	}
	v, err := url.ParseQuery(u.EscapedFragment())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func flowQuery(kv ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return q
}

func (e *socialEnv) startQuery(kv ...string) url.Values {
	q := flowQuery("x_provider", upProvider, "client_id", e.Site.APIKey, "redirect_uri", siteReturn, "state", "s-1")
	for k, v := range flowQuery(kv...) {
		q[k] = v
	}
	return q
}

// TestSocialLoginRedirect: socialize.login and accounts.socialLogin end to
// end: a new user registers and gets a session in the fragment, the same
// identity logs the same account in again, and response_type=code gives a
// code that socialize.getToken exchanges once.
func TestSocialLoginRedirect(t *testing.T) {
	forEachSocialApp(t, func(t *testing.T, e *socialEnv) {
		uid := ""
		for _, method := range []string{"socialize.login", "accounts.socialLogin"} {
			b := e.browser()
			v := b.result(t, b.atProvider(t, b.begin(t, method, e.startQuery())), siteReturn)
			if v.Get("status") != "ok" || v.Get("state") != "s-1" || v.Get("provider") != upProvider || v.Get("access_token") == "" {
				t.Fatalf("%s: fragment %v", method, v)
			}
			m := e.Call(t, "accounts.getAccountInfo", url.Values{"login_token": {v.Get("access_token")}})
			if m["errorCode"] != 0.0 || apitest.Object(t, m, "profile")["email"] != upEmail {
				t.Fatalf("%s: getAccountInfo: %s", method, apitest.Dump(m))
			}
			if uid == "" {
				uid = m["UID"].(string)
			} else if m["UID"] != uid {
				t.Errorf("%s: UID %v, want the account of the first login %s", method, m["UID"], uid)
			}
		}

		b := e.browser()
		v := b.result(t, b.atProvider(t, b.begin(t, "socialize.login", e.startQuery("response_type", "code"))), siteReturn)
		code := v.Get("code")
		if v.Get("status") != "ok" || code == "" || v.Get("access_token") != "" {
			t.Fatalf("code flow: fragment %v", v)
		}
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {siteReturn},
			"client_id": {e.Site.APIKey}, "client_secret": {e.Site.SecretBase64()}, "apiKey": {""}}
		_, m := e.RPC(t, "socialize.getToken", form, nil)
		tok, _ := m["access_token"].(string)
		if m["errorCode"] != 0.0 || !oauth.IsGigyaToken(tok) {
			t.Fatalf("getToken: %s", apitest.Dump(m))
		}
		if _, m := e.RPC(t, "socialize.getToken", form, nil); m["errorCode"] != 400014.0 {
			t.Errorf("a second exchange of the code: %s", apitest.Dump(m))
		}
	})
}

// wantFragmentError asserts a flow's error in the redirect_uri's fragment.
func wantFragmentError(t *testing.T, v url.Values, code int, state string) {
	t.Helper()
	if v.Get("error_code") != strconv.Itoa(code) || !strings.HasPrefix(v.Get("error_description"), strconv.Itoa(code)+" - ") ||
		v.Get("state") != state || v.Get("access_token") != "" || v.Get("code") != "" || v.Get("status") == "ok" {
		t.Errorf("fragment %v, want error_code %d and state %q", v, code, state)
	}
}

// wantEnvelope asserts an answer in the envelope: no redirect.
func wantEnvelope(t *testing.T, r reply, code int) {
	t.Helper()
	if r.status != http.StatusOK || r.header.Get("Location") != "" || !strings.Contains(r.body, `"errorCode":`+strconv.Itoa(code)+",") {
		t.Errorf("HTTP %d Location %q %s, want the envelope with errorCode %d", r.status, r.header.Get("Location"), r.body, code)
	}
}

// TestSocialLoginRefusals: what a flow refuses, and where it says so: in
// the envelope while the redirect_uri is not known to be the site's (never
// an open redirect), in the fragment after.
func TestSocialLoginRefusals(t *testing.T) {
	forEachSocialApp(t, func(t *testing.T, e *socialEnv) {
		b := e.browser()
		start := func(kv ...string) reply {
			return b.get(t, socialBase+"/socialize.login?"+e.startQuery(kv...).Encode())
		}
		for _, c := range []struct {
			name string
			kv   []string
			code int
		}{
			{"no redirect_uri", []string{"redirect_uri", ""}, 400002},
			{"another domain", []string{"redirect_uri", "https://evil.example/after"}, 400011},
			{"a domain's look-alike", []string{"redirect_uri", "https://example.com.evil.example/"}, 400011},
			{"plain http", []string{"redirect_uri", "http://example.com/after"}, 400011},
			{"a fragment", []string{"redirect_uri", "https://example.com/after#x"}, 400011},
			{"user info", []string{"redirect_uri", "https://example.com@evil.example/"}, 400011},
			// Only the registered redirect URIs, exactly (review H1): an open
			// redirect elsewhere on the site would carry the fragment away.
			{"another path", []string{"redirect_uri", "https://example.com/logout?next=https://evil.example/"}, 400011},
			{"another port", []string{"redirect_uri", "https://example.com:8443/after"}, 400011},
			{"another query", []string{"redirect_uri", "https://example.com/after?next=https://evil.example/"}, 400011},
			{"a subdomain", []string{"redirect_uri", "https://www.example.com/after"}, 400011},
			{"a look-alike host", []string{"redirect_uri", "https://example.com.evil.example/after"}, 400011},
			{"a registered one's fragment", []string{"redirect_uri", "https://example.com/after#/x"}, 400011},
			{"a registered one with user info", []string{"redirect_uri", "https://user@example.com/after"}, 400011},
			{"a loopback URI not registered", []string{"redirect_uri", "http://127.0.0.1:5556/cb"}, 400011},
			{"a loopback URI on another host name", []string{"redirect_uri", "http://localhost:5555/cb"}, 400011},
			{"a relative URI", []string{"redirect_uri", "/after"}, 400011},
			{"no client_id", []string{"client_id", ""}, 400092},
			{"an unknown client_id", []string{"client_id", "3_nope"}, 400093},
		} {
			t.Run(c.name, func(t *testing.T) { wantEnvelope(t, start(c.kv...), c.code) })
		}
		t.Run("a site without domains", func(t *testing.T) {
			q := e.startQuery("client_id", e.up.APIKey, "redirect_uri", "https://example.com/after")
			wantEnvelope(t, b.get(t, socialBase+"/socialize.login?"+q.Encode()), 400011)
		})
		done := func(apiKey, origin string) string {
			return socialBase + rpc.SocialDonePath + "?" + url.Values{"apiKey": {apiKey}, "origin": {origin}}.Encode()
		}
		for _, c := range []struct{ name, uri string }{
			{"the completion page of another site", done(e.up.APIKey, "https://example.com")},
			{"the completion page for another origin", done(e.Site.APIKey, "https://evil.example")},
			{"the completion page for a plain-http origin", done(e.Site.APIKey, "http://example.com")},
			{"the completion page without an origin", socialBase + rpc.SocialDonePath + "?apiKey=" + e.Site.APIKey},
			{"another page of custos", socialBase + "/pages/login?apiKey=" + e.Site.APIKey},
		} {
			t.Run(c.name, func(t *testing.T) { wantEnvelope(t, start("redirect_uri", c.uri), 400011) })
		}
		t.Run("the completion page", func(t *testing.T) {
			ok := b.get(t, done(e.Site.APIKey, "https://example.com"))
			if ok.status != http.StatusOK || !strings.Contains(ok.body, `data-origin="https://example.com"`) ||
				!strings.Contains(ok.header.Get("Content-Security-Policy"), "script-src "+socialBase+rpc.SocialDoneScript) {
				t.Errorf("HTTP %d %v %s", ok.status, ok.header, ok.body)
			}
			bad := b.get(t, done(e.Site.APIKey, "https://evil.example"))
			if bad.status != http.StatusBadRequest || strings.Contains(bad.body, "evil") {
				t.Errorf("another origin: HTTP %d %s", bad.status, bad.body)
			}
			if js := b.get(t, socialBase+rpc.SocialDoneScript); js.status != http.StatusOK || !strings.Contains(js.body, "postMessage") {
				t.Errorf("script: HTTP %d", js.status)
			}
		})
		t.Run("a registered loopback URI", func(t *testing.T) {
			if u := start("redirect_uri", loopbackReturn).location(t); !strings.Contains(u.String(), "/authorize?") {
				t.Errorf("redirect to %s", u)
			}
		})
		t.Run("setRedirectURIs refuses what is not one", func(t *testing.T) {
			for _, v := range []string{"http://example.com/x", "https://example.com/#x", "https://u@example.com/", "/x"} {
				m := e.Call(t, "accounts.social.setRedirectURIs", e.Secret("redirectURIs", `["`+v+`"]`))
				if m["errorCode"] != float64(400006) {
					t.Errorf("%s: %s", v, apitest.Dump(m))
				}
			}
		})
		t.Run("custos's own completion page", func(t *testing.T) {
			done := socialBase + rpc.SocialDonePath + "?apiKey=" + e.Site.APIKey + "&origin=https%3A%2F%2Fexample.com"
			if u := start("redirect_uri", done).location(t); !strings.Contains(u.String(), "/authorize?") {
				t.Errorf("redirect to %s", u)
			}
		})

		for _, c := range []struct {
			name string
			kv   []string
			code int
		}{
			{"no provider", []string{"x_provider", ""}, 400060},
			{"an unknown provider", []string{"x_provider", "acme"}, 400099},
			{"a preset the site did not configure", []string{"x_provider", "google"}, 500031},
			{"response_type", []string{"response_type", "id_token"}, 400012},
			{"loginMode", []string{"x_loginMode", "steal"}, 400006},
			{"link without regToken", []string{"x_loginMode", "link"}, 400002},
			{"connect without a session", []string{"x_loginMode", "connect"}, 403012},
		} {
			t.Run(c.name, func(t *testing.T) {
				u := start(c.kv...).location(t)
				if got := u.Scheme + "://" + u.Host + u.Path; got != siteReturn {
					t.Fatalf("redirect to %s", u)
				}
				v, _ := url.ParseQuery(u.EscapedFragment())
				wantFragmentError(t, v, c.code, "s-1")
			})
		}
		t.Run("addConnection without a session", func(t *testing.T) {
			u := b.get(t, socialBase+"/socialize.addConnection?"+e.startQuery().Encode()).location(t)
			v, _ := url.ParseQuery(u.EscapedFragment())
			wantFragmentError(t, v, 403012, "s-1")
		})

		t.Run("canceled at the provider", func(t *testing.T) {
			auth := b.begin(t, "socialize.login", e.startQuery())
			cb := socialBase + rpc.SocialCallbackPath + "?" + url.Values{"state": {auth.Query().Get("state")}, "error": {"access_denied"}}.Encode()
			v := b.result(t, mustParse(t, cb), siteReturn)
			wantFragmentError(t, v, 200001, "s-1")
			if v.Get("provider") != upProvider {
				t.Errorf("provider %q", v.Get("provider"))
			}
		})

		t.Run("canceled at the provider, by form_post", func(t *testing.T) {
			r := b.get(t, socialBase+"/socialize.login?"+e.startQuery().Encode())
			auth := r.location(t)
			ck := r.header.Get("Set-Cookie")
			for _, want := range []string{"Path=" + rpc.SocialCallbackPath, "HttpOnly", "Secure", "SameSite=None"} {
				if !strings.Contains(ck, want) {
					t.Errorf("the binding cookie %q lacks %s", ck, want)
				}
			}
			u := b.post(t, socialBase+rpc.SocialCallbackPath, url.Values{"state": {auth.Query().Get("state")}, "error": {"access_denied"}}).location(t)
			v, _ := url.ParseQuery(u.EscapedFragment())
			wantFragmentError(t, v, 200001, "s-1")
		})

		t.Run("another browser, then a replay", func(t *testing.T) {
			cb := b.atProvider(t, b.begin(t, "socialize.login", e.startQuery()))
			// A browser that did not begin the flow (the code and state
			// sent to a victim) is refused, and the flow stays its
			// browser's.
			wantEnvelope(t, e.browser().get(t, cb.String()), 400006)
			saved := maps.Clone(b.jar)
			if v := b.result(t, cb, siteReturn); v.Get("status") != "ok" {
				t.Fatalf("the browser that began: %v", v)
			}
			b.jar = saved // the binding cookie back: the state is used
			wantEnvelope(t, b.get(t, cb.String()), 400006)
		})

		t.Run("the binding cookie of another flow", func(t *testing.T) {
			other := e.browser()
			cb := other.atProvider(t, other.begin(t, "socialize.login", e.startQuery()))
			b.begin(t, "socialize.login", e.startQuery())
			// b holds a cookie, of its own flow: not this one's.
			wantEnvelope(t, b.get(t, cb.String()), 400006)
		})

		t.Run("an unknown state", func(t *testing.T) {
			wantEnvelope(t, b.get(t, socialBase+rpc.SocialCallbackPath+"?state=nope&code=x"), 400006)
		})
	})
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// upstreamUser registers email at the upstream (its email unverified).
func (e *socialEnv) upstreamUser(t *testing.T, email string) {
	t.Helper()
	if _, err := e.Accounts.Register(context.Background(), e.up, account.RegisterInput{Email: email, Password: upPassword,
		Finalize: true, NoSession: true, Caller: account.Caller{Server: true}}); err != nil {
		t.Fatal(err)
	}
}

// siteUser registers email at the site and answers its session token.
func (e *socialEnv) siteUser(t *testing.T, email string) string {
	t.Helper()
	m := e.Call(t, "accounts.register", url.Values{"email": {email}, "password": {"Site-Pass-123"}, "finalizeRegistration": {"true"}})
	tok, _ := apitest.Object(t, m, "sessionInfo")["login_token"].(string)
	if m["errorCode"] != 0.0 || tok == "" {
		t.Fatalf("register %s: %s", email, apitest.Dump(m))
	}
	return tok
}

// TestSocialLoginTakeover: a provider's email that is the login ID of an
// account of the site never logs into it: 403043 with a regToken, and the
// identity joins the account only after the user proves to own it
// (accounts.login with loginMode=link, 200009, finalizeRegistration).
func TestSocialLoginTakeover(t *testing.T) {
	forEachSocialApp(t, func(t *testing.T, e *socialEnv) {
		const email = "victim@example.com"
		e.siteUser(t, email)
		e.upstreamUser(t, email)
		b := e.browser()
		v := b.result(t, b.atProviderAs(t, b.begin(t, "accounts.socialLogin", e.startQuery()), email), siteReturn)
		wantFragmentError(t, v, 403043, "s-1")
		regToken := v.Get("regToken")
		if regToken == "" || v.Get("provider") != upProvider {
			t.Fatalf("fragment %v: want a regToken and the provider", v)
		}
		m := e.Call(t, "accounts.getConflictingAccount", url.Values{"regToken": {regToken}})
		if c := apitest.Object(t, m, "conflictingAccount"); c["loginID"] != email {
			t.Errorf("getConflictingAccount: %s", apitest.Dump(m))
		}
		// A wrong password links nothing.
		m = e.Call(t, "accounts.login", url.Values{"loginID": {email}, "password": {"wrong-Pass-1"}, "loginMode": {"link"}, "regToken": {regToken}})
		if m["errorCode"] != 403042.0 {
			t.Errorf("link with a wrong password: %s", apitest.Dump(m))
		}
		m = e.Call(t, "accounts.login", url.Values{"loginID": {email}, "password": {"Site-Pass-123"}, "loginMode": {"link"}, "regToken": {regToken}})
		if m["errorCode"] != 200009.0 {
			t.Fatalf("link: %s", apitest.Dump(m))
		}
		m = e.Call(t, "accounts.finalizeRegistration", url.Values{"regToken": {m["regToken"].(string)}})
		if m["errorCode"] != 0.0 || apitest.Object(t, m, "profile")["email"] != email {
			t.Fatalf("finalize: %s", apitest.Dump(m))
		}
		uid := m["UID"]
		// Linked: the identity now logs that account in.
		b = e.browser()
		v = b.result(t, b.atProviderAs(t, b.begin(t, "accounts.socialLogin", e.startQuery()), email), siteReturn)
		if v.Get("status") != "ok" {
			t.Fatalf("after linking: %v", v)
		}
		m = e.Call(t, "accounts.getAccountInfo", url.Values{"login_token": {v.Get("access_token")}})
		if m["UID"] != uid {
			t.Errorf("after linking: UID %v, want %v", m["UID"], uid)
		}
	})
}

// TestSocialAddConnection: socialize.addConnection attaches the identity
// to the caller's account, whose login it then is; the same identity for
// another account is 409001.
func TestSocialAddConnection(t *testing.T) {
	forEachSocialApp(t, func(t *testing.T, e *socialEnv) {
		tok := e.siteUser(t, "conn@example.com")
		b := e.browser()
		v := b.result(t, b.atProvider(t, b.begin(t, "socialize.addConnection", e.startQuery("login_token", tok))), siteReturn)
		if v.Get("status") != "ok" || v.Get("access_token") != "" || v.Get("provider") != upProvider {
			t.Fatalf("addConnection: %v", v)
		}
		m := e.Call(t, "accounts.getAccountInfo", url.Values{"login_token": {tok}, "include": {"identities-active"}})
		uid := m["UID"]
		if ids, _ := m["identities"].([]any); len(ids) != 1 {
			t.Errorf("identities: %s", apitest.Dump(m))
		}
		b = e.browser()
		v = b.result(t, b.atProvider(t, b.begin(t, "socialize.login", e.startQuery())), siteReturn)
		if m := e.Call(t, "accounts.getAccountInfo", url.Values{"login_token": {v.Get("access_token")}}); m["UID"] != uid {
			t.Errorf("socialize.login after addConnection: %v, want UID %v", apitest.Dump(m), uid)
		}
		// The identity is conn's: another account cannot connect it.
		other := e.siteUser(t, "other@example.com")
		b = e.browser()
		v = b.result(t, b.atProvider(t, b.begin(t, "accounts.socialLogin", e.startQuery("x_loginMode", "connect", "login_token", other))), siteReturn)
		wantFragmentError(t, v, 409001, "s-1")
	})
}

// TestSocialAvailableProviders: the enabled providers, for anyone with the
// apiKey; nothing of their configuration.
func TestSocialAvailableProviders(t *testing.T) {
	forEachSocialApp(t, func(t *testing.T, e *socialEnv) {
		ctx := context.Background()
		if _, err := e.Social.SetProvider(ctx, e.Site.ID, social.Provider{Name: "github", ClientID: "gh", ClientSecret: "s", Enabled: false}); err != nil {
			t.Fatal(err)
		}
		m := e.Call(t, "socialize.getAvailableProviders", nil)
		ps, _ := m["providers"].([]any)
		if len(ps) != 1 || ps[0].(map[string]any)["name"] != upProvider || strings.Contains(apitest.Dump(m), "secret") {
			t.Errorf("getAvailableProviders: %s", apitest.Dump(m))
		}
		// The Web SDK's bundle names them too, for its buttons.
		r := e.Do(t, http.MethodGet, "/js/gigya.js?apikey="+e.Site.APIKey, nil, nil)
		if !strings.Contains(string(r.Body), `"socialProviders":["`+upProvider+`"]`) {
			t.Errorf("the bundle's prelude: %.300s", r.Body)
		}
	})
}
