package password

import (
	"context"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/scrypt"
)

// Imported hashes, as Encode stores them and Verify reads them:
//
//	md5, sha1, sha256, sha512 (Gigya)  $custos-digest$<base64url JSON of the settings>
//	custom (Gigya remote verifier)     $custos-remote$<base64url JSON: url, hash, salt>
//	pbkdf2, pbkdf2_sha256, _sha512     $pbkdf2-sha1|sha256|sha512$i=<n>,l=<len>$<salt>$<key> (Kratos')
//	  also read: $pbkdf2[-<h>]$<n>$<salt>$<key> (passlib), $pbkdf2-<h>$i=<n>$… (phc-pbkdf2)
//	bcrypt                             $2a$, $2b$, $2y$ (cost ≤ 16)
//	md5_crypt                          $1$ (Kratos: $md5-crypt$)
//	sha256_crypt, sha512_crypt         $5$, $6$ (Kratos: $sha256-crypt$, $sha512-crypt$)
//	phpass, drupal                     $P$, $H$; $S$
//	argon2                             $argon2id$, $argon2i$ PHC ($argon2d$ refused)
//	scrypt                             $scrypt$ln=,r=,p=$salt$key (PHC/passlib; Kratos' ln=N)
//	Kratos digests                     $md5$, $sha1|sha256|sha512$pf=…, $hmac-<h>$, $firescrypt$
//	LDAP                               {SSHA}, {SSHA256}, {SSHA512}
//	Keycloak credential (JSON)         converted to the PBKDF2 or argon2 PHC forms above

// scheme is a parsed legacy hash: match computes the hash of a password
// with its settings and compares in constant time.
type scheme interface {
	match(password []byte) bool
}

// Bounds on legacy hashes, so that one verification stays under a second
// and a stored string cannot make Verify allocate without bound. At the
// bounds, on a 2-core machine under load (BenchmarkLegacyWorst):
// PBKDF2-SHA1 0.25 s, -SHA256 0.22 s, -SHA512 0.67 s; scrypt 0.71 s and
// 64 MiB; phpass 0.17 s, Drupal 0.40 s; SHA-crypt (10^6 rounds) 0.16 s
// ($5$), 0.43 s ($6$). Plain digests cost microseconds:
// templates are at most 256 bytes, so the input at most ~28 passwords.
// Bcrypt keeps hash.go's cost ≤ 16, argon2 its memory and time bounds.
const (
	maxLegacyLen   = 16 << 10 // a stored legacy string (a custom URL in JSON in base64)
	maxLegacySalt  = 128      // bytes: Gigya's 1024 bits
	maxLegacyHash  = 64       // bytes: Gigya's 512 bits
	minLegacyKey   = 16       // shorter derived keys make a false match plausible
	maxPBKDF2Work  = 1_000_000
	maxScryptMem   = 1 << 19 // N·r: 128·N·r bytes = 64 MiB
	maxScryptWork  = 1 << 20 // N·r·p
	maxScryptParal = 16
)

func malformed(why string) error { return fmt.Errorf("%w: %s", ErrMalformedHash, why) }

func unsupported(name string) error { return fmt.Errorf("%w: %s", ErrUnsupported, name) }

func itoa(n int) string { return strconv.Itoa(n) }

// verifyLegacy verifies password against a stored legacy hash: every
// match asks for a rehash to argon2id.
func (h *Hasher) verifyLegacy(ctx context.Context, password, encoded string) (ok, rehash bool, err error) {
	sch, err := h.lim.parseLegacy(encoded)
	if err != nil {
		if !errors.Is(err, ErrMalformedHash) {
			err = fmt.Errorf("%w: %w", ErrMalformedHash, err)
		}
		return false, false, err
	}
	if len(password) > MaxLength {
		return false, false, nil
	}
	if r, isRemote := sch.(remote); isRemote {
		return h.verifyRemote(ctx, password, r)
	}
	if err := h.acquire(ctx, h.sem); err != nil {
		return false, false, err
	}
	ok = sch.match([]byte(password))
	h.release(h.sem)
	// Many legacy digests take microseconds where an unknown login ID costs
	// an argon2id run (VerifyDummy): the same run here keeps a wrong
	// password on an imported account from telling that the account exists.
	h.VerifyDummy(ctx, password)
	return ok, ok, nil
}

