package oauth

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
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
	// UsedCodeKept is how long a request stays after its code was used, so
	// that a second use is recognised and revokes what the first issued.
	UsedCodeKept = AuthRequestLifetime
)

// Options configure a Service.
type Options struct {
	Now func() time.Time // default time.Now
}

// Service keeps the provider's clients, configuration, requests, codes,
// tokens and consents.
type Service struct {
	store Store
	opts  Options
}

// NewService returns a Service over store.
func NewService(store Store, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{store: store, opts: opts}
}

// now is the clock, in the store's precision.
func (s *Service) now() time.Time { return s.opts.Now().UTC().Truncate(time.Millisecond) }

// --- clients (fidm.oidc.op.createRP …, custos oidc client …) ---

// CreateClient validates c and stores it with a new random ClientID; a
// confidential client (public false) gets a new secret, returned once.
// A ClientID given in c is kept instead (a client moved from another
// provider keeps its id): ErrClientExists when the site has it already.
func (s *Service) CreateClient(ctx context.Context, siteID int64, c Client, public bool) (NewClient, error) {
	return s.createClient(ctx, siteID, c, public, "")
}

// createClient creates a client with secret, or a new random one when
// secret is empty.
func (s *Service) createClient(ctx context.Context, siteID int64, c Client, public bool, secret string) (NewClient, error) {
	c, err := checkClient(c, public)
	if err != nil {
		return NewClient{}, err
	}
	if c.ClientID == "" {
		c.ClientID = newClientID()
	} else if err := checkClientID(c.ClientID); err != nil {
		return NewClient{}, err
	}
	n := NewClient{}
	c.SecretHash = nil
	if !public {
		n.Secret = cmp.Or(secret, random())
		c.SecretHash = hash(n.Secret)
	}
	now := s.now()
	c.ID, c.SiteID, c.CreatedAt, c.UpdatedAt = 0, siteID, now, now
	if err := s.store.CreateOAuthClient(ctx, &c); err != nil {
		return NewClient{}, err
	}
	n.Client = c
	return n, nil
}

// Client finds a client of a site by ClientID: ErrNotFound.
func (s *Service) Client(ctx context.Context, siteID int64, clientID string) (Client, error) {
	if clientID == "" || len(clientID) > MaxClientIDLen {
		return Client{}, ErrNotFound
	}
	return s.store.OAuthClient(ctx, siteID, clientID)
}

// Clients lists a site's clients, oldest first.
func (s *Service) Clients(ctx context.Context, siteID int64) ([]Client, error) {
	return s.store.OAuthClients(ctx, siteID)
}

// UpdateClient applies edit to the stored client, validates the result
// and stores it in one transaction (concurrent updates queue, so none is
// lost; a write that lost a race anyway gets ErrChanged). The identity of
// the client (its ids, secret and creation) is not edit's to change;
// whether it is public is kept.
func (s *Service) UpdateClient(ctx context.Context, siteID int64, clientID string, edit func(*Client) error) (Client, error) {
	n, err := s.UpdateClientSecret(ctx, siteID, clientID, edit, false)
	return n.Client, err
}

// UpdateClientSecret is UpdateClient that, when rotate, also gives the
// client a new secret (returned once), in the same transaction: a refused
// edit or rotation changes nothing. A public client has no secret to
// rotate (an *InvalidError of AttrSecret).
func (s *Service) UpdateClientSecret(ctx context.Context, siteID int64, clientID string, edit func(*Client) error, rotate bool) (NewClient, error) {
	if clientID == "" || len(clientID) > MaxClientIDLen {
		return NewClient{}, ErrNotFound
	}
	now := s.now()
	var secret string
	if rotate {
		secret = random()
	}
	c, err := s.store.UpdateOAuthClient(ctx, siteID, clientID, func(c *Client) error {
		read := *c
		if err := edit(c); err != nil {
			return err
		}
		checked, err := checkClient(*c, read.Public())
		if err != nil {
			return err
		}
		checked.ID, checked.SiteID, checked.ClientID = read.ID, read.SiteID, read.ClientID
		checked.SecretHash, checked.CreatedAt, checked.UpdatedAt = read.SecretHash, read.CreatedAt, now
		if rotate {
			if read.Public() {
				return invalid(AttrSecret, "a public client has no secret")
			}
			checked.SecretHash = hash(secret)
		}
		*c = checked
		return nil
	})
	if err != nil {
		return NewClient{}, err
	}
	return NewClient{Client: c, Secret: secret}, nil
}

