package account

import (
	"context"
	"errors"
	netmail "net/mail"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/mail"
	"github.com/custos-id/custos/internal/site"
)

// Bounds of the MailOptions.
const (
	MaxMailURLLen     = 2048
	MaxFromNameLen    = 64
	MaxSubjectLen     = 150
	MaxDescriptionLen = 1000
)

// MailOptions are what a site's server chooses of a reset or confirmation
// mail it asks for (the Social ID API's mail endpoints). Every field is
// optional.
type MailOptions struct {
	// RedirectURL is where the link goes, with the token added as the
	// query parameter "token": an http(s) URL on one of the site's domains,
	// so that nobody with the site's credentials can send its users a link
	// elsewhere in its name. Empty: custos's page (or the site's reset URL).
	RedirectURL string
	// From is the sender's display name: "Acme", or the name of an address
	// ("Acme <id@acme.example>"), whose address is ignored: mail comes from
	// the server's own address. A bare address sets no name.
	From string
	// Subject replaces the subject of the mail.
	Subject string
	// LogoURL is an http(s) image shown atop the HTML part.
	LogoURL string
	// Description is an introduction before the text; plain text.
	Description string
}

// check tells every choice that is not acceptable, as field errors.
func (o MailOptions) check(st site.Site) error {
	var fields []errcode.FieldError
	add := func(f errcode.FieldError) { fields = append(fields, f) }
	if o.RedirectURL != "" {
		switch {
		case len(o.RedirectURL) > MaxMailURLLen:
			add(errcode.FieldCount(string(AttrRedirectURL), errcode.RuleTooLong, MaxMailURLLen))
		case !onSiteDomain(st, o.RedirectURL):
			add(field(AttrRedirectURL, errcode.RuleInvalid).WithMessage("must be an http or https URL on one of the site's domains"))
		}
	}
	if name, ok := senderName(o.From); !ok {
		add(field(AttrFrom, errcode.RuleInvalid).WithMessage("must be a display name without @, <, > or quotes, or an address"))
	} else if utf8.RuneCountInString(name) > MaxFromNameLen {
		add(errcode.FieldCount(string(AttrFrom), errcode.RuleTooLong, MaxFromNameLen))
	}
	switch {
	case utf8.RuneCountInString(o.Subject) > MaxSubjectLen:
		add(errcode.FieldCount(string(AttrSubject), errcode.RuleTooLong, MaxSubjectLen))
	case strings.IndexFunc(o.Subject, unicode.IsControl) >= 0:
		add(field(AttrSubject, errcode.RuleInvalid).WithMessage("must be one line of text"))
	}
	if o.LogoURL != "" {
		switch {
		case len(o.LogoURL) > MaxMailURLLen:
			add(errcode.FieldCount(string(AttrLogoURL), errcode.RuleTooLong, MaxMailURLLen))
		case !httpURL(o.LogoURL):
			add(field(AttrLogoURL, errcode.RuleInvalid).WithMessage("must be an http or https URL"))
		}
	}
	switch {
	case utf8.RuneCountInString(o.Description) > MaxDescriptionLen:
		add(errcode.FieldCount(string(AttrDescription), errcode.RuleTooLong, MaxDescriptionLen))
	case strings.IndexFunc(o.Description, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' }) >= 0:
		add(field(AttrDescription, errcode.RuleInvalid).WithMessage("must be text"))
	}
	if len(fields) > 0 {
		return invalid(fields...)
	}
	return nil
}

// httpURL tells whether raw is an absolute http(s) URL with a host, no user
// information, no fragment, and no character a browser might read
// otherwise than url.Parse (white space, backslashes, controls).
func httpURL(raw string) bool {
	if strings.IndexFunc(raw, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == '\\' }) >= 0 {
		return false
	}
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.Hostname() != "" &&
		u.User == nil && u.Opaque == "" && !strings.Contains(raw, "#")
}

// onSiteDomain tells whether raw is an http(s) URL whose host is one of the
// site's domains. A site that lists none has no such URL.
func onSiteDomain(st site.Site, raw string) bool {
	if !httpURL(raw) || len(st.Domains) == 0 {
		return false
	}
	u, _ := url.Parse(raw)
	return st.AllowsOrigin(u.Hostname())
}

// senderName is the display name of a From choice: the name of an address,
// or the text itself. ok is false for text that could pass for an address
// (with @, <, > or quotes) or has control characters.
func senderName(from string) (name string, ok bool) {
	from = strings.TrimSpace(from)
	if a, err := netmail.ParseAddress(from); err == nil {
		from = strings.TrimSpace(a.Name)
	}
	if strings.ContainsAny(from, `@<>"`) || strings.IndexFunc(from, unicode.IsControl) >= 0 {
		return "", false
	}
	return from, true
}

func (o MailOptions) custom() mail.Custom {
	name, _ := senderName(o.From)
	return mail.Custom{FromName: name, Subject: o.Subject, LogoURL: o.LogoURL,
		Description: strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(o.Description)}
}

