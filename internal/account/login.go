package account

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"strconv"

	"github.com/custos-id/custos/internal/site"
)

// badLogin is the one answer to an unknown login ID and to a wrong password,
// so that the answer does not tell which accounts exist.
func badLogin() error { return &Error{Err: ErrInvalidCredentials} }

// LoginInput are the parameters of a login.
type LoginInput struct {
	LoginID, Password string
	Session           SessionOptions
	// ClientIP is the caller's address, for the address lockout.
	ClientIP string
	// CaptchaToken is the answer to a CAPTCHA, when the policy asks for one.
	CaptchaToken string
	// Kind, when set, is the kind of login ID the caller named (the REST
	// dialect's username or email_address); else "@" tells.
	Kind LoginIDKind
	// Trusted: the call comes from a server with the site's credentials,
	// which answers for its clients (no CAPTCHA, no address counted).
	Trusted bool
}

// Login checks a login ID and password and opens a session. An unknown login
// ID costs a password verification too, so both failures take as long.
// Failures count against the account and the client address, which the
// security policies lock out or ask a CAPTCHA of.
func (s *Service) Login(ctx context.Context, st site.Site, in LoginInput) (Result, error) {
	id, err := parseLoginID(kindAttr(in.Kind), in.LoginID)
	if err != nil {
		return Result{}, err
	}
	if in.Kind != "" {
		id.Kind = in.Kind
	}
	if in.Password == "" {
		return Result{}, fail(ErrMissing, AttrPassword)
	}
	if err := checkSessionExpiration(st.Policies, in.Session); err != nil {
		return Result{}, err
	}
	g := s.guard(st, in.ClientIP, in.Trusted)
	if err := g.check(ctx); err != nil {
		return Result{}, err
	}
	a, err := s.store.AccountByLoginID(ctx, st.ID, id)
	found := err == nil && a.PasswordHash != ""
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Result{}, err
	}
	if found {
		if err := g.checkAccount(a); err != nil {
			return Result{}, err
		}
	}
	if err := g.captcha(ctx, a, in.CaptchaToken); err != nil {
		return Result{}, err
	}
	if !found {
		if err := g.claim(ctx, nil); err != nil {
			return Result{}, err
		}
		s.hasher.VerifyDummy(ctx, in.Password)
		return Result{}, g.failed(ctx, nil)
	}
	if err := g.claim(ctx, &a); err != nil {
		return Result{}, err
	}
	ok, rehash, err := s.hasher.Verify(ctx, in.Password, a.PasswordHash)
	if err != nil {
		return Result{}, err
	}
	if !ok {
		return Result{}, g.failed(ctx, &a)
	}
	if err := g.succeeded(ctx, &a); err != nil {
		return Result{}, err
	}
	pw, so := in.Password, in.Session
	// Account state is told only to who knows the password.
	if !a.Active {
		return Result{}, &Error{Err: ErrDisabled}
	}
	if id.Kind == Email && s.mustVerify(st) {
		if verified, err := s.loginEmailVerified(ctx, a, id); err != nil {
			return Result{}, err
		} else if !verified {
			a.EmailVerified = false // this address, not the account's first one, is what must be verified
		}
	}
	newHash := ""
	if rehash {
		if newHash, err = s.hasher.Hash(ctx, pw); err != nil {
			return Result{}, err
		}
	}
	return s.openSession(ctx, st, a, so, newHash)
}

// openSession logs a into a new session, unless the registration or the
// email verification is pending: then it answers ErrPendingRegistration
// or ErrPendingVerification with a regToken.
//
// The login is recorded only if the password hash is still the one just
// verified: a password changed meanwhile refuses the login rather
// than let a session of the old password outlive the change.
func (s *Service) openSession(ctx context.Context, st site.Site, a Account, so SessionOptions, rehash string) (Result, error) {
	var res Result
	var pending error
	err := s.store.WithTx(ctx, func(tx Store) error {
		switch {
		case !a.Registered:
			pending = failCase(ErrPendingRegistration, CaseFinalizeNext)
		case s.pendingVerification(st, a):
			pending = &Error{Err: ErrPendingVerification}
		}
		if pending != nil {
			tok, err := s.issueRegToken(ctx, tx, st.ID, a.ID)
			res.RegToken = tok
			return err
		}
		now := s.clock()
		if err := tx.RecordLogin(ctx, a.ID, now, a.PasswordHash, rehash); err != nil {
			if errors.Is(err, ErrChanged) {
				return badLogin()
			}
			return err
		}
		a.LastLoginAt = now
		if rehash != "" {
			a.PasswordHash = rehash
		}
		sess, err := s.createSession(ctx, tx, st, a, so)
		res.Session = sess
		return err
	})
	if err != nil {
		return Result{}, err
	}
	res.Account = a
	if res.LoginIDs, err = s.store.LoginIDs(ctx, a.ID); err != nil {
		return Result{}, err
	}
	return res, pending
}

