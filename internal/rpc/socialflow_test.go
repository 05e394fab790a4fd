package rpc_test

// The redirect flows of social login end to end, with custos's own OpenID
// Provider as the upstream: a second site of the same custos, with a
// relying party whose redirect URI is the callback. The browser is a test
// client that follows no redirect and keeps cookies.

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
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
	upProvider = "custos-up"
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
				Objects: account.Objects{Profile: map[string]any{"firstName": "Ada", "lastName": "Upstream"}},
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
	v, err := url.ParseQuery(u.Fragment)
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
