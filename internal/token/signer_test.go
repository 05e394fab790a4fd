package token_test

import (
	"context"
	"crypto/rsa"
	"testing"

	"github.com/custos-id/custos/internal/store"
)

// TestSigner: the key Signer hands out is the one that signs, under the
// kid that JWKS publishes.
func TestSigner(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newSignedFixture(t, db)
		kid, key, err := f.keys.Signer(context.Background(), f.siteID)
		if err != nil {
			t.Fatal(err)
		}
		priv, ok := key.(*rsa.PrivateKey)
		if !ok || kid != f.jwk.KeyID || !priv.PublicKey.Equal(f.jwk.Key) {
			t.Errorf("Signer: kid %s, key %T; want the signing key %s", kid, key, f.jwk.KeyID)
		}
	})
}
