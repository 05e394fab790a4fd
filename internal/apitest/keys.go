package apitest

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"testing"

	"github.com/custos-id/custos/internal/token/tokentest"
)

// ClientKeys are two fixed RSA keys for the client side of tests, such as
// application keys that sign Bearer JWTs: the key and a stranger's. They
// are tokentest's pre-generated keys, so that no test spends seconds
// generating keys.
func ClientKeys(testing.TB) (key, stranger *rsa.PrivateKey) {
	return tokentest.Key(0), tokentest.Key(1)
}

// PublicPEM is the PEM of pub, as an application key's public key is given.
func PublicPEM(t testing.TB, pub *rsa.PublicKey) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}
