// Package admin holds the operators of custos itself: admins, separate from
// the accounts of sites. An admin has a username, an argon2id password, a
// TOTP second factor, a role (owner, operator, read-only) and sessions with
// an idle and an absolute timeout, each with a CSRF token. Failed logins
// lock a username out for a while, whether or not it exists. Every change an
// admin makes is written to the audit log, kept in the database.
//
// The package knows nothing of HTTP: internal/adminapi parses requests,
// internal/authn resolves a session token to its admin.
package admin

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Role is what an admin may do.
type Role string

// The roles, from most to least.
const (
	// Owner may do everything, including managing admins.
	Owner Role = "owner"
	// Operator may change sites, users and their settings.
	Operator Role = "operator"
	// ReadOnly may look at everything and change nothing.
	ReadOnly Role = "readonly"
)

// Roles are the roles, from most to least.
var Roles = []Role{Owner, Operator, ReadOnly}

func (r Role) rank() int {
	switch r {
	case Owner:
		return 3
	case Operator:
		return 2
	case ReadOnly:
		return 1
	}
	return 0
}

// Valid tells whether r is one of Roles.
func (r Role) Valid() bool { return r.rank() > 0 }

// AtLeast tells whether r may do what min may: an unknown role may do
// nothing.
func (r Role) AtLeast(min Role) bool { return r.Valid() && r.rank() >= min.rank() }

// Admin is an operator of custos, as callers see it: no password, no
// secret.
type Admin struct {
	ID       int64
	Username string
	Role     Role
	// TOTPEnrolled tells whether the admin confirmed a second factor; until
	// then, a login with the password answers an enrollment.
	TOTPEnrolled bool
	Disabled     bool
	CreatedAt    time.Time
	// LastLoginAt is zero before the first login.
	LastLoginAt time.Time
}

// Session is an admin's signed-in session, resolved from its token.
type Session struct {
	Admin Admin
	// CSRFToken must come with every request that changes something (the
	// adapter compares it with CheckCSRF). It is derived from the session
	// token, so it is the same for the whole session.
	CSRFToken string
	CreatedAt time.Time
	// LastSeenAt is the last time the session was used (updated at most
	// once a minute).
	LastSeenAt time.Time
	// ExpiresAt is when the session ends unless used again: the earlier of
	// the idle and the absolute timeout.
	ExpiresAt time.Time
}

// LoginResult is what a login with a correct password (and code) answers:
// either a new session (Token, Session), or, for an admin without a second
// factor yet, an Enrollment to confirm with Enroll.
type LoginResult struct {
	// Token is the new session's token (for the cookie); empty with Enroll.
	Token   string
	Session Session
	Enroll  *Enrollment
}

// Enrollment is a TOTP secret waiting for its first code: the otpauth URI
// (for a QR code or an authenticator app) and its base32 secret, shown only
// to the admin who just proved the password. Each such login draws a new
// secret, so only the latest one can be confirmed.
type Enrollment struct {
	OTPAuthURI string
	Secret     string
}

// NewAdmin is what Create needs. An empty Password makes Create draw one
// and return it.
type NewAdmin struct {
	Username string
	Role     Role
	Password string
}

// Change is an update of an admin: nil fields stay. A new password ends
// the admin's sessions; so does disabling.
type Change struct {
	Role     *Role
	Disabled *bool
	Password *string
	// ResetTOTP forgets the second factor: the next login enrolls again.
	ResetTOTP bool
}

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	ID int64
	At time.Time
	// AdminID is 0 for changes made by the CLI or custos itself; Username
	// is the admin's at the time ("cli", "custos" otherwise).
	AdminID  int64
	Username string
	// Action names the change, e.g. "site.create", "admin.update".
	Action string
	// Target names what changed, e.g. "site:1", "admin:3".
	Target string
	// Before and After are JSON (null when there is no such state).
	Before json.RawMessage
	After  json.RawMessage
}

