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
	// No password was checked: its age does not count, the site vouches.
	res, err = s.openSession(ctx, st, a, in.Session, opening{skipPending: in.SkipValidation})
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
	err = s.store.WithTx(ctx, func(tx Store) error {
		if err := tx.CreateAccount(ctx, &a, nil); err != nil {
			return err
		}
		return s.event(ctx, tx, a, EventCreated)
	})
	if err != nil {
		// The UID is unique per site: the other call's account is the one.
		if found, ferr := s.store.AccountByUID(ctx, st.ID, uid); ferr == nil {
			return found, false, nil
		}
		return Account{}, false, err
	}
	return a, true, nil
}
