package mail

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/custos-id/custos/internal/mail/mailtest"
)

func TestParseSMTPURL(t *testing.T) {
	tests := []struct {
		url  string
		want smtpConfig
	}{
		{"smtp://mail.example.com", smtpConfig{host: "mail.example.com", port: 587, tls: tlsOpportunistic}},
		{"SMTP://mail.example.com:25/", smtpConfig{host: "mail.example.com", port: 25, tls: tlsOpportunistic}},
		{"smtp://mail.example.com?tls=required", smtpConfig{host: "mail.example.com", port: 587, tls: tlsRequired}},
		{"smtp://mail.example.com?tls=REQUIRED", smtpConfig{host: "mail.example.com", port: 587, tls: tlsRequired}},
		{"smtp://127.0.0.1:2525?tls=none", smtpConfig{host: "127.0.0.1", port: 2525, tls: tlsNone}},
		{"smtp://mail.example.com?tls=opportunistic", smtpConfig{host: "mail.example.com", port: 587, tls: tlsOpportunistic}},
		{"smtps://mail.example.com", smtpConfig{host: "mail.example.com", port: 465, tls: tlsImplicit}},
		{"smtps://mail.example.com:1465?tls=required", smtpConfig{host: "mail.example.com", port: 1465, tls: tlsImplicit}},
		{"smtp://[::1]:25", smtpConfig{host: "::1", port: 25, tls: tlsOpportunistic}},
		// Credentials for a remote host make STARTTLS mandatory.
		{"smtp://relay:s%40cret@mail.example.com", smtpConfig{host: "mail.example.com", port: 587, tls: tlsRequired,
			user: "relay", password: "s@cret", auth: gomail.SMTPAuthPlain}},
		{"smtps://relay:pw@mail.example.com", smtpConfig{host: "mail.example.com", port: 465, tls: tlsImplicit,
			user: "relay", password: "pw", auth: gomail.SMTPAuthPlain}},
		// On loopback, PLAIN is allowed in clear and the TLS mode stays as asked.
		{"smtp://relay:pw@localhost:25", smtpConfig{host: "localhost", port: 25, tls: tlsOpportunistic,
			user: "relay", password: "pw", auth: gomail.SMTPAuthPlainNoEnc}},
		{"smtp://relay:pw@127.0.0.2:25?tls=none", smtpConfig{host: "127.0.0.2", port: 25, tls: tlsNone,
			user: "relay", password: "pw", auth: gomail.SMTPAuthPlainNoEnc}},
		{"smtp://relay:pw@127.0.0.1:25?tls=required", smtpConfig{host: "127.0.0.1", port: 25, tls: tlsRequired,
			user: "relay", password: "pw", auth: gomail.SMTPAuthPlain}},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			got, err := parseSMTPURL(tt.url)
			if err != nil {
				t.Fatalf("parseSMTPURL: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseSMTPURL = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestNewSMTPRejects(t *testing.T) {
	const from = "custos@example.com"
	tests := []struct {
		name string
		url  string
		from string
		want string // in the error
	}{
		{"empty", "", from, "no scheme"},
		{"no scheme", "mail.example.com", from, "no scheme"},
		{"host:port without scheme", "mail.example.com:25", from, "scheme"},
		{"bad scheme", "http://mail.example.com", from, `scheme "http"`},
		{"opaque", "smtp:mail.example.com", from, "want smtp://host[:port]"},
		{"missing host", "smtp://", from, "missing host"},
		{"missing host with port", "smtp://:25", from, "missing host"},
		{"empty port", "smtp://mail.example.com:", from, "empty port"},
		{"port not a number", "smtp://mail.example.com:abc", from, "invalid port"},
		{"port zero", "smtp://mail.example.com:0", from, "out of range"},
		{"port too large", "smtp://mail.example.com:65536", from, "out of range"},
		{"path", "smtp://mail.example.com/inbox", from, "unexpected path"},
		{"fragment", "smtp://mail.example.com#x", from, "unexpected fragment"},
		{"unknown parameter", "smtp://mail.example.com?auth=login", from, `unknown parameter "auth"`},
		{"bad tls value", "smtp://mail.example.com?tls=maybe", from, `tls="maybe"`},
		{"tls twice", "smtp://mail.example.com?tls=none&tls=required", from, "2 times"},
		{"tls none on smtps", "smtps://mail.example.com?tls=none", from, "always uses TLS"},
		{"tls opportunistic on smtps", "smtps://mail.example.com?tls=opportunistic", from, "always uses TLS"},
		{"user without password", "smtp://relay@mail.example.com", from, "without a password"},
		{"password without user", "smtp://:pw@mail.example.com", from, "without a user name"},
		{"password in clear to remote host", "smtp://relay:pw@mail.example.com?tls=none", from, "refusing to send the password in clear"},
		{"bad from", "smtp://mail.example.com", "not an address", "invalid sender address"},
		{"empty from", "smtp://mail.example.com", "", "invalid sender address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSMTP(tt.url, tt.from)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewSMTP = %v, %v; want error with %q", s, err, tt.want)
			}
		})
	}
}

