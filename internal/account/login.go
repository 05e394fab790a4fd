package account

import (
	"context"
	"errors"

	"github.com/custos-id/custos/internal/policy"
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
	// Caller asks for the login: a server answers for its clients.
	Caller Caller
}

// Login checks a login ID and password and opens a session. An unknown login
// ID costs a password verification too, so both failures take as long.
// Failures count against the account and the client address, which the
// security policies lock out or ask a CAPTCHA of.
func (s *Service) Login(ctx context.Context, st site.Site, in LoginInput) (Result, error) {
	a, id, rehash, err := s.passwordAccount(ctx, st, in)
	if err != nil {
		return Result{}, err
	}
	if err := s.checkAge(st, a.Profile); err != nil {
		return Result{}, err
	}
	if id.Kind == Email && st.Policies.AccountOptions.MustVerify() {
		if verified, err := s.loginEmailVerified(ctx, a, id); err != nil {
			return Result{}, err
		} else if !verified {
			a.EmailVerified = false // this address, not the account's first one, is what must be verified
		}
	}
	newHash := ""
	if rehash {
		if newHash, err = s.hasher.Hash(ctx, in.Password); err != nil {
			return Result{}, err
		}
	}
	return s.openSession(ctx, st, a, in.Session, opening{password: true, rehash: newHash})
}

// passwordAccount is the account a login ID and password prove, with the
// checks every password proof makes (Login, LinkAccounts): an unknown
// login ID costs a password verification too; failures count towards the
// lockouts; and a disabled account is told only to who knows the
// password. rehash tells that the password's hash is due an upgrade.
func (s *Service) passwordAccount(ctx context.Context, st site.Site, in LoginInput) (Account, LoginID, bool, error) {
	id, err := checkLogin(st, in)
	if err != nil {
		return Account{}, LoginID{}, false, err
	}
	g := s.guard(st, in.ClientIP, in.Caller.Server)
	a, found, err := s.loginAccount(ctx, st, g, id, in.CaptchaToken)
	if err != nil {
		return Account{}, LoginID{}, false, err
	}
	if !found {
		if err := g.claim(ctx, nil); err != nil {
			return Account{}, LoginID{}, false, err
		}
		s.hasher.VerifyDummy(ctx, in.Password)
		return Account{}, LoginID{}, false, g.failed(ctx, nil)
	}
	rehash, err := s.verifyPassword(ctx, g, &a, in.Password)
	if err != nil {
		return Account{}, LoginID{}, false, err
	}
	if !a.Active {
		return Account{}, LoginID{}, false, &Error{Err: ErrDisabled}
	}
	return a, id, rehash, nil
}

// checkLogin checks the parameters of a login and returns its login ID.
func checkLogin(st site.Site, in LoginInput) (LoginID, error) {
	id, err := parseLoginID(kindAttr(in.Kind), in.LoginID)
	if err != nil {
		return LoginID{}, err
	}
	if in.Kind != "" {
		id.Kind = in.Kind
	}
	if in.Password == "" {
		return LoginID{}, fail(ErrMissing, AttrPassword)
	}
	return id, checkSessionExpiration(st, in.Session)
}

// loginAccount finds the account of a login attempt, once the guard lets
// the address try: found is false for an unknown login ID or an account
// without a password. A locked account and a missing CAPTCHA refuse.
func (s *Service) loginAccount(ctx context.Context, st site.Site, g *guard, id LoginID, captchaToken string) (Account, bool, error) {
	if err := g.check(ctx); err != nil {
		return Account{}, false, err
	}
	a, err := s.store.AccountByLoginID(ctx, st.ID, id)
	found := err == nil && a.PasswordHash != ""
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Account{}, false, err
	}
	if found {
		if err := g.checkAccount(a); err != nil {
			return Account{}, false, err
		}
	}
	return a, found, g.captcha(ctx, a, captchaToken)
}

// verifyPassword counts the attempt and checks the password: rehash tells
// that the hash should be renewed.
func (s *Service) verifyPassword(ctx context.Context, g *guard, a *Account, password string) (rehash bool, err error) {
	if err := g.claim(ctx, a); err != nil {
		return false, err
	}
	ok, rehash, err := s.hasher.Verify(ctx, password, a.PasswordHash)
	if err != nil {
		return false, err
	}
	if !ok {
		return false, g.failed(ctx, a)
	}
	return rehash, g.succeeded(ctx, a)
}

