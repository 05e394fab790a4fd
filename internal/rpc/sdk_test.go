package rpc_test

// End-to-end tests of what Gigya's server SDKs call beside the account
// methods proper (gigya-api.md §2.5, §2.6, §8): the UIDSignature exchange of
// application keys, calls that name the site by oauth_token alone, the key
// set of every site, the custom login of notifyLogin and the socialize.*
// names. Requests are built as the SDKs build them (each test names the SDK
// source it follows) and sent over HTTP to the real router, on every engine.

import (
	"context"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/authn"
)

// clientLogin logs in as a client and returns the UID signature the answer
// carries: UID, UIDSignature and signatureTimestamp.
func clientLogin(t *testing.T, e *apitest.App, loginID, pw string) (uid, sig, ts string) {
	t.Helper()
	_, m := e.RPC(t, "accounts.login", apitest.Form("loginID", loginID, "password", pw), nil)
	apitest.ExpectRPC(t, m, 0, "")
	uid, _ = m["UID"].(string)
	sig, _ = m["UIDSignature"].(string)
	ts, _ = m["signatureTimestamp"].(string)
	if uid == "" || sig == "" || ts == "" {
		t.Fatalf("login answer without a UID signature: %s", apitest.Dump(m))
	}
	return uid, sig, ts
}

// accounts.exchangeUIDSignature (and its socialize.* name): a server holding
// only an application key trades the UIDSignature a client got (made with
// the site secret) for one made with the key's secret, within 180 seconds of
// its timestamp (the window of the SDKs' own check). The request shapes are
// the npm gigya SDK's (AccountsExchangeUIDSignatureParams: UID,
// UIDSignature, signatureTimestamp, userKey) and Gigya's documented one
// (userKey + secret of the key making the request).
func TestExchangeUIDSignature(t *testing.T) {
	apitest.ForEachClockEngine(t, func(t *testing.T, e *apitest.App, clock *apitest.Clock) {
		ctx := context.Background()
		register(t, e, "ex@example.com", "pass-word-1")
		uid, sig, ts := clientLogin(t, e, "ex@example.com", "pass-word-1")
		key, err := e.App.Sites.CreateKey(ctx, e.Site.ID, "exchange", nil, "")
		if err != nil {
			t.Fatal(err)
		}
		scoped, err := e.App.Sites.CreateKey(ctx, e.Site.ID, "reader", []string{"accounts.getAccountInfo"}, "")
		if err != nil {
			t.Fatal(err)
		}
		exchange := func(kv ...string) url.Values {
			f := apitest.Form("UID", uid, "UIDSignature", sig, "signatureTimestamp", ts)
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i+1] == omit {
					f.Del(kv[i])
					continue
				}
				f.Set(kv[i], kv[i+1])
			}
			return f
		}
		withKey := func(kv ...string) url.Values {
			return exchange(append([]string{"userKey", key.UserKey, "secret", key.SecretBase64()}, kv...)...)
		}
		// resigned asserts a new signature of the key's secret, of now.
		resigned := func(t *testing.T, _ apitest.Response, m map[string]any) {
			t.Helper()
			newTS := strconv.FormatInt(clock.Now().Unix(), 10)
			if m["UID"] != uid || m["signatureTimestamp"] != newTS || m["UIDSignature"] != authn.UIDSignature(key.Secret, newTS, uid) {
				t.Errorf("exchanged: %s, want the key's signature at %s", apitest.Dump(m), newTS)
			}
			if m["UIDSignature"] == authn.UIDSignature(e.Site.Secret, newTS, uid) {
				t.Error("the new signature is the site's")
			}
		}
		const method = "/accounts.exchangeUIDSignature"
		run(t, e, []apitest.Scenario{
			{Name: "userKey and its secret", Path: method, Form: withKey(), After: resigned},
			{Name: "socialize.exchangeUIDSignature", Path: "/socialize.exchangeUIDSignature", Form: withKey(), After: resigned},
			{Name: "signed with the key (SDK shape)", Path: method, Form: signed(key.Secret, "POST", gigyaURL("accounts.exchangeUIDSignature"),
				sdkForm(e.Site.APIKey, clock.Now(), "userKey", key.UserKey, "UID", uid, "UIDSignature", sig, "signatureTimestamp", ts)), After: resigned},
			{Name: "the site secret: no key to sign with", Path: method, Form: exchange("secret", e.Site.SecretBase64()), Code: 400002,
				Details: "Missing required parameter: userKey (the new UIDSignature is made with the calling application key's secret)"},
			{Name: "a client call", Path: method, Form: exchange(), Code: 403007, Details: serverOnly("accounts.exchangeUIDSignature")},
			{Name: "a key without the method in its scopes", Path: method,
				Form: exchange("userKey", scoped.UserKey, "secret", scoped.SecretBase64()), Code: 403007, Details: outOfScope("accounts.exchangeUIDSignature")},
			{Name: "a wrong key secret", Path: method, Form: withKey("secret", e.Site.SecretBase64()), Code: 403010, Details: wrongSecret},
			{Name: "no UID", Path: method, Form: withKey("UID", omit), Code: 400002, Details: missing("UID")},
			{Name: "no UIDSignature", Path: method, Form: withKey("UIDSignature", ""), Code: 400002, Details: missing("UIDSignature")},
			{Name: "no signatureTimestamp", Path: method, Form: withKey("signatureTimestamp", omit), Code: 400002, Details: missing("signatureTimestamp")},
			{Name: "a timestamp that is no time", Path: method, Form: withKey("signatureTimestamp", "today"), Code: 400006,
				Details: "Invalid parameter value: signatureTimestamp: want Unix seconds"},
			{Name: "another UID", Path: method, Form: withKey("UID", annUID), Code: 403003, Details: badUIDSig},
			{Name: "another timestamp", Path: method, Form: withKey("signatureTimestamp", strconv.FormatInt(clock.Now().Unix()-1, 10)),
				Code: 403003, Details: badUIDSig},
			{Name: "a signature of the key, not the site", Path: method, Form: withKey("UIDSignature", authn.UIDSignature(key.Secret, ts, uid)),
				Code: 403003, Details: badUIDSig},
			{Name: "180 seconds later", Before: func(*testing.T, *apitest.App) { clock.Advance(180 * time.Second) },
				Path: method, Form: withKey(), After: resigned},
			{Name: "181 seconds later", Before: func(*testing.T, *apitest.App) { clock.Advance(time.Second) },
				Path: method, Form: withKey(), Code: 403002, Details: uidSigExpired(clock.Now().Add(181 * time.Second))},
		})
	})
}

const badUIDSig = "Invalid request signature: UIDSignature is not the site's signature of UID and signatureTimestamp"

func uidSigExpired(at time.Time) string {
	return "Request has expired: signatureTimestamp is more than 180 seconds from the server time (Unix " +
		strconv.FormatInt(at.Unix(), 10) + "); a UIDSignature is exchanged right after the login that issued it"
}