// TestNewSMTPHidesPassword checks that no error quotes the password, whatever is wrong with the URL.
func TestNewSMTPHidesPassword(t *testing.T) {
	const password = "Sup3rSecretPw"
	for _, url := range []string{
		"smtp://relay:" + password + "@mail.example.com:abc",
		"smtp://relay:" + password + "@mail.example.com:0",
		"smtp://relay:" + password + "@mail.example.com?tls=none",
		"smtp://relay:" + password + "%zz@mail.example.com",
		"smtp://relay:" + password + "@mail example.com",
		"http://relay:" + password + "@mail.example.com",
		"smtps://relay:" + password + "@mail.example.com?tls=none",
	} {
		s, err := NewSMTP(url, "custos@example.com")
		if err == nil {
			t.Errorf("NewSMTP(%q) = %v, want an error", url, s)
			continue
		}
		if strings.Contains(err.Error(), "Secret") {
			t.Errorf("NewSMTP(%q) error shows the password: %v", url, err)
		}
	}

	// Neither does the description of a valid sender.
	s, err := NewSMTP("smtps://relay:"+password+"@mail.example.com", "custos@example.com")
	if err != nil {
		t.Fatalf("NewSMTP: %v", err)
	}
	if got := fmt.Sprint(s); strings.Contains(got, "Secret") || got != "smtps://mail.example.com:465 tls=implicit user=relay" {
		t.Errorf("String() = %q", got)
	}
}

func sendCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func rendered(t *testing.T, to string) Message {
	t.Helper()
	m, err := Render(Verification, Data{To: to, SiteName: "Acme & Co", Link: "https://id.example.com/verify?token=abc&x=1",
		Expires: time.Date(2026, 5, 6, 7, 8, 0, 0, time.UTC)})
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return m
}

