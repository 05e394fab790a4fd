package account

import (
	"context"
	"errors"
	"maps"
	"strings"
	"time"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/password"
	"github.com/custos-id/custos/internal/schema"
	"github.com/custos-id/custos/internal/site"
)

// Changes are the changes of setAccountInfo. Nil fields change nothing.
type Changes struct {
	// Profile, Data, Preferences and Subscriptions are merged into the
	// account's, as the site's schema allows: a key with a null value is
	// removed, nested objects merge key by key.
	Profile, Data, Preferences, Subscriptions map[string]any
	Username                                  *string
	// Email replaces the primary email (unverified until confirmed).
	Email             *string
	AddLoginEmails    []string
	RemoveLoginEmails []string
	// Password is the current password; NewPassword replaces it.
	Password, NewPassword string
	// Active (isActive) is for server calls only: see Permitted.
	Active *bool
	// RequirePasswordChange makes the next login change the password first
	// (server calls only).
	RequirePasswordChange bool
}

// Permitted tells whether by may make the changes: a client adds no login
// email (it could claim an address it does not own; the site's server can
// check ownership) and sets no active state, and the regToken of a due
// password change changes the password only.
func (c Changes) Permitted(by Caller) error {
	switch {
	case by.Server:
	case by.PasswordChange:
		return c.permittedWithToken()
	case len(c.AddLoginEmails) > 0:
		return fail(ErrServerOnly, AttrAddLoginEmails)
	case c.Active != nil:
		return fail(ErrServerOnly, AttrActive)
	case c.RequirePasswordChange:
		return fail(ErrServerOnly, AttrRequirePasswordChange)
	}
	return nil
}

// Update applies changes to a for by, atomically: on any error nothing
// changes. Every field problem is reported at once, as one ErrInvalid. A client
// changing the password proves the current one; a password change ends the
// account's other sessions, all of them for a server call.
func (s *Service) Update(ctx context.Context, st site.Site, by Caller, a Account, c Changes) (Account, error) {
	if err := c.Permitted(by); err != nil {
		return Account{}, err
	}
	// A session's account lacks its password hash (and maybe objects):
	// the change and its write need the whole.
	a, err := s.whole(ctx, a)
	if err != nil {
		return Account{}, err
	}
	u := &update{s: s, st: st, by: by, a: a, prev: a.UpdatedAt}
	for _, op := range []func(Changes) error{u.username, u.email, u.loginEmails, u.password} {
		if err := op(c); err != nil {
			return Account{}, err
		}
	}
	if err := u.objects(c); err != nil {
		return Account{}, err
	}
	if len(u.fields) > 0 {
		return Account{}, invalid(u.fields...)
	}
	if err := u.profilePolicies(ctx, c); err != nil {
		return Account{}, err
	}
	if err := u.newPassword(ctx, c); err != nil {
		return Account{}, err
	}
	if c.Active != nil {
		u.deactivated = u.a.Active && !*c.Active
		u.a.Active = *c.Active
	}
	u.requirePasswordChange = c.RequirePasswordChange
	if err := u.s.createFields(ctx, &u.st, u.schemaWrite, u.created); err != nil {
		return Account{}, err
	}
	if err := u.write(ctx); err != nil {
		return Account{}, err
	}
	return u.a, nil
}

// update is one Update on its way: the operations check their changes and
// apply them to a, or queue the writes they need in the transaction.
type update struct {
	s    *Service
	st   site.Site
	by   Caller
	a    Account
	prev time.Time // updated_at as read
	// fields are the field problems found so far.
	fields []errcode.FieldError
	// loginIDs write the login ID changes, before the account is saved.
	loginIDs []func(context.Context, Store) error
	// newHash replaces the password hash; replaced is the hash it replaces.
	newHash, replaced string
	// uniques are the values of unique fields before and after the change.
	uniquesBefore, uniques []UniqueValue
	// schemaWrite is the change of the objects; created, its outcome, tells
	// the data fields it creates.
	schemaWrite schema.Write
	created     schema.Outcome
	// requirePasswordChange makes the next login change the password,
	// even the one just set.
	requirePasswordChange bool
	// deactivated: the change disables the account, which ends its OAuth
	// grants (its sessions no longer resolve).
	deactivated bool
}

