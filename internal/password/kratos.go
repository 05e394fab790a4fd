package password

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"hash"
	"strings"

	"golang.org/x/crypto/scrypt"
)

// Kratos' import-only formats beyond the PHC ones: HMAC and Firebase's
// scrypt (github.com/ory/kratos hash/hash_comparator.go).

// hmacHash is $hmac-<h>$<base64 of the hex HMAC>$<base64 key>: the HMAC
// of the password under key.
type hmacHash struct {
	h       func() hash.Hash
	key     []byte
	wantHex []byte
}

var hmacHashes = map[string]func() hash.Hash{
	"md5": md5.New, "sha1": sha1.New, "sha224": sha256.New224, "sha256": sha256.New,
	"sha384": sha512.New384, "sha512": sha512.New,
}

func parseHMAC(s string) (scheme, error) {
	f := strings.Split(s, "$")
	name := strings.TrimPrefix(f[1], "hmac-")
	h := hmacHashes[name]
	if h == nil {
		return nil, unsupported("hmac-" + name)
	}
	if len(f) != 4 {
		return nil, malformed("hmac: want $hmac-<h>$<hash>$<key>")
	}
	want, err1 := decodePadded(f[2], 2*maxLegacyHash)
	key, err2 := decodePadded(f[3], maxLegacySalt)
	if err1 != nil || err2 != nil || len(key) == 0 || len(want) != 2*h().Size() || !isHex(string(want)) {
		return nil, malformed("hmac-" + name + ": want base64 of the hex HMAC and a key of 1..128 bytes")
	}
	return hmacHash{h: h, key: key, wantHex: []byte(strings.ToLower(string(want)))}, nil
}

func (m hmacHash) match(pw []byte) bool {
	mac := hmac.New(m.h, m.key)
	mac.Write(pw)
	return subtle.ConstantTimeCompare([]byte(hex.EncodeToString(mac.Sum(nil))), m.wantHex) == 1
}

// firebaseScrypt is Firebase Auth's modified scrypt, in Kratos' form
// $firescrypt$ln=<mem_cost>,r=<rounds>,p=<p>$<salt>$<hash>$<salt separator>$<signer key>:
// the signer key encrypted with AES-256-CTR (zero IV) under
// scrypt(password, salt+separator, 2^mem_cost, rounds, p).
type firebaseScrypt struct {
	n, r, p      int
	salt, signer []byte
	want         []byte
}

func (l limits) parseFirebaseScrypt(s string) (scheme, error) {
	f := strings.Split(s, "$")
	if len(f) != 7 {
		return nil, malformed("firebase scrypt: want $firescrypt$ln=,r=,p=$salt$hash$separator$signer key")
	}
	n, r, p, err := l.scryptParams("firebase scrypt", f[2], false)
	if err != nil {
		return nil, err
	}
	salt, err1 := decodePadded(f[3], maxLegacySalt)
	want, err2 := decodePadded(f[4], 2*maxLegacyHash)
	sep, err3 := decodePadded(f[5], maxLegacySalt)
	signer, err4 := decodePadded(f[6], 2*maxLegacyHash)
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil || len(want) < minLegacyKey || len(signer) != len(want) {
		return nil, malformed("firebase scrypt: bad base64, or hash and signer key of different lengths")
	}
	return firebaseScrypt{n: n, r: r, p: p, salt: cat(salt, sep), signer: signer, want: want}, nil
}

func (f firebaseScrypt) match(pw []byte) bool {
	key, err := scrypt.Key(pw, f.salt, f.n, f.r, f.p, 32)
	if err != nil {
		return false
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return false
	}
	got := make([]byte, len(f.signer))
	cipher.NewCTR(block, make([]byte, aes.BlockSize)).XORKeyStream(got, f.signer)
	return subtle.ConstantTimeCompare(got, f.want) == 1
}
