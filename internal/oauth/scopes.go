package oauth

import (
	"slices"

	"github.com/custos-id/custos/internal/token"
)

// The standard scopes (OpenID Connect Core §5.4 and §11).
const (
	ScopeOpenID        = "openid"
	ScopeEmail         = "email"
	ScopeProfile       = "profile"
	ScopePhone         = "phone"
	ScopeAddress       = "address"
	ScopeOfflineAccess = "offline_access"
)

// standardScopes map each standard scope to the claims it releases (Core
// §5.4); offline_access asks for a refresh token and releases none.
var standardScopes = map[string][]string{
	ScopeOpenID:        {"sub"},
	ScopeEmail:         {"email", "email_verified"},
	ScopeProfile:       {"name", "family_name", "given_name", "middle_name", "nickname", "preferred_username", "profile", "picture", "website", "gender", "birthdate", "zoneinfo", "locale", "updated_at"},
	ScopePhone:         {"phone_number", "phone_number_verified"},
	ScopeAddress:       {"address"},
	ScopeOfflineAccess: nil,
}

// StandardScope tells whether scope is a standard scope.
func StandardScope(scope string) bool {
	_, ok := standardScopes[scope]
	return ok
}

// StandardClaims are the claims a standard scope releases (nil for another
// scope); the caller must not modify them.
func StandardClaims(scope string) []string { return standardScopes[scope] }

// standardClaim tells whether claim is one a standard scope releases.
func standardClaim(claim string) bool {
	for _, claims := range standardScopes {
		if slices.Contains(claims, claim) {
			return true
		}
	}
	return false
}

// ReservedClaim tells whether no custom claim may be named claim: the
// claims relying parties check (token.Reserved) and the standard claims,
// which come from the account as the standard scopes say.
func ReservedClaim(claim string) bool { return token.Reserved(claim) || standardClaim(claim) }