// write saves the account and the login IDs in one transaction; a new
// password is recorded in the history and ends the other credentials.
func (u *update) write(ctx context.Context) error {
	now := u.s.clock()
	if u.newHash != "" {
		u.replaced = u.a.PasswordHash
		u.a.PasswordHash, u.a.PasswordChangedAt, u.a.PasswordChangeRequired = u.newHash, now, false
	}
	u.a.PasswordChangeRequired = u.a.PasswordChangeRequired || u.requirePasswordChange
	return u.s.store.WithTx(ctx, func(tx Store) error {
		kept, err := spendRegToken(ctx, tx, u.by)
		if err != nil {
			return err
		}
		for _, w := range u.loginIDs {
			if err := w(ctx, tx); err != nil {
				return err
			}
		}
		if err := save(ctx, tx, &u.a, u.prev, now); err != nil {
			return err
		}
		if err := u.s.event(ctx, tx, u.a, EventUpdated); err != nil {
			return err
		}
		if err := writeUniques(ctx, tx, u.a, u.uniquesBefore, u.uniques); err != nil {
			return err
		}
		if u.deactivated {
			if err := tx.RevokeAccountGrants(ctx, u.a.ID, now); err != nil {
				return err
			}
		}
		if u.newHash == "" {
			return nil
		}
		if err := u.s.recordPassword(ctx, tx, u.st, u.a.ID, u.replaced); err != nil {
			return err
		}
		if err := u.s.revokeCredentials(ctx, tx, u.a.ID, u.by.Session); err != nil {
			return err
		}
		return keepRegToken(ctx, tx, kept, u.s.now())
	})
}

// objects merges the changes of the profile, data, preferences and
// subscriptions, as the site's schema and the objects' bounds allow. The
// data fields the change creates are added to the schema by write, once
// the rest of the change has been checked.
func (u *update) objects(c Changes) error {
	patch := Objects{Profile: c.Profile, Data: c.Data, Preferences: c.Preferences, Subscriptions: c.Subscriptions}
	if !written(patch) {
		return nil
	}
	u.schemaWrite = schema.Write{Server: u.by.Server, Old: objectsOf(u.a), Patch: patch}
	out := u.st.Schema.Apply(u.schemaWrite)
	if len(out.Errors) > 0 {
		u.fields = append(u.fields, out.Errors...)
		return nil
	}
	u.created = out
	u.uniquesBefore = u.st.Schema.Uniques(objectsOf(u.a))
	u.uniques = out.Unique
	setObjects(&u.a, out.New)
	u.fields = append(u.fields, checkObjects(out.New)...)
	return nil
}

// username replaces the username login ID.
func (u *update) username(c Changes) error {
	switch {
	case c.Username == nil || strings.TrimSpace(*c.Username) == u.a.Username:
		return nil
	case normalForm(*c.Username) == normalForm(u.a.Username):
		u.respell(strings.TrimSpace(*c.Username))
		return nil
	}
	id, ferr := newUsername(u.st.Policies.AccountOptions, *c.Username)
	if ferr != nil {
		u.fields = append(u.fields, *ferr)
		return nil
	}
	u.loginIDs = append(u.loginIDs, func(ctx context.Context, tx Store) error {
		if u.a.Username != "" {
			if err := tx.RemoveLoginID(ctx, u.a.ID, LoginID{Kind: Username, Value: normalForm(u.a.Username)}); err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
		}
		if err := tx.AddLoginID(ctx, u.st.ID, u.a.ID, id); err != nil {
			return takenField(err, AttrUsername)
		}
		u.a.Username = id.Display
		u.a.Profile = withValue(u.a.Profile, "username", u.a.Username)
		return nil
	})
	return nil
}

// email replaces the primary email, unverified until confirmed.
func (u *update) email(c Changes) error {
	// The address in another case is the same address: nothing changes.
	if c.Email == nil || normalForm(*c.Email) == normalForm(u.a.Email) {
		return nil
	}
	id, ferr := newEmail(AttrEmail, *c.Email)
	if ferr != nil {
		u.fields = append(u.fields, *ferr)
		return nil
	}
	u.loginIDs = append(u.loginIDs, func(ctx context.Context, tx Store) error {
		if err := tx.AddLoginID(ctx, u.st.ID, u.a.ID, id); err != nil {
			return takenField(err, AttrEmail)
		}
		if u.a.Email != "" {
			if err := tx.RemoveLoginID(ctx, u.a.ID, LoginID{Kind: Email, Value: normalForm(u.a.Email)}); err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
		}
		u.a.Email, u.a.EmailVerified, u.a.VerifiedAt = id.Display, false, zeroTime
		u.a.Profile = withValue(u.a.Profile, "email", u.a.Email)
		// Links sent to the old address must not confirm the new one.
		return tx.DeleteTokens(ctx, u.a.ID, VerifyToken)
	})
	return nil
}

// respell changes how the username is written, not which it is (its
// normal form stays).
func (u *update) respell(display string) {
	u.loginIDs = append(u.loginIDs, func(ctx context.Context, tx Store) error {
		id := LoginID{Kind: Username, Value: normalForm(u.a.Username)}
		if err := tx.RemoveLoginID(ctx, u.a.ID, id); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if err := tx.AddLoginID(ctx, u.st.ID, u.a.ID, StoredLoginID{LoginID: id, Display: display}); err != nil {
			return err
		}
		u.a.Username = display
		u.a.Profile = withValue(u.a.Profile, "username", display)
		return nil
	})
}

