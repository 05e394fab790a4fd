package app_test

import (
	"context"
	"database/sql"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/app"
	"github.com/custos-id/custos/internal/mail"
	"github.com/custos-id/custos/internal/mail/mailtest"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
)

// These tests follow mail end to end: a request queues a mail in the outbox,
// the worker of App.Run delivers it over SMTP to a real server in the test
// process, and the link in the mail is followed through the real router.

// mailWaitTimeout bounds every wait of these tests.
const mailWaitTimeout = 15 * time.Second

// The pages the links of the mails open.
const (
	verifyPath = "/account/verify-email"
	resetPath  = "/account/reset-password"
)

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

// mailApp is an apitest.App of the site "Acme" whose mail goes over SMTP to
// a mailtest server, on a clock the test moves, with the outbox worker
// running and the database open for a look at the outbox.
type mailApp struct {
	*apitest.App
	smtp     *mailtest.Server
	clock    *apitest.Clock
	raw      *sql.DB
	attempts chan sendResult
	logs     *apitest.SyncBuffer
}

func newMailApp(t *testing.T, engine store.Engine) *mailApp {
	t.Helper()
	m := newIdleMailApp(t, engine)
	apitest.RunWorker(t, m.App.App)
	return m
}

// newIdleMailApp is newMailApp without the outbox worker: the test sends
// what is queued with m.Outbox.Flush.
func newIdleMailApp(t *testing.T, engine store.Engine) *mailApp {
	t.Helper()
	db, raw := openWithRaw(t, engine)
	smtpSrv := mailtest.NewServer(t)
	sender, err := mail.NewSMTP(smtpSrv.URL(), "custos@example.com")
	if err != nil {
		t.Fatal(err)
	}
	attempts := make(chan sendResult, 64)
	clock := apitest.NewClock()
	logs := &apitest.SyncBuffer{}
	a := apitest.NewApp(t, engine, apitest.WithDB(db), apitest.WithClock(clock.Now), apitest.WithoutSite(),
		apitest.WithServerDefaults(), apitest.WithOptions(func(o *app.Options) {
			o.Mail = observedSender{Sender: sender, results: attempts}
			o.Log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		}))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	if a.Site, err = a.Sites.Create(context.Background(), "Acme", []string{"example.com"}); err != nil {
		t.Fatal(err)
	}
	return &mailApp{App: a, smtp: smtpSrv, clock: clock, raw: raw, attempts: attempts, logs: logs}
}

// openWithRaw opens a new, migrated database of engine, and the same
// database through database/sql, both closed when the test ends.
func openWithRaw(t *testing.T, engine store.Engine) (*store.DB, *sql.DB) {
	t.Helper()
	u := storetest.URL(t, engine)
	return storetest.OpenURL(t, u), storetest.Raw(t, u)
}

func forEachMailEngine(t *testing.T, test func(t *testing.T, m *mailApp)) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			test(t, newMailApp(t, engine))
		})
	}
}

// follow GETs a link from a mail (below the public URL) or a path of the
// server.
func (m *mailApp) follow(t *testing.T, link string) apitest.Response {
	t.Helper()
	path := link
	if !strings.HasPrefix(link, "/") {
		p, ok := strings.CutPrefix(link, apitest.PublicURL)
		if !ok || !strings.HasPrefix(p, "/") {
			t.Fatalf("link %q does not point at the server %s", link, apitest.PublicURL)
		}
		path = p
	}
	return m.Do(t, "GET", path, nil, nil)
}

// waitMail waits for the next mail to to and checks that it carries exactly
// one link, to path below the public URL, with the token in param; it
// returns the mail, the link and the token.
func (m *mailApp) waitMail(t *testing.T, to, path, param string) (mailtest.Received, string, string) {
	t.Helper()
	msg := m.smtp.WaitFor(t, to)
	if len(msg.Links) != 1 {
		t.Fatalf("mail %q to %s has %d links, want 1: %q\n%s", msg.Subject, to, len(msg.Links), msg.Links, msg.Text)
	}
	link := msg.Links[0]
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(link, apitest.PublicURL+path+"?") || u.Path != path {
		t.Fatalf("link %q, want %s%s?%s=…", link, apitest.PublicURL, path, param)
	}
	tok := u.Query().Get(param)
	if tok == "" || len(u.Query()) != 1 {
		t.Fatalf("link %q: want exactly the parameter %s", link, param)
	}
	if !strings.Contains(msg.HTML, link) {
		t.Errorf("the HTML part lacks the link %s:\n%s", link, msg.HTML)
	}
	if from := msg.Header.Get("From"); !strings.Contains(from, "custos@example.com") {
		t.Errorf("From %q", from)
	}
	return msg, link, tok
}

