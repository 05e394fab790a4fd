package rpc_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/app"
	"github.com/custos-id/custos/internal/server"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/token"
)

// publishedKeys is the key set accounts.getJWTPublicKey publishes with V2.
func publishedKeys(t *testing.T, e *apitest.App) jose.JSONWebKeySet {
	t.Helper()
	_, m := e.RPC(t, "accounts.getJWTPublicKey", apitest.Form("V2", "true"), nil)
	apitest.ExpectRPC(t, m, 0, "")
	var set jose.JSONWebKeySet
	if err := json.Unmarshal([]byte(apitest.Dump(map[string]any{"keys": m["keys"]})), &set); err != nil {
		t.Fatal(err)
	}
	return set
}

// verifyWith verifies an id_token as a relying party does: with the key of
// set whose kid the token names. It returns the kid and the claims.
func verifyWith(t *testing.T, set jose.JSONWebKeySet, tok any) (string, map[string]any) {
	t.Helper()
	s, _ := tok.(string)
	jws, err := jose.ParseSignedCompact(s, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatalf("id_token %q: %v", s, err)
	}
	kid := jws.Signatures[0].Header.KeyID
	keys := set.Key(kid)
	if len(keys) != 1 {
		t.Fatalf("kid %q: %d keys published", kid, len(keys))
	}
	payload, err := jws.Verify(keys[0])
	if err != nil {
		t.Fatalf("verify with kid %q: %v", kid, err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return kid, claims
}

func kidsOf(set jose.JSONWebKeySet) []string {
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.KeyID)
	}
	return kids
}

// Key rotation through HTTP: the new key is published at once, but tokens
// carry the old kid until CacheTTL has passed (so that every process
// publishes the new key before any signs with it), then the new kid; a token
// signed before the rotation verifies with the published key set until the
// old key leaves it, Retention after its retirement.
func TestJWTKeyRotation(t *testing.T) {
	apitest.ForEachClockEngine(t, func(t *testing.T, e *apitest.App, clock *apitest.Clock) {
		uid, _ := register(t, e, "rot@example.com", "pass-word-1")
		getJWT := func() any {
			_, m := e.RPC(t, "accounts.getJWT", e.Secret("targetUID", uid, "expiration", "86400"), nil)
			apitest.ExpectRPC(t, m, 0, "")
			return m["id_token"]
		}
		signingKid := func() any {
			_, m := e.RPC(t, "accounts.getJWTPublicKey", apitest.Form(), nil)
			return m["kid"]
		}
		before := getJWT()
		oldKid, _ := verifyWith(t, publishedKeys(t, e), before)

		clock.Advance(time.Minute)
		rot, err := e.App.Keys.Rotate(context.Background(), e.Site.ID)
		if err != nil {
			t.Fatal(err)
		}
		newKid := rot.Key.KeyID
		if !rot.ActivateAt.Equal(clock.Now().Add(token.CacheTTL)) {
			t.Fatalf("new key activates at %v, rotated at %v", rot.ActivateAt, clock.Now())
		}
		// Until the new key activates it is published after the signing
		// key, and unused.
		for _, at := range []time.Time{clock.Now(), rot.ActivateAt.Add(-time.Millisecond)} {
			clock.Advance(at.Sub(clock.Now()))
			set := publishedKeys(t, e)
			if kids := kidsOf(set); len(kids) != 2 || kids[0] != oldKid || kids[1] != newKid {
				t.Fatalf("%v: published kids %v, want [%s %s]", at, kids, oldKid, newKid)
			}
			if kid, c := verifyWith(t, set, before); kid != oldKid || c["sub"] != uid {
				t.Fatalf("old token: kid %s, claims %v", kid, c)
			}
			if kid, _ := verifyWith(t, set, getJWT()); kid != oldKid {
				t.Fatalf("%v: token signed with %s before the new key activates, want %s", at, kid, oldKid)
			}
			if kid := signingKid(); kid != oldKid {
				t.Fatalf("%v: getJWTPublicKey kid %v, want %s", at, kid, oldKid)
			}
		}

		// From CacheTTL after the rotation, tokens carry the new kid.
		clock.Advance(time.Millisecond)
		set := publishedKeys(t, e)
		if kids := kidsOf(set); len(kids) != 2 || kids[0] != newKid || kids[1] != oldKid {
			t.Fatalf("published kids %v, want [%s %s]", kids, newKid, oldKid)
		}
		if kid, c := verifyWith(t, set, getJWT()); kid != newKid || c["sub"] != uid {
			t.Fatalf("new token: kid %s, want %s; claims %v", kid, newKid, c)
		}
		if kid := signingKid(); kid != newKid {
			t.Fatalf("getJWTPublicKey kid %v, want %s", kid, newKid)
		}

		// The old key's last token expires a day after its retirement;
		// the key stays published until Retention has passed.
		clock.Advance(rot.ActivateAt.Add(token.Retention).Sub(clock.Now()))
		if kids := kidsOf(publishedKeys(t, e)); len(kids) != 2 {
			t.Fatalf("published kids at the end of the retention: %v", kids)
		}
		clock.Advance(time.Second)
		if kids := kidsOf(publishedKeys(t, e)); len(kids) != 1 || kids[0] != newKid {
			t.Fatalf("published kids after the retention: %v, want [%s]", kids, newKid)
		}
	})
}

// The issuer is configured apart from the public URL: with Gigya's
// template, tokens carry the issuer the Java SDK requires.
func TestJWTIssuer(t *testing.T) {
	e := apitest.NewApp(t, store.SQLite, apitest.WithoutSite(), apitest.WithServerDefaults(),
		apitest.WithOptions(func(o *app.Options) { o.Issuer = token.GigyaIssuer }))
	st, err := e.App.Sites.Create(context.Background(), "iss", nil)
	if err != nil {
		t.Fatal(err)
	}
	e.Site = st
	uid, _ := register(t, e, "iss@example.com", "pass-word-1")
	_, m := e.RPC(t, "accounts.getJWT", e.Secret("targetUID", uid), nil)
	apitest.ExpectRPC(t, m, 0, "")
	if _, c := verifyWith(t, publishedKeys(t, e), m["id_token"]); c["iss"] != "https://fidm.gigya.com/jwt/"+st.APIKey+"/" {
		t.Fatalf("iss %v", c["iss"])
	}
}

// An issuer without {apiKey} (the base form of earlier versions) is refused
// at start: the keys of every site verify every site's tokens, so only the
// issuer tells whose a token is.
func TestJWTIssuerNeedsAPIKey(t *testing.T) {
	o := apitest.Options(nil, server.DefaultConfig(), time.Now)
	for _, iss := range []string{"https://fidm.gigya.com", "https://{apiKey}.example.com/"} {
		o.Issuer = iss
		if _, err := app.New(o); err == nil || !strings.Contains(err.Error(), "app: Issuer") {
			t.Errorf("Issuer %q: %v", iss, err)
		}
	}
}
