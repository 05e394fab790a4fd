package mail

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"
)

// Custom is what a site's server chose of one mail. Every field is optional;
// the caller bounds their lengths.
type Custom struct {
	// FromName is the sender's display name; the address stays the one the
	// server sends from.
	FromName string
	// Subject replaces the template's subject.
	Subject string
	// LogoURL is an absolute http(s) URL of an image shown atop the HTML part.
	LogoURL string
	// Description is an introduction shown before the text: plain text,
	// escaped in HTML.
	Description string
}

// customView is what the built-in templates see: the view, and the choices
// a site's server may make of one mail (the Social ID API's reset and
// confirmation mails), empty when it makes none.
type customView struct {
	view
	Subject, LogoURL, Description string
}

// RenderCustom builds the Message of kind (PasswordReset or Verification)
// with the choices c, as Render does; the sender's name is the site's
// unless c names one. It fails for another kind and for choices that are
// malformed (control characters, a logo that is no http(s) URL).
func RenderCustom(kind Kind, data Data, c Custom) (Message, error) {
	set, ok := templates[kind]
	if !ok {
		return Message{}, fmt.Errorf("mail: unknown kind of mail %q", kind)
	}
	v, err := newView(data)
	if err != nil {
		return Message{}, fmt.Errorf("mail: render %s: %w", kind, err)
	}
	if err := c.check(); err != nil {
		return Message{}, fmt.Errorf("mail: render %s: %w", kind, err)
	}
	cv := customView{view: v, Subject: strings.TrimSpace(c.Subject), LogoURL: c.LogoURL, Description: strings.TrimSpace(c.Description)}
	var text, html bytes.Buffer
	if err := set.text.Execute(&text, cv); err != nil {
		return Message{}, fmt.Errorf("mail: render %s text: %w", kind, err)
	}
	if err := set.html.Execute(&html, cv); err != nil {
		return Message{}, fmt.Errorf("mail: render %s HTML: %w", kind, err)
	}
	first, body, _ := strings.Cut(text.String(), "\n")
	subject, ok := strings.CutPrefix(strings.TrimSpace(first), "Subject:")
	if subject = strings.TrimSpace(subject); !ok || subject == "" {
		return Message{}, fmt.Errorf("mail: render %s: text template does not start with a Subject: line", kind)
	}
	from := strings.TrimSpace(c.FromName)
	if from == "" {
		from = v.SiteName
	}
	return Message{To: data.To, FromName: from, Subject: subject,
		Text: strings.TrimLeft(body, "\n"), HTML: html.String(), Kind: kind}, nil
}

// check refuses what no header or template may carry.
func (c Custom) check() error {
	for _, s := range []string{c.FromName, c.Subject, c.LogoURL} {
		if strings.IndexFunc(s, unicode.IsControl) >= 0 {
			return errors.New("a sender name, subject or logo URL with control characters")
		}
	}
	if strings.IndexFunc(c.Description, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }) >= 0 {
		return errors.New("a description with control characters")
	}
	if c.LogoURL != "" {
		u, err := url.Parse(c.LogoURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return errors.New("the logo must be an absolute http or https URL")
		}
	}
	return nil
}