// MailReset mails a password reset link, with the server's choices o, to the
// user whose login ID of kind is loginID; the token works as one of
// ResetPassword. ErrNotFound (AttrLoginID) when there is no such user,
// ErrNoEmail when it has no email address.
//
// Where the site prevents login-ID harvesting, it answers as soon as the
// request is checked, before anything is looked up, and mails in the
// background: the answer is the same for every well-formed request.
func (s *Service) MailReset(ctx context.Context, st site.Site, kind LoginIDKind, loginID string, o MailOptions) error {
	return s.mailUser(ctx, st, kind, loginID, o, "password reset mail", s.sendReset)
}

// MailConfirmation mails a link that confirms the email address of the user
// whose login ID of kind is loginID, with the server's choices o, as
// MailReset does. The user becomes unconfirmed until the link's token is
// spent (ConfirmEmail): where the site requires verified addresses, the
// user cannot log in until then. The token lasts the site's
// emailVerification.verificationEmailExpiration and replaces earlier ones.
func (s *Service) MailConfirmation(ctx context.Context, st site.Site, kind LoginIDKind, loginID string, o MailOptions) error {
	return s.mailUser(ctx, st, kind, loginID, o, "confirmation mail", s.sendConfirmation)
}

// mailUser checks a request for a mail and finds its user, then runs send.
func (s *Service) mailUser(ctx context.Context, st site.Site, kind LoginIDKind, loginID string, o MailOptions,
	what string, send func(context.Context, site.Site, Account, MailOptions) error) error {
	id, err := parseLoginID(kindAttr(kind), loginID)
	if err != nil {
		return err
	}
	id.Kind = kind
	if err := o.check(st); err != nil {
		return err
	}
	if st.Policies.AccountOptions.PreventLoginIDHarvesting {
		return s.background(ctx, what, func(ctx context.Context) error {
			a, err := s.store.AccountByLoginID(ctx, st.ID, id)
			switch {
			case errors.Is(err, ErrNotFound) || err == nil && a.Email == "":
				return nil // nobody may learn which: nothing happens
			case err != nil:
				return err
			}
			return send(ctx, st, a, o)
		})
	}
	a, err := s.store.AccountByLoginID(ctx, st.ID, id)
	switch {
	case errors.Is(err, ErrNotFound):
		return fail(ErrNotFound, AttrLoginID)
	case err != nil:
		return err
	case a.Email == "":
		return fail(ErrNoEmail, AttrLoginID)
	}
	return send(ctx, st, a, o)
}

// sendReset issues a reset token for a, revoking the earlier ones, and
// queues the mail with its link.
func (s *Service) sendReset(ctx context.Context, st site.Site, a Account, o MailOptions) error {
	err := s.store.WithTx(ctx, func(tx Store) error {
		tok, expires, err := s.issueReset(ctx, tx, st, a)
		if err != nil {
			return err
		}
		return s.queueChosen(ctx, tx, st, a, mail.PasswordReset, s.resetLink(st, tok), tok, expires, o)
	})
	if err != nil {
		return err
	}
	s.mailer.Notify()
	return nil
}

// sendConfirmation marks the email address of a unconfirmed, issues a
// confirmation token for it and queues the mail with its link.
func (s *Service) sendConfirmation(ctx context.Context, st site.Site, a Account, o MailOptions) error {
	err := s.store.WithTx(ctx, func(tx Store) error {
		a, err := tx.AccountByID(ctx, st.ID, a.ID)
		switch {
		case errors.Is(err, ErrNotFound):
			return fail(ErrNotFound, AttrLoginID) // deleted meanwhile
		case err != nil:
			return err
		case a.Email == "":
			return fail(ErrNoEmail, AttrLoginID)
		}
		if a.EmailVerified {
			prev := a.UpdatedAt
			a.EmailVerified, a.VerifiedAt = false, time.Time{}
			if err := save(ctx, tx, &a, prev, s.clock()); err != nil {
				return err
			}
			if err := s.event(ctx, tx, a, EventUpdated); err != nil {
				return err
			}
		}
		if err := tx.SetLoginIDVerified(ctx, a.ID, normalForm(a.Email), time.Time{}); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		tok, expires, err := s.issueVerifyToken(ctx, tx, st, a, a.Email)
		if err != nil {
			return err
		}
		return s.queueChosen(ctx, tx, st, a, mail.Verification, s.verifyLink(tok), tok, expires, o)
	})
	if err != nil {
		return err
	}
	s.mailer.Notify()
	return nil
}

// queueChosen queues the mail of kind with token tok, linking to link or
// to the server's redirect URL, with its choices o: without any (but a
// redirect URL), the mail the site's templates make (queueFor); else the
// built-in words with the choices.
func (s *Service) queueChosen(ctx context.Context, tx Store, st site.Site, a Account, kind mail.Kind, link, tok string,
	expires time.Time, o MailOptions) error {
	if o.RedirectURL != "" {
		link = addParam(o.RedirectURL, "token", tok)
	}
	d := mail.Data{To: a.Email, SiteName: st.Name, Expires: expires, Link: link}
	c := o.custom()
	if c == (mail.Custom{}) {
		return s.queueFor(ctx, tx, st, a, kind, d)
	}
	m, err := mail.RenderCustom(kind, d, c)
	if err != nil {
		return err
	}
	return tx.EnqueueMail(ctx, s.mailer.Seal(m), s.clock())
}
