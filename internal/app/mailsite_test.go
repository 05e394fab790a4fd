package app_test

import (
	"context"
	"net/http"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/mail/mailtest"
	"github.com/custos-id/custos/internal/store/storetest"
)

// These tests follow the mail a site owns: its name, its templates, the
// page its verification link opens, and the metrics of delivery.

// wantFrom checks that msg comes from the configured address under name.
func wantFrom(t *testing.T, msg mailtest.Received, name string) {
	t.Helper()
	from, err := netmail.ParseAddress(msg.Header.Get("From"))
	if err != nil || len(msg.Header["From"]) != 1 {
		t.Fatalf("From %q: %v", msg.Header["From"], err)
	}
	if from.Name != name || from.Address != "custos@example.com" {
		t.Errorf("From = %q <%s>, want %q <custos@example.com>", from.Name, from.Address, name)
	}
}

func TestMailDisplayName(t *testing.T) {
	t.Parallel()
	forEachMailEngine(t, func(t *testing.T, m *mailApp) {
		const email = "dora@example.com"
		apitest.Run(t, m.App, []apitest.Scenario{register(email, "password dora", 0, "")})
		// A name of two lines never gets this far: the site refuses it
		// (and the mail sender would make it one line).
		if _, err := m.Sites.SetName(context.Background(), m.Site.ID, "Café\r\nBcc: victim@example.com"); err == nil {
			t.Error("a site name of two lines was accepted")
		}
		for _, name := range []string{"Acme", `Acme "Shop", Inc. <x@evil.example>`, "Café"} {
			if _, err := m.Sites.SetName(context.Background(), m.Site.ID, name); err != nil {
				t.Fatal(err)
			}
			apitest.Run(t, m.App, []apitest.Scenario{resetPassword("resetPassword", email)})
			msg, _, _ := m.waitMail(t, email, resetPath, "pwrt")
			shown := strings.ReplaceAll(strings.ReplaceAll(name, "\r", " "), "\n", " ")
			wantFrom(t, msg, shown)
			if !strings.Contains(msg.Text, shown) || len(msg.Header["Bcc"]) != 0 {
				t.Errorf("site name %q: text %q, headers %v", name, msg.Text, msg.Header)
			}
		}
	})
}

// registerWith registers email with a profile: answer code (206002 when
// the site verifies emails).
func registerWith(email, profile string, code float64, details string) apitest.Scenario {
	return step("register "+email, "accounts.register", code, details,
		"email", email, "password", "password "+email, "finalizeRegistration", "true", "profile", profile)
}

const siteTemplates = `{"emailTemplates":{
  "en":{"subject":"Welcome to {{.SiteName}}, {{.FirstName}}",
        "text":"Hi {{.FirstName}}, confirm {{.Email}}: {{.Link}} (until {{.Expires}})",
        "html":"<p>Hi {{.FirstName}}, <a href=\"{{.Link}}\">confirm {{.Email}}</a></p>"},
  "de":{"subject":"Willkommen bei {{.SiteName}}","text":"Bitte bestätigen: {{.Link}}"}}}`