// wantMail checks the subject of a mail and that it tells when its link
// expires.
func wantMail(t *testing.T, msg mailtest.Received, subject string, expires time.Time) {
	t.Helper()
	if msg.Subject != subject {
		t.Errorf("subject %q, want %q", msg.Subject, subject)
	}
	if exp := expires.Format(mail.ExpiresLayout); !strings.Contains(msg.Text, exp) {
		t.Errorf("the mail does not say the link expires on %s:\n%s", exp, msg.Text)
	}
}

// wantPage checks an HTML page of the verification link.
func wantPage(t *testing.T, what string, r apitest.Response, status int, text string) {
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
	wantStrictPage(t, what, r)
}

// verify opens a verification link as a browser does: GET shows the form,
// which changes nothing; its button POSTs the token, from the same origin.
// It returns the answer to the POST.
func (m *mailApp) verify(t *testing.T, link string) apitest.Response {
	t.Helper()
	form := m.follow(t, link)
	wantPage(t, "GET "+link, form, http.StatusOK, linkConfirm)
	if name := `<p class="custos-site-name">` + template.HTMLEscapeString(m.Site.Name) + `</p>`; !strings.Contains(string(form.Body), name) {
		t.Errorf("the verification page does not name the site: %s", form.Body)
	}
	tok := formToken(t, form)
	return m.Do(t, "POST", verifyPath, strings.NewReader(url.Values{"token": {tok}}.Encode()), http.Header{
		"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"same-origin"}, "Origin": {apitest.PublicURL}})
}

// formToken is the token of the verification form of a page.
func formToken(t *testing.T, r apitest.Response) string {
	t.Helper()
	body := string(r.Body)
	if !strings.Contains(body, `<form method="post" action="/account/verify-email">`) {
		t.Fatalf("no verification form: %s", body)
	}
	_, rest, _ := strings.Cut(body, `name="token" value="`)
	tok, _, ok := strings.Cut(rest, `"`)
	if !ok || tok == "" {
		t.Fatalf("no token in the form: %s", body)
	}
	return tok
}

// The answers of pages and calls these tests meet.
const (
	linkVerified = "Email address verified"
	linkConfirm  = "Confirm your email address"
	linkInvalid  = "This link is not valid"
	linkExpired  = "This link has expired"
	badSession   = "Invalid session token"
	unverified   = "Account Pending Verification: the email address is not verified"
	usedReset    = "Invalid parameter value: passwordResetToken: unknown or already used"
	wrongLogin   = "invalid loginID or password"
)

// pending is the errorDetails of a registration whose email must be
// verified first.
func pending(email string) string {
	return "Account Pending Verification: follow the link sent to " + email
}

// step is the scenario of an RPC method with params (name, value pairs)
// that must answer code with details.
func step(name, method string, code float64, details string, params ...string) apitest.Scenario {
	return apitest.Scenario{Name: name, Path: "/" + method, Form: apitest.Form(params...), Code: code, Details: details}
}

// register registers loginID with pw, finalized: it must answer code
// (0, or 206002 when the email must be verified first).
func register(loginID, pw string, code float64, details string) apitest.Scenario {
	s := step("register "+loginID, "accounts.register", code, details,
		"email", loginID, "password", pw, "finalizeRegistration", "true")
	s.Save = map[string]string{"uid": "UID"}
	return s
}

// login logs loginID in with pw: it must answer code.
func login(name, loginID, pw string, code float64, details string) apitest.Scenario {
	return step(name, "accounts.login", code, details, "loginID", loginID, "password", pw)
}

// accountInfo asks accounts.getAccountInfo in the session {token} saves.
func accountInfo(name, session string, code float64, details string) apitest.Scenario {
	return step(name, "accounts.getAccountInfo", code, details,
		"login_token", "{"+session+"}", "include", "profile,emails,loginIDs")
}

// resetPassword asks for a reset mail to loginID.
func resetPassword(name, loginID string) apitest.Scenario {
	return step(name, "accounts.resetPassword", 0, "", "loginID", loginID)
}

// resetWith resets the password with the token {token} saves.
func resetWith(name, token, newPW string, code float64, details string) apitest.Scenario {
	return step(name, "accounts.resetPassword", code, details, "passwordResetToken", "{"+token+"}", "newPassword", newPW)
}

// saveSession stores the session token of the answer (sessionInfo.cookieValue)
// as the placeholder {name}.
func (m *mailApp) saveSession(s apitest.Scenario, name string) apitest.Scenario {
	s.After = func(t *testing.T, _ apitest.Response, ans map[string]any) {
		si, _ := ans["sessionInfo"].(map[string]any)
		tok, _ := si["cookieValue"].(string)
		if tok == "" {
			t.Fatalf("no sessionInfo.cookieValue: %v", ans)
		}
		m.Vars[name] = tok
	}
	return s
}

func contains(list any, s string) bool {
	l, _ := list.([]any)
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}

// wantVerifiedEmail checks that the account of a getAccountInfo answer has
// email verified, and as a login ID.
func wantVerifiedEmail(t *testing.T, info map[string]any, email string) {
	t.Helper()
	emails, _ := info["emails"].(map[string]any)
	if unverified, _ := emails["unverified"].([]any); !contains(emails["verified"], email) || len(unverified) != 0 {
		t.Errorf("emails = %v, want %s verified", emails, email)
	}
	if ids, _ := info["loginIDs"].(map[string]any); !contains(ids["emails"], email) {
		t.Errorf("loginIDs = %v, want %s among the login emails", ids, email)
	}
}

// registerToVerify makes the site verify emails and registers email with
// pw: the answer has no session, and a regToken, saved as {regToken}. It
// returns the verification mail and its link.
func (m *mailApp) registerToVerify(t *testing.T, email, pw string) (mailtest.Received, string) {
	t.Helper()
	m.SetPolicies(t, "accountOptions", `{"verifyEmail":true}`)
	s := register(email, pw, 206002, pending(email))
	s.Save["regToken"] = "regToken"
	s.Absent = []string{"sessionInfo"}
	apitest.Run(t, m.App, []apitest.Scenario{s})
	msg, link, _ := m.waitMail(t, email, verifyPath, "token")
	return msg, link
}

func TestEmailVerificationFlow(t *testing.T) {
	t.Parallel()
	forEachMailEngine(t, func(t *testing.T, m *mailApp) {
		const email, pw = "Vera@Example.com", "correct horse 1"
		msg, link := m.registerToVerify(t, email, pw)
		wantMail(t, msg, "Confirm your email address for Acme", apitest.Now.Add(86400*time.Second))

		apitest.Run(t, m.App, []apitest.Scenario{login("login before verification", email, pw, 206002, unverified)})
		wantPage(t, "verification link", m.verify(t, link), http.StatusOK, linkVerified)

		var info map[string]any
		get := accountInfo("getAccountInfo", "session", 0, "")
		get.Want = map[string]any{"UID": m.Vars["uid"], "isVerified": true, "verified": "2026-11-22T10:30:15.123Z"}
		get.After = func(t *testing.T, _ apitest.Response, ans map[string]any) {
			info = ans
			wantVerifiedEmail(t, ans, email)
		}
		apitest.Run(t, m.App, []apitest.Scenario{
			m.saveSession(login("login after verification", email, pw, 0, ""), "session"), get})

		// The link works once: a second visit changes nothing.
		m.clock.Advance(time.Minute)
		wantPage(t, "used link", m.follow(t, link), http.StatusNotFound, linkInvalid)
		again := accountInfo("getAccountInfo after the used link", "session", 0, "")
		again.Want = map[string]any{"isVerified": info["isVerified"], "verified": info["verified"], "lastUpdated": info["lastUpdated"]}
		apitest.Run(t, m.App, []apitest.Scenario{again})
	})
}

func TestEmailVerificationExpiredLink(t *testing.T) {
	t.Parallel()
	forEachMailEngine(t, func(t *testing.T, m *mailApp) {
		const email, pw = "late@example.com", "correct horse 2"
		_, oldLink := m.registerToVerify(t, email, pw)

		m.clock.Advance(86400*time.Second + time.Second)
		wantPage(t, "expired link", m.follow(t, oldLink), http.StatusGone, linkExpired)
		// The regToken of the registration lives an hour, the link a day: by
		// now the user needs the one of a new login.
		again := login("login after the expired link", email, pw, 206002, unverified)
		again.Save = map[string]string{"loginRegToken": "regToken"}
		apitest.Run(t, m.App, []apitest.Scenario{again,
			step("resendVerificationCode with the registration's regToken", "accounts.resendVerificationCode",
				400015, "Code expired: regToken has expired", "regToken", "{regToken}"),
			step("resendVerificationCode with the login's regToken", "accounts.resendVerificationCode",
				0, "", "regToken", "{loginRegToken}"),
		})
		_, newLink, _ := m.waitMail(t, email, verifyPath, "token")
		if newLink == oldLink {
			t.Fatal("the new mail has the old link")
		}
		wantPage(t, "old link after resend", m.follow(t, oldLink), http.StatusNotFound, linkInvalid)
		apitest.Run(t, m.App, []apitest.Scenario{login("login after the old link", email, pw, 206002, unverified)})
		wantPage(t, "new link", m.verify(t, newLink), http.StatusOK, linkVerified)
		wantPage(t, "old link after verification", m.follow(t, oldLink), http.StatusNotFound, linkInvalid)

		get := accountInfo("getAccountInfo", "session", 0, "")
		get.Want = map[string]any{"isVerified": true}
		apitest.Run(t, m.App, []apitest.Scenario{
			m.saveSession(login("login after the new link", email, pw, 0, ""), "session"), get})
	})
}

// noTokenInAnswer fails when an answer hands the client a reset token.
func noTokenInAnswer(t *testing.T, _ apitest.Response, ans map[string]any) {
	for k, v := range ans {
		if s, ok := v.(string); k == "passwordResetToken" || (ok && strings.HasPrefix(s, "pr1_")) {
			t.Errorf("resetPassword answers a token to the client: %s=%v", k, v)
		}
	}
}

func TestPasswordResetFlow(t *testing.T) {
	t.Parallel()
	forEachMailEngine(t, func(t *testing.T, m *mailApp) {
		const email, oldPW, newPW = "rita@example.com", "old password 1", "new password 2"
		reset := resetPassword("resetPassword", email)
		reset.After = noTokenInAnswer
		apitest.Run(t, m.App, []apitest.Scenario{
			m.saveSession(register(email, oldPW, 0, ""), "session0"),
			m.saveSession(login("login 1", email, oldPW, 0, ""), "session1"),
			m.saveSession(login("login 2", email, oldPW, 0, ""), "session2"),
			reset,
		})
		msg, link, pwrt := m.waitMail(t, email, resetPath, "pwrt")
		wantMail(t, msg, "Reset your Acme password", apitest.Now.Add(time.Hour))
		// The link of the mail opens custos's form; opening it spends nothing.
		if r := m.follow(t, link); r.Status != http.StatusOK || !strings.Contains(string(r.Body), `name="newPassword"`) {
			t.Errorf("GET the reset link: HTTP %d: %.300s", r.Status, r.Body)
		}

		m.Vars["pwrt"] = pwrt
		done := resetWith("resetPassword with the token", "pwrt", newPW, 0, "")
		done.Want = map[string]any{"UID": m.Vars["uid"]}
		steps := []apitest.Scenario{done,
			login("login with the old password", email, oldPW, 403042, wrongLogin),
			login("login with the new password", email, newPW, 0, "")}
		for i := range 3 {
			steps = append(steps, accountInfo(fmt.Sprint("getAccountInfo in old session ", i), fmt.Sprint("session", i), 403001, badSession))
		}
		apitest.Run(t, m.App, append(steps,
			resetWith("the token again", "pwrt", "third password 3", 400006, usedReset),
			login("login after the token again", email, newPW, 0, "")))

		t.Run("expired token", func(t *testing.T) { testResetExpiredToken(t, m, email, newPW) })
		t.Run("a new token revokes the old", func(t *testing.T) { testResetNewTokenRevokesOld(t, m, email, newPW) })
	})
}

// testResetExpiredToken asks for a reset of email, whose password is pw,
// and uses the token after it expired.
func testResetExpiredToken(t *testing.T, m *mailApp, email, pw string) {
	apitest.Run(t, m.App, []apitest.Scenario{resetPassword("resetPassword", email)})
	_, _, pwrt := m.waitMail(t, email, resetPath, "pwrt")
	m.Vars["pwrt"] = pwrt
	m.clock.Advance(3600*time.Second + time.Second)
	apitest.Run(t, m.App, []apitest.Scenario{
		resetWith("expired token", "pwrt", "late password 4", 400015, "Code expired: passwordResetToken has expired"),
		login("login with the unchanged password", email, pw, 0, ""),
		login("login with the refused password", email, "late password 4", 403042, wrongLogin),
	})
}

// testResetNewTokenRevokesOld asks for two resets of email, whose password
// is pw: only the second token works.
func testResetNewTokenRevokesOld(t *testing.T, m *mailApp, email, pw string) {
	// One request, one mail, then the next: two mails claimed in one batch
	// may go out in either order.
	apitest.Run(t, m.App, []apitest.Scenario{resetPassword("first resetPassword", email)})
	_, _, first := m.waitMail(t, email, resetPath, "pwrt")
	apitest.Run(t, m.App, []apitest.Scenario{resetPassword("second resetPassword", email)})
	_, _, second := m.waitMail(t, email, resetPath, "pwrt")
	if first == second {
		t.Fatal("both mails carry the same token")
	}
	m.Vars["first"], m.Vars["second"] = first, second
	apitest.Run(t, m.App, []apitest.Scenario{
		resetWith("the first token", "first", "revoked password 5", 400006, usedReset),
		login("login after the first token", email, pw, 0, ""),
		resetWith("the second token", "second", "final password 6", 0, ""),
		login("login with the final password", email, "final password 6", 0, ""),
		login("login with the revoked password", email, "revoked password 5", 403042, wrongLogin),
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

func (m *mailApp) outbox(t *testing.T) []outboxRow {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), mailWaitTimeout)
	defer cancel()
	rows, err := m.raw.QueryContext(ctx, `SELECT id, body_sealed, sent_at, attempts, last_error FROM mail_outbox ORDER BY id`)
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

// wantTemporaryFailure waits for the next delivery attempt, which must be
// to to and fail for a while.
func (m *mailApp) wantTemporaryFailure(t *testing.T, to string) {
	t.Helper()
	select {
	case r := <-m.attempts:
		if r.to != to || r.err == nil || !mail.IsTemporary(r.err) {
			t.Fatalf("first attempt: to %s, err %v; want a temporary failure for %s", r.to, r.err, to)
		}
	case <-time.After(mailWaitTimeout):
		t.Fatalf("no delivery attempt for %s", to)
	}
}

func TestMailRetry(t *testing.T) {
	t.Parallel()
	forEachMailEngine(t, func(t *testing.T, m *mailApp) {
		const alice, bob = "alice@example.com", "bob@example.com"
		apitest.Run(t, m.App, []apitest.Scenario{
			register(alice, "password "+alice, 0, ""), register(bob, "password "+bob, 0, "")})
		m.smtp.FailNext(1)
		apitest.Run(t, m.App, []apitest.Scenario{resetPassword("resetPassword alice", alice)})
		m.wantTemporaryFailure(t, alice)

		// Bob's mail is claimed after alice's attempt, so the worker has
		// recorded her failure by the time bob's mail arrives; with the
		// clock still, hers is not due again.
		apitest.Run(t, m.App, []apitest.Scenario{resetPassword("resetPassword bob", bob)})
		m.waitMail(t, bob, resetPath, "pwrt")
		if msgs := m.smtp.Messages(); len(msgs) != 1 {
			t.Fatalf("%d messages received, want bob's only", len(msgs))
		}
		rows := m.outbox(t)
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

		m.clock.Advance(10 * time.Second)
		m.Outbox.Notify()
		_, _, pwrt := m.waitMail(t, alice, resetPath, "pwrt")
		m.Vars["pwrt"] = pwrt
		apitest.Run(t, m.App, []apitest.Scenario{
			resetWith("alice's token", "pwrt", "alice new password", 0, ""),
			login("alice's new password", alice, "alice new password", 0, ""),
			// One more mail, claimed after alice's was marked sent: once it
			// arrives, every row before it is final.
			resetPassword("resetPassword bob again", bob)})
		m.waitMail(t, bob, resetPath, "pwrt")
		rows = m.outbox(t)
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
		if n := len(m.smtp.Messages()); n != 3 {
			t.Errorf("%d messages received, want 3", n)
		}
	})
}

// registerAtOnce sends n registrations of email at once, the ith with the
// password "password <i>", and returns the answers (nil for a failed
// request).
func registerAtOnce(t *testing.T, m *mailApp, email string, n int) []map[string]any {
	t.Helper()
	answers := make([]map[string]any, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		form := url.Values{"apiKey": {m.Site.APIKey}, "email": {email}, "password": {fmt.Sprintf("password %02d", i)},
			"finalizeRegistration": {"true"}}
		wg.Go(func() {
			<-start
			answers[i], errs[i] = postRPC(m.App, "accounts.register", form)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("request %d: %v", i, err)
			answers[i] = nil
		}
	}
	return answers
}

// raceWinner is the one answer that registered email; every other answer
// must refuse the email as taken.
func raceWinner(t *testing.T, answers []map[string]any, email string) int {
	t.Helper()
	winner := -1
	for i, m := range answers {
		if m == nil {
			continue
		}
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
				t.Errorf("request %d: validationErrors %v, want [0] 400003 on email: %s", i, ve, apitest.Dump(m))
			}
		default:
			t.Errorf("request %d: errorCode %v, want 0 or 400009: %s", i, m["errorCode"], apitest.Dump(m))
		}
	}
	if winner < 0 {
		t.Fatal("no registration succeeded")
	}
	return winner
}

func TestConcurrentRegistrations(t *testing.T) {
	t.Parallel()
	const n = 32
	forEachMailEngine(t, func(t *testing.T, m *mailApp) {
		const email = "race@example.com"
		winner := raceWinner(t, registerAtOnce(t, m, email, n), email)
		if m.Available(t, email) {
			t.Error("isAvailableLoginID after the race: available")
		}
		apitest.Run(t, m.App, []apitest.Scenario{
			login("login with the winner's password", email, fmt.Sprintf("password %02d", winner), 0, ""),
			login("login with a loser's password", email, fmt.Sprintf("password %02d", (winner+1)%n), 403042, wrongLogin),
		})
		var accounts, loginIDs int
		ctx := context.Background()
		if err := m.raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&accounts); err != nil {
			t.Fatal(err)
		}
		if err := m.raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM login_ids`).Scan(&loginIDs); err != nil {
			t.Fatal(err)
		}
		if accounts != 1 || loginIDs != 1 {
			t.Errorf("%d accounts and %d login IDs after the race, want 1 and 1", accounts, loginIDs)
		}
	})
}

func TestUnknownLinks(t *testing.T) {
	t.Parallel()
	forEachMailEngine(t, func(t *testing.T, m *mailApp) {
		for _, tc := range []struct{ name, path string }{
			{"no token", verifyPath},
			{"empty token", verifyPath + "?token="},
			{"garbage", verifyPath + "?token=garbage"},
			{"well-formed unknown", verifyPath + "?token=ev1_" + strings.Repeat("A", 43)},
			{"SQL", verifyPath + "?token=" + url.QueryEscape("' OR 1=1 --")},
			{"10 kB token", verifyPath + "?token=ev1_" + strings.Repeat("x", 10<<10)},
			{"bad escape", verifyPath + "?token=%zz"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantPage(t, tc.name, m.follow(t, tc.path), http.StatusNotFound, linkInvalid)
			})
		}

		// A token of another kind is no verification token, and the page
		// does not spend it.
		const email = "kim@example.com"
		apitest.Run(t, m.App, []apitest.Scenario{
			register(email, "password kim", 0, ""), resetPassword("resetPassword", email)})
		_, _, pwrt := m.waitMail(t, email, resetPath, "pwrt")
		wantPage(t, "reset token as verification token", m.follow(t, verifyPath+"?token="+url.QueryEscape(pwrt)),
			http.StatusNotFound, linkInvalid)
		m.Vars["pwrt"] = pwrt
		apitest.Run(t, m.App, []apitest.Scenario{resetWith("the reset token still works", "pwrt", "password kim 2", 0, "")})
	})
}
