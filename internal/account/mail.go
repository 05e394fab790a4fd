package account

import (
	"context"

	"github.com/custos-id/custos/internal/mail"
	"github.com/custos-id/custos/internal/site"
)

// maxMailFirstName bounds the first name mail shows, in characters.
const maxMailFirstName = 40

// queueFor renders the mail of kind to account a of st and adds it to the
// outbox in tx: the site's template for the user's language
// (profile.locale) when the site has templates, else the built-in mail of
// queue. A site template that fails for this user's data (setPolicies
// checked it with sample data only) gives way to the built-in mail, and
// the log says so.
func (s *Service) queueFor(ctx context.Context, tx Store, st site.Site, a Account, kind mail.Kind, d mail.Data) error {
	if d.FirstName == "" {
		d.FirstName, _ = a.Profile["firstName"].(string)
	}
	// A first name is text anyone registering may choose: a site template
	// gets a short one, which can hardly pass for a message of the site.
	if r := []rune(d.FirstName); len(r) > maxMailFirstName {
		d.FirstName = string(r[:maxMailFirstName])
	}
	lang, _ := a.Profile["locale"].(string)
	if m, ok := s.siteMail(ctx, st, kind, lang, d); ok {
		return tx.EnqueueMail(ctx, s.mailer.Seal(m), s.clock())
	}
	return s.queue(ctx, tx, kind, d)
}

// siteMail renders the mail of kind with st's template for lang; false
// when the site has none or it fails.
func (s *Service) siteMail(ctx context.Context, st site.Site, kind mail.Kind, lang string, d mail.Data) (mail.Message, bool) {
	var (
		tpl mail.Template
		ok  bool
	)
	switch kind {
	case mail.Verification:
		tpl, ok = st.Policies.EmailVerification.EmailTemplate(lang)
	case mail.PasswordReset:
		tpl, ok = st.Policies.PasswordReset.EmailTemplate(lang)
	}
	if !ok {
		return mail.Message{}, false
	}
	m, err := mail.RenderTemplate(kind, tpl, d)
	if err != nil {
		// The error names the place in the template, not the data: no token is logged.
		s.log.WarnContext(ctx, "the site's mail template failed: sending the built-in mail",
			"site_id", st.ID, "kind", kind, "err", err)
		return mail.Message{}, false
	}
	return m, true
}

// VerifyTokenSite tells which site a verification token belongs to without
// spending it, for the page of the link: ErrLinkInvalid when none,
// ErrLinkExpired.
func (s *Service) VerifyTokenSite(ctx context.Context, token string) (int64, error) {
	return s.tokenSite(ctx, VerifyToken, token)
}
