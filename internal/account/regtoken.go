package account

import (
	"context"
	"errors"
	"reflect"
	"time"

	"github.com/custos-id/custos/internal/site"
)

// passwordChangeDue tells whether a login of a must change the password
// first: a server asked for it, or the password is older than
// security.passwordChangeInterval. An account without a password has
// nothing to change.
func (s *Service) passwordChangeDue(st site.Site, a Account) bool {
	if a.PasswordHash == "" {
		return false
	}
	maxAge := st.Policies.Security.PasswordMaxAge()
	return a.PasswordChangeRequired || maxAge > 0 && !s.now().Before(a.PasswordChangedAt.Add(maxAge))
}

// RegTokenCall resolves the regToken a client acts on an account with
// instead of a session: the account of a registration not finalized yet
// (or missing required fields), or of a login whose password must change. The Caller it returns is a
// client's, whatever credentials came along, as Gigya handles calls with a
// regToken; Update applies the client's rules, and with the token of a
// password change allows that change only. The token stays valid until a
// password change spends it (that of a pending registration stays for
// finalizeRegistration).
func (s *Service) RegTokenCall(ctx context.Context, st site.Site, regToken string) (Account, Caller, error) {
	t, err := s.validToken(ctx, st.ID, PasswordChangeToken, regToken)
	if errors.Is(err, ErrTokenUnknown) {
		return s.registrationCall(ctx, st, regToken)
	}
	if err != nil {
		return Account{}, Caller{}, err
	}
	a, err := s.tokenAccount(ctx, st, t)
	return a, Caller{RegToken: true, PasswordChange: true, regToken: string(t.Hash)}, err
}

// PendingRegistration resolves the regToken of a pending registration, as
// RegTokenCall does, but not that of a due password change: it is what a
// client reads the account it completes with (getAccountInfo).
func (s *Service) PendingRegistration(ctx context.Context, st site.Site, regToken string) (Account, error) {
	a, _, err := s.registrationCall(ctx, st, regToken)
	return a, err
}

// registrationCall resolves the regToken of a pending registration.
func (s *Service) registrationCall(ctx context.Context, st site.Site, regToken string) (Account, Caller, error) {
	t, err := s.validToken(ctx, st.ID, RegToken, regToken)
	if err != nil {
		return Account{}, Caller{}, err
	}
	if t.AccountID == 0 {
		return Account{}, Caller{}, &Error{Err: ErrTokenUnused, Attr: AttrRegToken, Case: CaseRegisterFirst}
	}
	a, err := s.tokenAccount(ctx, st, t)
	switch {
	case err != nil:
		return Account{}, Caller{}, err
	case a.Registered && s.pendingVerification(st, a):
		// The regToken of a pending verification resends the link; it
		// changes nothing of an account whose registration is complete.
		return Account{}, Caller{}, &Error{Err: ErrPendingVerification}
	case a.Registered && len(MissingFields(st, a)) == 0:
		// A registered account takes a regToken only to complete the
		// fields its site made required after it registered.
		return Account{}, Caller{}, fail(ErrTokenUnknown, AttrRegToken)
	}
	return a, Caller{RegToken: true, regToken: string(t.Hash)}, nil
}

// tokenAccount is the active account of token t.
func (s *Service) tokenAccount(ctx context.Context, st site.Site, t Token) (Account, error) {
	a, err := s.store.AccountByID(ctx, st.ID, t.AccountID)
	if errors.Is(err, ErrNotFound) {
		return Account{}, fail(ErrTokenUnknown, AttrRegToken)
	}
	if err != nil {
		return Account{}, err
	}
	return a, a.MayHoldTokens()
}

// permittedWithToken tells whether the regToken of a due password change
// allows the changes: a new password, with the current one (the client's
// rule), and nothing else.
func (c Changes) permittedWithToken() error {
	rest := c
	rest.Password, rest.NewPassword = "", ""
	switch {
	case !reflect.ValueOf(rest).IsZero():
		return failCase(ErrPasswordChangeDue, CasePasswordOnly)
	case c.NewPassword == "":
		return fail(ErrMissing, AttrNewPassword)
	}
	return nil
}

// spendRegToken, in the transaction of a password change made with a
// regToken, spends the token of a password change (of two concurrent
// changes, one wins); it returns the token of a pending registration,
// which the change keeps.
func spendRegToken(ctx context.Context, tx Store, by Caller) (keep *Token, err error) {
	switch {
	case by.PasswordChange:
		if _, err := tx.ConsumeToken(ctx, PasswordChangeToken, []byte(by.regToken)); err != nil {
			return nil, fail(ErrTokenUnknown, AttrRegToken)
		}
		return nil, nil
	case by.RegToken:
		t, err := tx.TokenByHash(ctx, RegToken, []byte(by.regToken))
		if err != nil {
			return nil, fail(ErrTokenUnknown, AttrRegToken)
		}
		return &t, nil
	}
	return nil, nil
}

// keepRegToken stores again, after a password change revoked the
// account's regTokens, the one of the pending registration that made it.
func keepRegToken(ctx context.Context, tx Store, t *Token, now time.Time) error {
	if t == nil || !now.Before(t.ExpiresAt) {
		return nil
	}
	return tx.CreateToken(ctx, *t)
}
