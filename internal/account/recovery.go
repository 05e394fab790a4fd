package account

import (
	"context"
	"errors"
	"net/url"
	"time"

	"github.com/custos-id/custos/internal/mail"
	"github.com/custos-id/custos/internal/site"
)

var zeroTime time.Time

// ResetInput are the parameters of resetPassword: either LoginID (start a
// reset) or Token with NewPassword (finish it).
type ResetInput struct {
	LoginID     string
	Token       string
	NewPassword string
	// SendEmail false returns the token instead of mailing it: for the
	// site's server only, which answers for the user.
	SendEmail bool
	Caller    Caller
}

// ResetResult is what resetPassword answers.
type ResetResult struct {
	// Token is set when a server asked for it instead of a mail.
	Token string
	// UID and AccountID are set when the password was changed.
	UID       string
	AccountID int64
}

// ResetPassword starts or finishes a password reset.
//
// Where the site prevents login-ID harvesting, a reset by mail answers once
// the login ID is well formed, before anything is looked up: the lookup, the
// token and the mail run afterwards (see Wait) on the same path for known
// and unknown login IDs, so that neither the answer nor its time tells which
// exist.
func (s *Service) ResetPassword(ctx context.Context, st site.Site, in ResetInput) (ResetResult, error) {
	switch {
	case in.LoginID != "" && in.Token != "":
		return ResetResult{}, fail(ErrExclusive, AttrResetToken, AttrLoginID)
	case in.Token != "":
		return s.finishReset(ctx, st, in)
	case !in.SendEmail && !in.Caller.Server:
		return ResetResult{}, fail(ErrServerOnly, AttrSendEmail)
	case in.LoginID == "":
		return ResetResult{}, fail(ErrMissing, AttrLoginID)
	}
	id, err := ParseLoginID(in.LoginID)
	if err != nil {
		return ResetResult{}, err
	}
	if in.SendEmail && st.Policies.AccountOptions.PreventLoginIDHarvesting {
		return ResetResult{}, s.background(ctx, "password reset mail", func(ctx context.Context) error {
			return s.mailReset(ctx, st, id)
		})
	}
	a, err := s.store.AccountByLoginID(ctx, st.ID, id)
	switch {
	case errors.Is(err, ErrNotFound):
		return ResetResult{}, fail(ErrNotFound, AttrLoginID)
	case err != nil:
		return ResetResult{}, err
	case in.SendEmail && a.Email == "":
		return ResetResult{}, fail(ErrNoEmail, AttrLoginID)
	}
	tok, err := s.startReset(ctx, st, a, in.SendEmail)
	if err != nil || in.SendEmail {
		return ResetResult{}, err
	}
	return ResetResult{Token: tok}, nil
}

// mailReset mails a reset link to the account of id, if there is one with an
// email address; else it does nothing, as nobody may learn which is the case.
func (s *Service) mailReset(ctx context.Context, st site.Site, id LoginID) error {
	a, err := s.store.AccountByLoginID(ctx, st.ID, id)
	switch {
	case errors.Is(err, ErrNotFound) || err == nil && a.Email == "":
		return nil
	case err != nil:
		return err
	}
	_, err = s.startReset(ctx, st, a, true)
	return err
}

// startReset issues a reset token for a, revoking the earlier ones, and
// mails it or returns it.
func (s *Service) startReset(ctx context.Context, st site.Site, a Account, send bool) (string, error) {
	var tok string
	err := s.store.WithTx(ctx, func(tx Store) error {
		var expires time.Time
		var err error
		if tok, expires, err = s.issueReset(ctx, tx, st, a); err != nil || !send {
			return err
		}
		return s.queueFor(ctx, tx, st, a, mail.PasswordReset, mail.Data{To: a.Email, SiteName: st.Name, Expires: expires,
			Link: s.resetLink(st, tok)})
	})
	if err != nil {
		return "", err
	}
	if send {
		s.mailer.Notify()
		return "", nil
	}
	return tok, nil
}

// issueReset stores a new reset token for a in tx; the ones issued before
// stop working.
func (s *Service) issueReset(ctx context.Context, tx Store, st site.Site, a Account) (string, time.Time, error) {
	tok, hash, err := s.newToken("pr1_")
	if err != nil {
		return "", time.Time{}, err
	}
	now := s.clock()
	expires := now.Add(time.Duration(st.Policies.PasswordReset.TokenExpiration) * time.Second)
	if err := tx.DeleteTokens(ctx, a.ID, ResetToken); err != nil {
		return "", time.Time{}, err
	}
	return tok, expires, tx.CreateToken(ctx, Token{Hash: hash, SiteID: st.ID, AccountID: a.ID, Kind: ResetToken,
		CreatedAt: now, ExpiresAt: expires})
}

// resetLink is the link of a reset mail: the site's reset page, else custos's.
func (s *Service) resetLink(st site.Site, tok string) string {
	if u := st.Policies.PasswordReset.ResetURL; u != "" {
		return addParam(u, "pwrt", tok)
	}
	return s.link("/account/reset-password", "pwrt", tok)
}

