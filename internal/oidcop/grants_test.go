package oidcop_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/oauth"
)

// tokens runs the code flow for a new account and exchanges the code: the
// client's form for a refresh, and the access token.
func (e *env) tokens(t *testing.T, c oauth.NewClient, email string) (uid, session string, refresh url.Values, access string) {
	t.Helper()
	uid, session = e.login(t, email)
	code, verifier := e.codeFlow(t, c.ClientID, session, nil)
	tok, err := e.config(c).Exchange(e.ctx(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	refresh = url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken},
		"client_id": {c.ClientID}, "client_secret": {c.Secret}}
	return uid, session, refresh, tok.AccessToken
}

// wantNoGrant asserts that a refresh token and an access token are dead:
// invalid_grant at the token endpoint, invalid_token at userinfo,
// inactive at introspection.
func (e *env) wantNoGrant(t *testing.T, c oauth.NewClient, refresh url.Values, access string) {
	t.Helper()
	wantJSONError(t, e.op(t, http.MethodPost, "token", refresh, nil), http.StatusBadRequest, "invalid_grant", errcode.InvalidGrant)
	wantJSONError(t, e.op(t, http.MethodGet, "userinfo", nil, http.Header{"Authorization": {"Bearer " + access}}),
		http.StatusUnauthorized, "invalid_token", errcode.InvalidToken)
	r := e.op(t, http.MethodPost, "introspect", url.Values{"token": {access}}, basicAuth(c))
	if m := r.json(t); r.status != http.StatusOK || m["active"] != false {
		t.Errorf("introspect: HTTP %d %s, want inactive", r.status, r.body)
	}
}

// TestAccountEventsEndGrants: a password change, a logout of every
// session and a deactivation (through the RPC dialect) end what the
// account granted relying parties.
func TestAccountEventsEndGrants(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		c := e.newClient(t, false, nil)
		for i, ev := range []struct {
			name string
			form func(uid string) url.Values
			call string
		}{
			{"password change", func(uid string) url.Values {
				return e.Secret("UID", uid, "password", "Secret-Pass-123", "newPassword", "Other-Pass-456")
			}, "accounts.setAccountInfo"},
			{"logout of every session", func(uid string) url.Values { return e.Secret("UID", uid) }, "accounts.logout"},
			{"deactivation", func(uid string) url.Values { return e.Secret("UID", uid, "isActive", "false") }, "accounts.setAccountInfo"},
		} {
			t.Run(ev.name, func(t *testing.T) {
				uid, _, refresh, access := e.tokens(t, c, "ev"+itoa(i)+"@example.com")
				if m := e.Call(t, ev.call, ev.form(uid)); m["errorCode"] != 0.0 {
					t.Fatalf("%s: %s", ev.call, apitest.Dump(m))
				}
				e.wantNoGrant(t, c, refresh, access)
			})
		}
	})
}

// deactivate disables an account in the store alone, as if its tokens
// had escaped the revocation of the deactivation: the provider itself
// must refuse them.
func (e *env) deactivate(t *testing.T, uid string) {
	t.Helper()
	ctx := context.Background()
	a, err := e.Accounts.ByUID(ctx, e.Site.ID, uid)
	if err != nil {
		t.Fatal(err)
	}
	prev := a.UpdatedAt
	a.Active, a.UpdatedAt = false, prev.Add(time.Millisecond)
	if err := e.DB.UpdateAccount(ctx, &a, prev); err != nil {
		t.Fatal(err)
	}
}

// TestDisabledAccount: the provider checks that the account may still
// hold tokens (account.MayHoldTokens) at refresh, userinfo,
// introspection and continue; continue answers the client access_denied
// (login_required for prompt=none).
func TestDisabledAccount(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		c := e.newClient(t, false, nil)
		uid, session, refresh, access := e.tokens(t, c, "off@example.com")
		q := url.Values{"client_id": {c.ClientID}, "redirect_uri": {"https://rp.example/cb"}, "response_type": {"code"},
			"scope": {"openid"}, "state": {"st-off"}, "code_challenge": {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())},
			"code_challenge_method": {"S256"}}
		id := e.authorize(t, q)
		q.Set("prompt", "none")
		silent := e.authorize(t, q)
		code, verifier := e.codeFlow(t, c.ClientID, session, nil)
		e.deactivate(t, uid)
		e.wantNoGrant(t, c, refresh, access)
		// A code issued before the deactivation buys nothing.
		wantJSONError(t, e.op(t, http.MethodPost, "token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"code_verifier": {verifier}, "redirect_uri": {"https://rp.example/cb"}, "client_id": {c.ClientID},
			"client_secret": {c.Secret}}, nil), http.StatusBadRequest, "invalid_grant", errcode.InvalidGrant)

		r := e.op(t, http.MethodGet, "authorize/continue", url.Values{"context": {id}, "login_token": {session}}, nil)
		wantRedirectError(t, r, "https://rp.example/cb", "access_denied", "st-off")
		if r.location(t).Query().Has("code") {
			t.Errorf("a code for a disabled account: %s", r.header.Get("Location"))
		}
		r = e.op(t, http.MethodGet, "authorize/continue", url.Values{"context": {silent}, "login_token": {session}}, nil)
		wantRedirectError(t, r, "https://rp.example/cb", "login_required", "st-off")
	})
}

