// Package mailtest runs a real SMTP server in the test process, on 127.0.0.1, and keeps what it receives,
// parsed, for assertions.
//
//	srv := mailtest.NewServer(t)
//	sender, _ := mail.NewSMTP(srv.URL(), "custos@example.com")
//	// … code under test sends mail to jane@example.com …
//	got := srv.WaitFor(t, "jane@example.com")
//	follow(got.Links[0])
package mailtest

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// WaitForTimeout bounds Server.WaitFor.
const WaitForTimeout = 10 * time.Second

// Received is one message as the server got it.
type Received struct {
	From    string   // envelope sender (MAIL FROM)
	To      []string // envelope recipients (RCPT TO)
	Subject string   // decoded
	Text    string   // text/plain part, decoded, line ends as \n
	HTML    string   // text/html part, decoded, line ends as \n
	Links   []string // every http(s) URL in Text, in order
	Header  netmail.Header
	Raw     []byte // the message as transferred
}

// Option configures a Server.
type Option func(*Server)

// WithAuth makes the server offer AUTH PLAIN (over plain text: the server is on loopback) and refuse mail
// from clients that did not authenticate as user with pass.
func WithAuth(user, pass string) Option {
	return func(s *Server) {
		s.auth, s.user, s.pass = true, user, pass
	}
}

// Server is an SMTP server on 127.0.0.1 that accepts every recipient. It does not offer STARTTLS.
type Server struct {
	smtp *smtp.Server
	addr string

	auth       bool
	user, pass string
	waitFor    time.Duration // WaitForTimeout; shorter in this package's tests

	mu       sync.Mutex
	msgs     []Received
	taken    []bool        // by WaitFor
	failNext int           // deliveries still to reject
	arrived  chan struct{} // closed and replaced when a message arrives
}

// NewServer starts a server on 127.0.0.1 with a free port, closed when the test ends.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{arrived: make(chan struct{}), waitFor: WaitForTimeout}
	for _, opt := range opts {
		opt(s)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	s.addr = ln.Addr().String()

	s.smtp = smtp.NewServer(smtp.BackendFunc(s.newSession))
	s.smtp.Domain = "mailtest.localhost"
	s.smtp.AllowInsecureAuth = true
	s.smtp.MaxMessageBytes = 10 << 20
	s.smtp.MaxRecipients = 100
	s.smtp.ReadTimeout = WaitForTimeout
	s.smtp.WriteTimeout = WaitForTimeout
	s.smtp.ErrorLog = log.New(io.Discard, "", 0)

	served := make(chan error, 1)
	go func() { served <- s.smtp.Serve(ln) }()
	t.Cleanup(func() {
		_ = s.smtp.Close()
		// Close closes only the listeners that Serve has registered: when Serve has not started yet, it
		// would block in Accept.
		_ = ln.Close()
		select {
		case err := <-served:
			if err != nil {
				t.Errorf("mailtest: serve: %v", err)
			}
		case <-time.After(WaitForTimeout):
			t.Errorf("mailtest: server did not stop within %s", WaitForTimeout)
		}
	})
	return s
}

// URL is the server's address as a URL for mail.NewSMTP: smtp://127.0.0.1:<port>.
func (s *Server) URL() string { return "smtp://" + s.addr }

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

// FailNext makes the server reject the next n messages with the temporary error 451 after their data
// was transferred, as a busy or greylisting relay does.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = n
}

// Messages returns the messages received so far, oldest first.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

// Wait blocks until at least n messages have been received and returns all of them, or returns those
// received so far with an error when ctx ends first.
func (s *Server) Wait(ctx context.Context, n int) ([]Received, error) {
	for {
		s.mu.Lock()
		msgs := append([]Received(nil), s.msgs...)
		arrived := s.arrived
		s.mu.Unlock()
		if len(msgs) >= n {
			return msgs, nil
		}
		select {
		case <-arrived:
		case <-ctx.Done():
			return msgs, fmt.Errorf("mailtest: %d of %d messages received: %w", len(msgs), n, ctx.Err())
		}
	}
}

// WaitFor returns the oldest message addressed to to that no earlier WaitFor returned, waiting up to
// WaitForTimeout for it to arrive; it fails the test otherwise. Call it from the test's goroutine.
func (s *Server) WaitFor(t testing.TB, to string) Received {
	t.Helper()
	want := to
	if a, err := netmail.ParseAddress(to); err == nil {
		want = a.Address
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.waitFor)
	defer cancel()
	for {
		s.mu.Lock()
		for i, m := range s.msgs {
			if !s.taken[i] && hasRecipient(m.To, want) {
				s.taken[i] = true
				s.mu.Unlock()
				return m
			}
		}
		arrived, total := s.arrived, len(s.msgs)
		s.mu.Unlock()
		select {
		case <-arrived:
		case <-ctx.Done():
			t.Fatalf("mailtest: no new message to %s within %s (%d messages received in all)", want, s.waitFor, total)
			return Received{}
		}
	}
}

func hasRecipient(rcpts []string, want string) bool {
	for _, r := range rcpts {
		if strings.EqualFold(r, want) {
			return true
		}
	}
	return false
}

// deliver records a message, or rejects it when FailNext asked for it.
func (s *Server) deliver(from string, to []string, raw []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failNext > 0 {
		s.failNext--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
			Message: "Temporary failure (mailtest FailNext)"}
	}
	m, err := parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
			Message: "mailtest cannot parse the message: " + err.Error()}
	}
	m.From, m.To = from, to
	s.msgs = append(s.msgs, m)
	s.taken = append(s.taken, false)
	close(s.arrived)
	s.arrived = make(chan struct{})
	return nil
}

func (s *Server) newSession(*smtp.Conn) (smtp.Session, error) {
	sess := &session{srv: s}
	if s.auth {
		return &authSession{session: sess}, nil
	}
	return sess, nil
}

// session is one SMTP connection.
type session struct {
	srv    *Server
	authed bool
	from   string
	to     []string
}

func (c *session) Mail(from string, _ *smtp.MailOptions) error {
	if c.srv.auth && !c.authed {
		return smtp.ErrAuthRequired
	}
	c.from = from
	return nil
}

func (c *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	c.to = append(c.to, to)
	return nil
}

func (c *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	return c.srv.deliver(c.from, append([]string(nil), c.to...), raw)
}

func (c *session) Reset() {
	c.from, c.to = "", nil
}

func (c *session) Logout() error { return nil }

// authSession is a session of a server WithAuth: it offers AUTH PLAIN.
type authSession struct {
	*session
}

func (c *authSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (c *authSession) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if (identity != "" && identity != user) || user != c.srv.user || pass != c.srv.pass {
			return smtp.ErrAuthFailed
		}
		c.authed = true
		return nil
	}), nil
}