// parseLegacy parses every stored form but native argon2id and bcrypt.
// Errors wrap ErrMalformedHash, or ErrUnsupported naming a known format
// custos does not verify.
func (l limits) parseLegacy(s string) (scheme, error) {
	if len(s) > maxLegacyLen {
		return nil, malformed("too long")
	}
	prefix := s
	if len(s) > 1 && s[0] == '$' {
		if i := strings.IndexByte(s[1:], '$'); i >= 0 {
			prefix = s[:i+2]
		}
	} else if s != "" && s[0] == '{' {
		if i := strings.IndexByte(s, '}'); i >= 0 {
			prefix = s[:i+1]
		}
	}
	switch prefix {
	case "$argon2i$":
		return l.parseArgon2i(s)
	case "$1$":
		return parseMD5Crypt(s)
	case "$md5-crypt$": // Kratos' name for $1$
		return parseMD5Crypt("$1$" + strings.TrimPrefix(s, prefix))
	case "$5$", "$6$":
		return parseSHACrypt(s, prefix == "$6$")
	case "$sha256-crypt$": // Kratos' names for $5$ and $6$
		return parseSHACrypt("$5$"+strings.TrimPrefix(s, prefix), false)
	case "$sha512-crypt$":
		return parseSHACrypt("$6$"+strings.TrimPrefix(s, prefix), true)
	case "$P$", "$H$":
		return l.parsePhpass(s, false)
	case "$S$":
		return l.parsePhpass(s, true)
	case "$pbkdf2$", "$pbkdf2-sha1$", "$pbkdf2-sha256$", "$pbkdf2-sha512$":
		return l.parsePBKDF2(s)
	case "$scrypt$":
		return l.parseScrypt(s)
	case "$sha1$", "$sha256$", "$sha512$", "$md5$":
		return parseKratosDigest(s)
	case "$firescrypt$":
		return l.parseFirebaseScrypt(s)
	case "{SSHA}", "{SSHA256}", "{SSHA512}":
		return parseSSHA(s)
	case digestPrefix:
		return parseDigest(s)
	case remotePrefix:
		return parseRemote(s)
	}
	if strings.HasPrefix(s, "$hmac-") {
		return parseHMAC(s)
	}
	for p, name := range unsupportedPrefixes {
		if strings.HasPrefix(s, p) {
			return nil, unsupported(name)
		}
	}
	// A Modular Crypt or PHC identifier custos does not know ($9z$…).
	switch {
	case strings.HasPrefix(s, "$2"):
		return nil, malformed("not a bcrypt hash")
	case strings.HasPrefix(s, "$argon2"):
		return nil, malformed("not an argon2 hash")
	}
	if i := strings.IndexByte(s[min(1, len(s)):], '$'); strings.HasPrefix(s, "$") && i > 0 {
		return nil, unsupported(s[:i+2])
	}
	return nil, malformed("unknown hash format")
}

// unsupportedPrefixes name formats recognised but not verified.
var unsupportedPrefixes = map[string]string{
	"$argon2d$":       "argon2d (not in golang.org/x/crypto/argon2)",
	"$2$":             "bcrypt $2$",
	"$2x$":            "bcrypt $2x$",
	"U$":              "drupal U$ (Drupal 6 md5, upgraded)",
	"$pbkdf2-sha224$": "pbkdf2_sha224",
	"$pbkdf2-sha384$": "pbkdf2_sha384",
}

// parseArgon2i parses $argon2i$v=19$… with the bounds of argon2id.
func (l limits) parseArgon2i(s string) (scheme, error) {
	p, salt, key, err := l.parse(phcPrefix + strings.TrimPrefix(s, "$argon2i$v=19$"))
	if err != nil || !strings.HasPrefix(s, "$argon2i$v=19$") {
		return nil, malformed("argon2i: want $argon2i$v=19$m=,t=,p=$salt$hash within the argon2id bounds")
	}
	return argon2i{p, salt, key}, nil
}

