package oauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Gigya's own OAuth 2.0 (socialize.getToken): opaque access tokens that
// stand for a site's secret, of the site's server or of one of its users,
// and the authorization codes socialize.login hands out for them. Unlike
// the provider's JWT access tokens these are looked up by hash on every use.

// GigyaToken is an access token of socialize.getToken as the store keeps
// it: only its SHA-256.
type GigyaToken struct {
	ID     int64
	Hash   []byte
	SiteID int64
	// AccountID is the user the token acts for; 0: a server token.
	AccountID int64
	// UserKey is the application key it was issued to; "": the site's
	// secret. The key's scopes bound the token, and revoking the key
	// revokes it.
	UserKey string
	// CodeID is the authorization code it was exchanged for, if any: a
	// second use of the code revokes it.
	CodeID int64
	// SecretTag is the SecretTag of the site secret a token issued with
	// the site's secret stands for (nil for an application key's).
	SecretTag []byte
	CreatedAt time.Time
	ExpiresAt time.Time // zero: never
	RevokedAt time.Time // zero: live
}

// GigyaCode is an authorization code for socialize.getToken, as the store
// keeps it: only its SHA-256.
type GigyaCode struct {
	ID          int64
	Hash        []byte
	SiteID      int64
	AccountID   int64
	RedirectURI string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	UsedAt      time.Time // zero: unused
}

// NewGigyaToken is a token just issued: the only time it exists in clear.
type NewGigyaToken struct {
	GigyaToken
	Token string
}

// GigyaStore keeps Gigya access tokens and codes (*store.DB).
type GigyaStore interface {
	CreateGigyaToken(ctx context.Context, t *GigyaToken) error
	// GigyaTokenByHash finds a token, revoked or expired too: ErrNotFound.
	GigyaTokenByHash(ctx context.Context, hash []byte) (GigyaToken, error)
	// RevokeGigyaToken revokes a live token at at: ErrNotFound when there
	// is no live token of the site with hash.
	RevokeGigyaToken(ctx context.Context, siteID int64, hash []byte, at time.Time) error
	CreateGigyaCode(ctx context.Context, c *GigyaCode) error
	// GigyaCodeByHash finds a code, used or expired too: ErrNotFound.
	GigyaCodeByHash(ctx context.Context, hash []byte) (GigyaCode, error)
	// ExchangeGigyaCode marks code codeID used at t.CreatedAt and stores t,
	// in one transaction: ErrReused (and nothing stored) when the code was
	// used already, by a concurrent exchange too.
	ExchangeGigyaCode(ctx context.Context, codeID int64, t *GigyaToken) error
	// RevokeGigyaCodeTokens revokes the live tokens issued from codeID.
	RevokeGigyaCodeTokens(ctx context.Context, codeID int64, at time.Time) error
}

// Lifetimes of Gigya tokens and codes.
const (
	// GigyaBrowserTokenLifetime is the life of a token asked for with
	// x_sessionExpiration=0, "until the browser closes": a token has no
	// browser, so it gets a short fixed life.
	GigyaBrowserTokenLifetime = time.Hour
	// GigyaCodeLifetime is how long an authorization code can be exchanged.
	GigyaCodeLifetime = 5 * time.Minute
	// maxGigyaTokenLen bounds a presented token or code before it is hashed.
	maxGigyaTokenLen = 128
)

// Prefixes of Gigya access tokens and codes, so that a token in oauth_token
// is told from a session token and from an API key by its shape.
const (
	gigyaTokenPrefix = "at1_"
	gigyaCodePrefix  = "ac1_"
)

// IsGigyaToken tells whether s has the shape of a Gigya access token.
func IsGigyaToken(s string) bool { return strings.HasPrefix(s, gigyaTokenPrefix) }

// GigyaTokens issues, exchanges, resolves and revokes Gigya access tokens.
type GigyaTokens struct {
	store GigyaStore
	now   func() time.Time
	rand  io.Reader
}

// NewGigyaTokens returns a GigyaTokens over store; now is the clock, rand
// the source of tokens and codes (crypto/rand when nil).
func NewGigyaTokens(store GigyaStore, now func() time.Time, random io.Reader) *GigyaTokens {
	if random == nil {
		random = rand.Reader
	}
	return &GigyaTokens{store: store, now: now, rand: random}
}

// GigyaGrant is what a token is issued for.
type GigyaGrant struct {
	SiteID int64
	// AccountID is the user's (x_siteUID); 0: a server token.
	AccountID int64
	// UserKey is the application key that asked; "": the site's secret,
	// whose SecretTag is SecretTag.
	UserKey   string
	SecretTag []byte
	// Lifetime of the token; 0: forever.
	Lifetime time.Duration
}

// SecretTag is the fingerprint of a site secret that a token issued with
// it keeps: a token stands for the secret it was issued with, so rotating
// the secret (the answer to a leaked one) ends it, in every process at
// once. It is no secret itself: SHA-256 of a 256-bit secret, truncated.
func SecretTag(secret []byte) []byte {
	h := sha256.Sum256(append([]byte("custos gigya token secret tag\x00"), secret...))
	return h[:16]
}

// Issue stores a new token for g.
func (g *GigyaTokens) Issue(ctx context.Context, gr GigyaGrant) (NewGigyaToken, error) {
	n, err := g.newToken(gr)
	if err != nil {
		return NewGigyaToken{}, err
	}
	return n, g.store.CreateGigyaToken(ctx, &n.GigyaToken)
}