// RotateClientSecret gives a confidential client a new secret; a public
// client has none to rotate (an *InvalidError of AttrSecret).
func (s *Service) RotateClientSecret(ctx context.Context, siteID int64, clientID string) (NewClient, error) {
	if clientID == "" || len(clientID) > MaxClientIDLen {
		return NewClient{}, ErrNotFound
	}
	secret, now := random(), s.now()
	c, err := s.store.UpdateOAuthClient(ctx, siteID, clientID, func(c *Client) error {
		if c.Public() {
			return invalid(AttrSecret, "a public client has no secret")
		}
		c.SecretHash, c.UpdatedAt = hash(secret), now
		return nil
	})
	if err != nil {
		return NewClient{}, err
	}
	return NewClient{Client: c, Secret: secret}, nil
}

// DeleteClient deletes a client and, with it, every request, token and
// consent of it: its tokens are unknown from then on.
func (s *Service) DeleteClient(ctx context.Context, siteID int64, clientID string) error {
	if clientID == "" || len(clientID) > MaxClientIDLen {
		return ErrNotFound
	}
	return s.store.DeleteOAuthClient(ctx, siteID, clientID)
}

// AuthenticateClient checks a client's secret in constant time:
// ErrNotFound for an unknown client or a wrong secret alike, and for a
// public client, which has no secret.
func (s *Service) AuthenticateClient(ctx context.Context, siteID int64, clientID, secret string) (Client, error) {
	if secret == "" || len(secret) > maxSecretLen {
		return Client{}, ErrNotFound
	}
	c, err := s.Client(ctx, siteID, clientID)
	if err != nil {
		return Client{}, err
	}
	if c.Public() || subtle.ConstantTimeCompare(hash(secret), c.SecretHash) != 1 {
		return Client{}, ErrNotFound
	}
	return c, nil
}

// --- the site's provider configuration (fidm.oidc.op.setConfig …) ---

// Config is a site's configuration, with defaults filled in.
func (s *Service) Config(ctx context.Context, siteID int64) (Config, error) {
	c, err := s.store.OAuthConfig(ctx, siteID)
	if err != nil {
		return Config{}, err
	}
	return withDefaults(c), nil
}

// withDefaults fills in the default of every lifetime left zero.
func withDefaults(c Config) Config {
	for _, l := range []struct {
		d   *time.Duration
		def time.Duration
	}{
		{&c.AccessTokenLifetime, DefaultAccessTokenLifetime}, {&c.IDTokenLifetime, DefaultIDTokenLifetime},
		{&c.RefreshTokenLifetime, DefaultRefreshTokenLifetime}, {&c.CodeLifetime, DefaultCodeLifetime},
	} {
		if *l.d == 0 {
			*l.d = l.def
		}
	}
	if c.CustomClaims == nil {
		c.CustomClaims = map[string]Claim{}
	}
	if c.CustomScopes == nil {
		c.CustomScopes = map[string][]string{}
	}
	return c
}

// SetConfig applies edit to the site's configuration as stored (a zero
// lifetime is the default), validates and stores it in one transaction,
// and returns it with defaults filled in.
func (s *Service) SetConfig(ctx context.Context, siteID int64, edit func(*Config) error) (Config, error) {
	c, err := s.store.UpdateOAuthConfig(ctx, siteID, s.now(), func(c *Config) error {
		if err := edit(c); err != nil {
			return err
		}
		checked, err := checkConfig(*c)
		*c = checked
		return err
	})
	if err != nil {
		return Config{}, err
	}
	return withDefaults(c), nil
}

// ClearConfig returns the site to the defaults.
func (s *Service) ClearConfig(ctx context.Context, siteID int64) error {
	_, err := s.store.UpdateOAuthConfig(ctx, siteID, s.now(), func(c *Config) error {
		*c = Config{}
		return nil
	})
	return err
}

// --- authorization requests and codes ---

