package app_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/app"
	"github.com/custos-id/custos/internal/mail"
	"github.com/custos-id/custos/internal/mail/mailtest"
	"github.com/custos-id/custos/internal/server"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
)

// These tests follow mail end to end: a request queues a mail in the outbox,
// the worker of App.Run delivers it over SMTP to a real server in the test
// process, and the link in the mail is followed through the real router.

// mailWaitTimeout bounds every wait of these tests.
const mailWaitTimeout = 15 * time.Second

// mailClock is a clock the test moves forward by hand.
type mailClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *mailClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *mailClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// sendResult is one delivery attempt the worker made.
type sendResult struct {
	to  string
	err error
}

// observedSender is the real SMTP sender; it also reports every attempt and
// its outcome, so that a test can tell a delivery failed.
type observedSender struct {
	mail.Sender
	results chan sendResult
}

func (s observedSender) Send(ctx context.Context, m mail.Message) error {
	err := s.Sender.Send(ctx, m)
	select {
	case s.results <- sendResult{m.To, err}:
	default: // nobody listens: drop the report, never block the worker
	}
	return err
}

// mailEnv is a custos with a real database, a real HTTP server whose URL is
// the base of links in mail, an SMTP server that receives that mail, a
// clock under the test's control and the outbox worker running.
type mailEnv struct {
	srv      *httptest.Server
	app      *app.App
	db       *store.DB
	raw      *sql.DB // the same database, for looking at the outbox
	site     site.Site
	smtp     *mailtest.Server
	clock    *mailClock
	attempts chan sendResult
}

func newMailEnv(t *testing.T, engine store.Engine) *mailEnv {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), mailWaitTimeout)
	defer cancel()

	dbURL := storetest.URL(t, engine)
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatalf("open %s: %v", engine, err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	var raw *sql.DB
	if engine == store.SQLite {
		raw, err = sql.Open("sqlite", strings.TrimPrefix(dbURL, "sqlite:"))
	} else {
		raw, err = sql.Open("pgx", dbURL)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })

	smtpSrv := mailtest.NewServer(t)
	sender, err := mail.NewSMTP(smtpSrv.URL(), "custos@example.com")
	if err != nil {
		t.Fatal(err)
	}
	attempts := make(chan sendResult, 64)

	// The listener exists before the App, so that its address can be the
	// App's PublicURL; the handler is set before the server starts.
	srv := httptest.NewUnstartedServer(nil)
	publicURL := "http://" + srv.Listener.Addr().String()
	clock := &mailClock{t: apitest.Now}
	logs := &apitest.SyncBuffer{}
	o := apitest.Options(db, server.DefaultConfig(), clock.now)
	o.PublicURL = publicURL
	o.Mail = observedSender{Sender: sender, results: attempts}
	o.Log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := app.New(o)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = a.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	if srv.URL != publicURL {
		t.Fatalf("server URL %s, PublicURL %s", srv.URL, publicURL)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})

	st, err := a.Sites.Create(ctx, "Acme", []string{"example.com"})
	if err != nil {
		t.Fatal(err)
	}

	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.Run(runCtx)
	}()
	t.Cleanup(func() {
		stop()
		select {
		case <-done:
		case <-time.After(mailWaitTimeout):
			t.Errorf("the outbox worker did not stop within %s", mailWaitTimeout)
		}
	})
	return &mailEnv{srv: srv, app: a, db: db, raw: raw, site: st, smtp: smtpSrv, clock: clock, attempts: attempts}
}

func forEachMailEngine(t *testing.T, test func(t *testing.T, e *mailEnv)) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			test(t, newMailEnv(t, engine))
		})
	}
}

// get fetches an absolute URL (a link from a mail) or a path of the server.
func (e *mailEnv) get(t *testing.T, link string) apitest.Response {
	t.Helper()
	if strings.HasPrefix(link, "/") {
		link = e.srv.URL + link
	}
	if !strings.HasPrefix(link, e.srv.URL+"/") {
		t.Fatalf("link %q does not point at the server %s", link, e.srv.URL)
	}
	return e.send(t, "GET", link, nil)
}