type argon2i struct {
	p         Params
	salt, key []byte
}

func (a argon2i) match(pw []byte) bool {
	got := argon2.Key(pw, a.salt, a.p.Time, a.p.Memory, a.p.Threads, a.p.KeyLen)
	return subtle.ConstantTimeCompare(got, a.key) == 1
}

// pbkdf2Hash is PBKDF2 with an HMAC of sha1, sha256 or sha512; the key
// length is that of the stored key.
type pbkdf2Hash struct {
	prf        func() hash.Hash
	iter       int
	salt, want []byte
}

func (p pbkdf2Hash) match(pw []byte) bool {
	got, err := pbkdf2.Key(p.prf, string(pw), p.salt, p.iter, len(p.want))
	return err == nil && subtle.ConstantTimeCompare(got, p.want) == 1
}

var pbkdf2PRFs = map[string]func() hash.Hash{"sha1": sha1.New, "sha256": sha256.New, "sha512": sha512.New}

// parsePBKDF2 parses Kratos' $pbkdf2-<h>$i=<iter>,l=<len>$<salt>$<key>
// (unpadded standard base64; phc-pbkdf2 omits ",l=…"; custos stores Gigya and Keycloak PBKDF2 hashes
// this way too) and passlib's $pbkdf2[-<h>]$<iter>$<salt>$<key> (its
// "ab64": "." for "+", no padding).
func (l limits) parsePBKDF2(s string) (scheme, error) {
	f := strings.Split(s, "$")
	if len(f) != 5 {
		return nil, malformed("pbkdf2: want $pbkdf2-<digest>$<params>$<salt>$<key>")
	}
	name := strings.TrimPrefix(f[1], "pbkdf2")
	name = strings.TrimPrefix(name, "-")
	if name == "" {
		name = "sha1"
	}
	prf := pbkdf2PRFs[name]
	var (
		iter      uint64
		salt, key []byte
		err       error
	)
	if params, kratos := strings.CutPrefix(f[2], "i="); kratos {
		// Kratos writes i=<iterations>,l=<key length>; phc-pbkdf2 i= alone.
		it, l, hasLen := strings.Cut(params, ",l=")
		if iter, err = parseDecimal(it); err != nil {
			return nil, malformed("pbkdf2: iterations: " + err.Error())
		}
		if salt, err = decodeB64(f[3], maxLegacySalt); err != nil {
			return nil, malformed("pbkdf2: salt: " + err.Error())
		}
		if key, err = decodeB64(f[4], maxLegacyHash); err != nil {
			return nil, malformed("pbkdf2: key: " + err.Error())
		}
		if hasLen && l != itoa(len(key)) {
			return nil, malformed("pbkdf2: l is not the key's length")
		}
	} else {
		if iter, err = parseDecimal(f[2]); err != nil {
			return nil, malformed("pbkdf2: rounds: " + err.Error())
		}
		ab64 := func(s string) string { return strings.ReplaceAll(s, ".", "+") }
		if strings.Contains(f[3]+f[4], "+") {
			return nil, malformed("pbkdf2: passlib's base64 has no +")
		}
		if salt, err = decodeB64(ab64(f[3]), maxLegacySalt); err != nil {
			return nil, malformed("pbkdf2: salt: " + err.Error())
		}
		if key, err = decodeB64(ab64(f[4]), maxLegacyHash); err != nil {
			return nil, malformed("pbkdf2: key: " + err.Error())
		}
	}
	if prf == nil {
		return nil, unsupported("pbkdf2 with " + name)
	}
	if len(key) < minLegacyKey {
		return nil, malformed("pbkdf2: key shorter than 16 bytes")
	}
	blocks := uint64((len(key) + prf().Size() - 1) / prf().Size())
	if iter < 1 || iter > l.maxPBKDF2Work/blocks {
		return nil, malformed(fmt.Sprintf("pbkdf2: iterations × key blocks must be 1..%d", l.maxPBKDF2Work))
	}
	return pbkdf2Hash{prf: prf, iter: int(iter), salt: salt, want: key}, nil
}

