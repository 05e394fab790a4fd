package password

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"strings"
)

// The Modular Crypt formats of Unix and PHP-era systems: md5-crypt ($1$,
// FreeBSD), SHA-crypt ($5$, $6$, glibc), phpass ($P$, $H$: WordPress,
// phpBB) and Drupal 7 ($S$). No maintained Go library in custos' tree
// implements them; they are encodings around std MD5 and SHA-512,
// written here after their reference implementations and checked with
// published hashes (crypt_test.go).

// itoa64 is the crypt alphabet shared by all three.
const itoa64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// Bounds on the phpass/Drupal iteration count (log2): the reference accepts
// 7..30, but 2^30 iterations take minutes. 2^20 SHA-512 runs take about half
// a second; WordPress uses 2^8, phpBB 2^11, Drupal 7 2^15 or 2^16.
const (
	minPhpassLog2 = 7
	maxPhpassLog2 = 20
)

// md5Crypt is a parsed $1$ hash.
type md5Crypt struct{ salt, sum string }

func parseMD5Crypt(s string) (scheme, error) {
	rest := strings.TrimPrefix(s, "$1$")
	salt, sum, ok := strings.Cut(rest, "$")
	if !ok || len(salt) > 8 || len(sum) != 22 || !isCrypt64(salt) || !isCrypt64(sum) {
		return nil, malformed("md5_crypt: want $1$<salt, at most 8>$<22 characters>")
	}
	return md5Crypt{salt, sum}, nil
}

func (c md5Crypt) match(pw []byte) bool {
	return subtle.ConstantTimeCompare([]byte(md5CryptSum(pw, []byte(c.salt))), []byte(c.sum)) == 1
}

// md5CryptSum is the 22-character digest of Poul-Henning Kamp's md5-crypt.
func md5CryptSum(pw, salt []byte) string {
	alt := md5.Sum(cat(pw, salt, pw))
	ctx := cat(pw, []byte("$1$"), salt)
	for n := len(pw); n > 0; n -= 16 {
		ctx = append(ctx, alt[:min(n, 16)]...)
	}
	for i := len(pw); i > 0; i >>= 1 {
		if i&1 == 1 {
			ctx = append(ctx, 0)
		} else {
			ctx = append(ctx, pw[0])
		}
	}
	final := md5.Sum(ctx)
	buf := make([]byte, 0, 2*len(pw)+len(salt)+32)
	for i := range 1000 {
		buf = buf[:0]
		if i&1 == 1 {
			buf = append(buf, pw...)
		} else {
			buf = append(buf, final[:]...)
		}
		if i%3 != 0 {
			buf = append(buf, salt...)
		}
		if i%7 != 0 {
			buf = append(buf, pw...)
		}
		if i&1 == 1 {
			buf = append(buf, final[:]...)
		} else {
			buf = append(buf, pw...)
		}
		final = md5.Sum(buf)
	}
	var out []byte
	to64 := func(v uint32, n int) {
		for ; n > 0; n-- {
			out = append(out, itoa64[v&0x3f])
			v >>= 6
		}
	}
	f := final
	for _, t := range [][3]int{{0, 6, 12}, {1, 7, 13}, {2, 8, 14}, {3, 9, 15}, {4, 10, 5}} {
		to64(uint32(f[t[0]])<<16|uint32(f[t[1]])<<8|uint32(f[t[2]]), 4)
	}
	to64(uint32(f[11]), 2)
	return string(out)
}

// phpass is a parsed phpass ($P$, $H$) or Drupal 7 ($S$) hash: drupal
// iterates SHA-512 and keeps 43 characters of its encoding, phpass MD5.
type phpass struct {
	drupal bool
	log2   int
	salt   string
	sum    string
}