// CreateAuthRequest stores r with a new random ID, expiring after
// AuthRequestLifetime; r's client must be the site's (ErrNotFound).
func (s *Service) CreateAuthRequest(ctx context.Context, r AuthRequest) (AuthRequest, error) {
	if err := checkRequest(r); err != nil {
		return AuthRequest{}, err
	}
	if _, err := s.Client(ctx, r.SiteID, r.ClientID); err != nil {
		return AuthRequest{}, err
	}
	now := s.now()
	r.ID, r.CreatedAt, r.ExpiresAt = random(), now, now.Add(AuthRequestLifetime)
	r.AccountID, r.Subject, r.AuthTime, r.AMR, r.Done = 0, "", time.Time{}, nil, false
	if err := s.store.CreateOAuthAuthRequest(ctx, r); err != nil {
		return AuthRequest{}, err
	}
	return r, nil
}

// AuthRequest finds a live request by ID: ErrNotFound (also once its code
// was issued, or it was used), ErrExpired.
func (s *Service) AuthRequest(ctx context.Context, siteID int64, id string) (AuthRequest, error) {
	r, err := s.authRequest(ctx, siteID, id)
	return r.AuthRequest, err
}

// authRequest finds a live request that has no code yet.
func (s *Service) authRequest(ctx context.Context, siteID int64, id string) (StoredAuthRequest, error) {
	if id == "" || len(id) > maxSecretLen {
		return StoredAuthRequest{}, ErrNotFound
	}
	r, err := s.store.OAuthAuthRequest(ctx, siteID, id)
	switch {
	case err != nil:
		return StoredAuthRequest{}, err
	case r.CodeHash != nil || !r.CodeUsedAt.IsZero():
		return StoredAuthRequest{}, ErrNotFound
	case !s.now().Before(r.ExpiresAt):
		return StoredAuthRequest{}, ErrExpired
	}
	return r, nil
}

// Authenticate records who logged in for request id (AccountID, Subject,
// AuthTime, AMR) and whether it is done (no consent needed, or given). A
// zero authTime is now.
func (s *Service) Authenticate(ctx context.Context, siteID int64, id string, accountID int64, subject string, authTime time.Time, amr []string, done bool) error {
	if accountID <= 0 || subject == "" || len(subject) > MaxClientIDLen {
		return invalid(AttrSubject, "an account and its UID are needed")
	}
	if err := checkShortList(AttrAMR, amr); err != nil {
		return err
	}
	r, err := s.authRequest(ctx, siteID, id)
	if err != nil {
		return err
	}
	if authTime.IsZero() {
		authTime = s.now()
	}
	r.AccountID, r.Subject, r.AuthTime, r.AMR, r.Done = accountID, subject, authTime.UTC().Truncate(time.Millisecond), amr, done
	return s.store.AuthenticateOAuthAuthRequest(ctx, r.AuthRequest)
}

// Approve marks an authenticated request done and records the consent of
// its account to its client for its scopes (added to those it consented
// to before): ErrPending when no one authenticated for it yet.
func (s *Service) Approve(ctx context.Context, siteID int64, id string) error {
	r, err := s.authRequest(ctx, siteID, id)
	if err != nil {
		return err
	}
	if r.AccountID == 0 {
		return ErrPending
	}
	return s.store.ApproveOAuthAuthRequest(ctx, siteID, id, r.AccountID, r.ClientID, r.Scopes, s.now())
}

// Deny ends authenticated request id without an answer (the user refused
// consent): it is used up, so that no Approve, code or token can follow.
// ErrPending when no one authenticated for it yet.
func (s *Service) Deny(ctx context.Context, siteID int64, id string) error {
	r, err := s.authRequest(ctx, siteID, id)
	if err != nil {
		return err
	}
	if r.AccountID == 0 {
		return ErrPending
	}
	// Only a done request can be used up; it has no code, and none can
	// be saved for it once it is used.
	r.Done = true
	if err := s.store.AuthenticateOAuthAuthRequest(ctx, r.AuthRequest); err != nil {
		return err
	}
	return s.useCode(ctx, siteID, id, nil)
}

// Consented tells whether accountID consented to clientID for every one of scopes.
func (s *Service) Consented(ctx context.Context, siteID, accountID int64, clientID string, scopes []string) (bool, error) {
	given, err := s.store.OAuthConsent(ctx, siteID, accountID, clientID)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, sc := range scopes {
		if !slices.Contains(given, sc) {
			return false, nil
		}
	}
	return true, nil
}

