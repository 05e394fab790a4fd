package authn

import (
	"context"
	"errors"

	"github.com/custos-id/custos/internal/admin"
)

// AdminCookie is the name of the admin session's cookie (set by
// internal/adminapi for /admin/ and /console/).
const AdminCookie = "custos_admin"

// AdminSessions resolves admin session tokens; *admin.Service does.
type AdminSessions interface {
	Session(ctx context.Context, token string) (admin.Session, error)
}

// AdminPrincipal is an admin caller: the session (with its CSRF token) and
// the admin with its role, as the session resolved them just now.
type AdminPrincipal struct {
	Session admin.Session
}

// Admin is the calling admin.
func (p *AdminPrincipal) Admin() admin.Admin { return p.Session.Admin }

// Allows tells whether the caller's role may do what min may.
func (p *AdminPrincipal) Allows(min admin.Role) bool { return p.Session.Admin.Role.AtLeast(min) }

// CheckCSRF tells whether token is the session's CSRF token (constant
// time); adapters ask it on every request that changes something.
func (p *AdminPrincipal) CheckCSRF(token string) bool { return p.Session.CheckCSRF(token) }

// ErrAdminUnauthenticated answers a missing, unknown, ended or expired
// admin session: adapters answer 401 for all of them alike.
var ErrAdminUnauthenticated = errors.New("authn: no valid admin session")

// AdminSession decides an admin caller from a session token (the cookie's
// value): the session must exist, be within its idle and absolute
// timeouts and belong to an enabled admin. Other errors are the store's.
func AdminSession(ctx context.Context, sessions AdminSessions, token string) (*AdminPrincipal, error) {
	if token == "" {
		return nil, ErrAdminUnauthenticated
	}
	s, err := sessions.Session(ctx, token)
	switch {
	case errors.Is(err, admin.ErrSessionUnknown), errors.Is(err, admin.ErrSessionExpired):
		return nil, ErrAdminUnauthenticated
	case err != nil:
		return nil, err
	}
	return &AdminPrincipal{Session: s}, nil
}
