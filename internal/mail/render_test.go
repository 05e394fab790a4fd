package mail

import (
	"strings"
	"testing"
	"time"
)

func TestRender(t *testing.T) {
	expires := time.Date(2026, time.March, 4, 17, 5, 0, 0, time.FixedZone("CET", 3600))
	data := Data{
		To:       "jane@example.com",
		SiteName: `Acme <b>&</b> Co`,
		Link:     `https://id.example.com/verify?token=abc&next=<x>"`,
		Expires:  expires,
	}
	tests := []struct {
		kind    Kind
		subject string
		text    []string // in the text part
		html    []string // in the HTML part
	}{
		{
			kind:    Verification,
			subject: "Confirm your email address for Acme <b>&</b> Co",
			text:    []string{"confirm that jane@example.com is your email address", "Acme <b>&</b> Co"},
			html:    []string{"Confirm email address"},
		},
		{
			kind:    PasswordReset,
			subject: "Reset your Acme <b>&</b> Co password",
			text:    []string{"asked to reset the password", "works once", "ignore this email"},
			html:    []string{"Reset password", "works once", "ignore this email"},
		},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			m, err := Render(tt.kind, data)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if m.To != data.To {
				t.Errorf("To = %q, want %q", m.To, data.To)
			}
			if m.Subject != tt.subject {
				t.Errorf("Subject = %q, want %q", m.Subject, tt.subject)
			}
			if strings.HasPrefix(m.Text, "Subject:") || strings.HasPrefix(m.Text, "\n") {
				t.Errorf("Text starts with the subject line or a blank line: %q", m.Text)
			}
			// Times show in UTC: 17:05 CET is 16:05 UTC.
			for _, want := range append(tt.text, data.Link, "4 March 2026 at 16:05 UTC") {
				if !strings.Contains(m.Text, want) {
					t.Errorf("Text lacks %q:\n%s", want, m.Text)
				}
			}
			// In HTML the link and the site name are escaped.
			escapedLink := "https://id.example.com/verify?token=abc&amp;next=%3cx%3e%22"
			for _, want := range append(tt.html, `href="`+escapedLink+`"`, "Acme &lt;b&gt;&amp;&lt;/b&gt; Co",
				"4 March 2026 at 16:05 UTC") {
				if !strings.Contains(m.HTML, want) {
					t.Errorf("HTML lacks %q:\n%s", want, m.HTML)
				}
			}
			for _, raw := range []string{"<b>", "<x>", data.Link} {
				if strings.Contains(m.HTML, raw) {
					t.Errorf("HTML contains unescaped %q", raw)
				}
			}
		})
	}
}

// A site's name with line breaks cannot add a header: they become spaces.
func TestRenderSiteNameOneLine(t *testing.T) {
	m, err := Render(PasswordReset, Data{To: "jane@example.com", SiteName: "Acme\r\nBcc: x@example.com",
		Link: "https://id.example.com/r?t=1", Expires: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Reset your Acme  Bcc: x@example.com password" || m.FromName != "Acme  Bcc: x@example.com" || m.Kind != PasswordReset {
		t.Errorf("Render = %+v", m)
	}
}

func TestRenderRejects(t *testing.T) {
	valid := Data{To: "jane@example.com", SiteName: "Acme", Link: "https://id.example.com/v?t=1",
		Expires: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	tests := []struct {
		name   string
		kind   Kind
		change func(*Data)
		want   string
	}{
		{"unknown kind", "welcome", func(*Data) {}, `unknown kind of mail "welcome"`},
		{"empty kind", "", func(*Data) {}, "unknown kind"},
		{"bad recipient", Verification, func(d *Data) { d.To = "not an address" }, "invalid recipient"},
		{"no site name", Verification, func(d *Data) { d.SiteName = " " }, "missing site name"},
		{"no link", Verification, func(d *Data) { d.Link = "" }, "absolute http or https URL"},
		{"relative link", Verification, func(d *Data) { d.Link = "/verify?t=1" }, "absolute http or https URL"},
		{"javascript link", PasswordReset, func(d *Data) { d.Link = "javascript:alert(1)" }, "absolute http or https URL"},
		{"no expiry", PasswordReset, func(d *Data) { d.Expires = time.Time{} }, "missing expiry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := valid
			tt.change(&d)
			m, err := Render(tt.kind, d)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Render = %+v, %v; want error with %q", m, err, tt.want)
			}
		})
	}
}