func (e *mailEnv) send(t *testing.T, method, u string, form url.Values) apitest.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), mailWaitTimeout)
	defer cancel()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %.200s: %v", method, u, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return apitest.Response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// call POSTs an RPC method with the site's apiKey and params (name, value
// pairs) and returns the decoded response, which must be HTTP 200 and no 5xx.
func (e *mailEnv) call(t *testing.T, method string, params ...string) map[string]any {
	t.Helper()
	form := url.Values{"apiKey": {e.site.APIKey}}
	for i := 0; i+1 < len(params); i += 2 {
		form.Set(params[i], params[i+1])
	}
	r := e.send(t, "POST", e.srv.URL+"/"+method, form)
	if r.Status != http.StatusOK {
		t.Fatalf("%s: HTTP %d: %s", method, r.Status, r.Body)
	}
	m := r.JSON(t)
	if sc, _ := m["statusCode"].(float64); sc >= 500 {
		t.Errorf("%s: server error: %s", method, r.Body)
	}
	return m
}

// wantCode fails the test unless m carries errorCode code.
func (e *mailEnv) wantCode(t *testing.T, what string, m map[string]any, code int) {
	t.Helper()
	if got, _ := m["errorCode"].(float64); int(got) != code {
		t.Fatalf("%s: errorCode %v, want %d: %v", what, m["errorCode"], code, m)
	}
}

func (e *mailEnv) setPolicies(t *testing.T, params ...string) {
	t.Helper()
	m := e.call(t, "accounts.setPolicies", append([]string{"secret", e.site.SecretBase64()}, params...)...)
	e.wantCode(t, "setPolicies", m, 0)
}

func (e *mailEnv) login(t *testing.T, loginID, password string) map[string]any {
	t.Helper()
	return e.call(t, "accounts.login", "loginID", loginID, "password", password)
}

// sessionToken is the session of a successful login or registration.
func (e *mailEnv) sessionToken(t *testing.T, m map[string]any) string {
	t.Helper()
	si, _ := m["sessionInfo"].(map[string]any)
	tok, _ := si["cookieValue"].(string)
	if tok == "" {
		t.Fatalf("no sessionInfo.cookieValue: %v", m)
	}
	return tok
}

func (e *mailEnv) accountInfo(t *testing.T, token string) map[string]any {
	t.Helper()
	return e.call(t, "accounts.getAccountInfo", "login_token", token, "include", "profile,emails,loginIDs")
}

// waitMail waits for the next mail to to and checks that it carries exactly
// one link, to path on the server, with the token in param; it returns the
// mail, the link and the token.
func (e *mailEnv) waitMail(t *testing.T, to, path, param string) (mailtest.Received, string, string) {
	t.Helper()
	m := e.smtp.WaitFor(t, to)
	if len(m.Links) != 1 {
		t.Fatalf("mail %q to %s has %d links, want 1: %q\n%s", m.Subject, to, len(m.Links), m.Links, m.Text)
	}
	link := m.Links[0]
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(link, e.srv.URL+path+"?") || u.Path != path {
		t.Fatalf("link %q, want %s%s?%s=…", link, e.srv.URL, path, param)
	}
	tok := u.Query().Get(param)
	if tok == "" || len(u.Query()) != 1 {
		t.Fatalf("link %q: want exactly the parameter %s", link, param)
	}
	if !strings.Contains(m.HTML, link) {
		t.Errorf("the HTML part lacks the link %s:\n%s", link, m.HTML)
	}
	if from := m.Header.Get("From"); !strings.Contains(from, "custos@example.com") {
		t.Errorf("From %q", from)
	}
	return m, link, tok
}