// verifyLink is the link of a verification mail: custos's page.
func (s *Service) verifyLink(tok string) string { return s.link("/account/verify-email", "token", tok) }

// finishReset sets the new password with a reset token, spends the token
// and ends every session of the account.
func (s *Service) finishReset(ctx context.Context, st site.Site, in ResetInput) (ResetResult, error) {
	newPassword := in.NewPassword
	t, err := s.validToken(ctx, st.ID, ResetToken, in.Token)
	if err != nil {
		return ResetResult{}, err
	}
	if newPassword == "" {
		return ResetResult{}, fail(ErrMissing, AttrNewPassword)
	}
	if fields := checkPassword(st.Policies, newPassword); len(fields) > 0 {
		return ResetResult{}, invalid(fields...)
	}
	current, err := s.store.AccountByID(ctx, st.ID, t.AccountID)
	if err != nil {
		return ResetResult{}, err
	}
	if err := s.checkReuse(ctx, st, current, newPassword); err != nil {
		return ResetResult{}, err
	}
	hash, err := s.hasher.Hash(ctx, newPassword)
	if err != nil {
		return ResetResult{}, err
	}
	var (
		uid string
		id  int64
	)
	err = s.store.WithTx(ctx, func(tx Store) error {
		if _, err := tx.ConsumeToken(ctx, ResetToken, t.Hash); err != nil {
			return fail(ErrTokenUnknown, AttrResetToken)
		}
		a, err := tx.AccountByID(ctx, st.ID, t.AccountID)
		if err != nil {
			return err
		}
		now, prev := s.clock(), a.UpdatedAt
		replaced := a.PasswordHash
		a.PasswordHash, a.PasswordChangedAt, a.UpdatedAt = hash, now, later(now, prev)
		a.PasswordChangeRequired = false
		uid, id = a.UID, a.ID
		if err := tx.UpdateAccount(ctx, &a, prev); err != nil {
			return changed(err)
		}
		if err := s.event(ctx, tx, a, EventUpdated); err != nil {
			return err
		}
		if err := s.recordPassword(ctx, tx, st, a.ID, replaced); err != nil {
			return err
		}
		return s.revokeCredentials(ctx, tx, a.ID, 0)
	})
	if err != nil {
		return ResetResult{}, err
	}
	return ResetResult{UID: uid, AccountID: id}, nil
}

// queueVerification queues a mail with a new verification link for email.
func (s *Service) queueVerification(ctx context.Context, tx Store, st site.Site, a Account, email string) error {
	tok, expires, err := s.issueVerifyToken(ctx, tx, st, a, email)
	if err != nil {
		return err
	}
	return s.queueFor(ctx, tx, st, a, mail.Verification, mail.Data{To: email, SiteName: st.Name, Expires: expires,
		Link: s.verifyLink(tok)})
}

// issueVerifyToken stores a new verification token for email of a; the
// earlier ones stop working.
func (s *Service) issueVerifyToken(ctx context.Context, tx Store, st site.Site, a Account, email string) (string, time.Time, error) {
	tok, hash, err := s.newToken("ev1_")
	if err != nil {
		return "", time.Time{}, err
	}
	now := s.clock()
	expires := now.Add(time.Duration(st.Policies.EmailVerification.VerificationEmailExpiration) * time.Second)
	if err := tx.DeleteTokens(ctx, a.ID, VerifyToken); err != nil {
		return "", time.Time{}, err
	}
	return tok, expires, tx.CreateToken(ctx, Token{Hash: hash, SiteID: st.ID, AccountID: a.ID, Kind: VerifyToken,
		Email: email, CreatedAt: now, ExpiresAt: expires})
}

// ResendVerification sends a new verification link for the account's
// email; ErrAlreadyVerified when it is verified already.
func (s *Service) ResendVerification(ctx context.Context, st site.Site, a Account) error {
	if a.Email == "" {
		return fail(ErrNoEmail, AttrAccount)
	}
	if a.EmailVerified {
		return &Error{Err: ErrAlreadyVerified}
	}
	if err := s.store.WithTx(ctx, func(tx Store) error { return s.queueVerification(ctx, tx, st, a, a.Email) }); err != nil {
		return err
	}
	s.mailer.Notify()
	return nil
}

// AccountByRegToken returns the account a regToken continues.
func (s *Service) AccountByRegToken(ctx context.Context, st site.Site, regToken string) (Account, error) {
	t, err := s.validToken(ctx, st.ID, RegToken, regToken)
	if err != nil {
		return Account{}, err
	}
	if t.AccountID == 0 {
		return Account{}, fail(ErrTokenUnused, AttrRegToken)
	}
	return s.store.AccountByID(ctx, st.ID, t.AccountID)
}

