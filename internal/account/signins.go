package account

import (
	"context"
	"encoding/hex"
	"errors"

	"github.com/custos-id/custos/internal/site"
)

// SignInStore finds sessions by the names the Social ID API gives them, and
// keeps the user token of each account.
type SignInStore interface {
	// SessionByID finds a session, of any site, with its account (read as
	// ReadObjects says: no password hash): ErrNotFound when none.
	SessionByID(ctx context.Context, id int64) (Session, Account, error)
	// SessionByHashPrefix finds the session whose token hash starts with
	// prefix, with its account as SessionByID reads it: ErrNotFound when none.
	SessionByHashPrefix(ctx context.Context, prefix []byte) (Session, Account, error)
	// SetUserToken records the session sessionID as the user token of the
	// account and ends the session recorded before, if any.
	SetUserToken(ctx context.Context, accountID, sessionID int64) error
}

// connectionIDLen is the length of a connection id in bytes of the token
// hash: 128 bits, which no two sessions share.
const connectionIDLen = 16

// ConnectionID is the Social ID connection id of a session: the first half
// of the SHA-256 of its token, in hex. It names the session without
// telling its token.
func ConnectionID(sess Session) string {
	if len(sess.TokenHash) < connectionIDLen {
		return ""
	}
	return hex.EncodeToString(sess.TokenHash[:connectionIDLen])
}

// SignIn returns the live session id of the site, with its account:
// ErrNotFound (AttrSignIn) for a session of another site, an ended or an
// expired one.
func (s *Service) SignIn(ctx context.Context, st site.Site, id int64) (Session, Account, error) {
	if id <= 0 {
		return Session{}, Account{}, fail(ErrNotFound, AttrSignIn)
	}
	sess, a, err := s.store.SessionByID(ctx, id)
	return s.live(st, sess, a, err, AttrSignIn)
}

// Connection returns the live session of the site whose connection id is
// connID, with its account: ErrNotFound (AttrConnection) as for SignIn, and
// for an id that is not 32 lower-case hex digits.
func (s *Service) Connection(ctx context.Context, st site.Site, connID string) (Session, Account, error) {
	prefix, err := hex.DecodeString(connID)
	if err != nil || len(prefix) != connectionIDLen || hex.EncodeToString(prefix) != connID {
		return Session{}, Account{}, fail(ErrNotFound, AttrConnection)
	}
	sess, a, err := s.store.SessionByHashPrefix(ctx, prefix)
	return s.live(st, sess, a, err, AttrConnection)
}

// EndConnection ends the session of Connection; a session ended meanwhile
// is no error.
func (s *Service) EndConnection(ctx context.Context, st site.Site, connID string) (Session, Account, error) {
	sess, a, err := s.Connection(ctx, st, connID)
	if err != nil {
		return Session{}, Account{}, err
	}
	return sess, a, s.sessions.Revoke(ctx, sess)
}

// live answers a session the store found, if it is of st and has not
// expired; else ErrNotFound about attr.
func (s *Service) live(st site.Site, sess Session, a Account, err error, attr Attribute) (Session, Account, error) {
	switch {
	case errors.Is(err, ErrNotFound):
		return Session{}, Account{}, fail(ErrNotFound, attr)
	case err != nil:
		return Session{}, Account{}, err
	case sess.SiteID != st.ID || !sess.ExpiresAt.IsZero() && !s.now().Before(sess.ExpiresAt):
		return Session{}, Account{}, fail(ErrNotFound, attr)
	}
	return sess, a, nil
}

// UserToken opens a new session of a for a site's server, which hands its
// token to the user (the Social ID user token): the session lasts as the
// site's sessions do, and the user token issued before ends. It is no
// login: the password is not asked for and signed_in_at stays; a user who
// could not log in (deactivated, registration or verification pending)
// gets none.
func (s *Service) UserToken(ctx context.Context, st site.Site, a Account) (*NewSession, error) {
	if err := s.VerifyLogin(ctx, st, a); err != nil {
		return nil, err
	}
	var sess *NewSession
	err := s.store.WithTx(ctx, func(tx Store) error {
		var err error
		if sess, err = s.createSession(ctx, tx, st, a, SessionOptions{}); err != nil {
			return err
		}
		return tx.SetUserToken(ctx, a.ID, sess.ID)
	})
	if err != nil {
		return nil, err
	}
	return sess, nil
}