// wantPage checks an HTML page of the verification link.
func (e *mailEnv) wantPage(t *testing.T, what string, r apitest.Response, status int, text string) {
	t.Helper()
	if r.Status != status {
		t.Errorf("%s: HTTP %d, want %d: %.300s", what, r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("%s: Content-Type %q", what, ct)
	}
	if r.Header.Get("Cache-Control") != "no-store" || r.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("%s: Cache-Control %q, Referrer-Policy %q", what, r.Header.Get("Cache-Control"), r.Header.Get("Referrer-Policy"))
	}
	if !strings.Contains(string(r.Body), text) {
		t.Errorf("%s: page lacks %q: %s", what, text, r.Body)
	}
}

func (e *mailEnv) contains(list any, s string) bool {
	l, _ := list.([]any)
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}

func TestEmailVerificationFlow(t *testing.T) {
	t.Parallel()
	forEachMailEngine(t, func(t *testing.T, e *mailEnv) {
		e.setPolicies(t, "accountOptions", `{"verifyEmail":true}`)

		const email, pw = "Vera@Example.com", "correct horse 1"
		reg := e.call(t, "accounts.register", "email", email, "password", pw, "finalizeRegistration", "true")
		e.wantCode(t, "register", reg, 206002)
		if tok, _ := reg["regToken"].(string); tok == "" {
			t.Fatalf("register: no regToken: %v", reg)
		}
		if _, ok := reg["sessionInfo"]; ok {
			t.Errorf("register: a session before verification: %v", reg)
		}
		uid, _ := reg["UID"].(string)

		msg, link, _ := e.waitMail(t, email, "/account/verify-email", "token")
		if msg.Subject != "Confirm your email address for Acme" {
			t.Errorf("subject %q", msg.Subject)
		}
		if exp := apitest.Now.Add(86400 * time.Second).Format(mail.ExpiresLayout); !strings.Contains(msg.Text, exp) {
			t.Errorf("the mail does not say the link expires on %s:\n%s", exp, msg.Text)
		}

		e.wantCode(t, "login before verification", e.login(t, email, pw), 206002)

		e.wantPage(t, "verification link", e.get(t, link), http.StatusOK, "Email address verified")

		in := e.login(t, email, pw)
		e.wantCode(t, "login after verification", in, 0)
		tok := e.sessionToken(t, in)
		info := e.accountInfo(t, tok)
		e.wantCode(t, "getAccountInfo", info, 0)
		if info["UID"] != uid || info["isVerified"] != true {
			t.Errorf("getAccountInfo: UID %v isVerified %v, want %s true", info["UID"], info["isVerified"], uid)
		}
		emails, _ := info["emails"].(map[string]any)
		if unverified, _ := emails["unverified"].([]any); !e.contains(emails["verified"], email) || len(unverified) != 0 {
			t.Errorf("emails = %v, want %s verified", emails, email)
		}
		if ids, _ := info["loginIDs"].(map[string]any); !e.contains(ids["emails"], email) {
			t.Errorf("loginIDs = %v, want %s among the login emails", ids, email)
		}
		if info["verified"] != "2026-11-22T10:30:15.123Z" {
			t.Errorf("verified = %v", info["verified"])
		}

		// The link works once: a second visit changes nothing.
		e.clock.advance(time.Minute)
		e.wantPage(t, "used link", e.get(t, link), http.StatusNotFound, "This link is not valid")
		again := e.accountInfo(t, tok)
		for _, k := range []string{"isVerified", "verified", "lastUpdated"} {
			if again[k] != info[k] {
				t.Errorf("after the used link, %s = %v, was %v", k, again[k], info[k])
			}
		}

		t.Run("expired link", func(t *testing.T) {
			const email2, pw2 = "late@example.com", "correct horse 2"
			reg := e.call(t, "accounts.register", "email", email2, "password", pw2, "finalizeRegistration", "true")
			e.wantCode(t, "register", reg, 206002)
			regToken, _ := reg["regToken"].(string)
			_, oldLink, _ := e.waitMail(t, email2, "/account/verify-email", "token")

			e.clock.advance(86400*time.Second + time.Second)
			e.wantPage(t, "expired link", e.get(t, oldLink), http.StatusGone, "This link has expired")
			pending := e.login(t, email2, pw2)
			e.wantCode(t, "login after the expired link", pending, 206002)

			// The regToken of the registration lives an hour, the link a
			// day: by now the user needs the one of a new login.
			if m := e.call(t, "accounts.resendVerificationCode", "regToken", regToken); m["errorCode"] != 0.0 {
				t.Logf("resendVerificationCode with the registration's regToken after a day: %v %v", m["errorCode"], m["errorDetails"])
				regToken, _ = pending["regToken"].(string)
				e.wantCode(t, "resendVerificationCode", e.call(t, "accounts.resendVerificationCode", "regToken", regToken), 0)
			}
			_, newLink, _ := e.waitMail(t, email2, "/account/verify-email", "token")
			if newLink == oldLink {
				t.Fatal("the new mail has the old link")
			}
			e.wantPage(t, "old link after resend", e.get(t, oldLink), http.StatusNotFound, "This link is not valid")
			e.wantCode(t, "login after the old link", e.login(t, email2, pw2), 206002)
			e.wantPage(t, "new link", e.get(t, newLink), http.StatusOK, "Email address verified")
			e.wantPage(t, "old link after verification", e.get(t, oldLink), http.StatusNotFound, "This link is not valid")
			in := e.login(t, email2, pw2)
			e.wantCode(t, "login after the new link", in, 0)
			if info := e.accountInfo(t, e.sessionToken(t, in)); info["isVerified"] != true {
				t.Errorf("isVerified %v", info["isVerified"])
			}
		})
	})
}

