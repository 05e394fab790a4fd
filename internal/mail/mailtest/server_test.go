package mailtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// send delivers raw with a plain SMTP client, independent of the mail package.
func send(t *testing.T, srv *Server, auth sasl.Client, from string, to []string, raw string) error {
	t.Helper()
	c, err := smtp.Dial(srv.Addr())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	c.CommandTimeout, c.SubmissionTimeout = 10*time.Second, 10*time.Second
	if auth != nil {
		if err := c.Auth(auth); err != nil {
			return err
		}
	}
	if err := c.Mail(from, nil); err != nil {
		return err
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt, nil); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, strings.ReplaceAll(raw, "\n", "\r\n")); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func ctxTimeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

const alternativeQP = `From: Custos <custos@example.com>
To: jane@example.com
Subject: =?UTF-8?q?Confirm_your_address_=E2=80=94_Acme?=
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

Follow https://id.example.com/verify?token=3Dabc&x=3D1 before noon.
Or this: http://example.org/a_very_long_path_that_the_writer_has_to_wrap_because_it_is_lo=
nger_than_76.
--b1
Content-Type: text/html; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

<a href=3D"https://id.example.com/verify?token=3Dabc&amp;x=3D1">Confirm</a>
--b1--
`

const mixedBase64 = `From: custos@example.com
To: jane@example.com
Subject: Nested
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/alternative; boundary="inner"

--inner
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: base64

VmlzaXQgaHR0cHM6Ly9leGFtcGxlLmNvbS94Lg==
--inner
Content-Type: text/html; charset=UTF-8
Content-Transfer-Encoding: base64

PHA+SGk8L3A+
--inner--
--outer
Content-Type: application/pdf
Content-Transfer-Encoding: base64

JVBERi0=
--outer--
`

const plainOnly = `From: custos@example.com
To: jane@example.com
Subject: Plain

Line one
see <https://example.com/a>, (https://example.com/b) and http://
`

func TestParse(t *testing.T) {
	tests := []struct {
		name      string
		raw       string
		subject   string
		text      string
		html      string
		links     []string
		headerTo  string
		wantError bool
	}{
		{
			name:    "alternative quoted-printable",
			raw:     alternativeQP,
			subject: "Confirm your address — Acme",
			text: "Follow https://id.example.com/verify?token=abc&x=1 before noon.\n" +
				"Or this: http://example.org/a_very_long_path_that_the_writer_has_to_wrap_because_it_is_longer_than_76.",
			html: `<a href="https://id.example.com/verify?token=abc&amp;x=1">Confirm</a>`,
			links: []string{"https://id.example.com/verify?token=abc&x=1",
				"http://example.org/a_very_long_path_that_the_writer_has_to_wrap_because_it_is_longer_than_76"},
			headerTo: "jane@example.com",
		},
		{
			name:    "mixed with nested alternative, base64",
			raw:     mixedBase64,
			subject: "Nested",
			text:    "Visit https://example.com/x.",
			html:    "<p>Hi</p>",
			links:   []string{"https://example.com/x"},
		},
		{
			name:    "single text part",
			raw:     plainOnly,
			subject: "Plain",
			text:    "Line one\nsee <https://example.com/a>, (https://example.com/b) and http://\n",
			links:   []string{"https://example.com/a", "https://example.com/b"},
		},
		{
			name:      "bad content type",
			raw:       "Subject: x\nContent-Type: multipart/alternative; boundary=\"\n\nbody\n",
			wantError: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := parse([]byte(strings.ReplaceAll(tt.raw, "\n", "\r\n")))
			if tt.wantError {
				if err == nil {
					t.Fatalf("parse: no error, got %+v", m)
				}
				return
			}
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if m.Subject != tt.subject {
				t.Errorf("Subject = %q, want %q", m.Subject, tt.subject)
			}
			if strings.TrimRight(m.Text, "\n") != strings.TrimRight(tt.text, "\n") {
				t.Errorf("Text = %q, want %q", m.Text, tt.text)
			}
			if strings.TrimRight(m.HTML, "\n") != tt.html {
				t.Errorf("HTML = %q, want %q", m.HTML, tt.html)
			}
			if !reflect.DeepEqual(m.Links, tt.links) {
				t.Errorf("Links = %q, want %q", m.Links, tt.links)
			}
			if tt.headerTo != "" && m.Header.Get("To") != tt.headerTo {
				t.Errorf("Header To = %q, want %q", m.Header.Get("To"), tt.headerTo)
			}
		})
	}
}

func TestServerReceives(t *testing.T) {
	srv := NewServer(t)
	if !strings.HasPrefix(srv.URL(), "smtp://127.0.0.1:") {
		t.Fatalf("URL = %q", srv.URL())
	}
	if err := send(t, srv, nil, "custos@example.com", []string{"jane@example.com", "joe@example.com"}, alternativeQP); err != nil {
		t.Fatalf("send: %v", err)
	}
	msgs, err := srv.Wait(ctxTimeout(t), 1)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	m := msgs[0]
	if m.From != "custos@example.com" || !reflect.DeepEqual(m.To, []string{"jane@example.com", "joe@example.com"}) {
		t.Errorf("envelope = %q -> %q", m.From, m.To)
	}
	if m.Subject != "Confirm your address — Acme" || len(m.Links) != 2 || len(m.Raw) == 0 {
		t.Errorf("message = %+v", m)
	}
	if got := srv.Messages(); len(got) != 1 {
		t.Errorf("Messages() has %d messages, want 1", len(got))
	}
}

