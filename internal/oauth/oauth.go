// Package oauth holds what custos keeps as an OAuth 2.0 authorization
// server and OpenID Provider, in domain terms and without HTTP: a site's
// relying parties (clients) and provider configuration, authorization
// requests between authorize and the code, the codes, the tokens issued
// from them (access tokens by id, refresh tokens by hash, in families for
// reuse detection), the consents users gave, and the access tokens of
// Gigya's own OAuth 2.0 (socialize.getToken).
//
// The OpenID Connect protocol itself (parameters, validation, signing,
// discovery) is the adapter's, internal/oidcop, built on zitadel/oidc's op
// package; this package is its storage and its rules.
package oauth

import (
	"errors"
	"time"
)

// Client is a relying party of a site.
type Client struct {
	ID     int64
	SiteID int64
	// ClientID is the public identifier a relying party sends.
	ClientID string
	Name     string
	// SecretHash is the SHA-256 of the client secret; nil for a public
	// client (a browser or native app), which must use PKCE with S256.
	SecretHash []byte
	// RedirectURIs are matched exactly; PostLogoutRedirectURIs are where
	// end_session may send the user back to.
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	// ResponseTypes the client may ask for: "code", "id_token",
	// "id_token token", "code id_token", "code token", "code id_token token".
	ResponseTypes []string
	// GrantTypes: "authorization_code", "refresh_token", "implicit",
	// "client_credentials".
	GrantTypes []string
	// Scopes the client may ask for besides openid; empty: every scope the
	// site knows (openid, email, profile, phone, address, offline_access and
	// the site's custom scopes).
	Scopes []string
	// RequireConsent shows the consent page before the first code for an
	// account (and whenever the scopes grow, or prompt=consent).
	RequireConsent bool
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Public tells whether c has no secret.
func (c Client) Public() bool { return len(c.SecretHash) == 0 }

// NewClient is a client just created or given a new secret: the only time
// its secret exists in clear.
type NewClient struct {
	Client
	Secret string // empty for a public client
}

// Config is a site's provider configuration (fidm.oidc.op.setConfig).
type Config struct {
	// ProxyPage is the site's own login page (absolute https URL, or http
	// on localhost); empty: custos's hosted login page.
	ProxyPage string
	// CustomClaims map a claim name to the account field it comes from:
	// "profile.<field>", "data.<path>", "preferences.<path>",
	// "subscriptions.<path>", "email", "uid".
	CustomClaims map[string]Claim
	// CustomScopes map a scope name to the claims it releases (standard or
	// custom claim names).
	CustomScopes map[string][]string
	// Stylesheet is the site's CSS for the hosted pages, served after
	// custos's own (which it themes through its custom properties); empty:
	// custos's alone.
	Stylesheet string
	// Lifetimes; zero takes the default of each.
	AccessTokenLifetime  time.Duration
	IDTokenLifetime      time.Duration
	RefreshTokenLifetime time.Duration
	CodeLifetime         time.Duration
}

// Claim is where a custom claim's value comes from.
type Claim struct {
	FieldName string
}

// AuthRequest is an authorization request between authorize and the code:
// what the relying party asked for, and once the user logged in, who.
type AuthRequest struct {
	// ID is random and opaque: the context parameter of the login page.
	ID       string
	SiteID   int64
	ClientID string
	// What the relying party asked for, as validated by the adapter.
	RedirectURI         string
	ResponseType        string
	ResponseMode        string
	Scopes              []string
	State               string
	Nonce               string
	CodeChallenge       string
	CodeChallengeMethod string
	Prompt              []string
	MaxAge              *time.Duration
	ACRValues           []string
	LoginHint           string
	UILocales           []string
	// Set by Authenticate: the account, its UID (the subject), when the
	// user authenticated and how (amr values such as "pwd").
	AccountID int64
	Subject   string
	AuthTime  time.Time
	AMR       []string
	// Done: authenticated and consented; a code may be issued.
	Done      bool
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Grant is what a token is issued for.
type Grant struct {
	SiteID   int64
	ClientID string
	// AccountID and Subject are the user's; zero and the client id for
	// client_credentials.
	AccountID int64
	Subject   string
	Scopes    []string
	Audience  []string
	AuthTime  time.Time
	AMR       []string
	// AuthRequestID is the code's request, when the grant came from a code:
	// a reused code revokes what it issued.
	AuthRequestID string
	// Refresh asks for a refresh token as well.
	Refresh bool
}

// Issued is the result of issuing tokens.
type Issued struct {
	// AccessTokenID is the jti of the JWT access token.
	AccessTokenID string
	AccessExpires time.Time
	// RefreshToken is the refresh token in clear (empty when none was
	// asked for); the store keeps its hash.
	RefreshToken   string
	RefreshExpires time.Time
}

// Token is an issued access token (with its refresh token, if any) as the
// store keeps it.
type Token struct {
	ID        string // the access token's jti
	SiteID    int64
	ClientID  string
	AccountID int64
	Subject   string
	Scopes    []string
	Audience  []string
	AuthTime  time.Time
	AMR       []string
	// FamilyID ties the tokens of one grant together: refreshing keeps it,
	// and a reused refresh token or code revokes the whole family.
	FamilyID       string
	AuthRequestID  string
	ExpiresAt      time.Time
	RefreshExpires time.Time
	RevokedAt      time.Time
	CreatedAt      time.Time
}

// The conditions of this package. The adapters map them to the catalog
// (400014 for an unknown, used, revoked or foreign code or refresh token,
// 400015 for an expired code, 403025 for an unknown, expired or revoked
// access token).
var (
	ErrNotFound     = errors.New("oauth: not found")
	ErrExpired      = errors.New("oauth: expired")
	ErrCodeExpired  = errors.New("oauth: code expired")
	ErrReused       = errors.New("oauth: code or refresh token used before: its tokens are revoked")
	ErrWrongClient  = errors.New("oauth: issued to another client")
	ErrRevoked      = errors.New("oauth: revoked")
	ErrClientExists = errors.New("oauth: client id taken")
)