func TestPasswordResetFlow(t *testing.T) {
	t.Parallel()
	forEachMailEngine(t, func(t *testing.T, e *mailEnv) {
		const email, oldPW, newPW = "rita@example.com", "old password 1", "new password 2"
		reg := e.call(t, "accounts.register", "email", email, "password", oldPW, "finalizeRegistration", "true")
		e.wantCode(t, "register", reg, 0)
		uid, _ := reg["UID"].(string)
		sessions := []string{e.sessionToken(t, reg)}
		for range 2 {
			in := e.login(t, email, oldPW)
			e.wantCode(t, "login", in, 0)
			sessions = append(sessions, e.sessionToken(t, in))
		}

		res := e.call(t, "accounts.resetPassword", "loginID", email)
		e.wantCode(t, "resetPassword", res, 0)
		for k, v := range res {
			if s, ok := v.(string); k == "passwordResetToken" || (ok && strings.HasPrefix(s, "pr1_")) {
				t.Errorf("resetPassword answers a token to the client: %s=%v", k, v)
			}
		}
		msg, link, pwrt := e.waitMail(t, email, "/account/reset-password", "pwrt")
		if msg.Subject != "Reset your Acme password" {
			t.Errorf("subject %q", msg.Subject)
		}
		if exp := apitest.Now.Add(time.Hour).Format(mail.ExpiresLayout); !strings.Contains(msg.Text, exp) {
			t.Errorf("the mail does not say the link expires on %s:\n%s", exp, msg.Text)
		}
		// The link of the mail opens custos's form; opening it spends nothing.
		if r := e.get(t, link); r.Status != http.StatusOK || !strings.Contains(string(r.Body), `name="newPassword"`) {
			t.Errorf("GET the reset link: HTTP %d: %.300s", r.Status, r.Body)
		}

		done := e.call(t, "accounts.resetPassword", "passwordResetToken", pwrt, "newPassword", newPW)
		e.wantCode(t, "resetPassword with the token", done, 0)
		if done["UID"] != uid {
			t.Errorf("UID %v, want %s", done["UID"], uid)
		}
		e.wantCode(t, "login with the old password", e.login(t, email, oldPW), 403042)
		e.wantCode(t, "login with the new password", e.login(t, email, newPW), 0)
		for i, s := range sessions {
			e.wantCode(t, fmt.Sprintf("getAccountInfo in old session %d", i), e.accountInfo(t, s), 403001)
		}
		e.wantCode(t, "the token again", e.call(t, "accounts.resetPassword", "passwordResetToken", pwrt, "newPassword", "third password 3"), 400006)
		e.wantCode(t, "login after the token again", e.login(t, email, newPW), 0)

		t.Run("expired token", func(t *testing.T) {
			e.wantCode(t, "resetPassword", e.call(t, "accounts.resetPassword", "loginID", email), 0)
			_, _, pwrt := e.waitMail(t, email, "/account/reset-password", "pwrt")
			e.clock.advance(3600*time.Second + time.Second)
			m := e.call(t, "accounts.resetPassword", "passwordResetToken", pwrt, "newPassword", "late password 4")
			// Not fatal: the password must stay unchanged whatever the code.
			if m["errorCode"] != 400015.0 {
				t.Errorf("expired token: errorCode %v (%v), want 400015 (Code expired): %v", m["errorCode"], m["errorMessage"], m)
			}
			if d, _ := m["errorDetails"].(string); !strings.Contains(d, "expired") {
				t.Errorf("errorDetails %q lacks \"expired\"", d)
			}
			e.wantCode(t, "login with the unchanged password", e.login(t, email, newPW), 0)
			e.wantCode(t, "login with the refused password", e.login(t, email, "late password 4"), 403042)
		})

		t.Run("a new token revokes the old", func(t *testing.T) {
			// One request, one mail, then the next: two mails claimed in one
			// batch may go out in either order.
			e.wantCode(t, "first resetPassword", e.call(t, "accounts.resetPassword", "loginID", email), 0)
			_, _, first := e.waitMail(t, email, "/account/reset-password", "pwrt")
			e.wantCode(t, "second resetPassword", e.call(t, "accounts.resetPassword", "loginID", email), 0)
			_, _, second := e.waitMail(t, email, "/account/reset-password", "pwrt")
			if first == second {
				t.Fatal("both mails carry the same token")
			}
			e.wantCode(t, "the first token", e.call(t, "accounts.resetPassword", "passwordResetToken", first, "newPassword", "revoked password 5"), 400006)
			e.wantCode(t, "login after the first token", e.login(t, email, newPW), 0)
			e.wantCode(t, "the second token", e.call(t, "accounts.resetPassword", "passwordResetToken", second, "newPassword", "final password 6"), 0)
			e.wantCode(t, "login with the final password", e.login(t, email, "final password 6"), 0)
			e.wantCode(t, "login with the revoked password", e.login(t, email, "revoked password 5"), 403042)
		})
	})
}

