package token

import (
	"strings"
	"time"

	"github.com/custos-id/custos/internal/account"
)

// DefaultLifetime is the lifetime of a token unless ClaimOptions says
// otherwise.
const DefaultLifetime = 300 * time.Second

// MaxLifetime is the longest lifetime of a token custos signs (getJWT's
// largest expiration). A retired key verifies for this long, and a little
// more (Retention).
const MaxLifetime = 24 * time.Hour

// ClaimOptions shape one token's claims.
type ClaimOptions struct {
	// Issuer is the issuer template: the iss claim is Issuer(Issuer, APIKey).
	Issuer string
	// APIKey is the site's API key.
	APIKey string
	// Audience is the aud claim; none when empty.
	Audience string
	// Lifetime is exp - iat, in whole seconds: DefaultLifetime when zero or
	// less, MaxLifetime at most.
	Lifetime time.Duration
	// Fields are the profile fields to carry, by name (see ValidField).
	Fields []string
	// Now is the iat claim.
	Now time.Time
}

// ValidField tells whether name can be a profile field of Claims: a plain
// field name, not a path.
func ValidField(name string) bool {
	return name != "" && !strings.ContainsAny(name, ". ")
}

// reserved are the claims no profile field may set: a client writes its
// profile, and must not choose what relying parties check (the registered
// JWT claims; OpenID Connect's verified and hash claims; the OAuth claims of
// RFC 8693, 9068 and 7800: scope, client, actor, confirmation key,
// authorization roles) nor custos's own. The email claim comes from the
// account, never from the profile.
var reserved = map[string]bool{
	"iss": true, "sub": true, "aud": true, "exp": true, "nbf": true, "iat": true, "jti": true, "typ": true,
	"azp": true, "nonce": true, "auth_time": true, "at_hash": true, "c_hash": true, "s_hash": true,
	"acr": true, "amr": true, "sid": true, "sub_jwk": true, "updated_at": true,
	"email_verified": true, "phone_number": true, "phone_number_verified": true,
	"scope": true, "client_id": true, "cnf": true, "act": true, "may_act": true,
	"roles": true, "groups": true, "entitlements": true,
	"apiKey": true, "isLoggedIn": true,
}

// Reserved tells whether claim is one that no profile field, nor a custom
// claim of the OpenID Provider, may set.
func Reserved(claim string) bool { return reserved[claim] }

// Claims returns the claims of an id_token for account a, as Gigya builds
// them (gigya-api.md §2.6): iss, apiKey, sub (the UID), iat and exp
// (NumericDate seconds), email_verified, aud when given, and the profile
// fields asked for. A field never sets a reserved claim, and the email
// claim is the account's own address, the one email_verified speaks of,
// never profile.email, which a client may write.
func Claims(a account.Account, o ClaimOptions) map[string]any {
	life := o.Lifetime
	if life <= 0 {
		life = DefaultLifetime
	}
	life = min(life, MaxLifetime)
	iat := o.Now.Unix()
	claims := map[string]any{"iss": Issuer(o.Issuer, o.APIKey), "apiKey": o.APIKey, "sub": a.UID,
		"iat": iat, "exp": iat + int64(life/time.Second), "email_verified": a.EmailVerified}
	if o.Audience != "" {
		claims["aud"] = o.Audience
	}
	for _, f := range o.Fields {
		if reserved[f] || !ValidField(f) {
			continue
		}
		if f == "email" {
			if a.Email != "" {
				claims["email"] = a.Email
			}
			continue
		}
		if v, ok := a.Profile[f]; ok {
			claims[f] = v
		}
	}
	return claims
}
