package password

import "errors"

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
func Encode(in Imported) (string, error) {
	return "", ErrUnsupported // the legacy-hash work replaces this
}