// IssueCode mints an authorization code of an account for redirectURI,
// for socialize.login / accounts.socialLogin with response_type=code; it
// is exchanged once, by Exchange, within GigyaCodeLifetime.
func (g *GigyaTokens) IssueCode(ctx context.Context, siteID, accountID int64, redirectURI string) (string, error) {
	code, hash, err := g.draw(gigyaCodePrefix)
	if err != nil {
		return "", err
	}
	now := g.now().UTC().Truncate(time.Millisecond)
	c := GigyaCode{Hash: hash, SiteID: siteID, AccountID: accountID, RedirectURI: redirectURI,
		CreatedAt: now, ExpiresAt: now.Add(GigyaCodeLifetime)}
	if err := g.store.CreateGigyaCode(ctx, &c); err != nil {
		return "", err
	}
	return code, nil
}

// The conditions of an exchange besides ErrNotFound (unknown code),
// ErrWrongClient (another site's code), ErrCodeExpired and ErrReused.
var (
	// ErrCodeRedirectURI: redirect_uri differs from the one the code was
	// issued for.
	ErrCodeRedirectURI = errors.New("oauth: redirect URI differs from the code's")
)

// Exchange trades a code of site siteID for a token of its account, issued
// to userKey ("" for the site's secret, whose SecretTag is secretTag). A
// code is used once: a second use revokes the token of the first and is
// ErrReused. A wrong redirectURI changes nothing.
func (g *GigyaTokens) Exchange(ctx context.Context, siteID int64, userKey string, secretTag []byte, code, redirectURI string) (NewGigyaToken, error) {
	if !strings.HasPrefix(code, gigyaCodePrefix) || len(code) > maxGigyaTokenLen {
		return NewGigyaToken{}, ErrNotFound
	}
	c, err := g.store.GigyaCodeByHash(ctx, gigyaHash(code))
	switch {
	case err != nil:
		return NewGigyaToken{}, err
	case c.SiteID != siteID:
		return NewGigyaToken{}, ErrWrongClient
	case !c.UsedAt.IsZero():
		return NewGigyaToken{}, g.reused(ctx, c)
	case !g.now().Before(c.ExpiresAt):
		return NewGigyaToken{}, ErrCodeExpired
	case c.RedirectURI != redirectURI:
		return NewGigyaToken{}, ErrCodeRedirectURI
	}
	n, err := g.newToken(GigyaGrant{SiteID: siteID, AccountID: c.AccountID, UserKey: userKey, SecretTag: secretTag})
	if err != nil {
		return NewGigyaToken{}, err
	}
	n.CodeID = c.ID
	if err := g.store.ExchangeGigyaCode(ctx, c.ID, &n.GigyaToken); errors.Is(err, ErrReused) {
		return NewGigyaToken{}, g.reused(ctx, c)
	} else if err != nil {
		return NewGigyaToken{}, err
	}
	return n, nil
}

// reused revokes what a used code issued and answers ErrReused.
func (g *GigyaTokens) reused(ctx context.Context, c GigyaCode) error {
	if err := g.store.RevokeGigyaCodeTokens(ctx, c.ID, g.now()); err != nil {
		return err
	}
	return ErrReused
}

// Resolve finds the live token of token: ErrNotFound (unknown, or not a
// token's shape), ErrExpired, ErrRevoked. siteID 0 takes the token's site;
// any other must be the token's (else ErrNotFound).
func (g *GigyaTokens) Resolve(ctx context.Context, siteID int64, token string) (GigyaToken, error) {
	if !IsGigyaToken(token) || len(token) > maxGigyaTokenLen {
		return GigyaToken{}, ErrNotFound
	}
	t, err := g.store.GigyaTokenByHash(ctx, gigyaHash(token))
	switch {
	case err != nil:
		return GigyaToken{}, err
	case siteID != 0 && t.SiteID != siteID:
		return GigyaToken{}, ErrNotFound
	case !t.RevokedAt.IsZero():
		return GigyaToken{}, ErrRevoked
	case !t.ExpiresAt.IsZero() && !g.now().Before(t.ExpiresAt):
		return GigyaToken{}, ErrExpired
	}
	return t, nil
}

// Revoke revokes a live token of site siteID: ErrNotFound when there is
// none.
func (g *GigyaTokens) Revoke(ctx context.Context, siteID int64, token string) error {
	if !IsGigyaToken(token) || len(token) > maxGigyaTokenLen {
		return ErrNotFound
	}
	return g.store.RevokeGigyaToken(ctx, siteID, gigyaHash(token), g.now().UTC())
}

// GigyaLifetime is the whole seconds t lives from its issue, as
// socialize.getToken's expires_in shows it; false when it does not expire.
func GigyaLifetime(t GigyaToken) (int64, bool) {
	if t.ExpiresAt.IsZero() {
		return 0, false
	}
	return int64(t.ExpiresAt.Sub(t.CreatedAt) / time.Second), true
}

func (g *GigyaTokens) newToken(gr GigyaGrant) (NewGigyaToken, error) {
	tok, hash, err := g.draw(gigyaTokenPrefix)
	if err != nil {
		return NewGigyaToken{}, err
	}
	now := g.now().UTC().Truncate(time.Millisecond)
	t := GigyaToken{Hash: hash, SiteID: gr.SiteID, AccountID: gr.AccountID, UserKey: gr.UserKey, CreatedAt: now}
	if gr.UserKey == "" {
		t.SecretTag = gr.SecretTag
	}
	if gr.Lifetime > 0 {
		t.ExpiresAt = now.Add(gr.Lifetime)
	}
	return NewGigyaToken{GigyaToken: t, Token: tok}, nil
}

// draw makes a token: prefix and 32 random bytes, base64url, and its hash.
func (g *GigyaTokens) draw(prefix string) (string, []byte, error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(g.rand, b); err != nil {
		return "", nil, fmt.Errorf("random: %w", err)
	}
	tok := prefix + base64.RawURLEncoding.EncodeToString(b)
	return tok, gigyaHash(tok), nil
}

func gigyaHash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}
