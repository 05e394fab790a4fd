package oauth

import (
	"context"
	"time"
)

// Store keeps what a Service keeps; *store.DB implements it. Its methods
// answer ErrNotFound for a row they do not hold (or that is not in the
// given state), and ErrChanged to the loser of a write race.
type Store interface {
	// CreateOAuthClient stores c and sets its ID: ErrClientExists when
	// the site has a client of c.ClientID.
	CreateOAuthClient(ctx context.Context, c *Client) error
	OAuthClient(ctx context.Context, siteID int64, clientID string) (Client, error)
	// OAuthClients lists a site's clients, oldest first.
	OAuthClients(ctx context.Context, siteID int64) ([]Client, error)
	// UpdateOAuthClient reads the client, applies fn and writes every
	// attribute but ID, SiteID, ClientID and CreatedAt in one transaction;
	// concurrent updates queue. When fn leaves UpdatedAt at or before the
	// value read, it becomes a millisecond later.
	UpdateOAuthClient(ctx context.Context, siteID int64, clientID string, fn func(*Client) error) (Client, error)
	// DeleteOAuthClient deletes a client with its requests, tokens and
	// consents.
	DeleteOAuthClient(ctx context.Context, siteID int64, clientID string) error

	// OAuthConfig is the site's stored configuration: the zero Config when
	// it has none.
	OAuthConfig(ctx context.Context, siteID int64) (Config, error)
	// UpdateOAuthConfig reads the site's configuration (the zero Config
	// when none), applies fn and writes it at at, in one transaction.
	UpdateOAuthConfig(ctx context.Context, siteID int64, at time.Time, fn func(*Config) error) (Config, error)

	CreateOAuthAuthRequest(ctx context.Context, r AuthRequest) error
	OAuthAuthRequest(ctx context.Context, siteID int64, id string) (StoredAuthRequest, error)
	OAuthAuthRequestByCode(ctx context.Context, siteID int64, codeHash []byte) (StoredAuthRequest, error)
	// AuthenticateOAuthAuthRequest writes r's AccountID, Subject, AuthTime,
	// AMR and Done to request r.ID of r.SiteID, while it has no code and
	// is not used.
	AuthenticateOAuthAuthRequest(ctx context.Context, r AuthRequest) error
	// ApproveOAuthAuthRequest marks request id done, while it is accountID's,
	// has no code and is not used, and adds scopes to the account's
	// consent to clientID, in one transaction.
	ApproveOAuthAuthRequest(ctx context.Context, siteID int64, id string, accountID int64, clientID string, scopes []string, at time.Time) error
	// OAuthConsent is the scopes accountID consented to give clientID.
	OAuthConsent(ctx context.Context, siteID, accountID int64, clientID string) ([]string, error)
	// SetOAuthCode binds a code (its hash) to request id, while it is done,
	// has none and is not used, and keeps the request at least until the
	// code expires.
	SetOAuthCode(ctx context.Context, siteID int64, id string, codeHash []byte, expiresAt time.Time) error
	// UseOAuthCode marks the code of done request id used at at (a request
	// answered without a code, the request itself), keeping the request at
	// least until keepUntil, and stores issue, in one transaction:
	// ErrReused when it was used already (also by a concurrent call; then
	// nothing is stored), ErrNotFound when the request is not there or not
	// done.
	UseOAuthCode(ctx context.Context, siteID int64, id string, at, keepUntil time.Time, issue ...StoredToken) error

	CreateOAuthToken(ctx context.Context, t StoredToken) error
	OAuthToken(ctx context.Context, siteID int64, id string) (StoredToken, error)
	OAuthTokenByRefresh(ctx context.Context, siteID int64, refreshHash []byte) (StoredToken, error)
	// RotateOAuthToken marks the refresh token of refreshHash used at at,
	// if it was not, and stores next (and more), in one transaction:
	// ErrReused when it was used already (also by a concurrent call),
	// ErrRevoked when it is revoked, ErrNotFound when it is not there.
	RotateOAuthToken(ctx context.Context, siteID int64, refreshHash []byte, at time.Time, next StoredToken, more ...StoredToken) error
	// RevokeOAuthFamily revokes, at at, every live token of a family.
	RevokeOAuthFamily(ctx context.Context, siteID int64, familyID string, at time.Time) error
	// RevokeOAuthAuthRequestTokens revokes, at at, the families of the
	// tokens issued from request id's code.
	RevokeOAuthAuthRequestTokens(ctx context.Context, siteID int64, id string, at time.Time) error
	// RevokeOAuthGrants revokes, at at, every live token of accountID
	// issued to clientID, or to any client when clientID is empty.
	RevokeOAuthGrants(ctx context.Context, siteID, accountID int64, clientID string, at time.Time) error
}

// StoredAuthRequest is an authorization request with the state of its
// code, as the store keeps it.
type StoredAuthRequest struct {
	AuthRequest
	// CodeHash is the SHA-256 of the code; nil before SaveCode.
	CodeHash      []byte
	CodeExpiresAt time.Time
	// CodeUsedAt is zero while the code (or the request, answered without
	// one) is unused.
	CodeUsedAt time.Time
}

// StoredToken is an issued token as the store keeps it.
type StoredToken struct {
	Token
	// RefreshHash is the SHA-256 of the refresh token; nil when none.
	RefreshHash []byte
	// RefreshUsedAt is zero while the refresh token was not rotated.
	RefreshUsedAt time.Time
}
