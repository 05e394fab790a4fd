package policy

import (
	"fmt"
	"strings"
	"testing"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/mail"
)

func TestMailPolicies(t *testing.T) {
	const tpl = `{"subject":"Hi {{.FirstName}}","text":"{{.Link}}","html":"<a href=\"{{.Link}}\">go</a>"}`
	big := strings.Repeat("x", mail.MaxHTMLBytes)
	tests := []struct {
		section, raw string
		code         errcode.Code
		details      string
	}{
		{"emailVerification", `{"nextURL":"https://shop.example/welcome?x=1"}`, 0, ""},
		{"emailVerification", `{"nextURL":"javascript:alert(1)"}`, errcode.InvalidParameterValue,
			"Invalid parameter value: emailVerification.nextURL: want an absolute http(s) URL without a fragment"},
		{"emailVerification", `{"nextURL":"/welcome"}`, errcode.InvalidParameterValue, ""},
		{"emailVerification", `{"nextURL":"https://shop.example/#x"}`, errcode.InvalidParameterValue, ""},
		{"emailVerification", `{"nextURL":"https://a@shop.example/"}`, errcode.InvalidParameterValue,
			"Invalid parameter value: emailVerification.nextURL: want a URL without user information"},
		{"emailVerification", `{"emailTemplates":{"en":` + tpl + `}}`, 0, ""},
		{"passwordReset", `{"defaultLanguage":"pt-br","emailTemplates":{"pt-br":` + tpl + `,"de":` + tpl + `}}`, 0, ""},
		{"passwordReset", `{"emailTemplates":{"de":` + tpl + `}}`, errcode.InvalidParameterValue,
			`Invalid parameter value: passwordReset.defaultLanguage: emailTemplates has no template for the default language "en"`},
		{"passwordReset", `{"defaultLanguage":"EN"}`, errcode.InvalidParameterValue,
			`Invalid parameter value: passwordReset.defaultLanguage: want a lower-case language tag such as "en" or "pt-br"`},
		{"passwordReset", `{"defaultLanguage":"fr"}`, 0, ""},
		{"emailVerification", `{"emailTemplates":{"en_US":` + tpl + `}}`, errcode.InvalidParameterValue,
			`Invalid parameter value: emailVerification.emailTemplates.en_US: want a lower-case language tag such as "en" or "pt-br"`},
		{"emailVerification", `{"emailTemplates":{"en":{"subject":"x","text":"{{.Password}}"}}}`, errcode.InvalidParameterValue,
			"Invalid parameter value: emailVerification.emailTemplates.en.text: text:1:2: unknown field .Password; the fields are .SiteName, .Email, .FirstName, .Link, .Expires"},
		{"emailVerification", `{"emailTemplates":{"en":{"subject":"x","text":"y","html":"{{if}}"}}}`, errcode.InvalidParameterValue,
			"Invalid parameter value: emailVerification.emailTemplates.en.html: template: html:1: missing value for if"},
		{"passwordReset", `{"emailTemplates":{"en":{"text":"y"}}}`, errcode.InvalidParameterValue,
			"Invalid parameter value: passwordReset.emailTemplates.en.subject: missing"},
		{"passwordReset", `{"emailTemplates":{"en":{"subject":"x","text":"y","htlm":"z"}}}`, errcode.InvalidParameterValue,
			"Invalid parameter value: passwordReset.emailTemplates.en.htlm: unknown policy"},
		{"passwordReset", `{"emailTemplates":{"en":{"subject":1,"text":"y"}}}`, errcode.InvalidParameterValue,
			"Invalid parameter value: passwordReset.emailTemplates.subject: want string"},
		{"passwordReset", `{"emailTemplates":{"en":"<p>Gigya's form</p>"}}`, errcode.InvalidParameterValue,
			"Invalid parameter value: passwordReset.emailTemplates: want an object"},
		{"passwordReset", `{"emailTemplates":[]}`, errcode.InvalidParameterValue,
			"Invalid parameter value: passwordReset.emailTemplates: want an object"},
		{"passwordReset", `{"emailTemplates":{"en":{"subject":"x","text":"y","html":"` + big + `x"}}}`, errcode.InvalidParameterValue,
			"Invalid parameter value: passwordReset.emailTemplates.en.html: longer than 65536 bytes"},
		{"passwordReset", `{"emailTemplates":{` + langs(4, `{"subject":"x","text":"y","html":"`+big+`"}`) + `}}`, errcode.InvalidParameterValue,
			"Invalid parameter value: passwordReset.emailTemplates: the templates are longer than 262144 bytes in all"},
		{"passwordReset", `{"emailTemplates":{` + langs(17, tpl) + `}}`, errcode.InvalidParameterValue,
			"Invalid parameter value: passwordReset.emailTemplates: at most 16 languages"},
	}
	for _, tc := range tests {
		p := Default()
		err := p.Set(tc.section, tc.raw)
		if err == nil {
			err = p.Validate()
		}
		var code errcode.Code
		if err != nil {
			code = errcode.From(err).Code
		}
		if code != tc.code || tc.details != "" && errcode.From(err).Details != tc.details {
			t.Errorf("%s %.80s: %v, want %d %s", tc.section, tc.raw, err, tc.code, tc.details)
		}
	}
}

