package mail

import (
	"strings"
	"testing"
	"time"
)

func TestRenderCustom(t *testing.T) {
	data := Data{To: "jane@example.com", SiteName: "Acme & Co", Link: "https://example.com/r?a=1&token=xyz",
		Expires: time.Date(2026, time.March, 4, 16, 5, 0, 0, time.UTC)}
	c := Custom{FromName: " Acme Support ", Subject: "Your <link>", LogoURL: `https://cdn.example.net/logo.png?x="1"`,
		Description: "Hi <b>Jane</b>,\nwelcome."}
	for _, tc := range []struct {
		kind       Kind
		subject    string // with no Subject chosen
		text, html []string
	}{
		{PasswordReset, "Reset your Acme & Co password", []string{"asked to reset the password"}, []string{"Reset password"}},
		{Verification, "Confirm your email address for Acme & Co", []string{"confirm that jane@example.com"}, []string{"Confirm email address"}},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			m, err := RenderCustom(tc.kind, data, c)
			if err != nil {
				t.Fatal(err)
			}
			if m.To != data.To || m.FromName != "Acme Support" || m.Subject != "Your <link>" {
				t.Errorf("To %q, FromName %q, Subject %q", m.To, m.FromName, m.Subject)
			}
			for _, want := range append(tc.text, "Hello,\n\nHi <b>Jane</b>,\nwelcome.\n\n", data.Link, "4 March 2026 at 16:05 UTC") {
				if !strings.Contains(m.Text, want) {
					t.Errorf("text lacks %q:\n%s", want, m.Text)
				}
			}
			if strings.Contains(m.Text, "logo.png") || strings.HasPrefix(m.Text, "Subject:") {
				t.Errorf("text:\n%s", m.Text)
			}
			// In HTML the choices are escaped.
			for _, want := range append(tc.html, "<title>Your &lt;link&gt;</title>", "<p>Hi &lt;b&gt;Jane&lt;/b&gt;,\nwelcome.</p>",
				`<img src="https://cdn.example.net/logo.png?x=%221%22" alt="Acme &amp; Co"`, `href="https://example.com/r?a=1&amp;token=xyz"`) {
				if !strings.Contains(m.HTML, want) {
					t.Errorf("HTML lacks %q:\n%s", want, m.HTML)
				}
			}

			// Nothing chosen: the template's subject, the site's name, no logo, no introduction.
			m, err = RenderCustom(tc.kind, data, Custom{})
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != tc.subject || m.FromName != data.SiteName || strings.Contains(m.HTML, "<img") || !strings.HasPrefix(m.Text, "Hello,\n\n") ||
				strings.Contains(m.Text, "\n\n\n") {
				t.Errorf("subject %q, FromName %q, text:\n%s\nHTML:\n%s", m.Subject, m.FromName, m.Text, m.HTML)
			}
		})
	}
}

func TestRenderCustomRefuses(t *testing.T) {
	data := Data{To: "jane@example.com", SiteName: "Acme", Link: "https://example.com/r?token=xyz", Expires: time.Now()}
	for name, tc := range map[string]struct {
		kind Kind
		c    Custom
	}{
		"a kind without custom words":   {Kind("welcome"), Custom{}},
		"a subject of two lines":        {PasswordReset, Custom{Subject: "a\r\nBcc: x@example.com"}},
		"a sender name with a new line": {PasswordReset, Custom{FromName: "a\nb"}},
		"a logo that is no http URL":    {Verification, Custom{LogoURL: "javascript:alert(1)"}},
		"a description with a NUL":      {Verification, Custom{Description: "a\x00b"}},
	} {
		if _, err := RenderCustom(tc.kind, data, tc.c); err == nil {
			t.Errorf("%s: rendered", name)
		}
	}
	if _, err := RenderCustom(Verification, Data{To: "jane@example.com", SiteName: "Acme", Link: "/r", Expires: time.Now()}, Custom{}); err == nil {
		t.Error("a relative link: rendered")
	}
}
