package oauth

import (
	"context"
	"time"
)

// Defaults of Config's lifetimes.
const (
	DefaultAccessTokenLifetime  = time.Hour
	DefaultIDTokenLifetime      = time.Hour
	DefaultRefreshTokenLifetime = 30 * 24 * time.Hour
	DefaultCodeLifetime         = time.Minute
	// AuthRequestLifetime is how long a user has to log in and consent.
	AuthRequestLifetime = 30 * time.Minute
)

// Options configure a Service.
type Options struct {
	Now func() time.Time
}

// Service keeps the provider's clients, configuration, requests, codes,
// tokens and consents. SKELETON: the signatures are the contract between
// the helpers of issue 12; the bodies are being written.
type Service struct {
	opts Options
}

// --- clients (fidm.oidc.op.createRP …, custos oidc client …) ---

// CreateClient validates c and stores it with a new random ClientID; a
// confidential client (public false) gets a new secret, returned once.
func (s *Service) CreateClient(ctx context.Context, siteID int64, c Client, public bool) (NewClient, error) {
	panic("unimplemented")
}

// Client finds a client of a site by ClientID: ErrNotFound.
func (s *Service) Client(ctx context.Context, siteID int64, clientID string) (Client, error) {
	panic("unimplemented")
}

// Clients lists a site's clients, oldest first.
func (s *Service) Clients(ctx context.Context, siteID int64) ([]Client, error) { panic("unimplemented") }

// UpdateClient applies edit to the stored client, validates the result
// and stores it in one transaction (concurrent updates: the loser gets the
// store's conflict error).
func (s *Service) UpdateClient(ctx context.Context, siteID int64, clientID string, edit func(*Client) error) (Client, error) {
	panic("unimplemented")
}

// RotateClientSecret gives a confidential client a new secret.
func (s *Service) RotateClientSecret(ctx context.Context, siteID int64, clientID string) (NewClient, error) {
	panic("unimplemented")
}

// DeleteClient deletes a client and revokes every token issued to it.
func (s *Service) DeleteClient(ctx context.Context, siteID int64, clientID string) error {
	panic("unimplemented")
}

// AuthenticateClient checks a client's secret in constant time:
// ErrNotFound for an unknown client or a wrong secret alike.
func (s *Service) AuthenticateClient(ctx context.Context, siteID int64, clientID, secret string) (Client, error) {
	panic("unimplemented")
}

// --- the site's provider configuration (fidm.oidc.op.setConfig …) ---

// Config is a site's configuration, with defaults filled in.
func (s *Service) Config(ctx context.Context, siteID int64) (Config, error) { panic("unimplemented") }

// SetConfig applies edit to the site's configuration, validates and stores it.
func (s *Service) SetConfig(ctx context.Context, siteID int64, edit func(*Config) error) (Config, error) {
	panic("unimplemented")
}

// ClearConfig returns the site to the defaults.
func (s *Service) ClearConfig(ctx context.Context, siteID int64) error { panic("unimplemented") }

// --- authorization requests and codes ---

// CreateAuthRequest stores r with a new random ID, expiring after
// AuthRequestLifetime.
func (s *Service) CreateAuthRequest(ctx context.Context, r AuthRequest) (AuthRequest, error) {
	panic("unimplemented")
}

// AuthRequest finds a live request by ID: ErrNotFound, ErrExpired.
func (s *Service) AuthRequest(ctx context.Context, siteID int64, id string) (AuthRequest, error) {
	panic("unimplemented")
}

// Authenticate records who logged in for request id (AccountID, Subject,
// AuthTime, AMR) and whether it is done (no consent needed, or given).
func (s *Service) Authenticate(ctx context.Context, siteID int64, id string, accountID int64, subject string, authTime time.Time, amr []string, done bool) error {
	panic("unimplemented")
}

// Approve marks an authenticated request done and records the consent of
// its account to its client for its scopes.
func (s *Service) Approve(ctx context.Context, siteID int64, id string) error { panic("unimplemented") }

// Consented tells whether accountID consented to clientID for every one of scopes.
func (s *Service) Consented(ctx context.Context, siteID, accountID int64, clientID string, scopes []string) (bool, error) {
	panic("unimplemented")
}

// SaveCode binds a new authorization code to a done request; the store
// keeps its hash, and it expires after the site's CodeLifetime.
func (s *Service) SaveCode(ctx context.Context, siteID int64, id, code string) error {
	panic("unimplemented")
}

// AuthRequestByCode finds the request of an unused code: ErrNotFound,
// ErrCodeExpired, and ErrReused for a code used before, whose tokens it
// revokes first.
func (s *Service) AuthRequestByCode(ctx context.Context, siteID int64, code string) (AuthRequest, error) {
	panic("unimplemented")
}

// UseCode marks the code of request id used (the request is kept until
// it expires, so that a second use is recognised).
func (s *Service) UseCode(ctx context.Context, siteID int64, id string) error { panic("unimplemented") }

// --- tokens ---

// Issue stores a new access token (and a refresh token when g.Refresh),
// starting a new family.
func (s *Service) Issue(ctx context.Context, g Grant) (Issued, error) { panic("unimplemented") }

// RefreshGrant finds the token of a live refresh token of clientID:
// ErrNotFound (unknown or another client's), ErrExpired, ErrRevoked, and
// ErrReused for a refresh token rotated before, whose family it revokes.
func (s *Service) RefreshGrant(ctx context.Context, siteID int64, clientID, refreshToken string) (Token, error) {
	panic("unimplemented")
}

// Rotate marks refreshToken used and issues the new pair in the same
// family, in one transaction; a concurrent second rotation of the same
// token gets ErrReused.
func (s *Service) Rotate(ctx context.Context, refreshToken string, g Grant) (Issued, error) {
	panic("unimplemented")
}

// AccessToken finds a live access token by id: ErrNotFound, ErrExpired,
// ErrRevoked.
func (s *Service) AccessToken(ctx context.Context, siteID int64, id string) (Token, error) {
	panic("unimplemented")
}

// Revoke revokes the family of a refresh token (in clear) or an access
// token id issued to clientID; an unknown token is not an error (RFC 7009).
func (s *Service) Revoke(ctx context.Context, siteID int64, clientID, tokenOrID string) error {
	panic("unimplemented")
}

// RevokeGrants revokes every token of accountID issued to clientID (every
// client when clientID is empty): end_session.
func (s *Service) RevokeGrants(ctx context.Context, siteID, accountID int64, clientID string) error {
	panic("unimplemented")
}
