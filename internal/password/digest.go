package password

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"unicode/utf16"
)

// Plain digests (md5, sha1, sha256, sha512) of the password, maybe with a
// salt placed by a template: Gigya's hashedPassword + hashSettings, Kratos'
// $sha256$pf=… and $md5$…, LDAP's {SSHA}.
//
// custos stores Gigya's settings as they came, in JSON after digestPrefix,
// so that an export shows them again and Verify re-checks them.

const digestPrefix = "$custos-digest$"

// Bounds on the settings of a digest.
const (
	maxTemplate = 256 // format, binaryFormat: ≤ 28 $password tokens
	maxSaltText = 256 // the salt as imported (base64 of 128 bytes is 172)
)

var digests = map[string]func([]byte) []byte{
	"md5":    func(b []byte) []byte { s := md5.Sum(b); return s[:] },
	"sha1":   func(b []byte) []byte { s := sha1.Sum(b); return s[:] },
	"sha256": func(b []byte) []byte { s := sha256.Sum256(b); return s[:] },
	"sha512": func(b []byte) []byte { s := sha512.Sum512(b); return s[:] },
}

var digestSizes = map[string]int{"md5": md5.Size, "sha1": sha1.Size, "sha256": sha256.Size, "sha512": sha512.Size}

// digest hashes the concatenation of parts once.
type digest struct {
	alg   string
	parts []part
	want  []byte
}

// part is literal bytes, or the password in an encoding (enc != "").
type part struct {
	lit []byte
	enc string
}

func (d digest) match(pw []byte) bool {
	var in []byte
	for _, p := range d.parts {
		if p.enc == "" {
			in = append(in, p.lit...)
		} else {
			in = appendText(in, pw, p.enc)
		}
	}
	return subtle.ConstantTimeCompare(digests[d.alg](in), d.want) == 1
}

// appendText appends s in a Unicode encoding. UTF-16 and UTF-32 are
// little-endian without a byte order mark, as .NET's Encoding.Unicode and
// Encoding.UTF32 (Gigya's platform) and hashcat's utf16le. Invalid UTF-8
// becomes U+FFFD.
func appendText(out, s []byte, enc string) []byte {
	switch enc {
	case "utf16":
		for _, u := range utf16.Encode(bytes.Runes(s)) {
			out = append(out, byte(u), byte(u>>8))
		}
	case "utf32":
		for _, r := range bytes.Runes(s) {
			out = append(out, byte(r), byte(r>>8), byte(r>>16), byte(r>>24))
		}
	default:
		out = append(out, s...)
	}
	return out
}

// digestSpec is Gigya's hashSettings for a digest, as stored.
type digestSpec struct {
	Algorithm    string `json:"algorithm"`
	Hash         string `json:"hash"`
	Salt         string `json:"salt,omitempty"`
	Rounds       int    `json:"rounds,omitempty"`
	Format       string `json:"format,omitempty"`
	BinaryFormat string `json:"binaryFormat,omitempty"`
}

func parseDigest(s string) (scheme, error) {
	var spec digestSpec
	if err := decodeJSON(strings.TrimPrefix(s, digestPrefix), &spec); err != nil {
		return nil, malformed("digest: " + err.Error())
	}
	return spec.scheme()
}

func (spec digestSpec) encode() string { return digestPrefix + encodeJSON(spec) }

func (spec digestSpec) scheme() (scheme, error) {
	alg := spec.Algorithm
	size, ok := digestSizes[alg]
	if !ok {
		return nil, unsupported(alg)
	}
	want, err := decodeDigest(spec.Hash, size)
	if err != nil {
		return nil, malformed(alg + ": hashedPassword: " + err.Error())
	}
	switch {
	case spec.Rounds < 0:
		return nil, malformed(alg + ": negative rounds")
	case spec.Rounds > 1:
		// PWV ignores rounds and no Gigya document defines them for digests.
		return nil, unsupported(alg + " with rounds > 1 (no published definition)")
	case len(spec.Salt) > maxSaltText:
		return nil, malformed(alg + ": salt too long")
	case len(spec.Format) > maxTemplate || len(spec.BinaryFormat) > maxTemplate:
		return nil, malformed(alg + ": format too long")
	case spec.Format != "" && spec.BinaryFormat != "":
		return nil, malformed(alg + ": both format and binaryFormat")
	}
	var parts []part
	switch {
	case spec.Format != "":
		parts, err = templateParts(spec.Format, spec.Salt)
	case spec.BinaryFormat != "":
		parts, err = binaryParts(spec.BinaryFormat, spec.Salt)
	case spec.Salt != "":
		return nil, unsupported(alg + " with a salt but no format or binaryFormat (where the salt goes is not documented)")
	default:
		parts = []part{{enc: "utf8"}}
	}
	if err != nil {
		return nil, malformed(alg + ": " + err.Error())
	}
	return digest{alg: alg, parts: parts, want: want}, nil
}

