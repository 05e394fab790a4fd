package account

import (
	"context"
	"errors"

	"github.com/custos-id/custos/internal/site"
)

// checkConflict refuses, where accountOptions.loginIdentifierConflict says
// so, a profile.email that is a login email of another account of the site
// than selfID (0: an account not created yet). An address the account logs
// in with itself is no conflict; ownEmail is the one a registration is
// about to claim (the store's unique index judges that one).
//
// This is a check before the write, not a constraint: a login email
// claimed meanwhile by another account is not seen. The social side of
// the policy (a provider's email that another account logs in with, and
// the difference between its two fail values) comes with social login,
// issue 14.
//
// A site that prevents login-ID harvesting tells clients nothing of other
// accounts' emails: their calls are not checked (the answer would be an
// oracle of which addresses have accounts).
func (s *Service) checkConflict(ctx context.Context, st site.Site, by Caller, selfID int64, ownEmail string, profile map[string]any) error {
	opts := st.Policies.AccountOptions
	if !opts.RefusesConflicts() || opts.PreventLoginIDHarvesting && !by.Server {
		return nil
	}
	email, _ := profile["email"].(string)
	if email == "" || (ownEmail != "" && normalForm(email) == normalForm(ownEmail)) {
		return nil
	}
	id, err := ParseLoginID(email)
	if err != nil || id.Kind != Email {
		return nil // not an address anyone logs in with
	}
	other, err := s.store.AccountByLoginID(ctx, st.ID, id)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil
	case err != nil:
		return err
	case other.ID != selfID:
		return fail(ErrLoginIDConflict, AttrProfile)
	}
	return nil
}

// profilePolicies applies the site's policies on profiles to the profile
// of an update, merged already: the minimum age once the change sets a
// birth field, and login-ID conflicts once it sets profile.email.
func (u *update) profilePolicies(ctx context.Context, c Changes) error {
	if touchesBirthDate(c.Profile) {
		if err := u.s.checkAge(u.st, u.a.Profile); err != nil {
			return err
		}
	}
	if _, ok := c.Profile["email"]; ok {
		return u.s.checkConflict(ctx, u.st, u.by, u.a.ID, "", u.a.Profile)
	}
	return nil
}