// outboxRow is a row of mail_outbox.
type outboxRow struct {
	id        int64
	bodyLen   int
	sentAt    int64
	attempts  int
	lastError string
}

func (e *mailEnv) outbox(t *testing.T) []outboxRow {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), mailWaitTimeout)
	defer cancel()
	rows, err := e.raw.QueryContext(ctx, `SELECT id, body_sealed, sent_at, attempts, last_error FROM mail_outbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []outboxRow
	for rows.Next() {
		var (
			r    outboxRow
			body []byte
		)
		if err := rows.Scan(&r.id, &body, &r.sentAt, &r.attempts, &r.lastError); err != nil {
			t.Fatal(err)
		}
		r.bodyLen = len(body)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMailRetry(t *testing.T) {
	t.Parallel()
	forEachMailEngine(t, func(t *testing.T, e *mailEnv) {
		for _, a := range []string{"alice@example.com", "bob@example.com"} {
			e.wantCode(t, "register "+a, e.call(t, "accounts.register", "email", a, "password", "password "+a, "finalizeRegistration", "true"), 0)
		}
		e.smtp.FailNext(1)
		e.wantCode(t, "resetPassword alice", e.call(t, "accounts.resetPassword", "loginID", "alice@example.com"), 0)

		ctx, cancel := context.WithTimeout(context.Background(), mailWaitTimeout)
		defer cancel()
		select {
		case r := <-e.attempts:
			if r.to != "alice@example.com" || r.err == nil || !mail.IsTemporary(r.err) {
				t.Fatalf("first attempt: to %s, err %v; want a temporary failure for alice", r.to, r.err)
			}
		case <-ctx.Done():
			t.Fatal("no delivery attempt for alice")
		}

		// Bob's mail is claimed after alice's attempt, so the worker has
		// recorded her failure by the time bob's mail arrives; with the
		// clock still, hers is not due again.
		e.wantCode(t, "resetPassword bob", e.call(t, "accounts.resetPassword", "loginID", "bob@example.com"), 0)
		e.waitMail(t, "bob@example.com", "/account/reset-password", "pwrt")
		if msgs := e.smtp.Messages(); len(msgs) != 1 {
			t.Fatalf("%d messages received, want bob's only", len(msgs))
		}
		rows := e.outbox(t)
		if len(rows) != 2 {
			t.Fatalf("outbox rows %+v, want 2", rows)
		}
		if r := rows[0]; r.attempts != 1 || r.sentAt != 0 || r.bodyLen == 0 || !strings.Contains(r.lastError, "451") {
			t.Errorf("alice's row after the failure: %+v", r)
		}
		if strings.Contains(rows[0].lastError, "pr1_") {
			t.Errorf("last_error holds the token: %q", rows[0].lastError)
		}
		// Bob's row is not checked here: his mail reaches the SMTP server
		// before the worker marks it sent.

		e.clock.advance(10 * time.Second)
		e.app.Outbox.Notify()
		_, _, pwrt := e.waitMail(t, "alice@example.com", "/account/reset-password", "pwrt")
		e.wantCode(t, "alice's token", e.call(t, "accounts.resetPassword", "passwordResetToken", pwrt, "newPassword", "alice new password"), 0)
		e.wantCode(t, "alice's new password", e.login(t, "alice@example.com", "alice new password"), 0)

		// One more mail, claimed after alice's was marked sent: once it
		// arrives, every row before it is final.
		e.wantCode(t, "resetPassword bob again", e.call(t, "accounts.resetPassword", "loginID", "bob@example.com"), 0)
		e.waitMail(t, "bob@example.com", "/account/reset-password", "pwrt")
		rows = e.outbox(t)
		if len(rows) != 3 {
			t.Fatalf("outbox rows %+v, want 3", rows)
		}
		for _, r := range rows[:2] {
			if r.sentAt == 0 || r.bodyLen != 0 {
				t.Errorf("outbox row after delivery: %+v, want sent and no body", r)
			}
		}
		if rows[0].attempts != 1 {
			t.Errorf("alice's row: %d attempts recorded, want 1 failure", rows[0].attempts)
		}
		if n := len(e.smtp.Messages()); n != 3 {
			t.Errorf("%d messages received, want 3", n)
		}
	})
}

func TestConcurrentRegistrations(t *testing.T) {
	t.Parallel()
	const n = 32
	forEachMailEngine(t, func(t *testing.T, e *mailEnv) {
		const email = "race@example.com"
		type result struct {
			status int
			body   []byte
			err    error
		}
		results := make([]result, n)
		ctx, cancel := context.WithTimeout(context.Background(), 2*mailWaitTimeout)
		defer cancel()
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				form := url.Values{"apiKey": {e.site.APIKey}, "email": {email}, "password": {fmt.Sprintf("password %02d", i)},
					"finalizeRegistration": {"true"}}
				req, err := http.NewRequestWithContext(ctx, "POST", e.srv.URL+"/accounts.register", strings.NewReader(form.Encode()))
				if err != nil {
					results[i].err = err
					return
				}
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				<-start
				res, err := e.srv.Client().Do(req)
				if err != nil {
					results[i].err = err
					return
				}
				defer res.Body.Close()
				b, err := io.ReadAll(res.Body)
				results[i] = result{res.StatusCode, b, err}
			})
		}
		close(start)
		wg.Wait()

		winner := -1
		for i, r := range results {
			if r.err != nil {
				t.Errorf("request %d: %v", i, r.err)
				continue
			}
			if r.status >= 500 || r.status != http.StatusOK {
				t.Errorf("request %d: HTTP %d: %s", i, r.status, r.body)
				continue
			}
			m := apitest.Response{Body: r.body}.JSON(t)
			switch code, _ := m["errorCode"].(float64); code {
			case 0:
				if winner >= 0 {
					t.Errorf("requests %d and %d both registered %s", winner, i, email)
				}
				winner = i
			case 400009:
				ve, _ := m["validationErrors"].([]any)
				var first map[string]any
				if len(ve) > 0 {
					first, _ = ve[0].(map[string]any)
				}
				if first["errorCode"] != 400003.0 || first["fieldName"] != "email" {
					t.Errorf("request %d: validationErrors %v, want [0] 400003 on email: %s", i, ve, r.body)
				}
			default:
				t.Errorf("request %d: errorCode %v, want 0 or 400009: %s", i, m["errorCode"], r.body)
			}
		}
		if winner < 0 {
			t.Fatal("no registration succeeded")
		}
		if m := e.call(t, "accounts.isAvailableLoginID", "loginID", email); m["isAvailable"] != false {
			t.Errorf("isAvailableLoginID after the race: %v", m)
		}
		e.wantCode(t, "login with the winner's password", e.login(t, email, fmt.Sprintf("password %02d", winner)), 0)
		e.wantCode(t, "login with a loser's password", e.login(t, email, fmt.Sprintf("password %02d", (winner+1)%n)), 403042)
		var accounts, loginIDs int
		if err := e.raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&accounts); err != nil {
			t.Fatal(err)
		}
		if err := e.raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM login_ids`).Scan(&loginIDs); err != nil {
			t.Fatal(err)
		}
		if accounts != 1 || loginIDs != 1 {
			t.Errorf("%d accounts and %d login IDs after the race, want 1 and 1", accounts, loginIDs)
		}
	})
}