// templateParts splits a format ("wikipedia$salt$password"): $password is
// the password in UTF-8, $salt the salt as clear text. Unlike PWV's two
// str_replace calls, one pass: a password holding "$salt" stays as it is.
func templateParts(format, salt string) ([]part, error) {
	if len(salt) > maxLegacySalt {
		return nil, errSalt
	}
	var parts []part
	var hasPW, hasSalt bool
	for rest := format; rest != ""; {
		switch {
		case strings.HasPrefix(rest, "$password"):
			parts, hasPW, rest = append(parts, part{enc: "utf8"}), true, rest[len("$password"):]
		case strings.HasPrefix(rest, "$salt"):
			parts, hasSalt, rest = append(parts, part{lit: []byte(salt)}), true, rest[len("$salt"):]
		default:
			i := strings.Index(rest[1:], "$") + 1
			if i == 0 {
				i = len(rest)
			}
			parts, rest = append(parts, part{lit: []byte(rest[:i])}), rest[i:]
		}
	}
	return parts, checkTokens(hasPW, hasSalt, salt, "format")
}

var errSalt = errString("salt longer than 1024 bits")

type errString string

func (e errString) Error() string { return string(e) }

func checkTokens(hasPW, hasSalt bool, salt, name string) error {
	switch {
	case !hasPW:
		return errString(name + " without $password")
	case salt != "" && !hasSalt:
		return errString(name + " without $salt, yet a salt is given")
	case salt == "" && hasSalt:
		return errString(name + " with $salt, yet no salt is given")
	}
	return nil
}

// binaryParts splits a binaryFormat ("$0x4769677961$salt:base64$0x5F$password:utf16"):
// $0x<hex> is those bytes, $salt:<enc> the salt decoded from hex or base64
// or encoded as utf8/utf16/utf32 text, $password:<enc> the password as
// utf8/utf16/utf32 text.
func binaryParts(format, salt string) ([]part, error) {
	if !strings.HasPrefix(format, "$") {
		return nil, errString("binaryFormat must start with $")
	}
	var parts []part
	var hasPW, hasSalt bool
	for tok := range strings.SplitSeq(format[1:], "$") {
		name, enc, _ := strings.Cut(tok, ":")
		switch {
		case strings.HasPrefix(tok, "0x"):
			b, err := hex.DecodeString(tok[2:])
			if err != nil || len(b) == 0 {
				return nil, errString("binaryFormat: bad hex literal $" + tok)
			}
			parts = append(parts, part{lit: b})
		case name == "password" && (enc == "utf8" || enc == "utf16" || enc == "utf32"):
			parts, hasPW = append(parts, part{enc: enc}), true
		case name == "password" && (enc == "hex" || enc == "base64"):
			return nil, errString("binaryFormat: $password:" + enc + " is not documented")
		case name == "salt":
			b, err := saltBytes(salt, enc)
			if err != nil {
				return nil, err
			}
			parts, hasSalt = append(parts, part{lit: b}), true
		default:
			return nil, errString("binaryFormat: unknown token $" + tok)
		}
	}
	return parts, checkTokens(hasPW, hasSalt, salt, "binaryFormat")
}

func saltBytes(salt, enc string) ([]byte, error) {
	var b []byte
	var err error
	switch enc {
	case "hex":
		b, err = hex.DecodeString(salt)
	case "base64":
		b, err = decodeLenient(salt)
	case "utf8", "utf16", "utf32":
		b = appendText(nil, []byte(salt), enc)
	default:
		return nil, errString("binaryFormat: unknown salt encoding " + enc)
	}
	if err != nil {
		return nil, errString("binaryFormat: salt is not " + enc)
	}
	if len(b) > maxLegacySalt && enc != "utf16" && enc != "utf32" {
		return nil, errSalt
	}
	return b, nil
}