// TestRefreshFamilyEnds: rotation does not slide a family's end: it ends
// RefreshTokenLifetime after the login it stands for.
func TestRefreshFamilyEnds(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		c := e.newClient(t, false, nil)
		_, _, refresh, _ := e.tokens(t, c, "family@example.com")
		step := oauth.DefaultRefreshTokenLifetime / 3
		for range 2 {
			e.clock.advance(step)
			r := e.op(t, http.MethodPost, "token", refresh, nil)
			m := r.json(t)
			if r.status != http.StatusOK {
				t.Fatalf("refresh: HTTP %d %s", r.status, r.body)
			}
			refresh.Set("refresh_token", m["refresh_token"].(string))
		}
		e.clock.advance(step)
		wantJSONError(t, e.op(t, http.MethodPost, "token", refresh, nil), http.StatusBadRequest, "invalid_grant", errcode.InvalidGrant)
	})
}

// barrier lets n calls through together: each waits for the others.
func barrier(n int) func() {
	var mu sync.Mutex
	arrived := 0
	all := make(chan struct{})
	return func() {
		mu.Lock()
		arrived++
		if arrived == n {
			close(all)
		}
		mu.Unlock()
		<-all
	}
}

// TestConcurrentGrants: two exchanges of one code, and two refreshes of
// one refresh token, both validated before either stores its tokens:
// exactly one gets 200, the other 400 invalid_grant 400014, not a server
// error (M4); the loser's reuse revokes the winner's tokens (L1).
func TestConcurrentGrants(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		c := e.newClient(t, false, nil)
		_, session := e.login(t, "race@example.com")
		code, verifier := e.codeFlow(t, c.ClientID, session, nil)
		exchange := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
			"redirect_uri": {"https://rp.example/cb"}, "client_id": {c.ClientID}, "client_secret": {c.Secret}}
		race := func(form url.Values) (won response) {
			t.Helper()
			e.OIDC.SetBeforeIssue(barrier(2))
			defer e.OIDC.SetBeforeIssue(nil)
			var rs [2]response
			var wg sync.WaitGroup
			for i := range rs {
				wg.Go(func() { rs[i] = e.op(t, http.MethodPost, "token", form, nil) })
			}
			wg.Wait()
			if rs[1].status == http.StatusOK {
				rs[0], rs[1] = rs[1], rs[0]
			}
			if rs[0].status != http.StatusOK {
				t.Fatalf("no request won: HTTP %d %s", rs[0].status, rs[0].body)
			}
			wantJSONError(t, rs[1], http.StatusBadRequest, "invalid_grant", errcode.InvalidGrant)
			if strings.Contains(string(rs[1].body), "oauth:") {
				t.Errorf("internal text in the error: %s", rs[1].body)
			}
			return rs[0]
		}
		m := race(exchange).json(t)
		wantJSONError(t, e.op(t, http.MethodGet, "userinfo", nil, http.Header{"Authorization": {"Bearer " + m["access_token"].(string)}}),
			http.StatusUnauthorized, "invalid_token", errcode.InvalidToken)

		_, _, refresh, _ := e.tokens(t, c, "race2@example.com")
		m = race(refresh).json(t)
		refresh.Set("refresh_token", m["refresh_token"].(string))
		wantJSONError(t, e.op(t, http.MethodPost, "token", refresh, nil), http.StatusBadRequest, "invalid_grant", errcode.InvalidGrant)
	})
}