func TestUnknownLinks(t *testing.T) {
	t.Parallel()
	forEachMailEngine(t, func(t *testing.T, e *mailEnv) {
		for _, tc := range []struct{ name, path string }{
			{"no token", "/account/verify-email"},
			{"empty token", "/account/verify-email?token="},
			{"garbage", "/account/verify-email?token=garbage"},
			{"well-formed unknown", "/account/verify-email?token=ev1_" + strings.Repeat("A", 43)},
			{"SQL", "/account/verify-email?token=" + url.QueryEscape("' OR 1=1 --")},
			{"10 kB token", "/account/verify-email?token=ev1_" + strings.Repeat("x", 10<<10)},
			{"bad escape", "/account/verify-email?token=%zz"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e.wantPage(t, tc.name, e.get(t, tc.path), http.StatusNotFound, "This link is not valid")
			})
		}

		// A token of another kind is no verification token, and the page
		// does not spend it.
		e.wantCode(t, "register", e.call(t, "accounts.register", "email", "kim@example.com", "password", "password kim", "finalizeRegistration", "true"), 0)
		e.wantCode(t, "resetPassword", e.call(t, "accounts.resetPassword", "loginID", "kim@example.com"), 0)
		_, _, pwrt := e.waitMail(t, "kim@example.com", "/account/reset-password", "pwrt")
		e.wantPage(t, "reset token as verification token", e.get(t, "/account/verify-email?token="+url.QueryEscape(pwrt)),
			http.StatusNotFound, "This link is not valid")
		e.wantCode(t, "the reset token still works", e.call(t, "accounts.resetPassword", "passwordResetToken", pwrt, "newPassword", "password kim 2"), 0)
	})
}
