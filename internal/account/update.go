package account

import (
	"context"
	"errors"
	"maps"
	"strings"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/site"
)

// Changes are the changes of setAccountInfo. Nil fields change nothing.
type Changes struct {
	// Profile and Data are merged into the account's: a key with a null
	// value is removed, nested objects merge key by key.
	Profile, Data map[string]any
	Username      *string
	// Email replaces the primary email (unverified until confirmed).
	Email             *string
	AddLoginEmails    []string
	RemoveLoginEmails []string
	// Password is the current password; NewPassword replaces it.
	Password, NewPassword string
	// Active (isActive) is for server calls only.
	Active *bool
}

// Update applies changes to a, atomically: on any error nothing changes.
// A password change ends the account's other sessions; keepSession is the
// session making the call (0 for a server call).
func (s *Service) Update(ctx context.Context, st site.Site, a Account, c Changes, keepSession int64) (Account, error) {
	var fields []errcode.FieldError
	if c.Profile != nil {
		a.Profile = merge(a.Profile, c.Profile)
	}
	if c.Data != nil {
		a.Data = merge(a.Data, c.Data)
	}
	fields = append(fields, checkObjects(a.Profile, a.Data)...)
	var newUsername *StoredLoginID
	if c.Username != nil && *c.Username != a.Username {
		id, ferr := parseUsername(AttrUsername, *c.Username)
		switch {
		case ferr != nil:
			fields = append(fields, *ferr)
		case !st.Policies.AccountOptions.AllowsUsername():
			fields = append(fields, usernameNotAllowed())
		default:
			newUsername = &StoredLoginID{LoginID: id, Display: strings.TrimSpace(*c.Username)}
		}
	}
	var newEmail *StoredLoginID
	if c.Email != nil && !strings.EqualFold(strings.TrimSpace(*c.Email), a.Email) {
		id, ferr := parseEmail(AttrEmail, *c.Email)
		if ferr != nil {
			fields = append(fields, *ferr)
		} else {
			newEmail = &StoredLoginID{LoginID: id, Display: strings.TrimSpace(*c.Email)}
		}
	}
	var addEmails []StoredLoginID
	for _, e := range c.AddLoginEmails {
		id, ferr := parseEmail(AttrAddLoginEmails, e)
		if ferr != nil {
			fields = append(fields, *ferr)
			continue
		}
		addEmails = append(addEmails, StoredLoginID{LoginID: id, Display: e})
	}
	var removeEmails []LoginID
	for _, e := range c.RemoveLoginEmails {
		id, err := parseLoginID(AttrRemoveLoginEmails, e)
		if err != nil {
			return Account{}, err
		}
		if id.Kind != Email {
			return Account{}, fail(ErrNotEmail, AttrRemoveLoginEmails, e)
		}
		removeEmails = append(removeEmails, id)
	}
	newHash := ""
	if c.NewPassword != "" {
		if c.Password == "" && keepSession != 0 {
			return Account{}, fail(ErrMissing, AttrPassword)
		}
		fields = append(fields, checkPassword(st.Policies, c.NewPassword)...)
	}
	if len(fields) > 0 {
		return Account{}, invalid(fields...)
	}
	if c.NewPassword != "" {
		// A client must prove it knows the current password; a server call
		// may give it too, and then it is checked as well.
		if c.Password != "" {
			ok, _, err := s.hasher.Verify(ctx, c.Password, a.PasswordHash)
			if err != nil {
				return Account{}, err
			}
			if !ok {
				return Account{}, fail(ErrInvalidCredentials, AttrPassword)
			}
		}
		if err := s.checkReuse(ctx, st, a, c.NewPassword); err != nil {
			return Account{}, err
		}
		var err error
		if newHash, err = s.hasher.Hash(ctx, c.NewPassword); err != nil {
			return Account{}, err
		}
	}
	if c.Active != nil {
		a.Active = *c.Active
	}
	now, prev := s.clock(), a.UpdatedAt
	a.UpdatedAt = later(now, prev)
	replaced := a.PasswordHash
	if newHash != "" {
		a.PasswordHash, a.PasswordChangedAt = newHash, now
	}
	err := s.store.WithTx(ctx, func(tx Store) error {
		if newUsername != nil {
			if a.Username != "" {
				if err := tx.RemoveLoginID(ctx, a.ID, LoginID{Kind: Username, Value: mustLower(a.Username)}); err != nil && !errors.Is(err, ErrNotFound) {
					return err
				}
			}
			if err := tx.AddLoginID(ctx, st.ID, a.ID, *newUsername); err != nil {
				return takenField(err, AttrUsername)
			}
			a.Username = newUsername.Display
			a.Profile = withValue(a.Profile, "username", a.Username)
		}
		if newEmail != nil {
			if err := tx.AddLoginID(ctx, st.ID, a.ID, *newEmail); err != nil {
				return takenField(err, AttrEmail)
			}
			if a.Email != "" {
				if err := tx.RemoveLoginID(ctx, a.ID, LoginID{Kind: Email, Value: mustLower(a.Email)}); err != nil && !errors.Is(err, ErrNotFound) {
					return err
				}
			}
			a.Email, a.EmailVerified, a.VerifiedAt = newEmail.Display, false, zeroTime
			a.Profile = withValue(a.Profile, "email", a.Email)
			// Links sent to the old address must not confirm the new one.
			if err := tx.DeleteTokens(ctx, a.ID, VerifyToken); err != nil {
				return err
			}
		}
		for _, id := range addEmails {
			if err := tx.AddLoginID(ctx, st.ID, a.ID, id); err != nil {
				return takenField(err, AttrAddLoginEmails)
			}
			if a.Email == "" {
				a.Email = id.Display
			}
		}
		for _, id := range removeEmails {
			if err := tx.RemoveLoginID(ctx, a.ID, id); errors.Is(err, ErrNotFound) {
				return fail(ErrNotFound, AttrRemoveLoginEmails)
			} else if err != nil {
				return err
			}
			if mustLower(a.Email) == id.Value {
				a.Email, a.EmailVerified, a.VerifiedAt = "", false, zeroTime
			}
		}
		if len(removeEmails) > 0 {
			if err := s.afterRemoval(ctx, tx, &a); err != nil {
				return err
			}
		}
		if err := tx.UpdateAccount(ctx, &a, prev); err != nil {
			return changed(err)
		}
		if newHash != "" {
			if err := s.recordPassword(ctx, tx, st, a.ID, replaced); err != nil {
				return err
			}
			return s.revokeCredentials(ctx, tx, a.ID, keepSession)
		}
		return nil
	})
	if err != nil {
		return Account{}, err
	}
	return a, nil
}