// decodeDigest decodes a digest of size bytes from base64 (padded or not)
// or from hex: their lengths never collide for these sizes.
func decodeDigest(s string, size int) ([]byte, error) {
	if len(s) == 2*size {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	b, err := decodeLenient(s)
	if err != nil || len(b) != size {
		return nil, errString("want base64 of the " + itoa(size) + "-byte digest")
	}
	return b, nil
}

// decodeLenient decodes standard base64 with any padding or none: exports
// show salts like Gigya's "YWJjc29tZXRoaW5n==" (auth0 community).
func decodeLenient(s string) ([]byte, error) {
	if strings.ContainsAny(s, "\r\n") || len(s) > 4*maxLegacySalt {
		return nil, errString("bad base64")
	}
	return base64.RawStdEncoding.Strict().DecodeString(strings.TrimRight(s, "="))
}

// parseKratosDigest parses Kratos' $md5$<hash>, and
// $md5|sha1|sha256|sha512$pf=<format>$<salt>$<hash> whose format places
// {SALT} and {PASSWORD} (all padded standard base64).
func parseKratosDigest(s string) (scheme, error) {
	f := strings.Split(s, "$")
	alg := f[1]
	size := digestSizes[alg]
	if len(f) == 3 && alg == "md5" {
		want, err := decodePadded(f[2], size)
		if err != nil || len(want) != size {
			return nil, malformed("md5: want $md5$<base64 of 16 bytes>")
		}
		return digest{alg: alg, parts: []part{{enc: "utf8"}}, want: want}, nil
	}
	if len(f) != 5 || !strings.HasPrefix(f[2], "pf=") {
		return nil, malformed(alg + ": want $" + alg + "$pf=<format>$<salt>$<hash>")
	}
	pf, err1 := decodePadded(f[2][3:], maxTemplate)
	salt, err2 := decodePadded(f[3], maxLegacySalt)
	want, err3 := decodePadded(f[4], size)
	if err1 != nil || err2 != nil || err3 != nil || len(want) != size {
		return nil, malformed(alg + ": bad base64 or lengths")
	}
	var parts []part
	var hasPW bool
	for rest := string(pf); rest != ""; {
		switch {
		case strings.HasPrefix(rest, "{PASSWORD}"):
			parts, hasPW, rest = append(parts, part{enc: "utf8"}), true, rest[len("{PASSWORD}"):]
		case strings.HasPrefix(rest, "{SALT}"):
			parts, rest = append(parts, part{lit: salt}), rest[len("{SALT}"):]
		default:
			parts, rest = append(parts, part{lit: []byte(rest[:1])}), rest[1:]
		}
	}
	if !hasPW {
		return nil, malformed(alg + ": pf without {PASSWORD}")
	}
	return digest{alg: alg, parts: parts, want: want}, nil
}

// parseSSHA parses LDAP's {SSHA}, {SSHA256}, {SSHA512}: base64 of the
// digest of password+salt followed by the salt.
func parseSSHA(s string) (scheme, error) {
	name, rest, _ := strings.Cut(s[1:], "}")
	alg := map[string]string{"SSHA": "sha1", "SSHA256": "sha256", "SSHA512": "sha512"}[name]
	size := digestSizes[alg]
	b, err := decodePadded(rest, size+maxLegacySalt)
	if err != nil || len(b) <= size {
		return nil, malformed("{" + name + "}: want base64 of digest and salt")
	}
	return digest{alg: alg, parts: []part{{enc: "utf8"}, {lit: b[size:]}}, want: b[:size]}, nil
}

// encodeJSON and decodeJSON carry settings in unpadded base64url JSON, so
// that the stored string has no "$" but the prefix's.
func encodeJSON(v any) string {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	_ = e.Encode(v) // plain structs of strings and ints
	return base64.RawURLEncoding.EncodeToString(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

func decodeJSON(s string, v any) error {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return errString("bad base64url")
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil || d.More() {
		return errString("bad JSON")
	}
	return nil
}
