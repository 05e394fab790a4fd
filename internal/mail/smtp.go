package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Timeout bounds one delivery by an SMTP sender: dialing, the TLS handshake, authentication and the
// transfer of the message.
const Timeout = 30 * time.Second

// TLS modes of an smtp:// URL, chosen with its query parameter tls.
const (
	tlsOpportunistic = "opportunistic" // STARTTLS when the server offers it (default)
	tlsRequired      = "required"      // STARTTLS or fail
	tlsNone          = "none"          // never STARTTLS
	tlsImplicit      = "implicit"      // smtps://: TLS from the first byte
)

// smtpConfig is what an SMTP URL says.
type smtpConfig struct {
	host     string
	port     int
	tls      string // one of the tls* modes
	user     string
	password string
	auth     gomail.SMTPAuthType // "" without credentials
}

// address is host:port, for errors and logs.
func (c smtpConfig) address() string {
	return net.JoinHostPort(c.host, strconv.Itoa(c.port))
}

// NewSMTP returns a Sender that delivers through the SMTP server that rawURL names, with from as the
// sender (header From and envelope sender; a display name is allowed: "Acme <id@acme.example>").
//
// URL forms:
//
//	smtp://[user:password@]host[:port][?tls=opportunistic|required|none]   port 587 by default
//	smtps://[user:password@]host[:port]                                      port 465 by default
//
// smtp:// uses STARTTLS when the server offers it and goes on in clear when it does not (tls=opportunistic,
// the default, because local relays often have no TLS); tls=required fails unless STARTTLS succeeds;
// tls=none never starts TLS. smtps:// speaks TLS from the start (implicit TLS); tls=required is allowed
// there and changes nothing. Certificates are verified against the system roots and the URL's host.
// User and password are percent-decoded, so a password with '@', ':' or '/' must be percent-encoded.
//
// Credentials are sent with AUTH PLAIN, which shows the password to anyone on the path unless the
// connection is encrypted. So:
//   - to a loopback host (localhost, 127.0.0.0/8, ::1) PLAIN is allowed in clear: the password does not
//     leave the machine, and local relays rarely have TLS;
//   - to any other host, credentials make TLS mandatory: smtp:// then behaves as tls=required (the send
//     fails when the server offers no STARTTLS), and tls=none is refused here.
//
// Each Send opens its own connection, bounded by Timeout and ctx. Errors never contain the password.
func NewSMTP(rawURL, from string) (Sender, error) {
	cfg, err := parseSMTPURL(rawURL)
	if err != nil {
		return nil, err
	}
	sender, err := netmail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("mail: invalid sender address %q: %w", from, err)
	}
	domain := "localhost"
	if at := strings.LastIndexByte(sender.Address, '@'); at >= 0 && at < len(sender.Address)-1 {
		domain = sender.Address[at+1:]
	}

	opts := []gomail.Option{gomail.WithPort(cfg.port), gomail.WithTimeout(Timeout)}
	switch cfg.tls {
	case tlsImplicit:
		opts = append(opts, gomail.WithSSL())
	case tlsRequired:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case tlsOpportunistic:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case tlsNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if cfg.auth != "" {
		opts = append(opts, gomail.WithSMTPAuth(cfg.auth),
			gomail.WithUsername(cfg.user), gomail.WithPassword(cfg.password))
	}
	client, err := gomail.NewClient(cfg.host, opts...)
	if err != nil {
		return nil, fmt.Errorf("mail: SMTP client for %s: %w", cfg.address(), err)
	}
	return &smtpSender{client: client, cfg: cfg, from: sender, domain: domain}, nil
}