// Delete removes an account with its login IDs, sessions and tokens.
func (s *Service) Delete(ctx context.Context, a Account) error {
	err := s.store.DeleteAccount(ctx, a.SiteID, a.ID)
	if errors.Is(err, ErrNotFound) {
		return noAccount(a.UID)
	}
	return err
}

func takenField(err error, attr Attribute) error {
	if errors.Is(err, ErrLoginIDTaken) {
		return invalid(field(attr, errcode.RuleTaken))
	}
	return err
}

// merge applies patch to base (copied): null removes a key, objects merge.
func merge(base, patch map[string]any) map[string]any {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]any{}
	}
	for k, v := range patch {
		switch pv := v.(type) {
		case nil:
			delete(out, k)
		case map[string]any:
			if bv, ok := out[k].(map[string]any); ok {
				out[k] = merge(bv, pv)
			} else {
				out[k] = merge(nil, pv)
			}
		default:
			out[k] = v
		}
	}
	return out
}

func withValue(m map[string]any, k, v string) map[string]any {
	m = maps.Clone(m)
	if m == nil {
		m = map[string]any{}
	}
	m[k] = v
	return m
}

func mustLower(s string) string {
	id, err := ParseLoginID(s)
	if err != nil {
		return s
	}
	return id.Value
}

// checkReuse refuses a new password that is the current one or one of the
// passwords before it, as far back as security.passwordHistorySize counts.
func (s *Service) checkReuse(ctx context.Context, st site.Site, a Account, newPassword string) error {
	n := st.Policies.Security.PasswordHistorySize
	if n == 0 {
		return nil
	}
	older, err := s.store.PasswordHistory(ctx, a.ID, n-1)
	if err != nil {
		return err
	}
	for _, h := range append([]string{a.PasswordHash}, older...) {
		if h == "" {
			continue
		}
		if ok, _, err := s.hasher.Verify(ctx, newPassword, h); err != nil {
			return err
		} else if ok {
			return &Error{Err: ErrPasswordReused, Fields: []errcode.FieldError{passwordReused(AttrPassword, n)}}
		}
	}
	return nil
}

// recordPassword keeps the replaced hash in the history, in tx.
func (s *Service) recordPassword(ctx context.Context, tx Store, st site.Site, accountID int64, replaced string) error {
	n := st.Policies.Security.PasswordHistorySize
	if replaced == "" || n <= 1 {
		return nil
	}
	return tx.AddPasswordHistory(ctx, accountID, replaced, s.clock(), n-1)
}

// revokeCredentials ends, after a password change, everything that logs in
// without the password: the sessions but keepSession, reset tokens, and
// regTokens (finalizeRegistration opens a session).
func (s *Service) revokeCredentials(ctx context.Context, tx Store, accountID, keepSession int64) error {
	for _, k := range []TokenKind{ResetToken, RegToken} {
		if err := tx.DeleteTokens(ctx, accountID, k); err != nil {
			return err
		}
	}
	return tx.DeleteSessions(ctx, accountID, keepSession)
}

// afterRemoval keeps an account able to log in once login emails went: it
// must keep a login ID, and a removed primary email gives way to another.
func (s *Service) afterRemoval(ctx context.Context, tx Store, a *Account) error {
	ids, err := tx.LoginIDs(ctx, a.ID)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return fail(ErrLastLoginID, AttrRemoveLoginEmails)
	}
	if a.Email != "" {
		return nil
	}
	for _, id := range ids {
		if id.Kind == Email {
			a.Email = id.Display
			a.EmailVerified, a.VerifiedAt = !id.VerifiedAt.IsZero(), id.VerifiedAt
			break
		}
	}
	a.Profile = withValue(a.Profile, "email", a.Email)
	return nil
}