func (l limits) parsePhpass(s string, drupal bool) (scheme, error) {
	name, n := "phpass", 34
	if drupal {
		name, n = "drupal", 55
	}
	if len(s) != n || !isCrypt64(s[3:]) {
		return nil, malformed(name + ": want " + s[:min(len(s), 3)] + " then " + itoa(n-3) + " crypt characters")
	}
	log2 := strings.IndexByte(itoa64, s[3])
	if log2 < minPhpassLog2 || log2 > l.maxPhpassLog2 {
		return nil, malformed(name + ": iteration count 2^" + itoa(log2) + " outside 2^7..2^" + itoa(l.maxPhpassLog2))
	}
	return phpass{drupal: drupal, log2: log2, salt: s[4:12], sum: s[12:]}, nil
}

func (p phpass) match(pw []byte) bool {
	var sum []byte
	if p.drupal {
		h := sha512.Sum512(cat([]byte(p.salt), pw))
		buf := make([]byte, 0, len(h)+len(pw))
		for range 1 << p.log2 {
			h = sha512.Sum512(append(append(buf[:0], h[:]...), pw...))
		}
		sum = phpassEncode(h[:])[:43]
	} else {
		h := md5.Sum(cat([]byte(p.salt), pw))
		buf := make([]byte, 0, len(h)+len(pw))
		for range 1 << p.log2 {
			h = md5.Sum(append(append(buf[:0], h[:]...), pw...))
		}
		sum = phpassEncode(h[:])
	}
	return subtle.ConstantTimeCompare(sum, []byte(p.sum)) == 1
}

// phpassEncode is phpass's encode64: little-endian groups of three bytes,
// six bits at a time.
func phpassEncode(in []byte) []byte {
	var out []byte
	for i := 0; i < len(in); i += 3 {
		v := uint32(in[i])
		n := 2
		if i+1 < len(in) {
			v |= uint32(in[i+1]) << 8
			n = 3
		}
		if i+2 < len(in) {
			v |= uint32(in[i+2]) << 16
			n = 4
		}
		for range n {
			out = append(out, itoa64[v&0x3f])
			v >>= 6
		}
	}
	return out
}

func isCrypt64(s string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(itoa64, s[i]) < 0 {
			return false
		}
	}
	return true
}

// cat returns a new slice holding the concatenation of bs.
func cat(bs ...[]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}

// shaCrypt is a parsed SHA-crypt hash (Ulrich Drepper's specification,
// glibc's $5$ and $6$; Kratos' $sha256-crypt$, $sha512-crypt$).
type shaCrypt struct {
	sha512 bool
	rounds int
	salt   string
	sum    string
}

// SHA-crypt rounds: the specification's minimum, and custos' maximum (the
// specification allows 999,999,999). 10^6 rounds take 0.16 s ($5$) and
// 0.43 s ($6$) (BenchmarkLegacyWorst); passlib's defaults, which Kratos' docs show, are 535,000 ($5$)
// and 656,000 ($6$).
const (
	minSHACryptRounds     = 1000
	defaultSHACryptRounds = 5000
	maxSHACryptRounds     = 1_000_000
)

func parseSHACrypt(s string, sha512 bool) (scheme, error) {
	name, n := "sha256_crypt", 43
	if sha512 {
		name, n = "sha512_crypt", 86
	}
	f := strings.Split(s, "$")
	rounds := defaultSHACryptRounds
	if len(f) == 5 {
		r, ok := strings.CutPrefix(f[2], "rounds=")
		v, err := parseDecimal(r)
		if !ok || err != nil || v < minSHACryptRounds || v > maxSHACryptRounds {
			return nil, malformed(name + ": rounds must be " + itoa(minSHACryptRounds) + ".." + itoa(maxSHACryptRounds))
		}
		rounds, f = int(v), append(f[:2], f[3:]...)
	}
	if len(f) != 4 || len(f[2]) > 16 || strings.ContainsAny(f[2], ":\n") || len(f[3]) != n || !isCrypt64(f[3]) {
		return nil, malformed(name + ": want $" + f[1] + "$[rounds=N$]<salt, at most 16>$<" + itoa(n) + " characters>")
	}
	return shaCrypt{sha512: sha512, rounds: rounds, salt: f[2], sum: f[3]}, nil
}

