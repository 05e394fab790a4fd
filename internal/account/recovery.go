package account

import (
	"cmp"
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/custos-id/custos/errcode"
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
	// SendEmail false returns the token instead of mailing it (server calls only).
	SendEmail bool
	// TokenParam and PasswordParam name the parameters in errors; by
	// default passwordResetToken and newPassword, as the RPC dialect calls them.
	TokenParam, PasswordParam string
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
func (s *Service) ResetPassword(ctx context.Context, st site.Site, in ResetInput) (ResetResult, error) {
	switch {
	case in.LoginID != "" && in.Token != "":
		return ResetResult{}, errcode.InvalidValue("passwordResetToken", "give loginID or passwordResetToken, not both")
	case in.Token != "":
		return s.finishReset(ctx, st, in)
	case in.LoginID == "":
		return ResetResult{}, errcode.Missing("loginID")
	}
	id, err := ParseLoginID("loginID", in.LoginID)
	if err != nil {
		return ResetResult{}, err
	}
	a, err := s.store.AccountByLoginID(ctx, st.ID, id)
	if errors.Is(err, ErrNotFound) {
		if in.SendEmail && st.Policies.AccountOptions.PreventLoginIDHarvesting {
			// Answer as for a known login ID: which ones exist stays unknown.
			return ResetResult{}, nil
		}
		return ResetResult{}, errcode.New(errcode.NoUserWithUsernameOrEmail, "Login ID does not exist")
	}
	if err != nil {
		return ResetResult{}, err
	}
	if in.SendEmail && a.Email == "" {
		if st.Policies.AccountOptions.PreventLoginIDHarvesting {
			return ResetResult{}, nil // as for an unknown login ID
		}
		return ResetResult{}, errcode.InvalidValue("loginID", "the account has no email address to send the reset link to")
	}
	tok, hash, err := s.newToken("pr1_")
	if err != nil {
		return ResetResult{}, err
	}
	now := s.clock()
	expires := now.Add(time.Duration(st.Policies.PasswordReset.TokenExpiration) * time.Second)
	err = s.store.WithTx(ctx, func(tx Store) error {
		// A new token revokes the ones sent before.
		if err := tx.DeleteTokens(ctx, a.ID, ResetToken); err != nil {
			return err
		}
		if err := tx.CreateToken(ctx, Token{Hash: hash, SiteID: st.ID, AccountID: a.ID, Kind: ResetToken, CreatedAt: now, ExpiresAt: expires}); err != nil {
			return err
		}
		if !in.SendEmail {
			return nil
		}
		link := s.link("/account/reset-password", "pwrt", tok)
		if u := st.Policies.PasswordReset.ResetURL; u != "" {
			link = addParam(u, "pwrt", tok)
		}
		return s.queue(ctx, tx, mail.PasswordReset, mail.Data{To: a.Email, SiteName: st.Name, Expires: expires, Link: link})
	})
	if err != nil {
		return ResetResult{}, err
	}
	if in.SendEmail {
		s.mailer.Notify()
		return ResetResult{}, nil
	}
	return ResetResult{Token: tok}, nil
}

// finishReset sets the new password with a reset token, spends the token
// and ends every session of the account.
func (s *Service) finishReset(ctx context.Context, st site.Site, in ResetInput) (ResetResult, error) {
	tokenParam, pwParam := cmp.Or(in.TokenParam, "passwordResetToken"), cmp.Or(in.PasswordParam, "newPassword")
	newPassword := in.NewPassword
	t, err := s.validToken(ctx, st.ID, ResetToken, tokenParam, in.Token)
	if err != nil {
		return ResetResult{}, err
	}
	if newPassword == "" {
		return ResetResult{}, errcode.Missing(pwParam)
	}
	if fields := checkPassword(st.Policies, newPassword); len(fields) > 0 {
		return ResetResult{}, errcode.Validation(fields...)
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
			return errcode.InvalidValue(tokenParam, "unknown or already used")
		}
		a, err := tx.AccountByID(ctx, st.ID, t.AccountID)
		if err != nil {
			return err
		}
		now, prev := s.clock(), a.UpdatedAt
		replaced := a.PasswordHash
		a.PasswordHash, a.PasswordChangedAt, a.UpdatedAt = hash, now, later(now, prev)
		uid, id = a.UID, a.ID
		if err := tx.UpdateAccount(ctx, &a, prev); err != nil {
			return changed(err)
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
	return s.queue(ctx, tx, mail.Verification, mail.Data{To: email, SiteName: st.Name, Expires: expires,
		Link: s.link("/account/verify-email", "token", tok)})
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
// email; 403200 when it is verified already.
func (s *Service) ResendVerification(ctx context.Context, st site.Site, a Account) error {
	if a.Email == "" {
		return errcode.InvalidValue("UID", "the account has no email address")
	}
	if a.EmailVerified {
		return errcode.New(errcode.RedundantOperation, "Redundant operation: the email address is verified already")
	}
	if err := s.store.WithTx(ctx, func(tx Store) error { return s.queueVerification(ctx, tx, st, a, a.Email) }); err != nil {
		return err
	}
	s.mailer.Notify()
	return nil
}

// AccountByRegToken returns the account a regToken continues.
func (s *Service) AccountByRegToken(ctx context.Context, st site.Site, regToken string) (Account, error) {
	t, err := s.validToken(ctx, st.ID, RegToken, "regToken", regToken)
	if err != nil {
		return Account{}, err
	}
	if t.AccountID == 0 {
		return Account{}, errcode.InvalidValue("regToken", "no registration uses it yet")
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
// token: 400006 unknown or spent, 400015 expired, naming param.
func (s *Service) ConfirmEmail(ctx context.Context, st site.Site, param, token string) (Account, error) {
	t, err := s.validToken(ctx, st.ID, VerifyToken, param, token)
	if err != nil {
		return Account{}, err
	}
	return s.confirm(ctx, t, errcode.InvalidValue(param, "unknown or already used"))
}

// VerificationToken issues a verification token for a's email without
// sending it (a server hands it to the user its own way); earlier tokens
// stop working. 403200 when the email is verified already.
func (s *Service) VerificationToken(ctx context.Context, st site.Site, a Account) (string, error) {
	if a.Email == "" {
		return "", errcode.InvalidValue("email_address", "the user has no email address")
	}
	if a.EmailVerified {
		return "", errcode.New(errcode.RedundantOperation, "Redundant operation: the email address is confirmed already")
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
		if err := tx.SetLoginIDVerified(ctx, a.ID, mustLower(t.Email), now); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if mustLower(a.Email) == mustLower(t.Email) && !a.EmailVerified {
			prev := a.UpdatedAt
			a.EmailVerified, a.VerifiedAt, a.UpdatedAt = true, now, later(now, prev)
			return changed(tx.UpdateAccount(ctx, &a, prev))
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

// addParam adds a query parameter to a URL that may have a query already.
func addParam(u, param, value string) string {
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + url.Values{param: {value}}.Encode()
}

// ResetTokenSite tells which site a reset token belongs to, for the reset
// page, which has no apiKey: ErrLinkInvalid when none, ErrLinkExpired.
func (s *Service) ResetTokenSite(ctx context.Context, token string) (int64, error) {
	if token == "" || len(token) > 128 {
		return 0, ErrLinkInvalid
	}
	t, err := s.store.TokenByHash(ctx, ResetToken, hashToken(token))
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
