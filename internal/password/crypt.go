package password

import (
	"crypto/md5"
	"crypto/sha512"
	"crypto/subtle"
	"strings"
)

// The Modular Crypt formats of PHP-era systems: md5-crypt ($1$, FreeBSD),
// phpass ($P$, $H$: WordPress, phpBB) and Drupal 7 ($S$). No maintained Go
// library implements them; they are encodings around std MD5 and SHA-512,
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
