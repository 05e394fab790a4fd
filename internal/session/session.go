// Package session holds logged-in sessions: creating one, resolving the
// token a client presents, revoking, and the browser cookie that carries
// the token. The account service opens sessions at login; the adapters
// resolve them through internal/authn.
package session

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/custos-id/custos/internal/secretbox"
)

// Session is a logged-in session. Its token is known only to the client:
// the store keeps its SHA-256.
type Session struct {
	ID           int64
	SiteID       int64
	AccountID    int64
	TokenHash    []byte
	SecretSealed []byte // mobile sessions only
	CreatedAt    time.Time
	ExpiresAt    time.Time // zero: never
}

// New is a session just created: the only time its token and secret exist
// in clear.
type New struct {
	Session
	Token string
	// Secret is the base64 session secret of a mobile session, else empty.
	Secret string
	// Browser: a browser session, whose cookie ends with the browser.
	Browser bool
}

// Options are the session parameters of a login.
type Options struct {
	// Expiration in seconds: 0 a browser session, -2 no expiry; nil takes
	// the site's default.
	Expiration *int
	// Mobile sessions get a secret to sign requests with.
	Mobile bool
}

// Seconds is the expiration o asks for, def when it names none.
func (o Options) Seconds(def int) int {
	if o.Expiration != nil {
		return *o.Expiration
	}
	return def
}

// ErrNotFound is what a Store answers for a session it does not hold.
var ErrNotFound = errors.New("not found")

// The conditions a session is refused with; each adapter words them.
var (
	// ErrUnknown: no live session of the site has the token.
	ErrUnknown = errors.New("session unknown")
	// ErrExpired: the session has expired.
	ErrExpired = errors.New("session expired")
	// ErrNoSecret: a browser session, which has no secret to sign with.
	ErrNoSecret = errors.New("session has no signing secret")
)

// Creator writes new sessions: the store, or a transaction of it, so that
// a login's session is written with the rest of the login.
type Creator interface {
	CreateSession(ctx context.Context, s *Session) error
}

// Revoker ends sessions, in the store or in a transaction of it.
type Revoker interface {
	// DeleteSession ends one session: ErrNotFound when it is gone.
	DeleteSession(ctx context.Context, hash []byte) error
	// DeleteSessions ends every session of an account but keepID's.
	DeleteSessions(ctx context.Context, accountID, keepID int64) error
}

// Store keeps sessions. It reads the session's owner A (the account) in
// the same lookup, so that a session check is one indexed query; R says
// what of the owner a lookup reads, so that it reads only what the answer
// needs.
type Store[A, R any] interface {
	Creator
	Revoker
	// SessionByHash finds a session and its owner: ErrNotFound when none.
	SessionByHash(ctx context.Context, hash []byte) (Session, A, error)
	// SessionByHashReading is SessionByHash reading of the owner what r says.
	SessionByHashReading(ctx context.Context, hash []byte, r R) (Session, A, error)
}

// browserTTL is the server-side lifetime of a browser session, whose
// cookie ends when the browser closes.
const browserTTL = 24 * time.Hour

// maxTokenLen bounds a presented token before it is hashed.
const maxTokenLen = 128

// Service creates, resolves and revokes the sessions of every site. A is
// the owner the store reads with a session, R what of it a lookup reads.
type Service[A, R any] struct {
	store Store[A, R]
	box   *secretbox.Box
	now   func() time.Time
	rand  io.Reader
}

// NewService returns a Service over store, sealing mobile session secrets
// with box; now is the clock, rand the source of tokens and secrets.
func NewService[A, R any](store Store[A, R], box *secretbox.Box, now func() time.Time, rand io.Reader) *Service[A, R] {
	return &Service[A, R]{store: store, box: box, now: now, rand: rand}
}

// Create writes, with w, a new session of an account that lasts exp
// seconds (0: a browser session, -2: no expiry).
func (s *Service[A, R]) Create(ctx context.Context, w Creator, siteID, accountID int64, exp int, mobile bool) (*New, error) {
	tok, hash, err := s.token()
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	n := &New{Token: tok, Browser: exp == 0, Session: Session{SiteID: siteID, AccountID: accountID, TokenHash: hash,
		CreatedAt: now, ExpiresAt: expiry(now, exp)}}
	if mobile {
		secret := make([]byte, 32)
		if _, err := io.ReadFull(s.rand, secret); err != nil {
			return nil, fmt.Errorf("random: %w", err)
		}
		n.Secret = base64.StdEncoding.EncodeToString(secret)
		n.SecretSealed = s.box.Seal(secret, aad(hash))
	}
	if err := w.CreateSession(ctx, &n.Session); err != nil {
		return nil, err
	}
	return n, nil
}