func TestMailSiteTemplates(t *testing.T) {
	t.Parallel()
	forEachMailEngine(t, func(t *testing.T, m *mailApp) {
		m.SetPolicies(t, "accountOptions", `{"verifyEmail":true}`, "emailVerification", siteTemplates,
			"passwordReset", `{"emailTemplates":{"en":{"subject":"Reset for {{.Email}}","text":"Go to {{.Link}}"}}}`)
		tests := []struct {
			email, profile   string
			subject          string
			text, html       []string // in the parts; html nil: a text-only mail
			noHTML           bool
			builtin, warning bool
		}{
			{email: "jane@example.com", profile: `{"firstName":"Jane <b>"}`, subject: "Welcome to Acme, Jane <b>",
				text: []string{"Hi Jane <b>, confirm jane@example.com: " + apitest.PublicURL + verifyPath + "?token=", "(until 23 November 2026 at 10:30 UTC)"},
				html: []string{"<p>Hi Jane &lt;b&gt;, <a href=\"" + apitest.PublicURL + verifyPath + "?token="}},
			{email: "jonas@example.com", profile: `{"firstName":"Jonas","locale":"de_CH"}`, subject: "Willkommen bei Acme",
				text: []string{"Bitte bestätigen: " + apitest.PublicURL + verifyPath + "?token="}, noHTML: true},
			{email: "pierre@example.com", profile: `{"locale":"fr"}`, subject: "Welcome to Acme,",
				text: []string{"Hi , confirm pierre@example.com"}},
		}
		for _, tt := range tests {
			apitest.Run(t, m.App, []apitest.Scenario{registerWith(tt.email, tt.profile, 206002, pending(tt.email))})
			msg := m.smtp.WaitFor(t, tt.email)
			if msg.Subject != tt.subject {
				t.Errorf("%s: subject %q, want %q", tt.email, msg.Subject, tt.subject)
			}
			for _, want := range tt.text {
				if !strings.Contains(msg.Text, want) {
					t.Errorf("%s: text lacks %q:\n%s", tt.email, want, msg.Text)
				}
			}
			for _, want := range tt.html {
				if !strings.Contains(msg.HTML, want) {
					t.Errorf("%s: HTML lacks %q:\n%s", tt.email, want, msg.HTML)
				}
			}
			if tt.noHTML != (msg.HTML == "") {
				t.Errorf("%s: HTML %q", tt.email, msg.HTML)
			}
			wantFrom(t, msg, "Acme")
			// The link of the site's mail works as the built-in one's.
			if len(msg.Links) != 1 {
				t.Fatalf("%s: links %q", tt.email, msg.Links)
			}
			wantPage(t, tt.email+": link", m.verify(t, msg.Links[0]), http.StatusOK, linkVerified)
		}

		// The reset mail has its own template; its link opens the form.
		apitest.Run(t, m.App, []apitest.Scenario{resetPassword("resetPassword", "jane@example.com")})
		msg := m.smtp.WaitFor(t, "jane@example.com")
		if msg.Subject != "Reset for jane@example.com" || len(msg.Links) != 1 || msg.HTML != "" {
			t.Fatalf("reset mail: %q, links %q, HTML %q", msg.Subject, msg.Links, msg.HTML)
		}
		if r := m.follow(t, msg.Links[0]); r.Status != http.StatusOK || !strings.Contains(string(r.Body), `name="newPassword"`) {
			t.Errorf("the reset link: HTTP %d: %.300s", r.Status, r.Body)
		}
	})
}

// A template that passed setPolicies but fails for a user's data gives way
// to the built-in mail, and the log says so.
func TestMailSiteTemplateFallback(t *testing.T) {
	t.Parallel()
	forEachMailEngine(t, func(t *testing.T, m *mailApp) {
		// The sample's first name, Jane, has a fourth letter; Al has none.
		m.SetPolicies(t, "accountOptions", `{"verifyEmail":true}`,
			"emailVerification", `{"emailTemplates":{"en":{"subject":"Hi","text":"{{index .FirstName 3}} {{.Link}}"}}}`)
		const email = "al@example.com"
		apitest.Run(t, m.App, []apitest.Scenario{registerWith(email, `{"firstName":"Al"}`, 206002, pending(email))})
		msg, link, _ := m.waitMail(t, email, verifyPath, "token")
		wantMail(t, msg, "Confirm your email address for Acme", apitest.Now.Add(86400*time.Second))
		// The built-in mail carries no text the user chose (a first name
		// could be words that make the site's mail a phishing mail).
		// (The link's random token may hold "Al": it is left out of the look.)
		if text := strings.ReplaceAll(msg.Text, link, ""); !strings.Contains(text, "Hello,") || strings.Contains(text, "Al") {
			t.Errorf("the built-in mail greets by the first name:\n%s", msg.Text)
		}
		if logs := m.logs.String(); !strings.Contains(logs, "the site's mail template failed") || strings.Contains(logs, "ev1_") {
			t.Errorf("log: no warning, or a token in it:\n%s", logs)
		}
		wantPage(t, "link", m.verify(t, link), http.StatusOK, linkVerified)
	})
}

