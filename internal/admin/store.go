package admin

import (
	"context"
	"time"
)

// Record is an admin as stored.
type Record struct {
	Admin
	PasswordHash string
	// TOTPSealed is the confirmed TOTP secret, sealed (nil: not enrolled);
	// TOTPPending the one waiting for its first code.
	TOTPSealed  []byte
	TOTPPending []byte
	// TOTPLastStep is the time step (Unix seconds / 30) of the last code
	// accepted: a code of that step or an earlier one is not accepted.
	TOTPLastStep int64
	UpdatedAt    time.Time
}

// SessionRecord is an admin session as stored: the token only as its
// SHA-256.
type SessionRecord struct {
	TokenHash  []byte
	AdminID    int64
	CreatedAt  time.Time
	LastSeenAt time.Time
}

// Store is what the admin service needs of the database; *store.DB
// implements it.
type Store interface {
	// CreateAdmin stores r and sets its ID; ErrUsernameTaken.
	CreateAdmin(ctx context.Context, r *Record) error
	// CreateFirstAdmin stores r only when there is no admin yet.
	CreateFirstAdmin(ctx context.Context, r *Record) (created bool, err error)
	// AdminByID and AdminByUsername answer ErrNotFound.
	AdminByID(ctx context.Context, id int64) (Record, error)
	AdminByUsername(ctx context.Context, username string) (Record, error)
	// ListAdmins answers every admin by username.
	ListAdmins(ctx context.Context) ([]Record, error)
	// UpdateAdmin writes role, disabled, password hash, TOTP secrets and
	// updated_at of r.ID; ErrNotFound, ErrLastOwner when no enabled owner
	// would be left.
	UpdateAdmin(ctx context.Context, r Record) error
	// DeleteAdmin deletes an admin and its sessions; ErrNotFound,
	// ErrLastOwner.
	DeleteAdmin(ctx context.Context, id int64) error
	// UseAdminTOTPStep records step as the admin's last accepted code,
	// false when a code of that step or a later one was accepted already.
	UseAdminTOTPStep(ctx context.Context, id, step int64) (bool, error)

	// AdminLockedUntil is when a username's lockout ends (zero: none).
	AdminLockedUntil(ctx context.Context, username string) (time.Time, error)
	// ReserveAdminLogin counts an attempt of username at now as a failure
	// before its password is checked, forgetting failures older than
	// since: allowed is false (and nothing counted) while the username is
	// locked; locks tells that this attempt reached max failures and locked
	// it until lockUntil. A success clears the count
	// (ResetAdminLoginFailures).
	ReserveAdminLogin(ctx context.Context, username string, now, since time.Time, max int, lockUntil time.Time) (allowed, locks bool, err error)
	// ResetAdminLoginFailures forgets the failures of username.
	ResetAdminLoginFailures(ctx context.Context, username string) error

	// CreateAdminSession stores a session and sets its admin's last login.
	CreateAdminSession(ctx context.Context, s SessionRecord) error
	// AdminSession answers a session and its admin; ErrSessionUnknown.
	AdminSession(ctx context.Context, tokenHash []byte) (SessionRecord, Record, error)
	// TouchAdminSession sets a session's last use.
	TouchAdminSession(ctx context.Context, tokenHash []byte, at time.Time) error
	// DeleteAdminSession ends a session (none is no error).
	DeleteAdminSession(ctx context.Context, tokenHash []byte) error
	// DeleteAdminSessions ends every session of an admin.
	DeleteAdminSessions(ctx context.Context, adminID int64) error
	// PurgeAdminSessions deletes the sessions last used before idleBefore
	// or created before createdBefore, and login failures older than
	// failuresBefore; it answers how many sessions went.
	PurgeAdminSessions(ctx context.Context, idleBefore, createdBefore, failuresBefore time.Time) (int64, error)

	// AddAudit stores an audit entry and sets its ID.
	AddAudit(ctx context.Context, e *AuditEntry) error
	// AuditEntries answers up to limit entries matching f with an ID below
	// beforeID (0: from the newest), newest first.
	AuditEntries(ctx context.Context, f AuditFilter, beforeID int64, limit int) ([]AuditEntry, error)

	// WithAdminTx runs fn in one transaction.
	WithAdminTx(ctx context.Context, fn func(Store) error) error
}