// formatPBKDF2 is custos' stored form of a PBKDF2 hash: Kratos'.
func formatPBKDF2(name string, iter int, salt, key []byte) string {
	return fmt.Sprintf("$pbkdf2-%s$i=%d,l=%d$%s$%s", name, iter, len(key),
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// scryptHash is the PHC $scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<key>
// (passlib, phc-scrypt) and Kratos' variant, whose ln is N itself: an ln
// above 64 is read as N (2^64 is no usable log2), below as log2 N. Salt and
// key are base64, padded (Kratos) or not (PHC).
type scryptHash struct {
	n, r, p    int
	salt, want []byte
}

func (s scryptHash) match(pw []byte) bool {
	got, err := scrypt.Key(pw, s.salt, s.n, s.r, s.p, len(s.want))
	return err == nil && subtle.ConstantTimeCompare(got, s.want) == 1
}

func (l limits) parseScrypt(s string) (scheme, error) {
	f := strings.Split(s, "$")
	if len(f) != 5 {
		return nil, malformed("scrypt: want $scrypt$ln=<N>,r=<r>,p=<p>$<salt>$<key>")
	}
	n, r, p, err := l.scryptParams("scrypt", f[2], true)
	if err != nil {
		return nil, err
	}
	salt, err := decodeLenient(f[3])
	if err != nil || len(salt) > maxLegacySalt {
		return nil, malformed("scrypt: salt: want base64 of at most 128 bytes")
	}
	key, err := decodeLenient(f[4])
	if err != nil || len(key) < minLegacyKey || len(key) > maxLegacyHash {
		return nil, malformed("scrypt: key: want padded base64 of 16..64 bytes")
	}
	return scryptHash{n: n, r: r, p: p, salt: salt, want: key}, nil
}

// scryptParams reads "ln=<N>,r=<r>,p=<p>" of the scrypt form name and
// checks the cost. ln is log2(N); with plainN, a value above 64 is N itself
// (passlib and PHC write N, Kratos ln).
func (l limits) scryptParams(name, field string, plainN bool) (n, r, p int, err error) {
	var v [3]uint64
	params := strings.Split(field, ",")
	if len(params) != 3 {
		return 0, 0, 0, malformed(name + ": want ln=,r=,p=")
	}
	for i, key := range []string{"ln=", "r=", "p="} {
		num, ok := strings.CutPrefix(params[i], key)
		var err error
		if v[i], err = parseDecimal(num); !ok || err != nil {
			return 0, 0, 0, malformed(name + ": want ln=,r=,p= as decimals")
		}
	}
	nn, rr, pp := v[0], v[1], v[2]
	if nn <= 64 || !plainN {
		if nn < 1 || nn > 32 {
			return 0, 0, 0, malformed(name + ": ln out of range")
		}
		nn = 1 << nn
	}
	if nn < 2 || nn&(nn-1) != 0 || rr < 1 || pp < 1 || pp > maxScryptParal || nn > l.maxScryptMem/rr || nn*rr > maxScryptWork/pp {
		return 0, 0, 0, malformed(fmt.Sprintf("%s: N a power of two, N·r ≤ %d, N·r·p ≤ %d, p ≤ %d", name, maxScryptMem, maxScryptWork, maxScryptParal))
	}
	return int(nn), int(rr), int(pp), nil
}

// parseDecimal parses a canonical decimal below 2^32.
func parseDecimal(s string) (uint64, error) {
	if s == "" || len(s) > 1 && s[0] == '0' || strings.TrimLeft(s, "0123456789") != "" {
		return 0, errors.New("not a canonical decimal")
	}
	return strconv.ParseUint(s, 10, 32)
}

// decodePadded decodes canonical padded standard base64 of at most max bytes.
func decodePadded(s string, max int) ([]byte, error) {
	if len(s) > base64.StdEncoding.EncodedLen(max) || strings.ContainsAny(s, "\r\n") {
		return nil, errors.New("too long or bad base64")
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, errors.New("bad base64")
	}
	return b, nil
}
