package rest_test

import (
	"context"
	"encoding/json"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/app"
	"github.com/custos-id/custos/internal/mail"
	"github.com/custos-id/custos/internal/mail/mailtest"
	"github.com/custos-id/custos/internal/rest"
	"github.com/custos-id/custos/internal/store/storetest"
)

// The mail routes of the Social ID API, end to end: the request queues a
// mail in the outbox, the worker delivers it over SMTP to a server in the
// test process, and the token of its link works in the routes that spend it.

// mailEnv is a restScenario of the site "test" (domain example.com) whose
// mail goes to an SMTP server of the test.
type mailEnv struct {
	*restScenario
	smtp *mailtest.Server
}

// forEachMailEngine runs test on each engine with the outbox worker running.
func forEachMailEngine(t *testing.T, test func(t *testing.T, m *mailEnv)) {
	t.Parallel()
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			srv := mailtest.NewServer(t)
			sender, err := mail.NewSMTP(srv.URL(), "custos@example.com")
			if err != nil {
				t.Fatal(err)
			}
			e := apitest.NewApp(t, engine, apitest.WithOptions(func(o *app.Options) { o.Mail = sender }))
			apitest.RunWorker(t, e.App)
			test(t, &mailEnv{restScenario: newRESTScenario(t, e), smtp: srv})
		})
	}
}

// post is the scenario of a mail route with body that must answer status.
func post(name, path, body string, status int, want string) apitest.Scenario {
	return apitest.Scenario{Name: name, Method: "POST", Path: rest.Prefix + path, Body: body, Status: status, WantBody: want}
}

// loginStep logs in with body.
func loginStep(name, body string) apitest.Scenario {
	return apitest.Scenario{Name: name, Method: "POST", Path: rest.Prefix + "/users/login", Body: body, Status: 201,
		Location: restBase + "/sign_ins/[0-9]+"}
}

// mailed is the answer of a mail route that queued its mail (or, under
// harvesting protection, took the request).
const mailed = `{}`

