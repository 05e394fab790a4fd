package apitest

import (
	"crypto/rsa"
	"crypto/x509"
	"embed"
	"encoding/pem"
	"testing"
)

// The client keys are fixed RSA keys, made once with
// `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`, so that no
// test spends seconds generating keys. They sign nothing but tests.
//
//go:embed testdata/client1.pem testdata/client2.pem
var keyFiles embed.FS

// ClientKeys are two fixed RSA keys for the client side of tests, such as
// application keys that sign Bearer JWTs: the key and a stranger's.
func ClientKeys(t testing.TB) (key, stranger *rsa.PrivateKey) {
	t.Helper()
	return clientKey(t, "testdata/client1.pem"), clientKey(t, "testdata/client2.pem")
}

func clientKey(t testing.TB, name string) *rsa.PrivateKey {
	t.Helper()
	b, err := keyFiles.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		t.Fatalf("%s: no PEM block", name)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	priv, ok := k.(*rsa.PrivateKey)
	if !ok {
		t.Fatalf("%s: %T, want an RSA key", name, k)
	}
	return priv
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