// TestUsedCodeRevokesAfterAuthentication: a used code presented by a
// client that does not authenticate revokes nothing (L2); presented again
// by its client, it is refused and what it issued is revoked.
func TestUsedCodeRevokesAfterAuthentication(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		c := e.newClient(t, false, nil)
		_, session := e.login(t, "l2@example.com")
		code, verifier := e.codeFlow(t, c.ClientID, session, nil)
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
			"redirect_uri": {"https://rp.example/cb"}, "client_id": {c.ClientID}, "client_secret": {c.Secret}}
		r := e.op(t, http.MethodPost, "token", form, nil)
		if r.status != http.StatusOK {
			t.Fatalf("exchange: HTTP %d %s", r.status, r.body)
		}
		bearer := http.Header{"Authorization": {"Bearer " + r.json(t)["access_token"].(string)}}
		for _, who := range []url.Values{
			{"client_id": {c.ClientID}, "client_secret": {"wrong"}},
			{"client_id": {"unknown"}, "client_secret": {"wrong"}},
		} {
			bad := url.Values{}
			for k, v := range form {
				bad[k] = v
			}
			for k, v := range who {
				bad[k] = v
			}
			wantJSONError(t, e.op(t, http.MethodPost, "token", bad, nil), http.StatusUnauthorized, "invalid_client", errcode.InvalidSecret)
			if r := e.op(t, http.MethodGet, "userinfo", nil, bearer); r.status != http.StatusOK {
				t.Fatalf("userinfo after a used code from %s: HTTP %d %s", who.Get("client_id"), r.status, r.body)
			}
		}
		wantJSONError(t, e.op(t, http.MethodPost, "token", form, nil), http.StatusBadRequest, "invalid_grant", errcode.InvalidGrant)
		wantJSONError(t, e.op(t, http.MethodGet, "userinfo", nil, bearer), http.StatusUnauthorized, "invalid_token", errcode.InvalidToken)
	})
}

// TestImplicitRefusals: response_mode=query for a response type that
// returns tokens (M1) and an implicit request without a nonce (M2) go back
// to the client as invalid_request, in the fragment, never in the query.
func TestImplicitRefusals(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		c := e.newClient(t, true, func(c *oauth.Client) {
			c.ResponseTypes = []string{"id_token", "id_token token", "code"}
			c.GrantTypes = []string{"implicit", "authorization_code"}
		})
		for _, tc := range []struct{ name, rt, mode, nonce string }{
			{"id_token in the query", "id_token", "query", "n"},
			{"id_token token in the query", "id_token token", "query", "n"},
			{"id_token without nonce", "id_token", "", ""},
			{"id_token token without nonce", "id_token token", "fragment", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				q := url.Values{"client_id": {c.ClientID}, "redirect_uri": {"https://rp.example/cb"}, "response_type": {tc.rt},
					"scope": {"openid"}, "state": {"st-m"}}
				if tc.mode != "" {
					q.Set("response_mode", tc.mode)
				}
				if tc.nonce != "" {
					q.Set("nonce", tc.nonce)
				}
				r := e.op(t, http.MethodGet, "authorize", q, nil)
				u := r.location(t)
				if u.RawQuery != "" || u.Fragment == "" {
					t.Fatalf("redirect %s: want the error in the fragment alone", u)
				}
				wantRedirectError(t, r, "https://rp.example/cb", "invalid_request", "st-m")
			})
		}
		// The code flow may still answer in the query.
		q := url.Values{"client_id": {c.ClientID}, "redirect_uri": {"https://rp.example/cb"}, "response_type": {"code"},
			"scope": {"openid"}, "response_mode": {"query"}, "code_challenge": {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())},
			"code_challenge_method": {"S256"}}
		e.authorize(t, q)
	})
}