// langs is n entries "en", "l1" … "l<n-1>" of the JSON object value v.
func langs(n int, v string) string {
	entries := []string{`"en":` + v}
	for i := 1; i < n; i++ {
		entries = append(entries, fmt.Sprintf(`"l%c":%s`, 'a'+i, v))
	}
	return strings.Join(entries, ",")
}

// A section's templates are replaced as a whole, like every other field;
// the fields the change does not name stay; null restores every field.
func TestTemplatesReplaceAndReset(t *testing.T) {
	p := Default()
	set := func(raw string) {
		t.Helper()
		if err := p.Set("emailVerification", raw); err != nil {
			t.Fatal(err)
		}
		if err := p.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	set(`{"nextURL":"https://shop.example/","emailTemplates":{"en":{"subject":"a","text":"a"},"de":{"subject":"b","text":"b"}}}`)
	set(`{"EmailTemplates":{"en":{"subject":"c","text":"c"}}}`)
	if got := p.EmailVerification; len(got.EmailTemplates) != 1 || got.EmailTemplates["en"].Subject != "c" || got.NextURL == "" {
		t.Fatalf("after a change: %+v", got)
	}
	set(`null`)
	if got := p.EmailVerification; got.NextURL != "" || got.EmailTemplates != nil || got.VerificationEmailExpiration != 86400 {
		t.Fatalf("after null: %+v", got)
	}
	if err := p.Set("passwordReset", `{"resetURL":"https://shop.example/reset"}`); err != nil {
		t.Fatal(err)
	}
	if err := p.Set("passwordReset", `null`); err != nil || p.PasswordReset.ResetURL != "" {
		t.Fatalf("passwordReset null: %+v %v", p.PasswordReset, err)
	}
}

func TestTemplatePick(t *testing.T) {
	tpl := func(s string) mail.Template { return mail.Template{Subject: s} }
	all := Templates{"en": tpl("en"), "de": tpl("de"), "pt-br": tpl("pt-br")}
	tests := []struct {
		t         Templates
		def, lang string
		want      string // "" when none
	}{
		{nil, "", "de", ""},
		{all, "", "de", "de"},
		{all, "", "DE_ch", "de"},
		{all, "", "pt_BR", "pt-br"},
		{all, "", "pt", "en"},
		{all, "de", "fr", "de"},
		{all, "", "", "en"},
		{Templates{"de": tpl("de")}, "de", "", "de"},
	}
	for _, tc := range tests {
		got, ok := tc.t.Template(tc.def, tc.lang)
		if got.Subject != tc.want || ok != (tc.want != "") {
			t.Errorf("Template(%q, %q) of %d = %q, %v; want %q", tc.def, tc.lang, len(tc.t), got.Subject, ok, tc.want)
		}
	}
}

func TestCheckHosts(t *testing.T) {
	allows := func(u string) bool {
		return strings.HasPrefix(u, "https://shop.example/") || strings.HasPrefix(u, "https://shop.example:")
	}
	for u, ok := range map[string]bool{"": true, "https://shop.example/x": true, "https://shop.example:8443/x": true,
		"https://evil.example/x": false, "https://shop.example.evil.example/": false} {
		p := Default()
		p.EmailVerification.NextURL = u
		if err := p.CheckHosts(allows); (err == nil) != ok {
			t.Errorf("%q: %v", u, err)
		}
	}
}
