package oauth

import (
	"errors"

	"github.com/custos-id/custos/internal/account"
)

// More conditions of this package, besides those of oauth.go.
var (
	// ErrInvalid is the condition of every *InvalidError.
	ErrInvalid = errors.New("oauth: invalid")
	// ErrChanged: the record changed meanwhile (a lost race of writers).
	// It is the account package's condition, which every dialect already
	// maps to 409030.
	ErrChanged = account.ErrChanged
	// ErrPending: the request is not authenticated (Approve) or not done
	// (SaveCode) yet.
	ErrPending = errors.New("oauth: the request is not authenticated and approved yet")
)

// InvalidError is a value the domain refuses: Attr names the attribute in
// the domain's words (one of Attributes), which adapters rename into their
// wire names; Reason says why, in words a developer can act on.
type InvalidError struct {
	Attr   string
	Reason string
}

func (e *InvalidError) Error() string { return "oauth: invalid " + e.Attr + ": " + e.Reason }

// Is makes errors.Is(err, ErrInvalid) hold.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

func invalid(attr, reason string) error { return &InvalidError{Attr: attr, Reason: reason} }

// The attributes of InvalidError.
const (
	// A client's.
	AttrClientID               = "clientID"
	AttrName                   = "name"
	AttrSecret                 = "secret"
	AttrRedirectURIs           = "redirectURIs"
	AttrPostLogoutRedirectURIs = "postLogoutRedirectURIs"
	AttrResponseTypes          = "responseTypes"
	AttrGrantTypes             = "grantTypes"
	AttrScopes                 = "scopes"
	// A configuration's.
	AttrProxyPage            = "proxyPage"
	AttrCustomClaims         = "customClaims"
	AttrCustomScopes         = "customScopes"
	AttrStylesheet           = "stylesheet"
	AttrAccessTokenLifetime  = "accessTokenLifetime"
	AttrIDTokenLifetime      = "idTokenLifetime"
	AttrRefreshTokenLifetime = "refreshTokenLifetime"
	AttrCodeLifetime         = "codeLifetime"
	// An authorization request's (AttrScopes too) and a grant's.
	AttrRedirectURI         = "redirectURI"
	AttrResponseType        = "responseType"
	AttrResponseMode        = "responseMode"
	AttrState               = "state"
	AttrNonce               = "nonce"
	AttrCodeChallenge       = "codeChallenge"
	AttrCodeChallengeMethod = "codeChallengeMethod"
	AttrPrompt              = "prompt"
	AttrMaxAge              = "maxAge"
	AttrACRValues           = "acrValues"
	AttrLoginHint           = "loginHint"
	AttrUILocales           = "uiLocales"
	AttrSubject             = "subject"
	AttrAMR                 = "amr"
	AttrAudience            = "audience"
	AttrCode                = "code"
	AttrRefresh             = "refresh"
)

// Attributes lists every attribute of InvalidError, for adapters' tests.
func Attributes() []string {
	return []string{AttrClientID, AttrName, AttrSecret, AttrRedirectURIs, AttrPostLogoutRedirectURIs,
		AttrResponseTypes, AttrGrantTypes, AttrScopes, AttrProxyPage, AttrCustomClaims, AttrCustomScopes, AttrStylesheet,
		AttrAccessTokenLifetime, AttrIDTokenLifetime, AttrRefreshTokenLifetime, AttrCodeLifetime,
		AttrRedirectURI, AttrResponseType, AttrResponseMode, AttrState, AttrNonce, AttrCodeChallenge,
		AttrCodeChallengeMethod, AttrPrompt, AttrMaxAge, AttrACRValues, AttrLoginHint, AttrUILocales,
		AttrSubject, AttrAMR, AttrAudience, AttrCode, AttrRefresh}
}