// mustVerify tells whether the site lets only verified emails log in.
func (s *Service) mustVerify(st site.Site) bool {
	o := st.Policies.AccountOptions
	return o.VerifyEmail && !o.AllowUnverifiedLogin
}

// loginEmailVerified tells whether the login email id of a is verified.
func (s *Service) loginEmailVerified(ctx context.Context, a Account, id LoginID) (bool, error) {
	ids, err := s.store.LoginIDs(ctx, a.ID)
	if err != nil {
		return false, err
	}
	for _, l := range ids {
		if l.Value == id.Value {
			return !l.VerifiedAt.IsZero(), nil
		}
	}
	return false, nil
}

// createSession stores a new session of a and returns its token.
func (s *Service) createSession(ctx context.Context, tx Store, st site.Site, a Account, so SessionOptions) (*NewSession, error) {
	tok, hash, err := s.newToken("st1_")
	if err != nil {
		return nil, err
	}
	now, exp := s.clock(), sessionExpiration(st.Policies, so)
	ns := &NewSession{Token: tok, Browser: exp == 0, Session: Session{SiteID: st.ID, AccountID: a.ID, TokenHash: hash,
		CreatedAt: now, ExpiresAt: sessionExpiry(now, exp)}}
	if so.Mobile {
		secret := make([]byte, 32)
		if _, err := io.ReadFull(rand.Reader, secret); err != nil {
			return nil, err
		}
		ns.Secret = base64.StdEncoding.EncodeToString(secret)
		ns.SecretSealed = s.box.Seal(secret, sessionAAD(hash))
	}
	if err := tx.CreateSession(ctx, &ns.Session); err != nil {
		return nil, err
	}
	return ns, nil
}

func sessionAAD(hash []byte) []byte { return append([]byte("session:"), hash...) }

// ResolveSession finds the session of a token in the site: ErrSessionUnknown
// or ErrSessionExpired. One indexed lookup.
func (s *Service) ResolveSession(ctx context.Context, st site.Site, token string) (Session, Account, error) {
	if token == "" || len(token) > 128 {
		return Session{}, Account{}, &Error{Err: ErrSessionUnknown}
	}
	sess, a, err := s.store.SessionByHash(ctx, hashToken(token))
	if errors.Is(err, ErrNotFound) || (err == nil && sess.SiteID != st.ID) {
		return Session{}, Account{}, &Error{Err: ErrSessionUnknown}
	}
	if err != nil {
		return Session{}, Account{}, err
	}
	if !sess.ExpiresAt.IsZero() && !s.now().Before(sess.ExpiresAt) {
		s.store.DeleteSession(ctx, sess.TokenHash)
		return Session{}, Account{}, &Error{Err: ErrSessionExpired}
	}
	return sess, a, nil
}

// Logout ends one session.
func (s *Service) Logout(ctx context.Context, sess Session) error {
	err := s.store.DeleteSession(ctx, sess.TokenHash)
	if errors.Is(err, ErrNotFound) { // ended meanwhile
		return nil
	}
	return err
}

// LogoutAll ends every session of an account.
func (s *Service) LogoutAll(ctx context.Context, a Account) error {
	return s.store.DeleteSessions(ctx, a.ID, 0)
}

// VerifyLogin checks that a can log in now: active, registered, verified.
func (s *Service) VerifyLogin(ctx context.Context, st site.Site, a Account) error {
	switch {
	case !a.Active:
		return &Error{Err: ErrDisabled}
	case !a.Registered:
		return &Error{Err: ErrPendingRegistration}
	case s.pendingVerification(st, a):
		return &Error{Err: ErrPendingVerification}
	}
	return nil
}

// expiresIn is the seconds left of a session, for sessionInfo.expires_in; "0" when it does not expire.
func ExpiresIn(sess Session, now func() int64) string {
	if sess.ExpiresAt.IsZero() {
		return "0"
	}
	return strconv.FormatInt(max(sess.ExpiresAt.Unix()-now(), 0), 10)
}

// SessionSecret resolves a mobile session and opens its secret, the key its
// requests are signed with: ErrSessionUnknown for a session without one.
func (s *Service) SessionSecret(ctx context.Context, st site.Site, token string) (Session, Account, []byte, error) {
	sess, a, err := s.ResolveSession(ctx, st, token)
	if err != nil {
		return Session{}, Account{}, nil, err
	}
	if len(sess.SecretSealed) == 0 {
		return Session{}, Account{}, nil, failCase(ErrSessionUnknown, CaseBrowser)
	}
	secret, err := s.box.Open(sess.SecretSealed, sessionAAD(sess.TokenHash))
	if err != nil {
		return Session{}, Account{}, nil, err
	}
	return sess, a, secret, nil
}