func TestMailPoliciesRefused(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		e.SetPolicies(t, "emailVerification", siteTemplates+"", "passwordReset", `{"resetURL":"https://example.com/reset"}`)
		const details = "Invalid parameter value: "
		tests := []struct{ name, section, value, details string }{
			{"unparsable", "emailVerification", `{"emailTemplates":{"en":{"subject":"x","text":"{{.Link"}}}`,
				"emailVerification.emailTemplates.en.text: template: text:1: unclosed action"},
			{"unknown field", "passwordReset", `{"emailTemplates":{"en":{"subject":"x","text":"y","html":"<p>{{.Password}}</p>"}}}`,
				"passwordReset.emailTemplates.en.html: html:1:5: unknown field .Password; the fields are .SiteName, .Email, .FirstName, .Link, .Expires"},
			{"range", "emailVerification", `{"emailTemplates":{"en":{"subject":"{{range 9}}x{{end}}","text":"y"}}}`,
				"emailVerification.emailTemplates.en.subject: subject:1:8: range is not allowed"},
			{"Gigya's shape", "passwordReset", `{"emailTemplates":{"en":"<html><title>Reset</title>$url</html>"}}`,
				"passwordReset.emailTemplates: want an object"},
			{"no default language", "passwordReset", `{"emailTemplates":{"de":{"subject":"x","text":"y"}}}`,
				`passwordReset.defaultLanguage: emailTemplates has no template for the default language "en"`},
			{"bad language", "emailVerification", `{"emailTemplates":{"en_US":{"subject":"x","text":"y"}}}`,
				`emailVerification.emailTemplates.en_US: want a lower-case language tag such as "en" or "pt-br"`},
			{"nextURL elsewhere", "emailVerification", `{"nextURL":"https://evil.example/welcome"}`,
				"emailVerification.nextURL: its host is not one of the site's domains"},
			{"nextURL not http", "emailVerification", `{"nextURL":"javascript:alert(1)"}`,
				"emailVerification.nextURL: want an absolute http(s) URL without a fragment"},
		}
		var scenarios []apitest.Scenario
		for _, tt := range tests {
			scenarios = append(scenarios, apitest.Scenario{Name: tt.name, Path: "/accounts.setPolicies",
				Form: e.Secret(tt.section, tt.value), Code: 400006, Details: details + tt.details})
		}
		// Nothing of a refused call is stored.
		scenarios = append(scenarios, apitest.Scenario{Name: "getPolicies", Path: "/accounts.getPolicies",
			Form: e.Secret("sections", "emailVerification,passwordReset"), After: func(t *testing.T, _ apitest.Response, ans map[string]any) {
				ev, _ := ans["emailVerification"].(map[string]any)
				tpls, _ := ev["emailTemplates"].(map[string]any)
				en, _ := tpls["en"].(map[string]any)
				pr, _ := ans["passwordReset"].(map[string]any)
				if len(tpls) != 2 || en["subject"] != "Welcome to {{.SiteName}}, {{.FirstName}}" || ev["nextURL"] != nil ||
					pr["emailTemplates"] != nil || pr["resetURL"] != "https://example.com/reset" {
					t.Errorf("policies after refused changes: %s", apitest.Dump(ans))
				}
			}})
		apitest.Run(t, e, scenarios)
	})
}

// postVerify posts a token to the verification page with the headers a
// browser would send from origin ("" none).
func (m *mailApp) postVerify(t *testing.T, token string, fetchSite, origin string) apitest.Response {
	t.Helper()
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	if fetchSite != "" {
		h.Set("Sec-Fetch-Site", fetchSite)
	}
	if origin != "" {
		h.Set("Origin", origin)
	}
	return m.Do(t, "POST", verifyPath, strings.NewReader(url.Values{"token": {token}}.Encode()), h)
}

// Link scanners GET and HEAD links: that verifies nothing. The page's form
// POSTs the token, from the same origin only; then the page links to the
// site's nextURL while it is on the site's domains.
func TestVerifyEmailByPost(t *testing.T) {
	t.Parallel()
	forEachMailEngine(t, func(t *testing.T, m *mailApp) {
		const email, pw = "scan@example.com", "password scan"
		m.SetPolicies(t, "emailVerification", `{"nextURL":"https://example.com/welcome?from=mail&x=<1>"}`)
		_, link := m.registerToVerify(t, email, pw)
		stillPending := func(name string) {
			t.Helper()
			apitest.Run(t, m.App, []apitest.Scenario{login(name, email, pw, 206002, unverified)})
		}

		path := strings.TrimPrefix(link, apitest.PublicURL)
		if r := m.Do(t, "HEAD", path, nil, nil); r.Status != http.StatusOK {
			t.Errorf("HEAD: HTTP %d", r.Status)
		}
		form := m.follow(t, link)
		wantPage(t, "GET", form, http.StatusOK, "Press the button to confirm your email address for Acme.")
		if csp := form.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") ||
			!strings.Contains(csp, "form-action 'self'") || strings.Contains(string(form.Body), "<script") {
			t.Errorf("CSP %q, body %s", csp, form.Body)
		}
		token := formToken(t, form)
		m.follow(t, link) // a second scanner
		stillPending("login after GET and HEAD")

		for _, tc := range []struct{ name, fetchSite, origin string }{
			{"cross-site", "cross-site", "https://evil.example"},
			{"same-site, other origin", "same-site", "https://evil.example.com"},
			{"Origin only, another host", "", "https://evil.example"},
		} {
			wantPage(t, tc.name, m.postVerify(t, token, tc.fetchSite, tc.origin), http.StatusForbidden, "This form was sent from another site")
			stillPending("login after a " + tc.name + " POST")
		}

		done := m.postVerify(t, token, "same-origin", apitest.PublicURL)
		wantPage(t, "POST", done, http.StatusOK, linkVerified)
		if !strings.Contains(string(done.Body), `<a class="custos-button custos-button--link" href="https://example.com/welcome?from=mail&amp;x=%3c1%3e">Continue</a>`) {
			t.Errorf("no continue link: %s", done.Body)
		}
		apitest.Run(t, m.App, []apitest.Scenario{login("login after POST", email, pw, 0, "")})

		wantPage(t, "GET the used link", m.follow(t, link), http.StatusNotFound, linkInvalid)
		wantPage(t, "POST the used token", m.postVerify(t, token, "same-origin", ""), http.StatusNotFound, linkInvalid)
		wantPage(t, "POST no token", m.postVerify(t, "", "", ""), http.StatusNotFound, linkInvalid)

		// Once the site's domains no longer hold nextURL, the page does not
		// link to it.
		const other = "other@example.com"
		apitest.Run(t, m.App, []apitest.Scenario{register(other, pw, 206002, pending(other))})
		_, otherLink, _ := m.waitMail(t, other, verifyPath, "token")
		if _, err := m.Sites.SetDomains(context.Background(), m.Site.ID, []string{"elsewhere.example"}, false); err != nil {
			t.Fatal(err)
		}
		r := m.verify(t, otherLink)
		wantPage(t, "POST after the domains changed", r, http.StatusOK, linkVerified)
		if strings.Contains(string(r.Body), "Continue") {
			t.Errorf("continue link off the site's domains: %s", r.Body)
		}

		// An expired token: GET and POST say so and change nothing.
		const late = "late@example.com"
		apitest.Run(t, m.App, []apitest.Scenario{register(late, pw, 206002, pending(late))})
		_, lateLink, lateToken := m.waitMail(t, late, verifyPath, "token")
		m.clock.Advance(86400*time.Second + time.Second)
		wantPage(t, "GET expired", m.follow(t, lateLink), http.StatusGone, linkExpired)
		wantPage(t, "POST expired", m.postVerify(t, lateToken, "same-origin", ""), http.StatusGone, linkExpired)
	})
}