// SaveCode binds a new authorization code to a done request; the store
// keeps its hash, and it expires after the site's CodeLifetime. A request
// gets one code: ErrNotFound for one that has a code already, ErrPending
// for one not done.
func (s *Service) SaveCode(ctx context.Context, siteID int64, id, code string) error {
	if code == "" || len(code) > maxSecretLen {
		return invalid(AttrCode, fmt.Sprintf("1 to %d bytes", maxSecretLen))
	}
	r, err := s.authRequest(ctx, siteID, id)
	if err != nil {
		return err
	}
	if !r.Done {
		return ErrPending
	}
	cfg, err := s.Config(ctx, siteID)
	if err != nil {
		return err
	}
	return s.store.SetOAuthCode(ctx, siteID, id, hash(code), s.now().Add(cfg.CodeLifetime))
}

// AuthRequestByCode finds the request of a code: ErrNotFound,
// ErrCodeExpired, and ErrReused, with the request, for a code used before.
// Nothing is revoked here: whoever presents a code may not be its client,
// and only the exchange of the client that authenticated (Exchange)
// revokes what a reused code issued.
func (s *Service) AuthRequestByCode(ctx context.Context, siteID int64, code string) (AuthRequest, error) {
	if code == "" || len(code) > maxSecretLen {
		return AuthRequest{}, ErrNotFound
	}
	r, err := s.store.OAuthAuthRequestByCode(ctx, siteID, hash(code))
	if err != nil {
		return AuthRequest{}, err
	}
	if !r.CodeUsedAt.IsZero() {
		return r.AuthRequest, ErrReused
	}
	if !s.now().Before(r.CodeExpiresAt) {
		return AuthRequest{}, ErrCodeExpired
	}
	return r.AuthRequest, nil
}

// UseCode marks the code of request id used (the request is kept for
// UsedCodeKept, so that a second use is recognised): a second UseCode,
// also a concurrent one, gets ErrReused and revokes what the code issued.
// A done request answered without a code (the implicit flow, whose tokens
// name it as their AuthRequestID) is used up the same way, once;
// ErrNotFound for a request unknown or not done.
func (s *Service) UseCode(ctx context.Context, siteID int64, id string) error {
	if id == "" || len(id) > maxSecretLen {
		return ErrNotFound
	}
	return s.useCode(ctx, siteID, id, nil)
}

// useCode marks request id used and stores the tokens issued for it, in
// one transaction; a reuse revokes what the request issued. The winner of
// concurrent uses commits its tokens with the mark, so the losers'
// revocation, which runs once the mark is seen, finds them.
func (s *Service) useCode(ctx context.Context, siteID int64, id string, issue []StoredToken) error {
	now := s.now()
	err := s.store.UseOAuthCode(ctx, siteID, id, now, now.Add(UsedCodeKept), issue...)
	if errors.Is(err, ErrReused) {
		if err := s.store.RevokeOAuthAuthRequestTokens(ctx, siteID, id, now); err != nil {
			return err
		}
	}
	return err
}

// --- tokens ---

// Issue stores a new access token (and a refresh token when g.Refresh),
// starting a new family.
func (s *Service) Issue(ctx context.Context, g Grant) (Issued, error) {
	t, iss, err := s.issue(ctx, g)
	if err != nil {
		return Issued{}, err
	}
	if err := s.store.CreateOAuthToken(ctx, t); err != nil {
		return Issued{}, err
	}
	return iss, nil
}

// Exchange is Issue for the code (or the implicit request) of
// g.AuthRequestID: it marks the request used and stores the tokens in one
// transaction. ErrReused for a request used before, whose tokens it
// revokes (also those of a concurrent exchange that won); ErrNotFound for
// a request unknown or not done.
func (s *Service) Exchange(ctx context.Context, g Grant) (Issued, error) {
	if g.AuthRequestID == "" || len(g.AuthRequestID) > maxSecretLen {
		return Issued{}, ErrNotFound
	}
	t, iss, err := s.issue(ctx, g)
	if err != nil {
		return Issued{}, err
	}
	if err := s.useCode(ctx, g.SiteID, g.AuthRequestID, []StoredToken{t}); err != nil {
		return Issued{}, err
	}
	return iss, nil
}

// issue checks g and builds its token in a new family.
func (s *Service) issue(ctx context.Context, g Grant) (StoredToken, Issued, error) {
	if err := checkGrant(g); err != nil {
		return StoredToken{}, Issued{}, err
	}
	cfg, err := s.Config(ctx, g.SiteID)
	if err != nil {
		return StoredToken{}, Issued{}, err
	}
	t, iss := s.newToken(g, random(), cfg, time.Time{})
	return t, iss, nil
}