// ErrLinkInvalid and ErrLinkExpired are the answers to a verification link
// that does not work; the link's page tells them apart.
var (
	ErrLinkInvalid = errors.New("the link is not valid or was used already")
	ErrLinkExpired = errors.New("the link has expired")
)

// VerifyEmail spends a verification token from a link and marks its email
// verified. It changes nothing when the token is unknown, spent or expired.
func (s *Service) VerifyEmail(ctx context.Context, token string) (Account, error) {
	if token == "" || len(token) > 128 {
		return Account{}, ErrLinkInvalid
	}
	t, err := s.store.TokenByHash(ctx, VerifyToken, hashToken(token))
	if errors.Is(err, ErrNotFound) {
		return Account{}, ErrLinkInvalid
	}
	if err != nil {
		return Account{}, err
	}
	if !s.now().Before(t.ExpiresAt) {
		return Account{}, ErrLinkExpired
	}
	return s.confirm(ctx, t, ErrLinkInvalid)
}

// ConfirmEmail is VerifyEmail for a server of the site that holds the
// token: ErrTokenUnknown when unknown or spent, ErrTokenExpired.
func (s *Service) ConfirmEmail(ctx context.Context, st site.Site, token string) (Account, error) {
	t, err := s.validToken(ctx, st.ID, VerifyToken, token)
	if err != nil {
		return Account{}, err
	}
	return s.confirm(ctx, t, fail(ErrTokenUnknown, AttrVerifyToken))
}

// VerificationToken issues a verification token for a's email without
// sending it (a server hands it to the user its own way); earlier tokens
// stop working. ErrAlreadyVerified when the email is verified already.
func (s *Service) VerificationToken(ctx context.Context, st site.Site, a Account) (string, error) {
	if a.Email == "" {
		return "", fail(ErrNoEmail, AttrEmail)
	}
	if a.EmailVerified {
		return "", &Error{Err: ErrAlreadyVerified}
	}
	var tok string
	err := s.store.WithTx(ctx, func(tx Store) error {
		var err error
		tok, _, err = s.issueVerifyToken(ctx, tx, st, a, a.Email)
		return err
	})
	return tok, err
}

// confirm spends the verification token t and marks its email verified;
// spent is the error when another request spent it first.
func (s *Service) confirm(ctx context.Context, t Token, spent error) (Account, error) {
	hash := t.Hash
	var a Account
	err := s.store.WithTx(ctx, func(tx Store) error {
		if _, err := tx.ConsumeToken(ctx, VerifyToken, hash); err != nil {
			return spent
		}
		var err error
		if a, err = tx.AccountByID(ctx, t.SiteID, t.AccountID); err != nil {
			return err
		}
		now := s.clock()
		if err := tx.SetLoginIDVerified(ctx, a.ID, normalForm(t.Email), now); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if normalForm(a.Email) == normalForm(t.Email) && !a.EmailVerified {
			prev := a.UpdatedAt
			a.EmailVerified, a.VerifiedAt, a.UpdatedAt = true, now, later(now, prev)
			if err := tx.UpdateAccount(ctx, &a, prev); err != nil {
				return changed(err)
			}
			return s.event(ctx, tx, a, EventUpdated)
		}
		return nil
	})
	return a, err
}

// queue renders a mail and adds it to the outbox in tx.
func (s *Service) queue(ctx context.Context, tx Store, kind mail.Kind, d mail.Data) error {
	m, err := mail.Render(kind, d)
	if err != nil {
		return err
	}
	return tx.EnqueueMail(ctx, s.mailer.Seal(m), s.clock())
}

func (s *Service) link(path, param, token string) string {
	return addParam(s.publicURL+path, param, token)
}

// addParam sets a query parameter of a URL that may have a query already;
// a value of the same parameter there goes (a link with two tokens would
// give most pages the first, empty one).
func addParam(u, param, value string) string {
	parsed, err := url.Parse(u)
	if err != nil { // the URLs were checked when set: not reached
		return u
	}
	q := parsed.Query()
	q.Set(param, value)
	parsed.RawQuery = q.Encode()
	return parsed.String()
}

// ResetTokenSite tells which site a reset token belongs to, for the reset
// page, which has no apiKey: ErrLinkInvalid when none, ErrLinkExpired.
func (s *Service) ResetTokenSite(ctx context.Context, token string) (int64, error) {
	return s.tokenSite(ctx, ResetToken, token)
}

// tokenSite tells which site a token of kind belongs to, without spending
// it: ErrLinkInvalid when there is none, ErrLinkExpired.
func (s *Service) tokenSite(ctx context.Context, kind TokenKind, token string) (int64, error) {
	if token == "" || len(token) > 128 {
		return 0, ErrLinkInvalid
	}
	t, err := s.store.TokenByHash(ctx, kind, hashToken(token))
	switch {
	case errors.Is(err, ErrNotFound):
		return 0, ErrLinkInvalid
	case err != nil:
		return 0, err
	case !s.now().Before(t.ExpiresAt):
		return 0, ErrLinkExpired
	}
	return t.SiteID, nil
}
