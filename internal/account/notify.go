package account

import (
	"context"
	"errors"

	"github.com/custos-id/custos/internal/site"
)

// MaxSiteUIDLen bounds a siteUID: Gigya takes up to 252 ASCII characters.
const MaxSiteUIDLen = 252

// NotifyInput are the parameters of a custom login (Gigya's notifyLogin):
// the site authenticated the user against its own user store, and its
// server tells custos who logged in.
type NotifyInput struct {
	// SiteUID names the user: the UID of an account logs that account in;
	// any other value makes a new account whose UID it is, as Gigya's
	// custom login registers a new siteUID and reconnects a known one.
	SiteUID string
	Session SessionOptions
	// SkipValidation opens the session whatever pending state the account
	// is in (required fields, registration, verification, age).
	SkipValidation bool
}

// NotifyLogin opens a session for the account in.SiteUID names, making it
// first when there is none (created tells). A new account is registered,
// active, and has no login ID and no password: the site's own store logs
// the user in. Unless in.SkipValidation, the pending states of a login hold
// (ErrPendingRegistration with the required fields missing,
// ErrPendingVerification for an account with an unverified email where the
// site requires verification, ErrUnderage), answered with a regToken. A
// deactivated account is ErrDisabled. Only the site's server may call it:
// it vouches for the user.
func (s *Service) NotifyLogin(ctx context.Context, st site.Site, in NotifyInput) (res Result, created bool, err error) {
	if err := checkSiteUID(in.SiteUID); err != nil {
		return Result{}, false, err
	}
	if err := checkSessionExpiration(st, in.Session); err != nil {
		return Result{}, false, err
	}
	a, created, err := s.siteUIDAccount(ctx, st, in.SiteUID)
	if err != nil {
		return Result{}, false, err
	}
	if !a.Active {
		return Result{}, created, &Error{Err: ErrDisabled}
	}
	if !in.SkipValidation {
		if err := s.checkAge(st, a.Profile); err != nil {
			return Result{}, created, err
		}
	}
	res, err = s.notifySession(ctx, st, a, in)
	return res, created, err
}

// checkSiteUID checks a siteUID: 1 to MaxSiteUIDLen printable ASCII
// characters, no space (it becomes a UID, which clients echo in
// parameters and compare).
func checkSiteUID(uid string) error {
	switch {
	case uid == "":
		return fail(ErrMissing, AttrSiteUID)
	case len(uid) > MaxSiteUIDLen:
		return fail(ErrTooLong, AttrSiteUID, MaxSiteUIDLen)
	}
	for i := 0; i < len(uid); i++ {
		if c := uid[i]; c <= ' ' || c > '~' {
			return fail(ErrBadCharacters, AttrSiteUID)
		}
	}
	return nil
}

// siteUIDAccount is the account whose UID is uid, made when there is none.
// Of two calls making it at once, one makes it and the other finds it.
func (s *Service) siteUIDAccount(ctx context.Context, st site.Site, uid string) (Account, bool, error) {
	a, err := s.store.AccountByUID(ctx, st.ID, uid)
	if !errors.Is(err, ErrNotFound) {
		return a, false, err
	}
	now := s.clock()
	a = Account{SiteID: st.ID, UID: uid, Active: true, Registered: true, CreatedAt: now, UpdatedAt: now, RegisteredAt: now}
	if err := s.store.CreateAccount(ctx, &a, nil); err != nil {
		// The UID is unique per site: the other call's account is the one.
		if found, ferr := s.store.AccountByUID(ctx, st.ID, uid); ferr == nil {
			return found, false, nil
		}
		return Account{}, false, err
	}
	return a, true, nil
}

// notifySession opens a session of a, unless (without SkipValidation) it
// is pending: then the pending error comes with a regToken, as a login's.
// Unlike a login it checks no password, so neither a due password change:
// the site's store authenticated the user. Verification is pending only
// for an account with an email.
func (s *Service) notifySession(ctx context.Context, st site.Site, a Account, in NotifyInput) (Result, error) {
	var res Result
	var pending error
	err := s.store.WithTx(ctx, func(tx Store) error {
		if !in.SkipValidation {
			switch missing := MissingFields(st, a); {
			case len(missing) > 0:
				pending = missingFields(missing)
			case !a.Registered:
				pending = failCase(ErrPendingRegistration, CaseFinalizeNext)
			case a.Email != "" && s.pendingVerification(st, a):
				pending = &Error{Err: ErrPendingVerification}
			}
			if pending != nil {
				tok, err := s.issueRegToken(ctx, tx, st.ID, a.ID)
				res.RegToken = tok
				return err
			}
		}
		now := s.clock()
		// The password hash read is the one kept: a change meanwhile
		// refuses, as the account changed since it was read.
		if err := tx.RecordLogin(ctx, a.ID, now, a.PasswordHash, ""); err != nil {
			return changed(err)
		}
		a.LastLoginAt = now
		sess, err := s.createSession(ctx, tx, st, a, in.Session)
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
