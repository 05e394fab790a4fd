package mail

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRenderTemplate(t *testing.T) {
	data := Data{To: "jane@example.com", SiteName: "Acme <b>", FirstName: "Jane\r\nBcc: x", Link: "https://shop.example/v?token=a&b=<c>",
		Expires: time.Date(2026, 3, 4, 5, 6, 0, 0, time.UTC)}
	tpl := Template{
		Subject: "{{.FirstName}}, welcome to {{.SiteName}}",
		Text:    "Hi {{.FirstName}} <{{.Email}}>: {{.Link}} until {{.Expires}}.{{if not .FirstName}} unreachable{{end}}",
		HTML:    `<p>Hi {{.FirstName}}, <a href="{{.Link}}">{{$.SiteName}}</a> until {{.Expires}}</p>`,
	}
	m, err := RenderTemplate(PasswordReset, tpl, data)
	if err != nil {
		t.Fatal(err)
	}
	want := Message{To: data.To, Subject: "Jane  Bcc: x, welcome to Acme <b>",
		Text:     "Hi Jane  Bcc: x <jane@example.com>: https://shop.example/v?token=a&b=<c> until 4 March 2026 at 05:06 UTC.",
		HTML:     `<p>Hi Jane  Bcc: x, <a href="https://shop.example/v?token=a&amp;b=%3cc%3e">Acme &lt;b&gt;</a> until 4 March 2026 at 05:06 UTC</p>`,
		FromName: "Acme <b>", Kind: PasswordReset}
	if m != want {
		t.Errorf("RenderTemplate =\n%+v\nwant\n%+v", m, want)
	}

	// Without HTML the mail is text only.
	tpl.HTML = ""
	if m, err := RenderTemplate(Verification, tpl, data); err != nil || m.HTML != "" || m.Kind != Verification {
		t.Errorf("text only: %+v, %v", m, err)
	}
}