func TestWaitFor(t *testing.T) {
	srv := NewServer(t)
	for i, rcpt := range []string{"a@example.com", "b@example.com", "a@example.com"} {
		raw := fmt.Sprintf("Subject: %d to %s\n\nhello\n", i, rcpt)
		if err := send(t, srv, nil, "custos@example.com", []string{rcpt}, raw); err != nil {
			t.Fatalf("send: %v", err)
		}
	}
	// Each call returns the next message to that recipient, oldest first, and never the same one twice;
	// addresses compare without case and display name.
	got := []string{
		srv.WaitFor(t, "A@example.com").Subject,
		srv.WaitFor(t, "Jane <a@example.com>").Subject,
		srv.WaitFor(t, "b@example.com").Subject,
	}
	want := []string{"0 to a@example.com", "2 to a@example.com", "1 to b@example.com"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("subjects = %q, want %q", got, want)
	}

	// A message that arrives while Wait waits wakes it up.
	ctx := ctxTimeout(t)
	done := make(chan Received, 1)
	go func() {
		defer close(done)
		if msgs, err := srv.Wait(ctx, 4); err == nil {
			done <- msgs[3]
		}
	}()
	if err := send(t, srv, nil, "custos@example.com", []string{"a@example.com"}, "Subject: late\n\nhi\n"); err != nil {
		t.Fatalf("send: %v", err)
	}
	if got := srv.WaitFor(t, "a@example.com"); got.Subject != "late" {
		t.Errorf("WaitFor = %q, want late", got.Subject)
	}
	if m, ok := <-done; !ok || m.Subject != "late" {
		t.Errorf("Wait(4) = %+v, %v", m, ok)
	}
}

// TestWaitForFails checks that WaitFor fails the test when no new message comes: the one message to that
// recipient was already taken. The wait is shortened, and the fake T stops at Fatalf.
func TestWaitForFails(t *testing.T) {
	srv := NewServer(t)
	srv.waitFor = 50 * time.Millisecond
	if err := send(t, srv, nil, "custos@example.com", []string{"a@example.com"}, "Subject: only\n\nhi\n"); err != nil {
		t.Fatalf("send: %v", err)
	}
	srv.WaitFor(t, "a@example.com")
	ft := &fatalT{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() { _ = recover() }()
		srv.WaitFor(ft, "a@example.com")
	}()
	select {
	case <-done:
	case <-time.After(WaitForTimeout):
		t.Fatal("WaitFor did not return")
	}
	if !strings.Contains(ft.msg, "no new message to a@example.com") {
		t.Errorf("WaitFor failure = %q", ft.msg)
	}
}

// fatalT records Fatalf and stops the goroutine with a panic.
type fatalT struct {
	testing.TB
	msg string
}

func (f *fatalT) Helper() {}

func (f *fatalT) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic("fatal")
}

func TestWaitEndsWithContext(t *testing.T) {
	srv := NewServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	msgs, err := srv.Wait(ctx, 1)
	if !errors.Is(err, context.Canceled) || len(msgs) != 0 {
		t.Fatalf("Wait = %v, %v; want no messages and context.Canceled", msgs, err)
	}
}

func TestFailNext(t *testing.T) {
	srv := NewServer(t)
	srv.FailNext(2)
	for i := range 2 {
		err := send(t, srv, nil, "custos@example.com", []string{"jane@example.com"}, "Subject: x\n\nhi\n")
		var se *smtp.SMTPError
		if !errors.As(err, &se) || se.Code != 451 {
			t.Fatalf("send %d: err = %v, want SMTP 451", i, err)
		}
	}
	if err := send(t, srv, nil, "custos@example.com", []string{"jane@example.com"}, "Subject: x\n\nhi\n"); err != nil {
		t.Fatalf("third send: %v", err)
	}
	if got := len(srv.Messages()); got != 1 {
		t.Errorf("received %d messages, want 1", got)
	}
}

func TestAuth(t *testing.T) {
	srv := NewServer(t, WithAuth("relay", "s3cret"))
	tests := []struct {
		name string
		auth sasl.Client
		code int // 0: accepted
	}{
		{"right credentials", sasl.NewPlainClient("", "relay", "s3cret"), 0},
		{"wrong password", sasl.NewPlainClient("", "relay", "nope"), 535},
		{"no authentication", nil, 502},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := send(t, srv, tt.auth, "custos@example.com", []string{"jane@example.com"}, "Subject: x\n\nhi\n")
			if tt.code == 0 {
				if err != nil {
					t.Fatalf("send: %v", err)
				}
				return
			}
			var se *smtp.SMTPError
			if !errors.As(err, &se) || se.Code != tt.code {
				t.Fatalf("send: err = %v, want SMTP %d", err, tt.code)
			}
		})
	}
	if got := len(srv.Messages()); got != 1 {
		t.Errorf("received %d messages, want 1", got)
	}
}
