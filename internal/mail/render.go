package mail

import (
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	netmail "net/mail"
	"net/url"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode"
)

// Kind names a mail that custos sends.
type Kind string

// The kinds of mail, each with templates/<kind>.txt and templates/<kind>.html.
const (
	Verification  Kind = "verification"
	PasswordReset Kind = "password_reset"
)

// Data fills a template.
type Data struct {
	To       string    // the recipient's address
	SiteName string    // shown in the subject and the body, and as the display name of From
	Link     string    // absolute http(s) URL that carries the token
	Expires  time.Time // when the link stops working; shown in UTC
	// FirstName is the user's profile.firstName; may be empty. Control characters become spaces.
	FirstName string
}

// ExpiresLayout is how Render shows Data.Expires, always in UTC.
const ExpiresLayout = "2 January 2006 at 15:04 UTC"

//go:embed templates/*.txt templates/*.html
var templateFS embed.FS

// templateSet is the text and HTML template of one Kind. The text template's first line is
// "Subject: …".
type templateSet struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// Kinds are the kinds of mail, each with built-in templates.
var Kinds = []Kind{Verification, PasswordReset}

var templates = mustParseTemplates(Kinds...)

func mustParseTemplates(kinds ...Kind) map[Kind]templateSet {
	sets := make(map[Kind]templateSet, len(kinds))
	for _, k := range kinds {
		base := "templates/" + string(k)
		sets[k] = templateSet{
			text: texttemplate.Must(texttemplate.New(string(k)+".txt").Option("missingkey=error").
				ParseFS(templateFS, base+".txt")),
			html: htmltemplate.Must(htmltemplate.New(string(k)+".html").Option("missingkey=error").
				ParseFS(templateFS, base+".html")),
		}
	}
	return sets
}

// view is what the templates see: Data checked and formatted. Its fields are Variables: a site's
// template may use these and no others.
type view struct {
	SiteName  string
	Email     string // the recipient's bare address
	FirstName string
	Link      string
	Expires   string // ExpiresLayout
}

// Variables are the fields every template may use ({{.SiteName}} …), the same for every Kind.
var Variables = []string{"SiteName", "Email", "FirstName", "Link", "Expires"}

// Render builds the Message of kind for data: the subject from the first line of the text template, the
// text body with text/template and the HTML body with html/template, so that the link and the site name
// are escaped in HTML. It fails for an unknown kind and for data that is missing or malformed.
func Render(kind Kind, data Data) (Message, error) { return RenderCustom(kind, data, Custom{}) }

func newView(d Data) (view, error) {
	to, err := netmail.ParseAddress(d.To)
	if err != nil {
		return view{}, fmt.Errorf("invalid recipient address %q: %w", d.To, err)
	}
	// A site's name may hold line breaks: they become spaces, so that the
	// subject and the display name of From stay one line.
	name := oneLine(d.SiteName)
	if name == "" {
		return view{}, errors.New("missing site name")
	}
	link, err := url.Parse(d.Link)
	if err != nil || (link.Scheme != "https" && link.Scheme != "http") || link.Host == "" {
		return view{}, errors.New("the link must be an absolute http or https URL")
	}
	if d.Expires.IsZero() {
		return view{}, errors.New("missing expiry time")
	}
	return view{Email: to.Address, SiteName: name, FirstName: oneLine(d.FirstName), Link: d.Link,
		Expires: d.Expires.UTC().Format(ExpiresLayout)}, nil
}

// oneLine turns the control characters of s (line breaks among them) into spaces and trims it: for values
// users choose, which may end up in a subject.
func oneLine(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s))
}