// newToken builds the token of g in family, with a new id (and refresh
// token when g.Refresh), and what the caller gets to see of it. A family
// ends RefreshTokenLifetime after its grant (the code's exchange), and a
// rotation keeps that end (until, when not zero), so that rotating does
// not keep a family alive forever. The end is not counted from the login
// (auth_time): a browser's single sign-on session may be older than the
// lifetime, and its new grants must still get refresh tokens. A refresh
// token that would be born expired is not made.
func (s *Service) newToken(g Grant, family string, cfg Config, until time.Time) (StoredToken, Issued) {
	now := s.now()
	t := StoredToken{Token: Token{ID: random(), SiteID: g.SiteID, ClientID: g.ClientID, AccountID: g.AccountID,
		Subject: g.Subject, Scopes: g.Scopes, Audience: g.Audience, AuthTime: g.AuthTime.UTC().Truncate(time.Millisecond),
		AMR: g.AMR, FamilyID: family, AuthRequestID: g.AuthRequestID, ExpiresAt: now.Add(cfg.AccessTokenLifetime),
		CreatedAt: now}}
	iss := Issued{AccessTokenID: t.ID, AccessExpires: t.ExpiresAt}
	end := now.Add(cfg.RefreshTokenLifetime)
	if !until.IsZero() && until.Before(end) {
		end = until
	}
	if g.Refresh && now.Before(end) {
		iss.RefreshToken = random()
		t.RefreshHash, t.RefreshExpires = hash(iss.RefreshToken), end
		iss.RefreshExpires = t.RefreshExpires
	}
	return t, iss
}

// RefreshGrant finds the token of a live refresh token of clientID:
// ErrNotFound (unknown or another client's), ErrExpired, ErrRevoked, and
// ErrReused for a refresh token rotated before, whose family it revokes.
// An empty clientID matches every client, for a caller that compares the
// token's ClientID itself (zitadel's TokenRequestByRefreshToken is not
// told the client).
func (s *Service) RefreshGrant(ctx context.Context, siteID int64, clientID, refreshToken string) (Token, error) {
	t, err := s.refreshToken(ctx, siteID, clientID, refreshToken)
	return t.Token, err
}

// refreshToken finds a live refresh token of clientID; a used one revokes
// its family.
func (s *Service) refreshToken(ctx context.Context, siteID int64, clientID, refreshToken string) (StoredToken, error) {
	if refreshToken == "" || len(refreshToken) > maxSecretLen {
		return StoredToken{}, ErrNotFound
	}
	t, err := s.store.OAuthTokenByRefresh(ctx, siteID, hash(refreshToken))
	if err != nil {
		return StoredToken{}, err
	}
	// Another client's refresh token is as unknown as a wrong one: no
	// client learns that a token it holds is live.
	if clientID != "" && t.ClientID != clientID {
		return StoredToken{}, ErrNotFound
	}
	now := s.now()
	switch {
	case !t.RefreshUsedAt.IsZero():
		if err := s.store.RevokeOAuthFamily(ctx, siteID, t.FamilyID, now); err != nil {
			return StoredToken{}, err
		}
		return StoredToken{}, ErrReused
	case !t.RevokedAt.IsZero():
		return StoredToken{}, ErrRevoked
	case !now.Before(t.RefreshExpires):
		return StoredToken{}, ErrExpired
	}
	return t, nil
}