func TestSMTPSend(t *testing.T) {
	srv := mailtest.NewServer(t)
	s, err := NewSMTP(srv.URL(), "Acme Accounts <custos@example.com>")
	if err != nil {
		t.Fatalf("NewSMTP: %v", err)
	}
	m := rendered(t, "jane@example.com")
	if err := s.Send(sendCtx(t), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := srv.WaitFor(t, "jane@example.com")

	if got.From != "custos@example.com" || !reflect.DeepEqual(got.To, []string{"jane@example.com"}) {
		t.Errorf("envelope = %q -> %q", got.From, got.To)
	}
	if got.Subject != m.Subject {
		t.Errorf("Subject = %q, want %q", got.Subject, m.Subject)
	}
	if got.Text != m.Text {
		t.Errorf("Text = %q, want %q", got.Text, m.Text)
	}
	if got.HTML != m.HTML {
		t.Errorf("HTML = %q, want %q", got.HTML, m.HTML)
	}
	if want := []string{"https://id.example.com/verify?token=abc&x=1"}; !reflect.DeepEqual(got.Links, want) {
		t.Errorf("Links = %q, want %q", got.Links, want)
	}
	h := got.Header
	// The site's name replaces the configured display name.
	if from := h.Get("From"); from != `"Acme & Co" <custos@example.com>` {
		t.Errorf("From header = %q", from)
	}
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative;") {
		t.Errorf("Content-Type = %q, want multipart/alternative", ct)
	}
	if id := h.Get("Message-Id"); !strings.HasSuffix(id, "@example.com>") {
		t.Errorf("Message-ID = %q, want one in the sender's domain", id)
	}
	if h.Get("Date") == "" {
		t.Error("no Date header")
	}

	// Text only: a single text/plain part.
	if err := s.Send(sendCtx(t), Message{To: "joe@example.com", Subject: "Plain", Text: "See https://example.com/x\n"}); err != nil {
		t.Fatalf("Send text only: %v", err)
	}
	plain := srv.WaitFor(t, "joe@example.com")
	if from := plain.Header.Get("From"); from != `"Acme Accounts" <custos@example.com>` {
		t.Errorf("From header without a FromName = %q, want the configured one", from)
	}
	if ct := plain.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") || plain.HTML != "" {
		t.Errorf("text-only message: Content-Type %q, HTML %q", ct, plain.HTML)
	}
	if !reflect.DeepEqual(plain.Links, []string{"https://example.com/x"}) {
		t.Errorf("Links = %q", plain.Links)
	}
}