// parseSMTPURL checks an SMTP URL and says what it asks for.
func parseSMTPURL(rawURL string) (smtpConfig, error) {
	var cfg smtpConfig
	u, err := url.Parse(rawURL)
	if err != nil {
		return cfg, fmt.Errorf("mail: invalid SMTP URL: %s", parseErrorWithoutUserinfo(rawURL, err))
	}
	safe := u.Redacted()
	switch u.Scheme {
	case "smtp":
		cfg.port, cfg.tls = 587, tlsOpportunistic
	case "smtps":
		cfg.port, cfg.tls = 465, tlsImplicit
	case "":
		return cfg, fmt.Errorf("mail: invalid SMTP URL %q: no scheme, want smtp:// or smtps://", safe)
	default:
		return cfg, fmt.Errorf("mail: invalid SMTP URL %q: scheme %q, want smtp or smtps", safe, u.Scheme)
	}
	if u.Opaque != "" {
		return cfg, fmt.Errorf("mail: invalid SMTP URL %q: want %s://host[:port]", safe, u.Scheme)
	}
	cfg.host = u.Hostname()
	if cfg.host == "" {
		return cfg, fmt.Errorf("mail: invalid SMTP URL %q: missing host", safe)
	}
	if strings.HasSuffix(u.Host, ":") {
		return cfg, fmt.Errorf("mail: invalid SMTP URL %q: empty port", safe)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return cfg, fmt.Errorf("mail: invalid SMTP URL %q: port %s out of range 1-65535", safe, p)
		}
		cfg.port = n
	}
	if u.Path != "" && u.Path != "/" {
		return cfg, fmt.Errorf("mail: invalid SMTP URL %q: unexpected path %q", safe, u.Path)
	}
	if u.Fragment != "" {
		return cfg, fmt.Errorf("mail: invalid SMTP URL %q: unexpected fragment", safe)
	}

	query, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return cfg, fmt.Errorf("mail: invalid SMTP URL %q: query: %w", safe, err)
	}
	for name, values := range query {
		if name != "tls" {
			return cfg, fmt.Errorf("mail: invalid SMTP URL %q: unknown parameter %q (only tls is known)", safe, name)
		}
		if len(values) != 1 {
			return cfg, fmt.Errorf("mail: invalid SMTP URL %q: parameter tls given %d times", safe, len(values))
		}
	}
	if query.Has("tls") {
		mode := strings.ToLower(query.Get("tls"))
		switch {
		case cfg.tls == tlsImplicit && mode == tlsRequired:
			// smtps is always encrypted: nothing to change.
		case cfg.tls == tlsImplicit:
			return cfg, fmt.Errorf("mail: invalid SMTP URL %q: tls=%s does not fit smtps://, which always uses TLS", safe, mode)
		case mode == tlsRequired || mode == tlsNone || mode == tlsOpportunistic:
			cfg.tls = mode
		default:
			return cfg, fmt.Errorf("mail: invalid SMTP URL %q: tls=%q, want required, none or opportunistic", safe, mode)
		}
	}

	if u.User == nil {
		return cfg, nil
	}
	cfg.user = u.User.Username()
	cfg.password, _ = u.User.Password()
	if cfg.user == "" {
		return cfg, fmt.Errorf("mail: invalid SMTP URL %q: credentials without a user name", safe)
	}
	if cfg.password == "" {
		return cfg, fmt.Errorf("mail: invalid SMTP URL %q: user %q without a password", safe, cfg.user)
	}
	switch {
	case cfg.tls == tlsImplicit || cfg.tls == tlsRequired:
		cfg.auth = gomail.SMTPAuthPlain
	case isLoopback(cfg.host):
		// The password does not leave the machine: PLAIN in clear is acceptable, whatever the TLS mode.
		cfg.auth = gomail.SMTPAuthPlainNoEnc
	case cfg.tls == tlsNone:
		return cfg, fmt.Errorf("mail: invalid SMTP URL %q: refusing to send the password in clear to %s "+
			"with tls=none; use tls=required or smtps://", safe, cfg.host)
	default:
		// Credentials for a remote host: opportunistic STARTTLS becomes mandatory.
		cfg.tls = tlsRequired
		cfg.auth = gomail.SMTPAuthPlain
	}
	return cfg, nil
}

// parseErrorWithoutUserinfo describes why url.Parse refused rawURL without quoting the user info, where
// the password is: *url.Error quotes the whole URL.
func parseErrorWithoutUserinfo(rawURL string, err error) string {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return "cannot parse"
	}
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return ue.Err.Error()
	}
	authority := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority = rest[:i]
	}
	at := strings.LastIndexByte(authority, '@')
	if at < 0 {
		return ue.Err.Error()
	}
	// Parse again with the user info replaced: if that fails, the reason lies elsewhere and can be quoted.
	if _, err2 := url.Parse(scheme + "://redacted@" + rest[at+1:]); err2 != nil {
		if errors.As(err2, &ue) {
			return ue.Err.Error()
		}
		return "cannot parse"
	}
	return "invalid user info (user name or password; percent-encode reserved characters)"
}

// isLoopback reports whether host names this machine: localhost or a loopback address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// smtpSender delivers through one SMTP server, one connection per message.
type smtpSender struct {
	client *gomail.Client
	cfg    smtpConfig
	from   *netmail.Address
	domain string // of from, for Message-IDs
}

// String describes the sender without its password, for logs.
func (s *smtpSender) String() string {
	scheme := "smtp"
	if s.cfg.tls == tlsImplicit {
		scheme = "smtps"
	}
	desc := fmt.Sprintf("%s://%s tls=%s", scheme, s.cfg.address(), s.cfg.tls)
	if s.cfg.user != "" {
		desc += " user=" + s.cfg.user
	}
	return desc
}

// Send delivers m. An error wrapping a temporary SMTP reply satisfies IsTemporary.
func (s *smtpSender) Send(ctx context.Context, m Message) error {
	msg, err := s.build(m)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mail: sending via %s: %w", s.cfg.address(), err)
	}
	if err := s.client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("mail: sending via %s: %w", s.cfg.address(), err)
	}
	return nil
}

// build turns m into a go-mail message.
func (s *smtpSender) build(m Message) (*gomail.Msg, error) {
	if _, err := netmail.ParseAddress(m.To); err != nil {
		return nil, fmt.Errorf("mail: invalid recipient address %q: %w", m.To, err)
	}
	if m.Subject == "" || strings.ContainsAny(m.Subject, "\r\n") {
		return nil, errors.New("mail: the subject must be one non-empty line")
	}
	if m.Text == "" {
		return nil, errors.New("mail: the message has no text body")
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if m.FromName != "" {
		if err := msg.FromFormat(m.FromName, s.from.Address); err != nil {
			return nil, fmt.Errorf("mail: invalid sender name %q: %w", m.FromName, err)
		}
	} else {
		msg.FromMailAddress(s.from)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("mail: invalid recipient address %q: %w", m.To, err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	id := make([]byte, 16)
	_, _ = rand.Read(id) // crypto/rand.Read never fails
	msg.SetMessageIDWithValue(hex.EncodeToString(id) + "@" + s.domain)
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}