// Rotate marks refreshToken used and issues the new pair in the same
// family, in one transaction; a concurrent second rotation of the same
// token gets ErrReused (and revokes the family). The new pair is the
// stored token's account and subject, for g's scopes (those of the stored
// token when g has none; never more) and with a refresh token; g's
// audience, amr and auth time default to the stored token's too. A
// narrower g leaves the grant as it was (RFC 6749 6: the new refresh
// token has the scopes of the one presented): the new access token gets
// g's scopes in a row of its own, and the refresh token the old scopes
// in a row whose access token is never handed out (born expired).
func (s *Service) Rotate(ctx context.Context, refreshToken string, g Grant) (Issued, error) {
	if g.ClientID == "" {
		return Issued{}, invalid(AttrClientID, "missing")
	}
	old, err := s.refreshToken(ctx, g.SiteID, g.ClientID, refreshToken)
	if err != nil {
		return Issued{}, err
	}
	if len(g.Scopes) == 0 {
		g.Scopes = old.Scopes
	}
	narrowed := slices.ContainsFunc(old.Scopes, func(sc string) bool { return !slices.Contains(g.Scopes, sc) })
	if len(g.Audience) == 0 {
		g.Audience = old.Audience
	}
	if len(g.AMR) == 0 {
		g.AMR = old.AMR
	}
	for _, sc := range g.Scopes {
		if !slices.Contains(old.Scopes, sc) {
			return Issued{}, invalid(AttrScopes, fmt.Sprintf("%.64q was not granted", sc))
		}
	}
	g.AccountID, g.Subject, g.Refresh = old.AccountID, old.Subject, true
	if g.AuthRequestID == "" {
		g.AuthRequestID = old.AuthRequestID
	}
	if g.AuthTime.IsZero() {
		g.AuthTime = old.AuthTime
	}
	if err := checkGrant(g); err != nil {
		return Issued{}, err
	}
	cfg, err := s.Config(ctx, g.SiteID)
	if err != nil {
		return Issued{}, err
	}
	next, iss := s.newToken(g, old.FamilyID, cfg, old.RefreshExpires)
	if iss.RefreshToken == "" {
		return Issued{}, ErrExpired // the family ends now (a shorter lifetime set since)
	}
	var more []StoredToken
	if narrowed {
		grant := next
		grant.ID, grant.Scopes, grant.ExpiresAt = random(), old.Scopes, grant.CreatedAt
		next.RefreshHash, next.RefreshExpires = nil, time.Time{}
		more = append(more, grant)
	}
	err = s.store.RotateOAuthToken(ctx, g.SiteID, old.RefreshHash, s.now(), next, more...)
	if errors.Is(err, ErrReused) {
		if err := s.store.RevokeOAuthFamily(ctx, g.SiteID, old.FamilyID, s.now()); err != nil {
			return Issued{}, err
		}
	}
	if err != nil {
		return Issued{}, err
	}
	return iss, nil
}

// AccessToken finds a live access token by id: ErrNotFound, ErrExpired,
// ErrRevoked.
func (s *Service) AccessToken(ctx context.Context, siteID int64, id string) (Token, error) {
	if id == "" || len(id) > maxSecretLen {
		return Token{}, ErrNotFound
	}
	t, err := s.store.OAuthToken(ctx, siteID, id)
	switch {
	case err != nil:
		return Token{}, err
	case !t.RevokedAt.IsZero():
		return Token{}, ErrRevoked
	case !s.now().Before(t.ExpiresAt):
		return Token{}, ErrExpired
	}
	return t.Token, nil
}

// Revoke revokes the family of a refresh token (in clear) or of an access
// token id issued to clientID; an unknown token is not an error (RFC
// 7009), another client's is ErrWrongClient and stays as it is.
func (s *Service) Revoke(ctx context.Context, siteID int64, clientID, tokenOrID string) error {
	if tokenOrID == "" || len(tokenOrID) > maxSecretLen {
		return nil
	}
	t, err := s.store.OAuthTokenByRefresh(ctx, siteID, hash(tokenOrID))
	if errors.Is(err, ErrNotFound) {
		t, err = s.store.OAuthToken(ctx, siteID, tokenOrID)
	}
	switch {
	case errors.Is(err, ErrNotFound):
		return nil
	case err != nil:
		return err
	case t.ClientID != clientID:
		return ErrWrongClient
	}
	return s.store.RevokeOAuthFamily(ctx, siteID, t.FamilyID, s.now())
}

// RevokeGrants revokes every token of accountID issued to clientID (every
// client when clientID is empty): end_session.
func (s *Service) RevokeGrants(ctx context.Context, siteID, accountID int64, clientID string) error {
	return s.store.RevokeOAuthGrants(ctx, siteID, accountID, clientID, s.now())
}

// random is a new secret value: 32 bytes of crypto/rand, base64url. Ids,
// refresh tokens and secrets are all of it.
func random() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand, Go 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}

// clientIDs spell client ids: lower-case letters and digits without the
// ones read alike (Crockford's base32).
var clientIDs = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// newClientID is a readable random client id: 120 bits in 24 characters.
func newClientID() string {
	b := make([]byte, 15)
	rand.Read(b)
	return clientIDs.EncodeToString(b)
}

// hash is the SHA-256 of a secret, code or refresh token. They are
// random values of at least 256 bits (a client secret too: custos draws
// it), so a fast hash is right: no one can try guesses against it, and a
// slow one would only slow every token request.
func hash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}
