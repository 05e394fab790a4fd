// Package account holds the accounts of a site's users and their login IDs.
package account

import (
	"context"
	"time"

	"github.com/custos-id/custos/internal/schema"
	"github.com/custos-id/custos/internal/session"
)

// MaxLoginIDLen bounds an email or username, in bytes (RFC 5321 path limit).
const MaxLoginIDLen = 254

// LoginIDKind tells an email from a username.
type LoginIDKind string

// The kinds of login ID.
const (
	Email    LoginIDKind = "email"
	Username LoginIDKind = "username"
)

// LoginID is an identifier a user logs in with, normalized for comparison.
type LoginID struct {
	Kind  LoginIDKind
	Value string
}

// Account is a user of a site.
type Account struct {
	ID     int64
	SiteID int64
	// UID is the public identifier, 32 lower-case hex characters.
	UID string
	// Username and Email are the login IDs as the user typed them.
	Username string
	Email    string
	// PasswordHash is a PHC string; empty when the account has no password.
	PasswordHash string
	Profile      map[string]any
	Data         map[string]any
	// Preferences are consents ({"terms": {"tos": {"isConsentGranted": true}}}),
	// Subscriptions the newsletter subscriptions, as the site's schema defines them.
	Preferences   map[string]any
	Subscriptions map[string]any
	Active        bool
	// Registered is false until the registration is finalized.
	Registered        bool
	EmailVerified     bool
	CreatedAt         time.Time
	UpdatedAt         time.Time
	RegisteredAt      time.Time
	VerifiedAt        time.Time
	LastLoginAt       time.Time // zero until the first login
	PasswordChangedAt time.Time
	// FailedLogins counts failures since FailedSince; LockedUntil is the
	// end of a lockout. The store changes them with their own methods only.
	FailedLogins int
	FailedSince  time.Time
	LockedUntil  time.Time
	// PasswordChangeRequired: the next login must change the password
	// first (a server asked so); a new password clears it.
	PasswordChangeRequired bool
	// Omitted are the parts the read that made a left out (zero: none): a
	// session's account never has its password hash, and its objects only
	// when the answer needs them. Such an account is for reading: Update
	// reads it whole again, and the Store refuses to write it.
	Omitted Parts
	// Raw holds the objects a read kept as stored (Read.Raw).
	Raw RawObjects
}

// StoredLoginID is a login ID of an account as the store keeps it.
type StoredLoginID struct {
	LoginID
	// Display is the value as the user typed it.
	Display    string
	VerifiedAt time.Time // emails only; zero while unverified
}

// Session is a logged-in session; the session package holds them.
type Session = session.Session

// TokenKind tells what a one-time token is for.
type TokenKind string

// The kinds of one-time token.
const (
	RegToken    TokenKind = "reg"
	VerifyToken TokenKind = "verify"
	ResetToken  TokenKind = "reset"
	// PasswordChangeToken is the regToken of a login whose password must
	// change: it allows that change only.
	PasswordChangeToken TokenKind = "pwchange"
)