// metric reads one sample of /metrics.
func metric(t *testing.T, a *apitest.App, name string) float64 {
	t.Helper()
	r := a.Do(t, "GET", "/metrics", nil, nil)
	for line := range strings.SplitSeq(string(r.Body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	t.Fatalf("no %s in /metrics:\n%s", name, r.Body)
	return 0
}

func TestMailMetrics(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			testMailMetrics(t, newIdleMailApp(t, engine))
		})
	}
}

func testMailMetrics(t *testing.T, m *mailApp) {
	const (
		sent    = `custos_mail_sent_total{kind="password_reset"}`
		failed  = `custos_mail_failed_total{kind="password_reset"}`
		dropped = `custos_mail_dropped_total{kind="password_reset"}`
		queued  = `custos_mail_queued`
		vsent   = `custos_mail_sent_total{kind="verification"}`
		email   = "metrics@example.com"
	)
	ctx := context.Background()
	apitest.Run(t, m.App, []apitest.Scenario{register(email, "password metrics", 0, "")})
	steps := []struct {
		name string
		do   func()
		want map[string]float64
	}{
		{"start", func() {}, map[string]float64{sent: 0, failed: 0, dropped: 0, queued: 0, vsent: 0}},
		{"queued", func() { apitest.Run(t, m.App, []apitest.Scenario{resetPassword("reset 1", email)}) }, map[string]float64{queued: 1, sent: 0}},
		{"sent", func() { m.Outbox.Flush(ctx); m.smtp.WaitFor(t, email) }, map[string]float64{queued: 0, sent: 1}},
		{"failed", func() {
			m.smtp.FailNext(1)
			apitest.Run(t, m.App, []apitest.Scenario{resetPassword("reset 2", email)})
			m.Outbox.Flush(ctx)
		}, map[string]float64{queued: 1, sent: 1, failed: 1, dropped: 0}},
		{"retried", func() { m.clock.Advance(time.Minute); m.Outbox.Flush(ctx); m.smtp.WaitFor(t, email) },
			map[string]float64{queued: 0, sent: 2, failed: 1}},
		{"given up", func() {
			m.smtp.FailNext(10)
			apitest.Run(t, m.App, []apitest.Scenario{resetPassword("reset 3", email)})
			for range 10 {
				m.Outbox.Flush(ctx)
				m.clock.Advance(2 * time.Hour)
			}
		}, map[string]float64{queued: 0, sent: 2, failed: 11, dropped: 1, vsent: 0}},
	}
	for _, s := range steps {
		s.do()
		for name, want := range s.want {
			if got := metric(t, m.App, name); got != want {
				t.Errorf("%s: %s = %v, want %v", s.name, name, got, want)
			}
		}
	}
}