// loginEmails adds and removes login emails; the account keeps a login ID.
func (u *update) loginEmails(c Changes) error {
	var add []StoredLoginID
	for _, e := range c.AddLoginEmails {
		id, ferr := parseEmail(AttrAddLoginEmails, e)
		if ferr != nil {
			u.fields = append(u.fields, *ferr)
			continue
		}
		add = append(add, StoredLoginID{LoginID: id, Display: e})
	}
	var remove []LoginID
	for _, e := range c.RemoveLoginEmails {
		id, err := parseLoginID(AttrRemoveLoginEmails, e)
		if err != nil {
			return err
		}
		if id.Kind != Email {
			return fail(ErrNotEmail, AttrRemoveLoginEmails, e)
		}
		remove = append(remove, id)
	}
	if len(add) > 0 {
		u.loginIDs = append(u.loginIDs, func(ctx context.Context, tx Store) error { return u.addEmails(ctx, tx, add) })
	}
	if len(remove) > 0 {
		u.loginIDs = append(u.loginIDs, func(ctx context.Context, tx Store) error { return u.removeEmails(ctx, tx, remove) })
	}
	return nil
}

func (u *update) addEmails(ctx context.Context, tx Store, ids []StoredLoginID) error {
	for _, id := range ids {
		if err := tx.AddLoginID(ctx, u.st.ID, u.a.ID, id); err != nil {
			return takenField(err, AttrAddLoginEmails)
		}
		if u.a.Email == "" {
			u.a.Email = id.Display
		}
	}
	return nil
}

func (u *update) removeEmails(ctx context.Context, tx Store, ids []LoginID) error {
	for _, id := range ids {
		if err := tx.RemoveLoginID(ctx, u.a.ID, id); errors.Is(err, ErrNotFound) {
			return fail(ErrNotFound, AttrRemoveLoginEmails)
		} else if err != nil {
			return err
		}
		if normalForm(u.a.Email) == id.Value {
			u.a.Email, u.a.EmailVerified, u.a.VerifiedAt = "", false, zeroTime
		}
	}
	return u.s.afterRemoval(ctx, tx, &u.a)
}

// password checks a new password against the policy; a client names the
// current one too.
func (u *update) password(c Changes) error {
	if c.NewPassword == "" {
		return nil
	}
	if c.Password == "" && !u.by.Server {
		return fail(ErrMissing, AttrPassword)
	}
	u.fields = append(u.fields, checkPassword(u.st.Policies, c.NewPassword)...)
	return nil
}

// newPassword hashes a new password once the changes are valid: the
// current password, when given (a server may give it too), must be right,
// and the new one not one used before.
func (u *update) newPassword(ctx context.Context, c Changes) error {
	if c.NewPassword == "" {
		return nil
	}
	if c.Password != "" {
		ok, _, err := u.s.hasher.Verify(ctx, c.Password, u.a.PasswordHash)
		if err != nil {
			return err
		}
		if !ok {
			return fail(ErrInvalidCredentials, AttrPassword)
		}
	}
	if err := u.s.checkReuse(ctx, u.st, u.a, c.NewPassword); err != nil {
		return err
	}
	var err error
	u.newHash, err = u.s.hasher.Hash(ctx, c.NewPassword)
	return err
}

// Delete removes an account with its login IDs, sessions and tokens.
func (s *Service) Delete(ctx context.Context, a Account) error {
	err := s.store.WithTx(ctx, func(tx Store) error {
		if err := tx.DeleteAccount(ctx, a.SiteID, a.ID); err != nil {
			return err
		}
		return s.event(ctx, tx, a, EventDeleted)
	})
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

func withValue(m map[string]any, k, v string) map[string]any {
	m = maps.Clone(m)
	if m == nil {
		m = map[string]any{}
	}
	m[k] = v
	return m
}

// normalForm is the form in which the store keeps login ID s (see
// NormalizeLoginID), also for one the rules would refuse now.
func normalForm(s string) string {
	v, _ := NormalizeLoginID(strings.TrimSpace(s))
	return v
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
		// A remote verifier never sees a new password (nor stops a change
		// when it is gone, as it is after a migration).
		if h == "" || password.Remote(h) {
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
// regTokens (finalizeRegistration opens a session; a password change's
// token is spent).
func (s *Service) revokeCredentials(ctx context.Context, tx Store, accountID, keepSession int64) error {
	for _, k := range []TokenKind{ResetToken, RegToken, PasswordChangeToken} {
		if err := tx.DeleteTokens(ctx, accountID, k); err != nil {
			return err
		}
	}
	if err := tx.RevokeAccountGrants(ctx, accountID, s.clock()); err != nil {
		return err
	}
	return s.sessions.RevokeAll(ctx, tx, accountID, keepSession)
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