func (c shaCrypt) match(pw []byte) bool {
	return subtle.ConstantTimeCompare([]byte(c.compute(pw)), []byte(c.sum)) == 1
}

// compute follows the numbered steps of Drepper's specification.
func (c shaCrypt) compute(pw []byte) string {
	newHash, order := sha256.New, sha256Order
	if c.sha512 {
		newHash, order = sha512.New, sha512Order
	}
	sum := func(parts ...[]byte) []byte {
		h := newHash()
		for _, p := range parts {
			h.Write(p)
		}
		return h.Sum(nil)
	}
	salt := []byte(c.salt)
	b := sum(pw, salt, pw)
	size := len(b)
	a := cat(pw, salt)
	for n := len(pw); n > 0; n -= size {
		a = append(a, b[:min(n, size)]...)
	}
	for n := len(pw); n > 0; n >>= 1 {
		if n&1 == 1 {
			a = append(a, b...)
		} else {
			a = append(a, pw...)
		}
	}
	digestA := sum(a)
	dp := sum(bytes.Repeat(pw, len(pw)))
	p := repeatTo(dp, len(pw))
	ds := sum(bytes.Repeat(salt, 16+int(digestA[0])))
	sseq := repeatTo(ds, len(salt))
	cur := digestA
	h := newHash()
	for i := range c.rounds {
		h.Reset()
		if i&1 == 1 {
			h.Write(p)
		} else {
			h.Write(cur)
		}
		if i%3 != 0 {
			h.Write(sseq)
		}
		if i%7 != 0 {
			h.Write(p)
		}
		if i&1 == 1 {
			h.Write(cur)
		} else {
			h.Write(p)
		}
		cur = h.Sum(cur[:0])
	}
	final := append(cur[:size:size], 0)
	var out []byte
	for _, g := range order {
		v := uint32(final[g[0]])<<16 | uint32(final[g[1]])<<8 | uint32(final[g[2]])
		for range g[3] {
			out = append(out, itoa64[v&0x3f])
			v >>= 6
		}
	}
	return string(out)
}

// repeatTo is b repeated, cut to n bytes.
func repeatTo(b []byte, n int) []byte {
	out := make([]byte, 0, n+len(b))
	for len(out) < n {
		out = append(out, b...)
	}
	return out[:n]
}

// The byte order of the final encoding: three bytes (the index past the
// digest is a zero byte) and the number of characters they give, from
// glibc's sha256-crypt.c and sha512-crypt.c.
var (
	sha256Order = [][4]int{{0, 10, 20, 4}, {21, 1, 11, 4}, {12, 22, 2, 4}, {3, 13, 23, 4}, {24, 4, 14, 4},
		{15, 25, 5, 4}, {6, 16, 26, 4}, {27, 7, 17, 4}, {18, 28, 8, 4}, {9, 19, 29, 4}, {32, 31, 30, 3}}
	sha512Order = [][4]int{{0, 21, 42, 4}, {22, 43, 1, 4}, {44, 2, 23, 4}, {3, 24, 45, 4}, {25, 46, 4, 4},
		{47, 5, 26, 4}, {6, 27, 48, 4}, {28, 49, 7, 4}, {50, 8, 29, 4}, {9, 30, 51, 4}, {31, 52, 10, 4},
		{53, 11, 32, 4}, {12, 33, 54, 4}, {34, 55, 13, 4}, {56, 14, 35, 4}, {15, 36, 57, 4}, {37, 58, 16, 4},
		{59, 17, 38, 4}, {18, 39, 60, 4}, {40, 61, 19, 4}, {62, 20, 41, 4}, {64, 64, 63, 2}}
)