// jsonBody is v as JSON.
func jsonBody(v map[string]any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// link waits for the next mail to to, checks that it has one link, which
// starts with prefix and ends with the token as the query parameter param,
// and returns the mail and the token.
func (m *mailEnv) link(t *testing.T, to, prefix, param string) (mailtest.Received, string) {
	t.Helper()
	msg := m.smtp.WaitFor(t, to)
	if len(msg.Links) != 1 {
		t.Fatalf("mail %q to %s has %d links, want 1: %q\n%s", msg.Subject, to, len(msg.Links), msg.Links, msg.Text)
	}
	l := msg.Links[0]
	u, err := url.Parse(l)
	if err != nil {
		t.Fatal(err)
	}
	tok := u.Query().Get(param)
	if !strings.HasPrefix(l, prefix) || tok == "" || !strings.HasSuffix(l, param+"="+tok) {
		t.Fatalf("link %q, want %s…%s=<token>", l, prefix, param)
	}
	if !strings.Contains(msg.HTML, strings.ReplaceAll(l, "&", "&amp;")) {
		t.Errorf("the HTML part lacks the link %s:\n%s", l, msg.HTML)
	}
	return msg, tok
}

// wantFrom checks the From header: the server's address, with name as its
// display name ("" none).
func wantFrom(t *testing.T, msg mailtest.Received, name string) {
	t.Helper()
	from := msg.Header.Get("From")
	addr, err := netmail.ParseAddress(from)
	if err != nil || addr.Address != "custos@example.com" || addr.Name != name {
		t.Errorf("From %q, want %q <custos@example.com>", from, name)
	}
}

func TestRESTResetPasswordEmail(t *testing.T) {
	forEachMailEngine(t, func(t *testing.T, m *mailEnv) {
		e := m.e
		e.SetPolicies(t, "accountOptions", allowUsernames)
		m.vars["id"] = m.createUser(t, `{"user":{"username":"rita","email_address":"Rita@Example.com","password":"reset-password-1"}}`)
		m.run(t, []apitest.Scenario{
			post("with every choice", "/users/reset_password/email", jsonBody(map[string]any{
				"email_address": "rita@example.com", "redirect_url": "https://example.com/reset?lang=en",
				"from": `"Example Support" <support@elsewhere.example>`, "subject": "Choose a new password",
				"logo_url": "https://cdn.example.net/logo.png", "description": "Hi <b>Rita</b> & co,\nhere is your link."}),
				201, mailed),
		})
		msg, tok := m.link(t, "Rita@Example.com", "https://example.com/reset?lang=en&token=pr1_", "token")
		if msg.Subject != "Choose a new password" {
			t.Errorf("subject %q", msg.Subject)
		}
		wantFrom(t, msg, "Example Support")
		for _, want := range []string{`<img src="https://cdn.example.net/logo.png"`, "Hi &lt;b&gt;Rita&lt;/b&gt; &amp; co,", "<title>Choose a new password</title>"} {
			if !strings.Contains(msg.HTML, want) {
				t.Errorf("the HTML part lacks %q:\n%s", want, msg.HTML)
			}
		}
		if !strings.Contains(msg.Text, "Hi <b>Rita</b> & co,\nhere is your link.") || strings.Contains(msg.Text, "logo.png") {
			t.Errorf("text part:\n%s", msg.Text)
		}
		m.vars["tok"] = tok
		m.run(t, []apitest.Scenario{
			post("the token resets the password", "/users/reset_password",
				`{"user":{"reset_password_token":"{tok}","password":"reset-password-2"}}`, 200, `{"user_id":{id}}`),
			loginStep("log in with it", `{"username":"rita","password":"reset-password-2"}`),
			// The older name, by username, without choices: custos's page and words.
			post("the older name", "/users/reset_password_email", `{"username":"RITA"}`, 201, mailed),
		})
		msg, _ = m.link(t, "Rita@Example.com", apitest.PublicURL+"/account/reset-password?pwrt=pr1_", "pwrt")
		if msg.Subject != "Reset your test password" {
			t.Errorf("subject %q", msg.Subject)
		}
		wantFrom(t, msg, "test") // the site's name
		if strings.Contains(msg.HTML, "<img") {
			t.Errorf("an image without logo_url:\n%s", msg.HTML)
		}
		// The site's reset page is the default where it has one; a bare
		// address in from sets no name: the site's stays.
		e.SetPolicies(t, "passwordReset", `{"resetURL":"https://example.com/new-password"}`)
		m.run(t, []apitest.Scenario{
			post("the site's reset URL", "/users/reset_password/email", `{"user":{"email_address":"rita@example.com"},"from":"noreply@example.com"}`, 201, mailed),
		})
		msg, _ = m.link(t, "Rita@Example.com", "https://example.com/new-password?pwrt=pr1_", "pwrt")
		wantFrom(t, msg, "test")
	})
}

func TestRESTEmailConfirmationEmail(t *testing.T) {
	forEachMailEngine(t, func(t *testing.T, m *mailEnv) {
		e := m.e
		m.vars["id"] = m.createUser(t, `{"user":{"email_address":"Cora@Example.com","password":"confirm-password-1"}}`)
		r := e.REST(t, "POST", "/users/email_confirmation/token", `{"email_address":"cora@example.com"}`)
		m.vars["tok"], _ = r.JSON(t)["email_confirmation_token"].(string)
		login := `{"email_address":"cora@example.com","password":"confirm-password-1"}`
		confirmed := restUser{id: "{id}", email: "Cora@Example.com", confirmed: true, signedIn: true}
		unconfirmed := confirmed
		unconfirmed.confirmed = false
		m.run(t, []apitest.Scenario{
			post("confirm", "/users/email_confirmation", `{"email_confirmation_token":"{tok}"}`, 200,
				restUser{id: "{id}", email: "Cora@Example.com", confirmed: true}.String()),
			loginStep("log in", login),
		})
		e.SetPolicies(t, "accountOptions", `{"verifyEmail":true}`)
		m.run(t, []apitest.Scenario{
			post("mail a confirmation", "/users/email_confirmation/email", jsonBody(map[string]any{
				"email_address": "cora@example.com", "redirect_url": "http://example.com:8443/confirmed",
				"description": "Welcome back."}), 201, mailed),
			// The user is unconfirmed until the link's token is spent.
			{Name: "unconfirmed", Method: "GET", Path: rest.Prefix + "/users/{id}", WantBody: unconfirmed.String()},
			post("cannot log in meanwhile", "/users/login", login, 403, restRefused("confirmed", "email address is not confirmed")),
		})
		msg, tok := m.link(t, "Cora@Example.com", "http://example.com:8443/confirmed?token=ev1_", "token")
		if msg.Subject != "Confirm your email address for test" || !strings.Contains(msg.Text, "Welcome back.") {
			t.Errorf("mail %q:\n%s", msg.Subject, msg.Text)
		}
		m.vars["tok"] = tok
		m.run(t, []apitest.Scenario{
			post("the token confirms", "/users/email_confirmation", `{"email_confirmation_token":"{tok}"}`, 200, confirmed.String()),
			loginStep("log in again", login),
			// The older name, without choices: custos's page.
			post("the older name", "/users/send_email_confirmation", `{"email_address":"cora@example.com"}`, 201, mailed),
		})
		m.link(t, "Cora@Example.com", apitest.PublicURL+"/account/verify-email?token=ev1_", "token")
	})
}

// The choices of a mail are checked before anything is looked up; a refused
// request queues nothing and changes nothing.
func TestRESTMailRefused(t *testing.T) {
	forEachMailEngine(t, func(t *testing.T, m *mailEnv) {
		e := m.e
		e.SetPolicies(t, "accountOptions", allowUsernames)
		m.vars["id"] = m.createUser(t, `{"user":{"email_address":"vera@example.com","password":"refused-password-1"}}`)
		m.createUser(t, `{"user":{"username":"nomail","password":"refused-password-1"}}`)
		r := e.REST(t, "POST", "/users/email_confirmation/token", `{"email_address":"vera@example.com"}`)
		m.vars["tok"], _ = r.JSON(t)["email_confirmation_token"].(string)
		m.run(t, []apitest.Scenario{post("confirm vera", "/users/email_confirmation", `{"email_confirmation_token":"{tok}"}`, 200,
			restUser{id: "{id}", email: "vera@example.com", confirmed: true}.String())})
		before := e.MailCount(t)

		invalid := func(attr, msg string) string { return restInvalid(restField{attr, msg, "invalid", 0}) }
		tooLong := func(attr string, n int) string {
			return restInvalid(restField{attr, "is too long (maximum is " + strconv.Itoa(n) + " characters)", "too_long", n})
		}
		notOnSite := invalid("redirect_url", "must be an http or https URL on one of the site's domains")
		badFrom := invalid("from", "must be a display name without @, <, > or quotes, or an address")
		with := func(k string, v any) string {
			return jsonBody(map[string]any{"email_address": "vera@example.com", k: v})
		}
		var steps []apitest.Scenario
		for _, path := range []string{"/users/reset_password/email", "/users/reset_password_email", "/users/email_confirmation/email", "/users/send_email_confirmation"} {
			steps = append(steps,
				post(path+": a foreign host", path, with("redirect_url", "https://evil.example/reset"), 422, notOnSite),
				post(path+": a subdomain of a domain without *.", path, with("redirect_url", "https://id.example.com/"), 422, notOnSite),
				post(path+": a host ending like the domain", path, with("redirect_url", "https://notexample.com/"), 422, notOnSite),
				post(path+": user information", path, with("redirect_url", "https://example.com@evil.example/"), 422, notOnSite),
				post(path+": a backslash", path, with("redirect_url", `https://evil.example\@example.com/`), 422, notOnSite),
				post(path+": a fragment", path, with("redirect_url", "https://example.com/reset#x"), 422, notOnSite),
				post(path+": another scheme", path, with("redirect_url", "javascript://example.com/%0aalert(1)"), 422, notOnSite),
				post(path+": a relative URL", path, with("redirect_url", "/reset"), 422, notOnSite),
				post(path+": a long URL", path, with("redirect_url", "https://example.com/"+strings.Repeat("a", 2030)), 422, tooLong("redirect_url", 2048)),
				post(path+": a name that looks like an address", path, with("from", `"help@bank.example" <x@example.com>`), 422, badFrom),
				post(path+": a name with angle brackets", path, with("from", "Acme <b>"), 422, badFrom),
				post(path+": a long name", path, with("from", strings.Repeat("n", 65)), 422, tooLong("from", 64)),
				post(path+": a subject of two lines", path, with("subject", "Hello\r\nBcc: x@example.com"), 422, invalid("subject", "must be one line of text")),
				post(path+": a long subject", path, with("subject", strings.Repeat("s", 151)), 422, tooLong("subject", 150)),
				post(path+": a logo that is no http URL", path, with("logo_url", "data:image/png;base64,AAAA"), 422, invalid("logo_url", "must be an http or https URL")),
				post(path+": a long logo URL", path, with("logo_url", "https://cdn.example.net/"+strings.Repeat("l", 2030)), 422, tooLong("logo_url", 2048)),
				post(path+": a description with control characters", path, with("description", "bell\u0007"), 422, invalid("description", "must be text")),
				post(path+": a long description", path, with("description", strings.Repeat("d", 1001)), 422, tooLong("description", 1000)),
				post(path+": several at once", path, jsonBody(map[string]any{"email_address": "vera@example.com",
					"redirect_url": "https://evil.example/", "subject": strings.Repeat("s", 151)}), 422,
					restInvalid(restField{"redirect_url", "must be an http or https URL on one of the site's domains", "invalid", 0},
						restField{"subject", "is too long (maximum is 150 characters)", "too_long", 150})),
				post(path+": no login ID", path, `{"redirect_url":"https://example.com/"}`, 400, restNoLoginID),
				post(path+": a login ID too long", path, `{"email_address":"`+strings.Repeat("a", 250)+`@x.io"}`, 400,
					restErr("bad_request", "Invalid parameter value: email_address: longer than 254 bytes")),
				post(path+": an unknown user", path, `{"email_address":"nobody@example.com"}`, 404, restUserNotFound),
				post(path+": a user without email address", path, `{"username":"nomail"}`, 400,
					restErr("bad_request", "Invalid parameter value: email_address: the user has no email address")),
				post(path+": a value of the wrong type", path, `{"email_address":"vera@example.com","subject":5}`, 400,
					restErr("bad_request", "Invalid request body: subject must be a string")),
				apitest.Scenario{Name: path + ": another site's user", As: &m.other, Method: "POST", Path: rest.Prefix + path,
					Body: `{"email_address":"vera@example.com"}`, Status: 404, WantBody: restUserNotFound},
				// The other site lists no domains: no redirect_url is on them.
				apitest.Scenario{Name: path + ": a site without domains", As: &m.other, Method: "POST", Path: rest.Prefix + path,
					Body: `{"email_address":"vera@example.com","redirect_url":"https://example.com/"}`, Status: 422, WantBody: notOnSite},
			)
		}
		// The refusals left vera confirmed and queued nothing.
		steps = append(steps, apitest.Scenario{Name: "still confirmed", Method: "GET", Path: rest.Prefix + "/users/{id}",
			WantBody: restUser{id: "{id}", email: "vera@example.com", confirmed: true}.String()})
		m.run(t, steps)
		e.Accounts.Wait()
		if n := e.MailCount(t); n != before {
			t.Errorf("%d mails queued by refused requests", n-before)
		}
		// A wildcard domain takes its subdomains.
		if _, err := e.App.Sites.SetDomains(context.Background(), e.Site.ID, []string{"*.example.com"}, false); err != nil {
			t.Fatal(err)
		}
		m.run(t, []apitest.Scenario{post("a subdomain of a wildcard domain", "/users/reset_password/email",
			with("redirect_url", "https://id.example.com/reset"), 201, mailed)})
		m.link(t, "vera@example.com", "https://id.example.com/reset?token=pr1_", "token")
	})
}

// Where the site prevents login-ID harvesting, a well-formed request gets
// the same answer whether or not its user exists or has an address; only
// the mail tells, to the address's owner.
func TestRESTMailHarvesting(t *testing.T) {
	forEachMailEngine(t, func(t *testing.T, m *mailEnv) {
		e := m.e
		e.SetPolicies(t, "accountOptions", allowUsernames)
		m.createUser(t, `{"user":{"username":"nomail","password":"harvest-password-1"}}`)
		e.SetPolicies(t, "accountOptions", `{"verifyEmail":true,"preventLoginIDHarvesting":true}`)
		m.createUser(t, `{"user":{"email_address":"hana@example.com","password":"harvest-password-1"}}`)
		m.smtp.WaitFor(t, "hana@example.com") // the verification mail of the registration
		before := e.MailCount(t)
		var steps []apitest.Scenario
		for _, path := range []string{"/users/reset_password/email", "/users/email_confirmation/email"} {
			steps = append(steps,
				post(path+": a user", path, `{"email_address":"hana@example.com","redirect_url":"https://example.com/x"}`, 201, mailed),
				post(path+": nobody", path, `{"email_address":"nobody@example.com","redirect_url":"https://example.com/x"}`, 201, mailed),
				post(path+": a user without address", path, `{"username":"nomail","redirect_url":"https://example.com/x"}`, 201, mailed),
				// Bad input is refused alike for every login ID.
				post(path+": a foreign host for a user", path, `{"email_address":"hana@example.com","redirect_url":"https://evil.example/"}`, 422,
					restInvalid(restField{"redirect_url", "must be an http or https URL on one of the site's domains", "invalid", 0})),
				post(path+": a foreign host for nobody", path, `{"email_address":"nobody@example.com","redirect_url":"https://evil.example/"}`, 422,
					restInvalid(restField{"redirect_url", "must be an http or https URL on one of the site's domains", "invalid", 0})),
				post(path+": no login ID", path, `{}`, 400, restNoLoginID),
			)
		}
		m.run(t, steps)
		e.Accounts.Wait()
		if n := e.MailCount(t); n != before+2 {
			t.Errorf("%d mails queued, want 2: to hana only", n-before)
		}
		m.link(t, "hana@example.com", "https://example.com/x?token=", "token")
		m.link(t, "hana@example.com", "https://example.com/x?token=", "token")
	})
}
