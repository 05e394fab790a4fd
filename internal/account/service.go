package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/custos-id/custos/internal/callctx"
	"github.com/custos-id/custos/internal/mail"
	"github.com/custos-id/custos/internal/password"
	"github.com/custos-id/custos/internal/secretbox"
	"github.com/custos-id/custos/internal/session"
	"github.com/custos-id/custos/internal/site"
)

// Mailer queues mail: Seal makes the body the outbox keeps, Notify wakes the
// sender once the transaction that queued it has committed.
type Mailer interface {
	Seal(mail.Message) []byte
	Notify()
}

// Service runs the account operations of a site. It knows nothing of HTTP:
// the dialect adapters call it and render what it returns.
type Service struct {
	store  Store
	hasher *password.Hasher
	mailer Mailer
	box    *secretbox.Box
	now    func() time.Time
	rand   io.Reader
	// publicURL is where links in mail point: <publicURL>/account/verify-email?token=…
	publicURL string
	log       *slog.Logger
	captcha   Captcha
	schemas   Schemas
	sessions  *session.Service[Account, Read]
	// jobs is the work started after an answer; Wait waits for it. slots
	// bounds how much runs at once.
	jobs  sync.WaitGroup
	slots chan struct{}
	// closed is set by Close: work that comes later runs before the answer,
	// as no one would wait for it.
	mu     sync.Mutex
	closed bool
}

// Options configure a Service; zero values take defaults.
type Options struct {
	Now       func() time.Time
	Rand      io.Reader
	PublicURL string
	Log       *slog.Logger
	// Captcha verifies CAPTCHA answers; nil when none is configured.
	Captcha Captcha
	// Schemas adds the data fields writes create to sites' schemas.
	Schemas Schemas
}

// NewService returns a Service.
func NewService(store Store, hasher *password.Hasher, mailer Mailer, box *secretbox.Box, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, hasher: hasher, mailer: mailer, box: box, now: o.Now, rand: o.Rand,
		publicURL: o.PublicURL, log: o.Log, captcha: o.Captcha, schemas: o.Schemas, sessions: session.NewService[Account, Read](store, box, o.Now, o.Rand),
		slots: make(chan struct{}, maxBackground)}
}

// Sessions is the session service over the same store, which resolves the
// sessions this service opens.
func (s *Service) Sessions() *session.Service[Account, Read] { return s.sessions }

// Result is what registration and login produce: the account, its login
// IDs and, when the user is now logged in, the new session.
type Result struct {
	Account  Account
	LoginIDs []StoredLoginID
	Session  *NewSession
	// RegToken continues a pending registration or verification.
	RegToken string
	// Provider is the provider of a social login; NewUser tells that it
	// registered the account; Connected that it attached the identity to
	// the caller's account (no new session).
	Provider  string
	NewUser   bool
	Connected bool
}

// NewSession is a session just created, with its token in clear.
type NewSession = session.New

// SessionOptions are the session parameters of a login.
type SessionOptions = session.Options

// Caller is who asks for an operation, as far as the domain's rules care:
// the facts of an authn.Principal.
type Caller struct {
	// Server: the site's server (the site's secret, an application key)
	// answers for its users. Some changes are a server's to make, and its
	// logins and registrations are asked no CAPTCHA and not counted by
	// client address.
	Server bool
	// Session is the ID of the session a client calls in, 0 when none.
	Session int64
	// RegToken: the client calls with a regToken instead of a session (see
	// RegTokenCall). Such a call is a client's even when a secret comes
	// along, and Server is false. PasswordChange: the regToken is that of a
	// due password change, which allows that change only.
	RegToken, PasswordChange bool
	// regToken is the hash of that regToken.
	regToken string
}

// regTokenTTL is the lifetime of a regToken.
const regTokenTTL = time.Hour

// IsAvailableLoginID reports whether loginID is free in the site. A site
// that prevents login-ID harvesting tells its server only.
func (s *Service) IsAvailableLoginID(ctx context.Context, st site.Site, by Caller, loginID string) (bool, error) {
	if st.Policies.AccountOptions.PreventLoginIDHarvesting && !by.Server {
		return false, &Error{Err: ErrServerOnly, Attr: AttrLoginID, Case: CaseHarvesting}
	}
	id, err := ParseLoginID(loginID)
	if err != nil {
		return false, err
	}
	taken, err := s.store.LoginIDExists(ctx, st.ID, id)
	return !taken, err
}

// Find returns the account whose login ID of the given kind is loginID; ok
// is false when there is none.
func (s *Service) Find(ctx context.Context, siteID int64, kind LoginIDKind, loginID string) (a Account, ok bool, err error) {
	id, err := parseLoginID(kindAttr(kind), loginID)
	if err != nil {
		return Account{}, false, err
	}
	id.Kind = kind
	a, err = s.store.AccountByLoginID(ctx, siteID, id)
	if errors.Is(err, ErrNotFound) {
		return Account{}, false, nil
	}
	return a, err == nil, err
}

// ByUID returns the account of uid in the site: ErrNotFound when there is none.
func (s *Service) ByUID(ctx context.Context, siteID int64, uid string) (Account, error) {
	if uid == "" {
		return Account{}, fail(ErrMissing, AttrAccount)
	}
	a, err := s.store.AccountByUID(ctx, siteID, uid)
	if errors.Is(err, ErrNotFound) {
		return Account{}, noAccount(uid)
	}
	return a, err
}

// noAccount is the ErrNotFound of the account with uid.
func noAccount(uid string) error { return fail(ErrNotFound, AttrAccount, uid) }