func TestTemplateCheck(t *testing.T) {
	ok := Template{Subject: "Confirm for {{.SiteName}}", Text: "{{.Link}}", HTML: `<a href="{{.Link}}">go</a>`}
	tests := []struct {
		name   string
		change func(*Template)
		part   string // "" when valid
		want   string
	}{
		{"valid", func(*Template) {}, "", ""},
		{"every variable and allowed construct", func(t *Template) {
			t.Text = `{{with .FirstName}}Hi {{.}}{{else}}Hello{{end}} {{$.Email}} {{with $.Link}}{{.}}{{end}} {{len .Link | print}} ` +
				`{{if and (eq .SiteName "Acme") (ne .Expires "")}}{{urlquery .Email}}{{end}} {{index .Link 0}} {{slice .Link 0 5}}`
		}, "", ""},
		{"no subject", func(t *Template) { t.Subject = " " }, PartSubject, "missing"},
		{"no text", func(t *Template) { t.Text = "" }, PartText, "missing"},
		{"unparsable text", func(t *Template) { t.Text = "{{.Link" }, PartText, "text:1: unclosed action"},
		{"unparsable HTML", func(t *Template) { t.HTML = "{{if .Link}}" }, PartHTML, "unexpected EOF"},
		{"unknown field", func(t *Template) { t.Text = "line\n{{.Token}}" }, PartText, "text:2:2: unknown field .Token; the fields are .SiteName, .Email, .FirstName, .Link, .Expires"},
		{"field of a field", func(t *Template) { t.Subject = "{{.Link.Host}}" }, PartSubject, "unknown field .Link.Host"},
		{"root field", func(t *Template) { t.HTML = "{{$.Secret}}" }, PartHTML, "unknown field .Secret"},
		{"a variable", func(t *Template) { t.Text = "{{$x := .Link}}{{$x}}" }, PartText, "variables are not allowed"},
		{"an assignment", func(t *Template) { t.Text = "{{if true}}{{$ = .Link}}{{end}}" }, PartText, "variables are not allowed"},
		// Each declaration, or each with that sets dot to a value built
		// from dot, would double what a few hundred bytes print.
		{"doubling variables", func(t *Template) {
			t.Text = `{{$a0 := print .Link .Link .Link .Link}}{{$a1 := print $a0 $a0 $a0 $a0}}{{len $a1}}`
		}, PartText, "variables are not allowed"},
		{"doubling withs", func(t *Template) {
			t.Text = `{{with print .Link .Link}}{{with print . .}}{{len .}}{{end}}{{end}}`
		}, PartText, "with takes a field only"},
		{"range", func(t *Template) { t.Text = "{{range 1000000000}}x{{end}}" }, PartText, "range is not allowed"},
		{"define", func(t *Template) { t.Text = `{{define "a"}}{{template "a"}}{{end}}x` }, PartText, "define and block are not allowed"},
		{"block", func(t *Template) { t.HTML = `{{block "b" .}}x{{end}}` }, PartHTML, "define and block are not allowed"},
		{"template", func(t *Template) { t.Text = `{{template "text"}}` }, PartText, "template is not allowed"},
		{"printf", func(t *Template) { t.Text = `{{printf "%999999999d" 1}}` }, PartText, `function "printf" is not allowed`},
		{"call", func(t *Template) { t.Text = `{{call .Link}}` }, PartText, `function "call" is not allowed`},
		{"unknown function", func(t *Template) { t.Text = `{{upper .Link}}` }, PartText, `function "upper" not defined`},
		{"chain", func(t *Template) { t.Text = `{{(.Link).X}}` }, PartText, "(.Link).X is not allowed"},
		{"runtime error", func(t *Template) { t.Text = `{{index .Link 999}}` }, PartText, "out of range"},
		{"subject of two lines", func(t *Template) { t.Subject = "a\nb" }, PartSubject, "more than one line"},
		{"HTML in a bad context", func(t *Template) { t.HTML = `<a href="{{.Link}}` }, PartHTML, "ends in a non-text context"},
		{"subject too long", func(t *Template) { t.Subject = strings.Repeat("x", MaxSubjectBytes+1) }, PartSubject, "longer than 512 bytes"},
		{"text too long", func(t *Template) { t.Text = strings.Repeat("x", MaxTextBytes+1) }, PartText, "longer than 16384 bytes"},
		{"HTML too long", func(t *Template) { t.HTML = strings.Repeat("x", MaxHTMLBytes+1) }, PartHTML, "longer than 65536 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl := ok
			tt.change(&tpl)
			err := tpl.Check()
			if tt.part == "" {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			var te *TemplateError
			if !errors.As(err, &te) || te.Part != tt.part || !strings.Contains(te.Err.Error(), tt.want) {
				t.Fatalf("Check = %v, want a TemplateError of %s with %q", err, tt.part, tt.want)
			}
		})
	}
}

// A template that renders for the sample may fail for a user's data at send time.
func TestRenderTemplateFails(t *testing.T) {
	d := Data{To: "a@example.com", SiteName: "Acme", FirstName: "Al", Link: "https://x.example/", Expires: time.Now()}
	tests := []struct {
		name   string
		tpl    Template
		change func(*Data)
		want   string
	}{
		{"index out of range", Template{Subject: "x", Text: "{{index .FirstName 3}}"}, func(*Data) {}, "text: template: text:1:2: executing"},
		{"empty subject", Template{Subject: "{{.FirstName}}", Text: "x"}, func(d *Data) { d.FirstName = "" }, "subject: renders empty"},
		{"output too long", Template{Subject: "x", Text: strings.Repeat("{{.Link}}", 1000)},
			func(d *Data) { d.Link += strings.Repeat("a", 2000) }, "text: renders more than 1048576 bytes"},
		{"bad data", Template{Subject: "x", Text: "y"}, func(d *Data) { d.To = "nobody" }, "invalid recipient"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.tpl.Check(); err != nil {
				t.Fatal(err)
			}
			data := d
			tt.change(&data)
			if m, err := RenderTemplate(Verification, tt.tpl, data); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("RenderTemplate = %+v, %v; want an error with %q", m, err, tt.want)
			}
		})
	}
}
