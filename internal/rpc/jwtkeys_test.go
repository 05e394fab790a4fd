package rpc_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/app"
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

// Key rotation through HTTP: a token signed before the rotation still
// verifies with the published key set; a new one carries the new kid; the
// retired key leaves the set once every token it signed has expired.
func TestJWTKeyRotation(t *testing.T) {
	apitest.ForEachClockEngine(t, func(t *testing.T, e *apitest.App, clock *apitest.Clock) {
		uid, _ := register(t, e, "rot@example.com", "pass-word-1")
		getJWT := func() any {
			_, m := e.RPC(t, "accounts.getJWT", e.Secret("targetUID", uid, "expiration", "86400"), nil)
			apitest.ExpectRPC(t, m, 0, "")
			return m["id_token"]
		}
		before := getJWT()
		oldKid, _ := verifyWith(t, publishedKeys(t, e), before)

		clock.Advance(time.Minute)
		rotatedAt := clock.Now()
		fresh, err := e.App.Keys.Rotate(context.Background(), e.Site.ID)
		if err != nil {
			t.Fatal(err)
		}
		set := publishedKeys(t, e)
		if kids := kidsOf(set); len(kids) != 2 || kids[0] != fresh.KeyID || kids[1] != oldKid {
			t.Fatalf("published kids %v, want [%s %s]", kids, fresh.KeyID, oldKid)
		}
		if kid, c := verifyWith(t, set, before); kid != oldKid || c["sub"] != uid {
			t.Fatalf("old token: kid %s, claims %v", kid, c)
		}
		after := getJWT()
		if kid, c := verifyWith(t, set, after); kid != fresh.KeyID || c["sub"] != uid {
			t.Fatalf("new token: kid %s, want %s; claims %v", kid, fresh.KeyID, c)
		}
		// Without V2: the active key.
		_, m := e.RPC(t, "accounts.getJWTPublicKey", apitest.Form(), nil)
		if m["kid"] != fresh.KeyID {
			t.Fatalf("getJWTPublicKey kid %v, want %s", m["kid"], fresh.KeyID)
		}

		// The old key's last token expires a day after the rotation;
		// the key stays published until Retention has passed.
		clock.Advance(rotatedAt.Add(token.Retention).Sub(clock.Now()))
		if kids := kidsOf(publishedKeys(t, e)); len(kids) != 2 {
			t.Fatalf("published kids at the end of the retention: %v", kids)
		}
		clock.Advance(time.Second)
		if kids := kidsOf(publishedKeys(t, e)); len(kids) != 1 || kids[0] != fresh.KeyID {
			t.Fatalf("published kids after the retention: %v, want [%s]", kids, fresh.KeyID)
		}
	})
}

// The issuer is configured apart from the public URL.
func TestJWTIssuer(t *testing.T) {
	e := apitest.NewApp(t, store.SQLite, apitest.WithoutSite(), apitest.WithServerDefaults(),
		apitest.WithOptions(func(o *app.Options) { o.Issuer = "https://fidm.gigya.com/" }))
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
