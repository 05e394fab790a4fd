package rpc_test

import (
	"context"
	"testing"

	"github.com/custos-id/custos/internal/apitest"
)

// Identities are of a provider's issuer, not of its name alone (review
// H2): a provider name reconfigured to another issuer, or deleted and made
// again with another, does not log the new issuer's users into the
// accounts of the old issuer's users of the same subject. A deleted
// provider's identities stay, unusable, until a provider of the same
// issuer returns.
func TestSocialIdentityIssuer(t *testing.T) {
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		old, other := apitest.NewUpstream(t), apitest.NewUpstream(t)
		login := func(up *apitest.Upstream) map[string]any {
			t.Helper()
			return e.Call(t, "accounts.notifySocialLogin", apitest.Form("providerSessions",
				apitest.Session("acme", up.IDToken("1", nil))))
		}
		old.Configure(t, e, "acme")
		first := login(old)
		victim, _ := first["UID"].(string)
		if victim == "" || first["isNewUser"] != true {
			t.Fatalf("first login: %s", apitest.Dump(first))
		}
		if again := login(old); again["UID"] != victim || again["isNewUser"] != false {
			t.Fatalf("the same issuer's user again: %s", apitest.Dump(again))
		}

		// Another issuer under the same name: subject 1 there is someone else.
		other.Configure(t, e, "acme")
		if m := login(other); m["UID"] == victim {
			t.Fatalf("another issuer's subject 1 logged into the old issuer's account: %s", apitest.Dump(m))
		}

		// Deleted and made again with another issuer: the same.
		if err := e.App.Social.DeleteProvider(context.Background(), e.Site.ID, "acme"); err != nil {
			t.Fatal(err)
		}
		third := apitest.NewUpstream(t)
		third.Configure(t, e, "acme")
		if m := login(third); m["UID"] == victim {
			t.Fatalf("a re-made provider's subject 1 logged into the old account: %s", apitest.Dump(m))
		}

		// The old issuer back: its identity logs in again.
		old.Configure(t, e, "acme")
		if m := login(old); m["UID"] != victim {
			t.Fatalf("the old issuer back: %s", apitest.Dump(m))
		}
	}, apitest.WithSocialPrivate())
}

// An id_token is taken once (review M1): a replay is 400006, in both
// dialects.
func TestSocialIDTokenReplay(t *testing.T) {
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		up := apitest.NewUpstream(t)
		up.Configure(t, e, "acme")
		idt := up.IDToken("7", map[string]any{"email": "seven@example.com", "email_verified": true})
		first := e.Call(t, "accounts.notifySocialLogin", apitest.Form("providerSessions", apitest.Session("acme", idt)))
		if first["errorCode"] != float64(0) {
			t.Fatalf("first use: %s", apitest.Dump(first))
		}
		again := e.Call(t, "accounts.notifySocialLogin", apitest.Form("providerSessions", apitest.Session("acme", idt)))
		apitest.ExpectRPC(t, again, 400006, "Invalid parameter value: the acme token is not valid: the id_token was used already: get a new one from the provider")
	}, apitest.WithSocialPrivate())
}
