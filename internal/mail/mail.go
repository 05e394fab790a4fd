// Package mail sends the messages custos mails to its users: address verification and password reset.
//
// A Sender delivers a Message. NewSMTP returns one that talks to an SMTP relay; LogSender is a development
// sink that only logs. Render builds the Message of each Kind from embedded templates.
package mail

import (
	"context"
	"errors"
	"log/slog"
	"net/textproto"

	gomail "github.com/wneessen/go-mail"
)

// Message is one mail to one recipient. Text is required; when HTML is set the mail is sent as
// multipart/alternative with both parts.
type Message struct {
	To string
	// FromName, when set, is the sender's display name; the address is always the sender's own.
	FromName string `json:",omitempty"`
	Subject  string
	Text     string
	HTML     string
}

// Sender delivers a Message. Implementations are safe for concurrent use.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// LogSender is a development mail sink: it delivers nothing and logs the recipient, the subject and the
// text body at Info level, with the field mail_sink=development.
//
// The text body carries the verification and reset links, so their tokens end up in the log: use it only
// for development, never in production. Whoever configures it should warn at start that mail is not
// delivered and that tokens are logged.
type LogSender struct {
	// Log receives the messages; nil means slog.Default().
	Log *slog.Logger
}

// Send logs m and returns nil.
func (s LogSender) Send(ctx context.Context, m Message) error {
	log := s.Log
	if log == nil {
		log = slog.Default()
	}
	log.InfoContext(ctx, "mail not delivered: development mail sink",
		"mail_sink", "development", "to", m.To, "subject", m.Subject, "text", m.Text)
	return nil
}

// IsTemporary reports whether err carries a temporary (4xx) SMTP reply, such as 451 from a relay that is
// busy or greylisting: the same message may succeed when retried later. Network failures are not
// classified here.
func IsTemporary(err error) bool {
	var se *gomail.SendError
	if errors.As(err, &se) {
		return se.IsTemp()
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code >= 400 && te.Code < 500
	}
	return false
}