// opening says how a session is opened: after a password (a login), or on
// the word of the site's server (notifyLogin).
type opening struct {
	// password: the user proved the password, whose age counts.
	password bool
	// rehash, when set, replaces the password hash just verified.
	rehash string
	// skipPending opens the session whatever is pending (skipValidation).
	skipPending bool
}

// openSession logs a into a new session, unless its registration, email
// verification or (after a password) password change is pending: then it
// answers that with a regToken to continue with.
//
// The login is recorded only if the password hash is still the one read:
// a password changed meanwhile refuses the login rather than let a session
// of the old password outlive the change.
func (s *Service) openSession(ctx context.Context, st site.Site, a Account, so SessionOptions, o opening) (Result, error) {
	var res Result
	var pending error
	err := s.store.WithTx(ctx, func(tx Store) error {
		if !o.skipPending {
			var kind TokenKind
			if kind, pending = s.pendingOf(st, a, o.password); pending != nil {
				tok, err := s.issueRegTokenOf(ctx, tx, kind, st.ID, a.ID)
				res.RegToken = tok
				return err
			}
		}
		now := s.clock()
		if err := tx.RecordLogin(ctx, a.ID, now, a.PasswordHash, o.rehash); err != nil {
			if errors.Is(err, ErrChanged) && o.password {
				return badLogin()
			}
			return changed(err)
		}
		a.LastLoginAt = now
		if o.rehash != "" {
			a.PasswordHash = o.rehash
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

// pendingOf tells what keeps a from a session, and the kind of regToken
// that continues it; nil when nothing. A password's age counts only for a
// login with it; verification is pending only for an account with an email.
func (s *Service) pendingOf(st site.Site, a Account, password bool) (TokenKind, error) {
	switch missing := MissingFields(st, a); {
	case len(missing) > 0:
		return RegToken, missingFields(missing)
	case !a.Registered && missingLoginID(st, a):
		return RegToken, &Error{Err: ErrMissingLoginID}
	case !a.Registered:
		return RegToken, failCase(ErrPendingRegistration, CaseFinalizeNext)
	case a.Email != "" && s.pendingVerification(st, a):
		return RegToken, &Error{Err: ErrPendingVerification}
	case password && s.passwordChangeDue(st, a):
		return PasswordChangeToken, &Error{Err: ErrPasswordChangeDue}
	}
	return "", nil
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

// createSession opens a session of a in tx, for as long as so asks or the
// site's policy says: every login, whichever way, and the change feed's
// "login" event.
func (s *Service) createSession(ctx context.Context, tx Store, st site.Site, a Account, so SessionOptions) (*NewSession, error) {
	sess, err := s.sessions.Create(ctx, tx, st.ID, a.ID, so.Seconds(st.Policies.GigyaPlugins.SessionExpiration), so.Mobile)
	if err != nil {
		return nil, err
	}
	return sess, s.event(ctx, tx, a, EventLogin)
}

// checkSessionExpiration checks the session expiration a login asks for.
func checkSessionExpiration(st site.Site, so SessionOptions) error {
	if policy.CheckSessionExpiration(string(AttrSessionExpiration), so.Seconds(st.Policies.GigyaPlugins.SessionExpiration)) != nil {
		return fail(ErrOutOfRange, AttrSessionExpiration, policy.MaxSessionExpiration)
	}
	return nil
}

// Logout ends one session.
func (s *Service) Logout(ctx context.Context, sess Session) error {
	return s.sessions.Revoke(ctx, sess)
}

// LogoutAll ends every session of an account, and its OAuth grants.
func (s *Service) LogoutAll(ctx context.Context, a Account) error {
	return s.store.WithTx(ctx, func(tx Store) error {
		if err := tx.RevokeAccountGrants(ctx, a.ID, s.clock()); err != nil {
			return err
		}
		return s.sessions.RevokeAll(ctx, tx, a.ID, 0)
	})
}

// VerifyLogin checks that a can log in now: active, registered, verified.
func (s *Service) VerifyLogin(ctx context.Context, st site.Site, a Account) error {
	switch {
	case !a.Active:
		return &Error{Err: ErrDisabled}
	case len(MissingFields(st, a)) > 0:
		return missingFields(MissingFields(st, a))
	case !a.Registered:
		return &Error{Err: ErrPendingRegistration}
	case s.pendingVerification(st, a):
		return &Error{Err: ErrPendingVerification}
	}
	return nil
}