// TestLoopbackClient: a public client whose redirect URI is a loopback
// http one is a native app (RFC 8252): it logs in, on any port of the
// loopback address (7.3), and exchanges its code with PKCE.
func TestLoopbackClient(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		c := e.newClient(t, true, func(c *oauth.Client) { c.RedirectURIs = []string{"http://127.0.0.1:8765/cb"} })
		_, session := e.login(t, "cli@example.com")
		verifier := oauth2.GenerateVerifier()
		redirect := "http://127.0.0.1:51234/cb"
		id := e.authorize(t, url.Values{"client_id": {c.ClientID}, "redirect_uri": {redirect}, "response_type": {"code"},
			"scope": {"openid"}, "state": {"st-cli"}, "code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)},
			"code_challenge_method": {"S256"}})
		u := e.op(t, http.MethodGet, "authorize/continue", url.Values{"context": {id}, "login_token": {session}}, nil).location(t)
		if got := u.Scheme + "://" + u.Host + u.Path; got != redirect || u.Query().Get("code") == "" || u.Query().Get("state") != "st-cli" {
			t.Fatalf("continue: redirect %s", u)
		}
		r := e.op(t, http.MethodPost, "token", url.Values{"grant_type": {"authorization_code"}, "code": {u.Query().Get("code")},
			"code_verifier": {verifier}, "redirect_uri": {redirect}, "client_id": {c.ClientID}}, nil)
		if m := r.json(t); r.status != http.StatusOK || m["id_token"] == nil {
			t.Fatalf("exchange: HTTP %d %s", r.status, r.body)
		}
		// Another host over http is still refused, with the error page.
		wantErrorPage(t, e.op(t, http.MethodGet, "authorize", url.Values{"client_id": {c.ClientID},
			"redirect_uri": {"http://rp.example:8765/cb"}, "response_type": {"code"}, "scope": {"openid"},
			"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}, nil), errcode.InvalidRedirectURI)
	})
}

// TestFormPostErrors: an error continue answers to a form_post request
// goes back by POST too (L10): a page whose form posts error, its
// description and state to the redirect URI, under a CSP that lets only
// its own script run.
func TestFormPostErrors(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		c := e.newClient(t, true, nil)
		id := e.authorize(t, url.Values{"client_id": {c.ClientID}, "redirect_uri": {"https://rp.example/cb"}, "response_type": {"code"},
			"scope": {"openid"}, "state": {"st-fp"}, "prompt": {"none"}, "response_mode": {"form_post"},
			"code_challenge": {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())}, "code_challenge_method": {"S256"}})
		r := e.op(t, http.MethodGet, "authorize/continue", url.Values{"context": {id}}, nil)
		body := string(r.body)
		if r.status != http.StatusOK || r.header.Get("Location") != "" || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
			t.Fatalf("HTTP %d %v %s, want the form_post page", r.status, r.header, body)
		}
		for _, want := range []string{`<form method="post" action="https://rp.example/cb">`,
			`name="error" value="login_required"`, `name="state" value="st-fp"`, `name="error_description" value="`} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %s: %s", want, body)
			}
		}
		if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'sha256-") ||
			!strings.Contains(csp, "form-action https://rp.example") || !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("CSP %q", csp)
		}

		// An error authorize itself answers (no nonce for id_token) goes
		// by POST as well.
		ic := e.newClient(t, true, func(c *oauth.Client) {
			c.ResponseTypes = []string{"id_token"}
			c.GrantTypes = []string{"implicit"}
		})
		r = e.op(t, http.MethodGet, "authorize", url.Values{"client_id": {ic.ClientID}, "redirect_uri": {"https://rp.example/cb"},
			"response_type": {"id_token"}, "scope": {"openid"}, "state": {"st-fp2"}, "response_mode": {"form_post"}}, nil)
		body = string(r.body)
		if r.status != http.StatusOK || r.header.Get("Location") != "" || !strings.Contains(body, `name="error" value="invalid_request"`) ||
			!strings.Contains(body, `name="state" value="st-fp2"`) || !strings.Contains(body, `action="https://rp.example/cb"`) {
			t.Errorf("authorize: HTTP %d %v %s, want the form_post page of invalid_request", r.status, r.header, body)
		}
	})
}

// TestNarrowingRefresh: a refresh that asks for fewer scopes gets an
// access token for those, and the grant stays whole (RFC 6749 6): the
// next refresh without scope gets every scope again (L11).
func TestNarrowingRefresh(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		c := e.newClient(t, false, nil)
		_, _, refresh, _ := e.tokens(t, c, "narrow@example.com")
		refresh.Set("scope", "openid offline_access")
		r := e.op(t, http.MethodPost, "token", refresh, nil)
		m := r.json(t)
		if r.status != http.StatusOK || m["scope"] != "openid offline_access" {
			t.Fatalf("narrowing refresh: HTTP %d %s", r.status, r.body)
		}
		info := e.op(t, http.MethodGet, "userinfo", nil, http.Header{"Authorization": {"Bearer " + m["access_token"].(string)}}).json(t)
		if _, ok := info["email"]; ok || info["sub"] == nil {
			t.Errorf("userinfo of the narrowed token: %v", info)
		}
		refresh.Del("scope")
		refresh.Set("refresh_token", m["refresh_token"].(string))
		r = e.op(t, http.MethodPost, "token", refresh, nil)
		m = r.json(t)
		if r.status != http.StatusOK || m["scope"] != "openid email profile offline_access" {
			t.Fatalf("the next refresh: HTTP %d %s, want the whole grant", r.status, r.body)
		}
		info = e.op(t, http.MethodGet, "userinfo", nil, http.Header{"Authorization": {"Bearer " + m["access_token"].(string)}}).json(t)
		if info["email"] != "narrow@example.com" {
			t.Errorf("userinfo after the grant came back: %v", info)
		}
	})
}
