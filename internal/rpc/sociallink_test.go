package rpc_test

import (
	"context"
	"crypto/sha256"
	"net/url"
	"strings"
	"testing"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/oidcop"
	"github.com/custos-id/custos/internal/rpc"
	"github.com/custos-id/custos/internal/social"
)

// twoProvider is a second provider of the site, at the same upstream with
// a client of its own.
const twoProvider = "custos-two"

func (e *socialEnv) secondProvider(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	rp, err := e.OAuth.CreateClient(ctx, e.up.ID, oauth.Client{Name: "custos downstream two",
		RedirectURIs: []string{socialBase + rpc.SocialCallbackPath}, ResponseTypes: []string{"code"},
		GrantTypes: []string{"authorization_code"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Social.SetProvider(ctx, e.Site.ID, social.Provider{Name: twoProvider, Kind: social.OIDC,
		Issuer: socialBase + oidcop.Prefix + e.up.APIKey, ClientID: rp.ClientID, ClientSecret: rp.Secret,
		Scopes: []string{"openid", "email", "profile"}, Enabled: true}); err != nil {
		t.Fatal(err)
	}
}

// TestSocialLinkCSRF: the attack of review14 C1. An attacker whose
// provider account carries the victim's email gets 403043 and regToken R,
// and sends the victim a link flow with R: the victim's browser, which
// did not meet that conflict, links nothing, and R never becomes a
// session. The browser that met the conflict links it by the victim's
// linked provider, and gets a new regToken: the old one is spent.
func TestSocialLinkCSRF(t *testing.T) {
	forEachSocialApp(t, func(t *testing.T, e *socialEnv) {
		const victim, victimUp = "victim@example.com", "victim-up@example.org"
		e.secondProvider(t)
		vt := e.siteUser(t, victim)
		e.upstreamUser(t, victim)   // the attacker's upstream account, with the victim's email
		e.upstreamUser(t, victimUp) // the victim's own, linked to the victim's account
		vb := e.browser()
		v := vb.result(t, vb.atProviderAs(t, vb.begin(t, "socialize.addConnection",
			e.startQuery("x_provider", twoProvider, "login_token", vt)), victimUp), siteReturn)
		if v.Get("status") != "ok" {
			t.Fatalf("the victim connects %s: %v", twoProvider, v)
		}
		victimUID := e.Call(t, "accounts.getAccountInfo", url.Values{"login_token": {vt}})["UID"]

		conflict := func(b *browser) string {
			t.Helper()
			v := b.result(t, b.atProviderAs(t, b.begin(t, "accounts.socialLogin", e.startQuery()), victim), siteReturn)
			wantFragmentError(t, v, 403043, "s-1")
			if v.Get("regToken") == "" {
				t.Fatalf("conflict: %v", v)
			}
			return v.Get("regToken")
		}
		ab := e.browser()
		r := conflict(ab)

		// The victim clicks the attacker's link flow, in the victim's browser.
		v = vb.result(t, vb.atProviderAs(t, vb.begin(t, "socialize.login",
			e.startQuery("x_provider", twoProvider, "x_loginMode", "link", "x_regToken", r)), victimUp), siteReturn)
		wantFragmentError(t, v, 400006, "s-1")
		if v.Get("regToken") != "" {
			t.Errorf("the victim's browser got a regToken: %v", v)
		}
		if m := e.Call(t, "accounts.finalizeRegistration", url.Values{"regToken": {r}}); m["errorCode"] == 0.0 || m["sessionInfo"] != nil {
			t.Fatalf("the attacker finalizes with R: %s", apitest.Dump(m))
		}
		// Not linked: the attacker's identity meets the conflict again,
		// under a new regToken that replaces R.
		r2 := conflict(ab)
		if m := e.Call(t, "accounts.getConflictingAccount", url.Values{"regToken": {r}}); m["errorCode"] == 0.0 {
			t.Errorf("R after a newer conflict of the same identity: %s", apitest.Dump(m))
		}

		// The browser that met the conflict proves the account by its linked provider.
		v = ab.result(t, ab.atProviderAs(t, ab.begin(t, "socialize.login",
			e.startQuery("x_provider", twoProvider, "x_loginMode", "link", "x_regToken", r2)), victimUp), siteReturn)
		wantFragmentError(t, v, 200009, "s-1")
		r3 := v.Get("regToken")
		if r3 == "" || r3 == r2 {
			t.Fatalf("linked: regToken %q, want a new one (old %q)", r3, r2)
		}
		if m := e.Call(t, "accounts.finalizeRegistration", url.Values{"regToken": {r2}}); m["errorCode"] == 0.0 || m["sessionInfo"] != nil {
			t.Fatalf("finalize with the conflict's regToken after the link: %s", apitest.Dump(m))
		}
		if m := e.Call(t, "accounts.finalizeRegistration", url.Values{"regToken": {r3}}); m["errorCode"] != 0.0 || m["UID"] != victimUID {
			t.Fatalf("finalize with the prover's regToken: %s", apitest.Dump(m))
		}
	})
}

// TestSocialLinkByPasswordNewToken: a link by password answers a new
// regToken; the conflict's is spent.
func TestSocialLinkByPasswordNewToken(t *testing.T) {
	forEachSocialApp(t, func(t *testing.T, e *socialEnv) {
		const email = "pw@example.com"
		e.siteUser(t, email)
		e.upstreamUser(t, email)
		b := e.browser()
		v := b.result(t, b.atProviderAs(t, b.begin(t, "accounts.socialLogin", e.startQuery()), email), siteReturn)
		wantFragmentError(t, v, 403043, "s-1")
		r := v.Get("regToken")
		m := e.Call(t, "accounts.login", url.Values{"loginID": {email}, "password": {"Site-Pass-123"}, "loginMode": {"link"}, "regToken": {r}})
		r2, _ := m["regToken"].(string)
		if m["errorCode"] != 200009.0 || r2 == "" || r2 == r {
			t.Fatalf("link: %s", apitest.Dump(m))
		}
		if m := e.Call(t, "accounts.finalizeRegistration", url.Values{"regToken": {r}}); m["errorCode"] == 0.0 {
			t.Fatalf("finalize with the conflict's regToken: %s", apitest.Dump(m))
		}
		if m := e.Call(t, "accounts.finalizeRegistration", url.Values{"regToken": {r2}}); m["errorCode"] != 0.0 {
			t.Fatalf("finalize with the new regToken: %s", apitest.Dump(m))
		}
	})
}

// TestSocialConnectAfterLogout: a connect flow whose session ended before
// the provider answered attaches nothing (review14 M6).
func TestSocialConnectAfterLogout(t *testing.T) {
	forEachSocialApp(t, func(t *testing.T, e *socialEnv) {
		tok := e.siteUser(t, "gone@example.com")
		b := e.browser()
		cb := b.atProvider(t, b.begin(t, "socialize.addConnection", e.startQuery("login_token", tok)))
		if m := e.Call(t, "accounts.logout", url.Values{"login_token": {tok}}); m["errorCode"] != 0.0 {
			t.Fatalf("logout: %s", apitest.Dump(m))
		}
		wantFragmentError(t, b.result(t, cb, siteReturn), 403012, "s-1")
		// Not connected: the identity registers an account of its own.
		b = e.browser()
		v := b.result(t, b.atProvider(t, b.begin(t, "socialize.login", e.startQuery())), siteReturn)
		if v.Get("status") != "ok" {
			t.Fatalf("login: %v", v)
		}
		if m := e.Call(t, "accounts.getAccountInfo", url.Values{"login_token": {v.Get("access_token")}}); m["profile"].(map[string]any)["email"] != upEmail {
			t.Errorf("the identity logs into %s", apitest.Dump(m))
		}
	})
}

// TestSocialLinkAttemptKeepsNoRegToken: a link flow's attempt keeps the
// regToken's hash, not the token (review14 M4a).
func TestSocialLinkAttemptKeepsNoRegToken(t *testing.T) {
	forEachSocialApp(t, func(t *testing.T, e *socialEnv) {
		const rt = "rt1_a-regToken-that-must-not-be-stored-in-clear"
		auth := e.browser().begin(t, "socialize.login", e.startQuery("x_loginMode", "link", "x_regToken", rt))
		h := sha256.Sum256([]byte(auth.Query().Get("state")))
		a, err := e.DB.TakeSocialAttempt(context.Background(), h[:])
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(a.Return, rt) || strings.Contains(a.Return, "must-not-be-stored") {
			t.Errorf("the attempt keeps the regToken: %s", a.Return)
		}
	})
}