// AuditFilter selects audit entries; zero fields select all.
type AuditFilter struct {
	AdminID int64
	// Action matches exactly, or as a prefix when it ends with "." (e.g.
	// "site.").
	Action string
	Target string
	Since  time.Time
	Until  time.Time
}

// Page asks for up to Limit entries after Cursor ("" from the newest).
type Page struct {
	Cursor string
	Limit  int
}

// AuditPage is a page of audit entries, newest first; Next is the cursor
// of the next page, "" at the end.
type AuditPage struct {
	Entries []AuditEntry
	Next    string
}

// Bounds.
const (
	MaxUsernameLen   = 64
	MinPasswordLen   = 12
	DefaultPageLimit = 50
	MaxPageLimit     = 500
	// MaxAuditJSON is the largest Before or After kept in bytes; a bigger
	// one is kept as {"truncated":true,"size":<n>}.
	MaxAuditJSON = 64 << 10
	maxAction    = 100
	maxTarget    = 300
)

// CLI is the actor of changes made with the custos command.
var CLI = Admin{Username: "cli"}

// System is the actor of changes custos makes by itself (the first owner).
var System = Admin{Username: "custos"}

// Errors. Unknown usernames and wrong passwords or codes all answer
// ErrInvalidCredentials, and a locked-out username ErrLocked whether or
// not it exists.
var (
	ErrInvalidCredentials = errors.New("admin: wrong username, password or code")
	// ErrCodeRequired answers a correct password of an enrolled admin that
	// came without a TOTP code.
	ErrCodeRequired = errors.New("admin: a TOTP code is required")
	// ErrNotEnrolling answers Enroll for an admin that has no pending
	// enrollment (already enrolled, or no login with the password first).
	ErrNotEnrolling = errors.New("admin: no TOTP enrollment is pending")
	ErrLocked       = errors.New("admin: too many failed logins; try again later")
	ErrDisabled     = errors.New("admin: disabled")
	// ErrSessionUnknown: no such session, or it ended (logout, timeout,
	// its admin disabled or deleted). Adapters answer both as
	// unauthenticated.
	ErrSessionUnknown = errors.New("admin: unknown or ended session")
	ErrSessionExpired = errors.New("admin: session expired")

	ErrNotFound      = errors.New("admin: no such admin")
	ErrUsernameTaken = errors.New("admin: username taken")
	// ErrLastOwner refuses a change that would leave no enabled owner.
	ErrLastOwner = errors.New("admin: the last enabled owner cannot be removed, demoted or disabled")
	// ErrInvalid wraps a refused input (InvalidError names the field).
	ErrInvalid = errors.New("admin: invalid input")
)

// InvalidError is a refused input: the field and why. errors.Is(err,
// ErrInvalid) holds.
type InvalidError struct {
	Field  string // username, role, password, code, action, target, cursor, limit
	Reason string
}

func (e *InvalidError) Error() string { return "admin: invalid " + e.Field + ": " + e.Reason }

// Is makes errors.Is(e, ErrInvalid) true.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

func invalid(field, reason string) error { return &InvalidError{field, reason} }

// API is the exported surface of *Service, for adapters and tests.
type API interface {
	Create(ctx context.Context, actor Admin, in NewAdmin) (a Admin, password string, err error)
	CreateFirst(ctx context.Context, username string) (a Admin, password string, created bool, err error)
	Get(ctx context.Context, id int64) (Admin, error)
	List(ctx context.Context) ([]Admin, error)
	Update(ctx context.Context, actor Admin, id int64, c Change) (Admin, error)
	Delete(ctx context.Context, actor Admin, id int64) error
	Login(ctx context.Context, username, password, code string) (LoginResult, error)
	Enroll(ctx context.Context, username, password, code, newPassword string) (LoginResult, error)
	Session(ctx context.Context, token string) (Session, error)
	Logout(ctx context.Context, token string) error
	Record(ctx context.Context, actor Admin, action, target string, before, after any) error
	Audit(ctx context.Context, f AuditFilter, p Page) (AuditPage, error)
}

var _ API = (*Service)(nil)