// kindAttr is the attribute of a login ID of kind: the login ID of either
// kind when kind is not set.
func kindAttr(kind LoginIDKind) Attribute {
	switch kind {
	case Email:
		return AttrEmail
	case Username:
		return AttrUsername
	}
	return AttrLoginID
}

// tokenAttr is the attribute a token of kind is given as.
func tokenAttr(kind TokenKind) Attribute {
	switch kind {
	case ResetToken:
		return AttrResetToken
	case VerifyToken:
		return AttrVerifyToken
	}
	return AttrRegToken
}

// backgroundTimeout bounds work done after the answer; maxBackground bounds
// how much of it runs at once: past it, a request waits for a slot, so that
// a flood of requests queues in the callers instead of in goroutines.
const (
	backgroundTimeout = time.Minute
	maxBackground     = 64
)

// background runs fn after the answer: with ctx's values but not its end.
// A failure is logged under the call's id; the client was answered already.
func (s *Service) background(ctx context.Context, what string, fn func(context.Context) error) error {
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	run := func() {
		defer func() { <-s.slots }()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), backgroundTimeout)
		defer cancel()
		if err := fn(ctx); err != nil {
			s.log.Error(what, "call_id", callctx.From(ctx).ID, "err", err)
		}
	}
	// The job is counted under the lock, so that Close cannot miss it.
	s.mu.Lock()
	closed := s.closed
	if !closed {
		s.jobs.Add(1)
	}
	s.mu.Unlock()
	if closed {
		run()
		return nil
	}
	go func() {
		defer s.jobs.Done()
		run()
	}()
	return nil
}

// Wait waits for the work started after answers (password reset mails) to end.
func (s *Service) Wait() { s.jobs.Wait() }

// Close waits for the work started after answers; work that comes later (a
// request still in flight at shutdown) runs before its answer instead.
func (s *Service) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.jobs.Wait()
}

// LoginIDsOf returns the login IDs of an account.
func (s *Service) LoginIDsOf(ctx context.Context, a Account) ([]StoredLoginID, error) {
	return s.store.LoginIDs(ctx, a.ID)
}

// newToken draws a token: prefix and 32 random bytes, base64url. Only its
// SHA-256 is stored.
func (s *Service) newToken(prefix string) (token string, hash []byte, err error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return "", nil, fmt.Errorf("random: %w", err)
	}
	token = prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token), nil
}

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

func (s *Service) newUID() (string, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// issueRegToken stores a regToken for a pending account (accountID 0: none yet).
func (s *Service) issueRegToken(ctx context.Context, tx Store, siteID, accountID int64) (string, error) {
	return s.issueRegTokenOf(ctx, tx, RegToken, siteID, accountID)
}

// issueRegTokenOf stores a regToken of kind, valid for regTokenTTL: the
// client sees the same kind of token whatever it continues.
func (s *Service) issueRegTokenOf(ctx context.Context, tx Store, kind TokenKind, siteID, accountID int64) (string, error) {
	tok, hash, err := s.newToken("rt1_")
	if err != nil {
		return "", err
	}
	now := s.now()
	return tok, tx.CreateToken(ctx, Token{Hash: hash, SiteID: siteID, AccountID: accountID, Kind: kind,
		CreatedAt: now, ExpiresAt: now.Add(regTokenTTL)})
}

// validToken finds an unexpired token of kind for the site: ErrTokenUnknown
// when unknown or spent, ErrTokenExpired.
func (s *Service) validToken(ctx context.Context, siteID int64, kind TokenKind, token string) (Token, error) {
	if token == "" {
		return Token{}, fail(ErrMissing, tokenAttr(kind))
	}
	return s.validTokenHash(ctx, siteID, kind, hashToken(token))
}

// validTokenHash is validToken by the token's hash.
func (s *Service) validTokenHash(ctx context.Context, siteID int64, kind TokenKind, hash []byte) (Token, error) {
	attr := tokenAttr(kind)
	if len(hash) == 0 {
		return Token{}, fail(ErrMissing, attr)
	}
	t, err := s.store.TokenByHash(ctx, kind, hash)
	switch {
	case errors.Is(err, ErrNotFound) || (err == nil && siteID != 0 && t.SiteID != siteID):
		return Token{}, fail(ErrTokenUnknown, attr)
	case err != nil:
		return Token{}, err
	case !s.now().Before(t.ExpiresAt):
		return Token{}, fail(ErrTokenExpired, attr)
	}
	return t, nil
}

// ByID returns the account with the numeric id in the site: ErrNotFound when there is none.
func (s *Service) ByID(ctx context.Context, siteID, id int64) (Account, error) {
	a, err := s.store.AccountByID(ctx, siteID, id)
	if errors.Is(err, ErrNotFound) {
		return Account{}, fail(ErrNotFound, AttrAccount, strconv.FormatInt(id, 10))
	}
	return a, err
}

// now returns the current time truncated to the milliseconds the store keeps.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// later is now, or a millisecond after prev when now is not after it: an
// update always moves updated_at, which is what detects concurrent changes.
func later(now, prev time.Time) time.Time {
	if now.After(prev) {
		return now
	}
	return prev.Add(time.Millisecond)
}

// save writes a, read with updated_at prev, in tx: updated_at moves on to
// now (or just past prev), and a change made since the read refuses the
// write (ErrChanged).
func save(ctx context.Context, tx Store, a *Account, prev, now time.Time) error {
	a.UpdatedAt = later(now, prev)
	return changed(tx.UpdateAccount(ctx, a, prev))
}

// changed reports ErrChanged of the store as the domain's: the account
// changed since it was read, and nothing was written; the client may try again.
func changed(err error) error {
	if errors.Is(err, ErrChanged) {
		return fail(ErrChanged, AttrAccount)
	}
	return err
}