// Resolve finds the session of a token in the site, with its owner:
// ErrUnknown or ErrExpired. One indexed lookup.
func (s *Service[A, R]) Resolve(ctx context.Context, siteID int64, token string) (Session, A, error) {
	return s.resolve(ctx, siteID, token, nil)
}

// ResolveReading is Resolve reading of the owner what r says.
func (s *Service[A, R]) ResolveReading(ctx context.Context, siteID int64, token string, r R) (Session, A, error) {
	return s.resolve(ctx, siteID, token, &r)
}

// resolve is Resolve, reading of the owner what r says when not nil.
func (s *Service[A, R]) resolve(ctx context.Context, siteID int64, token string, r *R) (Session, A, error) {
	var none A
	if token == "" || len(token) > maxTokenLen {
		return Session{}, none, ErrUnknown
	}
	var (
		sess  Session
		owner A
		err   error
	)
	if r == nil {
		sess, owner, err = s.store.SessionByHash(ctx, Hash(token))
	} else {
		sess, owner, err = s.store.SessionByHashReading(ctx, Hash(token), *r)
	}
	if errors.Is(err, ErrNotFound) || (err == nil && sess.SiteID != siteID) {
		return Session{}, none, ErrUnknown
	}
	if err != nil {
		return Session{}, none, err
	}
	if !sess.ExpiresAt.IsZero() && !s.now().Before(sess.ExpiresAt) {
		s.store.DeleteSession(ctx, sess.TokenHash) // gone already is fine: it is expired either way
		return Session{}, none, ErrExpired
	}
	return sess, owner, nil
}

// Secret resolves a mobile session and opens its secret, the key its
// requests are signed with: ErrNoSecret for a session without one.
func (s *Service[A, R]) Secret(ctx context.Context, siteID int64, token string) (Session, A, []byte, error) {
	var none A
	sess, owner, err := s.Resolve(ctx, siteID, token)
	if err != nil {
		return Session{}, none, nil, err
	}
	if len(sess.SecretSealed) == 0 {
		return Session{}, none, nil, ErrNoSecret
	}
	secret, err := s.box.Open(sess.SecretSealed, aad(sess.TokenHash))
	if err != nil {
		return Session{}, none, nil, err
	}
	return sess, owner, secret, nil
}

// Revoke ends one session; one ended meanwhile is no error.
func (s *Service[A, R]) Revoke(ctx context.Context, sess Session) error {
	if err := s.store.DeleteSession(ctx, sess.TokenHash); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return nil
}

// RevokeAll ends, with r, every session of an account but keepID's (0:
// every one).
func (s *Service[A, R]) RevokeAll(ctx context.Context, r Revoker, accountID, keepID int64) error {
	return r.DeleteSessions(ctx, accountID, keepID)
}

// ExpiresIn is the seconds left of a session at now, as sessionInfo's
// expires_in shows it: "0" when it does not expire.
func ExpiresIn(sess Session, now time.Time) string {
	if sess.ExpiresAt.IsZero() {
		return "0"
	}
	return strconv.FormatInt(max(sess.ExpiresAt.Unix()-now.Unix(), 0), 10)
}

// Hash is what the store keeps of a token.
func Hash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// tokenPrefix starts every session token.
const tokenPrefix = "st1_"

// IsToken tells whether s has the shape of a session token: the RPC dialect
// tells a session token in oauth_token from an API key by it.
func IsToken(s string) bool { return strings.HasPrefix(s, tokenPrefix) }

// token draws a session token: "st1_" and 32 random bytes, base64url.
func (s *Service[A, R]) token() (string, []byte, error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return "", nil, fmt.Errorf("random: %w", err)
	}
	tok := tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return tok, Hash(tok), nil
}

// expiry turns a session expiration into an expiry time (zero: never).
func expiry(now time.Time, exp int) time.Time {
	switch exp {
	case -2:
		return time.Time{}
	case 0:
		return now.Add(browserTTL)
	}
	return now.Add(time.Duration(exp) * time.Second)
}

// aad binds a sealed secret to its session.
func aad(hash []byte) []byte { return append([]byte("session:"), hash...) }
