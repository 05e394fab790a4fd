// Package tokentest gives tests pre-generated RSA keys, so that no test
// spends its time (seconds under -race) generating them.
//
// The keys are public in this repository: never use them outside tests.
package tokentest

import (
	"crypto/rsa"
	"crypto/x509"
	_ "embed"
	"encoding/pem"
	"fmt"
	"sync/atomic"
)

// keysPEM holds PKCS#8 RSA-2048 private keys, made once with
// "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048".
//
//go:embed keys.pem
var keysPEM []byte

// keys are the parsed keys of keysPEM.
var keys = parse(keysPEM)

func parse(data []byte) []*rsa.PrivateKey {
	var out []*rsa.PrivateKey
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return out
		}
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			panic(fmt.Sprintf("tokentest: key %d: %v", len(out), err))
		}
		out = append(out, k.(*rsa.PrivateKey))
	}
}

// N is the number of distinct keys.
func N() int { return len(keys) }

// Key returns the i-th key (modulo N). Callers must not change it.
func Key(i int) *rsa.PrivateKey { return keys[i%len(keys)] }

// KeyGen returns a key generator for token.Options.KeyGen that cycles
// through the keys: consecutive keys of one generator differ, so a test of
// rotation sees a new key each time.
func KeyGen() func() (*rsa.PrivateKey, error) {
	var next atomic.Int64
	return func() (*rsa.PrivateKey, error) {
		return Key(int(next.Add(1) - 1)), nil
	}
}