// Token is a one-time token, kept as the SHA-256 of its value.
type Token struct {
	Hash      []byte
	SiteID    int64
	AccountID int64 // 0: a regToken of initRegistration, before any account
	Kind      TokenKind
	Email     string // the address a verification token verifies
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Store keeps accounts, sessions and tokens: the small stores below, one per
// aggregate, together. Uniqueness of login IDs within a site is the store's
// job (a unique index), never a read before a write.
type Store interface {
	// WithTx runs fn with a Store bound to one transaction: everything fn
	// writes is committed together when it returns nil, or not at all.
	WithTx(ctx context.Context, fn func(Store) error) error

	AccountStore
	LoginIDStore
	SessionStore
	TokenStore
	PasswordHistoryStore
	LockoutStore
	MailStore
	UniqueStore
	SignInStore
	ListStore
	ExportStore
	EventStore
	IdentityStore
}

// AccountStore keeps accounts.
type AccountStore interface {
	// CreateAccount inserts a and its login IDs and sets a.ID;
	// ErrLoginIDTaken when a login ID is in use.
	CreateAccount(ctx context.Context, a *Account, ids []StoredLoginID) error
	// UpdateAccount writes every field of a but its login IDs, if the
	// account's updated_at is still prev (the value read): else ErrChanged,
	// so that a change made meanwhile is never overwritten. An account read
	// in part (Omitted) is refused with ErrPartial.
	UpdateAccount(ctx context.Context, a *Account, prev time.Time) error
	// RecordLogin notes a login, and a re-hash of the password, if the hash
	// is still verified: else ErrChanged (the password changed meanwhile).
	RecordLogin(ctx context.Context, accountID int64, at time.Time, verified, rehash string) error
	DeleteAccount(ctx context.Context, siteID, accountID int64) error
	AccountByID(ctx context.Context, siteID, accountID int64) (Account, error)
	// AccountByIDReading reads an account as AccountByID does, but of its
	// password hash and objects only what r says: Omitted tells what it left out.
	AccountByIDReading(ctx context.Context, siteID, accountID int64, r Read) (Account, error)
	AccountByUID(ctx context.Context, siteID int64, uid string) (Account, error)
	// AccountByLoginID finds the account whose login ID has id's value and kind.
	AccountByLoginID(ctx context.Context, siteID int64, id LoginID) (Account, error)
}

// LoginIDStore keeps the login IDs of accounts.
type LoginIDStore interface {
	LoginIDExists(ctx context.Context, siteID int64, id LoginID) (bool, error)
	LoginIDs(ctx context.Context, accountID int64) ([]StoredLoginID, error)
	// AddLoginID adds a login ID to an account; ErrLoginIDTaken when in use.
	AddLoginID(ctx context.Context, siteID, accountID int64, id StoredLoginID) error
	// RemoveLoginID removes the login ID of that kind and value.
	RemoveLoginID(ctx context.Context, accountID int64, id LoginID) error
	SetLoginIDVerified(ctx context.Context, accountID int64, value string, at time.Time) error
}

// SessionStore keeps logged-in sessions.
type SessionStore interface {
	CreateSession(ctx context.Context, s *Session) error
	// SessionByHash finds a session with its account in one lookup,
	// reading of the account what ReadObjects says: never its password hash.
	SessionByHash(ctx context.Context, hash []byte) (Session, Account, error)
	// SessionByHashReading is SessionByHash reading of the account what r
	// says.
	SessionByHashReading(ctx context.Context, hash []byte, r Read) (Session, Account, error)
	DeleteSession(ctx context.Context, hash []byte) error
	// DeleteSessions ends every session of an account but keepID's.
	DeleteSessions(ctx context.Context, accountID, keepID int64) error
	// RevokeAccountGrants revokes, at at, every OAuth token of an account:
	// the OpenID Provider's token families and Gigya's user tokens.
	RevokeAccountGrants(ctx context.Context, accountID int64, at time.Time) error
}

// TokenStore keeps one-time tokens.
type TokenStore interface {
	CreateToken(ctx context.Context, t Token) error
	TokenByHash(ctx context.Context, kind TokenKind, hash []byte) (Token, error)
	// ConsumeToken deletes and returns a token: of two concurrent uses, one wins.
	ConsumeToken(ctx context.Context, kind TokenKind, hash []byte) (Token, error)
	DeleteTokens(ctx context.Context, accountID int64, kind TokenKind) error
}

// UniqueValue is a value an account holds in a schema field marked unique.
type UniqueValue = schema.UniqueValue

// UniqueTakenError is returned by a Store when another account of the site
// holds a value of a unique field.
type UniqueTakenError struct{ Field string }

func (e *UniqueTakenError) Error() string { return e.Field + ": value taken by another account" }

// UniqueStore keeps the values of unique schema fields. A primary key on
// (site, field, value) makes them unique, so two concurrent writers of one
// value cannot both win.
type UniqueStore interface {
	// SetUniqueValues replaces every unique value of the account by vals:
	// *UniqueTakenError naming the field when another account of the site
	// holds one of them. Within WithTx, it fails with the transaction.
	SetUniqueValues(ctx context.Context, siteID, accountID int64, vals []UniqueValue) error
}

// PasswordHistoryStore keeps the replaced password hashes of accounts.
type PasswordHistoryStore interface {
	// PasswordHistory returns up to limit earlier password hashes, newest first.
	PasswordHistory(ctx context.Context, accountID int64, limit int) ([]string, error)
	// AddPasswordHistory records a replaced password hash, keeping the newest keep.
	AddPasswordHistory(ctx context.Context, accountID int64, hash string, at time.Time, keep int) error
}

// LockoutStore counts failed logins of accounts and client addresses. Every
// counter changes in one statement, so that concurrent attempts all count.
type LockoutStore interface {
	// RecordLoginFailure counts a failed login of an account and returns the
	// count; failures before resetBefore are forgotten first.
	RecordLoginFailure(ctx context.Context, accountID int64, now, resetBefore time.Time) (int, error)
	LockAccount(ctx context.Context, accountID int64, until time.Time) error
	// ResetLoginFailures forgets the failures and lifts a lockout.
	ResetLoginFailures(ctx context.Context, accountID int64) error
	// IPFailures returns the failures from ip since windowStart and the end
	// of its lockout.
	IPFailures(ctx context.Context, siteID int64, ip string, windowStart time.Time) (failures int, lockedUntil time.Time, err error)
	// RecordIPFailure counts a failed login from ip within the hour.
	RecordIPFailure(ctx context.Context, siteID int64, ip string, now time.Time) (int, error)
	// ForgiveIPFailure takes back one counted attempt from ip.
	ForgiveIPFailure(ctx context.Context, siteID int64, ip string) error
	LockIP(ctx context.Context, siteID int64, ip string, until time.Time) error
	// CountLoginFailure counts one failed login of the site in the hour
	// starting at hour (the operators' overview).
	CountLoginFailure(ctx context.Context, siteID int64, hour time.Time) error
}

// MailStore queues mail for the outbox worker (package outbox).
type MailStore interface {
	// EnqueueMail adds a sealed message to the outbox.
	EnqueueMail(ctx context.Context, sealed []byte, at time.Time) error
}

// MayHoldTokens tells whether tokens may be issued for a: ErrDisabled for a
// deactivated account.
func (a Account) MayHoldTokens() error {
	if !a.Active {
		return &Error{Err: ErrDisabled}
	}
	return nil
}
