package password

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// Imported is a password hash brought from another system
// (accounts.importFullAccount's password object): either a compound
// (Modular Crypt / PHC) string, or a digest with the settings that made it.
type Imported struct {
	// Compound is a self-describing hash: $2a$…, $1$…, $S$…, $P$…,
	// $argon2id$…, $pbkdf2-sha256$…, Keycloak's and Kratos' stored forms.
	Compound string
	// Hash is the digest, base64 (hashedPassword), made by Algorithm.
	Hash      string
	Algorithm string // md5, sha1, sha256, sha512, bcrypt, pbkdf2, pbkdf2_sha256, pbkdf2_sha512, custom …
	// Salt is base64, or clear text when Format holds $salt.
	Salt   string
	Rounds int
	// Format is a template with $password and maybe $salt; BinaryFormat
	// the token form ($password:utf16$0x5F$salt:base64 …).
	Format, BinaryFormat string
	// URL is the remote verifier of the custom algorithm.
	URL string
}

// ErrUnsupported is returned by Encode for an algorithm custos does not
// verify; the error names it.
var ErrUnsupported = errors.New("unsupported password hash")

// Encode checks an imported hash and returns the string custos stores for
// it: Hasher.Verify verifies a password against it, and asks for a rehash
// to argon2id when it matches. Errors wrap ErrUnsupported (an algorithm
// custos does not know) or ErrMalformedHash.
//
// Standard compound strings are stored as they are (bcrypt, argon2id and
// argon2i PHC, $1$, $5$, $6$, $P$/$H$, $S$, passlib's and Kratos'
// $pbkdf2-…$ and $scrypt$, Kratos' $md5-crypt$, $sha256-crypt$,
// $sha512-crypt$, $sha…$, $md5$, $hmac-…$, $firescrypt$, LDAP's {SSHA…}); PBKDF2 digests and Keycloak
// credentials become Kratos' $pbkdf2-<h>$i=,l=$salt$key; other digests and
// custom verifiers keep their settings in $custos-digest$ and
// $custos-remote$ (base64url JSON). Bounds: see legacy.go.
func Encode(in Imported) (string, error) {
	s, err := encodeImported(in)
	if err != nil {
		return "", err
	}
	if err := checkStored(s); err != nil {
		return "", err
	}
	return s, nil
}

func encodeImported(in Imported) (string, error) {
	// JSON would turn invalid UTF-8 into U+FFFD, and a clear-text salt with it.
	for _, f := range []string{in.Compound, in.Hash, in.Algorithm, in.Salt, in.Format, in.BinaryFormat, in.URL} {
		if !utf8.ValidString(f) {
			return "", malformed("not UTF-8")
		}
	}
	alg := strings.ToLower(strings.TrimSpace(in.Algorithm))
	if in.Compound != "" {
		if alg != "" || in.Hash != "" {
			return "", malformed("compoundHashedPassword goes without hashedPassword and algorithm")
		}
		if json.Valid([]byte(in.Compound)) {
			return encodeKeycloak(in.Compound)
		}
		return in.Compound, nil
	}
	switch alg {
	case "md5", "sha1", "sha256", "sha512":
		return digestSpec{Algorithm: alg, Hash: in.Hash, Salt: in.Salt, Rounds: in.Rounds,
			Format: in.Format, BinaryFormat: in.BinaryFormat}.encode(), nil
	case "pbkdf2", "pbkdf2_sha256", "pbkdf2_sha512":
		if in.Format != "" || in.BinaryFormat != "" {
			return "", malformed(alg + ": format and binaryFormat do not apply")
		}
		name := map[string]string{"pbkdf2": "sha1", "pbkdf2_sha256": "sha256", "pbkdf2_sha512": "sha512"}[alg]
		return encodePBKDF2(alg, name, in.Hash, in.Salt, in.Rounds)
	case "bcrypt", "md5_crypt", "drupal", "phpass", "argon2", "argon2id", "argon2i":
		// Their hashedPassword is the whole Modular Crypt or PHC string.
		if in.Salt != "" || in.Format != "" || in.BinaryFormat != "" || !hasPrefix(in.Hash, compoundPrefixes[alg]) {
			return "", malformed(alg + ": give the whole " + strings.Join(compoundPrefixes[alg], " or ") + "… string")
		}
		return in.Hash, nil
	case "custom":
		spec := remoteSpec{URL: in.URL, Hash: in.Hash, Salt: in.Salt}
		if err := spec.check(); err != nil {
			return "", err
		}
		return spec.encode(), nil
	case "":
		return "", malformed("no algorithm and no compoundHashedPassword")
	}
	return "", unsupported(alg)
}

// compoundPrefixes are the strings that an algorithm's hashedPassword may
// start with, so that one algorithm's name cannot bring another's form.
var compoundPrefixes = map[string][]string{
	"bcrypt":    {"$2a$", "$2b$", "$2y$"},
	"md5_crypt": {"$1$"},
	"drupal":    {"$S$"},
	"phpass":    {"$P$", "$H$"},
	"argon2":    {"$argon2id$", "$argon2i$"},
	"argon2id":  {"$argon2id$"},
	"argon2i":   {"$argon2i$"},
}

func hasPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// checkStored parses s as Verify would.
func checkStored(s string) error {
	switch {
	case isBcrypt(s):
		cost, err := bcrypt.Cost([]byte(s))
		if err != nil || cost > maxBcryptCost {
			return malformed(fmt.Sprintf("bcrypt: cost must be %d..%d", bcrypt.MinCost, maxBcryptCost))
		}
		return nil
	case strings.HasPrefix(s, "$argon2id$"):
		_, _, _, err := defaultLimits.parse(s)
		return err
	}
	_, err := defaultLimits.parseLegacy(s)
	return err
}

// encodePBKDF2 stores Gigya's PBKDF2 digest (base64 hash and salt) in
// Kratos' form; the key length is the hash's.
func encodePBKDF2(alg, name, hash, salt string, rounds int) (string, error) {
	key, err := decodeLenient(hash)
	if err != nil || len(key) > maxLegacyHash {
		return "", malformed(alg + ": hashedPassword must be base64 of at most 512 bits")
	}
	s, err := decodeLenient(salt)
	if err != nil || len(s) > maxLegacySalt {
		return "", malformed(alg + ": salt must be base64 of at most 1024 bits")
	}
	if rounds < 1 {
		return "", malformed(alg + ": rounds must be at least 1")
	}
	return formatPBKDF2(name, rounds, s, key), nil
}

// keycloakCredential is Keycloak's stored password credential, either its
// two columns merged ({"value", "salt", "hashIterations", "algorithm",
// "additionalParameters"}) or a realm export's credential with the JSON
// strings "secretData" and "credentialData".
type keycloakCredential struct {
	Value                string              `json:"value"`
	Salt                 string              `json:"salt"`
	HashIterations       int                 `json:"hashIterations"`
	Algorithm            string              `json:"algorithm"`
	AdditionalParameters map[string][]string `json:"additionalParameters"`
	SecretData           string              `json:"secretData"`
	CredentialData       string              `json:"credentialData"`
}

func encodeKeycloak(s string) (string, error) {
	if len(s) > maxLegacyLen {
		return "", malformed("keycloak: too long")
	}
	var c keycloakCredential
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return "", malformed("keycloak: bad JSON")
	}
	for _, part := range []string{c.SecretData, c.CredentialData} {
		if part == "" {
			continue
		}
		var inner keycloakCredential
		if err := json.Unmarshal([]byte(part), &inner); err != nil {
			return "", malformed("keycloak: bad secretData or credentialData")
		}
		c.Value = cmp.Or(inner.Value, c.Value)
		c.Salt = cmp.Or(inner.Salt, c.Salt)
		c.HashIterations = cmp.Or(inner.HashIterations, c.HashIterations)
		c.Algorithm = cmp.Or(inner.Algorithm, c.Algorithm)
		if inner.AdditionalParameters != nil {
			c.AdditionalParameters = inner.AdditionalParameters
		}
	}
	switch c.Algorithm {
	case "pbkdf2", "pbkdf2-sha256", "pbkdf2-sha512":
		name := cmp.Or(strings.TrimPrefix(c.Algorithm, "pbkdf2-"), "sha1")
		if name == "pbkdf2" {
			name = "sha1"
		}
		return encodePBKDF2("keycloak "+c.Algorithm, name, c.Value, c.Salt, c.HashIterations)
	case "bcrypt": // the keycloak-bcrypt provider keeps the whole string in value
		return c.Value, nil
	case "argon2":
		return encodeKeycloakArgon2(c)
	case "":
		return "", malformed("keycloak: no algorithm")
	}
	return "", unsupported("keycloak " + c.Algorithm)
}

// encodeKeycloakArgon2 turns Keycloak's argon2 credential (raw hash, salt,
// hashIterations, and type, version, memory, parallelism in
// additionalParameters) into a PHC string.
func encodeKeycloakArgon2(c keycloakCredential) (string, error) {
	param := func(name string) string {
		if v := c.AdditionalParameters[name]; len(v) == 1 {
			return v[0]
		}
		return ""
	}
	variant := map[string]string{"id": "argon2id", "i": "argon2i", "d": "argon2d"}[param("type")]
	switch {
	case variant == "":
		return "", malformed("keycloak argon2: additionalParameters.type must be id, i or d")
	case param("version") != "1.3":
		return "", unsupported("keycloak argon2 version " + param("version"))
	}
	key, err1 := decodeLenient(c.Value)
	salt, err2 := decodeLenient(c.Salt)
	if err1 != nil || err2 != nil {
		return "", malformed("keycloak argon2: value and salt must be base64")
	}
	if l := param("hashLength"); l != "" && l != strconv.Itoa(len(key)) {
		return "", malformed("keycloak argon2: hashLength is not the value's length")
	}
	return fmt.Sprintf("$%s$v=19$m=%s,t=%d,p=%s$%s$%s", variant, param("memory"), c.HashIterations,
		param("parallelism"), base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}