func TestSMTPSendAuth(t *testing.T) {
	srv := mailtest.NewServer(t, mailtest.WithAuth("relay", "s3cret pw"))
	addr := strings.TrimPrefix(srv.URL(), "smtp://")
	tests := []struct {
		name    string
		url     string
		wantErr bool
	}{
		{"right credentials", "smtp://relay:s3cret%20pw@" + addr, false},
		{"right credentials, tls none", "smtp://relay:s3cret%20pw@" + addr + "?tls=none", false},
		{"wrong password", "smtp://relay:Wr0ngPassw0rd@" + addr, true},
		{"no credentials", "smtp://" + addr, true},
		// The server offers no STARTTLS.
		{"tls required", "smtp://relay:s3cret%20pw@" + addr + "?tls=required", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSMTP(tt.url, "custos@example.com")
			if err != nil {
				t.Fatalf("NewSMTP: %v", err)
			}
			err = s.Send(sendCtx(t), rendered(t, "jane@example.com"))
			if (err != nil) != tt.wantErr {
				t.Fatalf("Send: err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && (strings.Contains(err.Error(), "Wr0ng") || strings.Contains(err.Error(), "s3cret")) {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
	if got := len(srv.Messages()); got != 2 {
		t.Errorf("server received %d messages, want 2", got)
	}
}

func TestSMTPSendRetry(t *testing.T) {
	srv := mailtest.NewServer(t)
	s, err := NewSMTP(srv.URL(), "custos@example.com")
	if err != nil {
		t.Fatalf("NewSMTP: %v", err)
	}
	srv.FailNext(1)
	m := rendered(t, "jane@example.com")
	err = s.Send(sendCtx(t), m)
	if err == nil {
		t.Fatal("first Send succeeded, want the 451 of FailNext")
	}
	if !IsTemporary(err) || !strings.Contains(err.Error(), "451") {
		t.Errorf("first Send: err = %v, IsTemporary %v; want a temporary 451", err, IsTemporary(err))
	}
	if err := s.Send(sendCtx(t), m); err != nil {
		t.Fatalf("second Send: %v", err)
	}
	if got := srv.WaitFor(t, "jane@example.com"); got.Subject != m.Subject {
		t.Errorf("Subject = %q", got.Subject)
	}
	if got := len(srv.Messages()); got != 1 {
		t.Errorf("server received %d messages, want 1", got)
	}
}

func TestSMTPSendConcurrent(t *testing.T) {
	srv := mailtest.NewServer(t)
	s, err := NewSMTP(srv.URL(), "custos@example.com")
	if err != nil {
		t.Fatalf("NewSMTP: %v", err)
	}
	const n = 8
	ctx := sendCtx(t)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() { errs <- s.Send(ctx, rendered(t, fmt.Sprintf("user%d@example.com", i))) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Send: %v", err)
		}
	}
	msgs, err := srv.Wait(ctx, n)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if len(msgs) != n {
		t.Errorf("received %d messages, want %d", len(msgs), n)
	}
}

// The display name of From is the message's (the site's name); whatever it holds, the header stays one
// header and the address stays the configured one.
func TestSMTPFromName(t *testing.T) {
	srv := mailtest.NewServer(t)
	s, err := NewSMTP(srv.URL(), "Configured <custos@example.com>")
	if err != nil {
		t.Fatalf("NewSMTP: %v", err)
	}
	tests := []struct{ name, fromName, want string }{
		{"plain", "Acme", "Acme"},
		{"specials", `Acme "Shop", Inc. <x@evil.example>`, `Acme "Shop", Inc. <x@evil.example>`},
		{"non-ASCII", "Café Zürich", "Café Zürich"},
		{"line break", "Acme\r\nBcc: victim@example.com", "Acme  Bcc: victim@example.com"},
		{"blank", " \t ", "Configured"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			to := fmt.Sprintf("u%d@example.com", i)
			if err := s.Send(sendCtx(t), Message{To: to, Subject: "Hi", Text: "Hello", FromName: tt.fromName}); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := srv.WaitFor(t, to)
			if len(got.Header["From"]) != 1 || len(got.Header["Bcc"]) != 0 || !reflect.DeepEqual(got.To, []string{to}) {
				t.Fatalf("headers %v, envelope to %q", got.Header, got.To)
			}
			from, err := netmail.ParseAddress(got.Header.Get("From"))
			if err != nil {
				t.Fatalf("From %q: %v", got.Header.Get("From"), err)
			}
			if from.Name != tt.want || from.Address != "custos@example.com" {
				t.Errorf("From = %q <%s>, want %q <custos@example.com>", from.Name, from.Address, tt.want)
			}
		})
	}
}

func TestSMTPSendRejects(t *testing.T) {
	srv := mailtest.NewServer(t)
	s, err := NewSMTP(srv.URL(), "custos@example.com")
	if err != nil {
		t.Fatalf("NewSMTP: %v", err)
	}
	valid := Message{To: "jane@example.com", Subject: "Hi", Text: "Hello"}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name   string
		ctx    context.Context
		change func(*Message)
		want   string
	}{
		{"bad recipient", context.Background(), func(m *Message) { m.To = "jane" }, "invalid recipient"},
		{"no subject", context.Background(), func(m *Message) { m.Subject = "" }, "subject"},
		{"header injection", context.Background(), func(m *Message) { m.Subject = "Hi\r\nBcc: x@example.com" }, "subject"},
		{"no text", context.Background(), func(m *Message) { m.Text = "" }, "no text body"},
		{"canceled", canceled, func(*Message) {}, "context canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := valid
			tt.change(&m)
			if err := s.Send(tt.ctx, m); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Send: err = %v, want one with %q", err, tt.want)
			}
		})
	}
	if got := len(srv.Messages()); got != 0 {
		t.Errorf("server received %d messages, want none", got)
	}
}

func TestLogSender(t *testing.T) {
	var buf bytes.Buffer
	var s Sender = LogSender{Log: slog.New(slog.NewJSONHandler(&buf, nil))}
	m := Message{To: "jane@example.com", Subject: "Confirm", Text: "https://id.example.com/v?token=abc", HTML: "<p>x</p>", FromName: "Acme"}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("log line %q: %v", buf.String(), err)
	}
	want := map[string]any{"level": "INFO", "mail_sink": "development", "from_name": "Acme", "to": m.To, "subject": m.Subject, "text": m.Text}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("log field %s = %v, want %v", k, line[k], v)
		}
	}
	if msg, _ := line["msg"].(string); !strings.Contains(msg, "development") {
		t.Errorf("log message %q does not say it is a development sink", msg)
	}
	if strings.Count(strings.TrimSpace(buf.String()), "\n") != 0 {
		t.Errorf("want one log line, got %q", buf.String())
	}
}
