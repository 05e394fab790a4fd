package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/mail"
)

// Templates are a site's own mails of one kind, by language (a lower-case
// language tag: "en", "pt-br").
type Templates map[string]mail.Template

// Bounds of a section's templates.
const (
	MaxTemplateLanguages = 16
	// MaxTemplatesBytes bounds the sources of all templates of one section.
	MaxTemplatesBytes = 256 << 10
	// DefaultLanguage is the language of the built-in mails, and the default
	// of defaultLanguage.
	DefaultLanguage = "en"
	maxURLLen       = 2048
)

var languageTag = regexp.MustCompile(`^[a-z]{2,3}(-[a-z0-9]{1,8})*$`)

// Template picks the template of kind for a user whose language is lang
// (such as profile.locale: "de", "de-CH", "de_CH"): the template of lang,
// else of its primary language, else of defaultLanguage. False when the
// site has no templates: the built-in mail applies.
func (t Templates) Template(defaultLanguage, lang string) (mail.Template, bool) {
	if len(t) == 0 {
		return mail.Template{}, false
	}
	lang = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(lang)), "_", "-")
	primary, _, _ := strings.Cut(lang, "-")
	for _, l := range []string{lang, primary, defaultLanguage, DefaultLanguage} {
		if tpl, ok := t[l]; ok && l != "" {
			return tpl, true
		}
	}
	return mail.Template{}, false
}

// EmailTemplate is the template of the verification mail for lang.
func (e EmailVerification) EmailTemplate(lang string) (mail.Template, bool) {
	return e.EmailTemplates.Template(e.DefaultLanguage, lang)
}

// EmailTemplate is the template of the reset mail for lang.
func (r PasswordReset) EmailTemplate(lang string) (mail.Template, bool) {
	return r.EmailTemplates.Template(r.DefaultLanguage, lang)
}

// checkMail checks the mail settings of passwordReset and emailVerification.
func (p Policies) checkMail() error {
	if err := checkURL("passwordReset.resetURL", p.PasswordReset.ResetURL); err != nil {
		return err
	}
	if err := checkURL("emailVerification.nextURL", p.EmailVerification.NextURL); err != nil {
		return err
	}
	if u, _ := url.Parse(p.EmailVerification.NextURL); u != nil && u.User != nil {
		return errcode.InvalidValue("emailVerification.nextURL", "want a URL without user information")
	}
	if err := checkTemplates("passwordReset", p.PasswordReset.DefaultLanguage, p.PasswordReset.EmailTemplates); err != nil {
		return err
	}
	return checkTemplates("emailVerification", p.EmailVerification.DefaultLanguage, p.EmailVerification.EmailTemplates)
}

// checkURL accepts "" or an absolute http(s) URL without a fragment.
func checkURL(name, u string) error {
	if u == "" {
		return nil
	}
	parsed, err := url.Parse(u)
	if err != nil || len(u) > maxURLLen || (parsed.Scheme != "https" && parsed.Scheme != "http") || parsed.Host == "" ||
		parsed.Fragment != "" {
		return errcode.InvalidValue(name, "want an absolute http(s) URL without a fragment")
	}
	return nil
}

// checkTemplates checks the templates of section and its defaultLanguage.
func checkTemplates(section, defaultLanguage string, t Templates) error {
	if defaultLanguage != "" && !languageTag.MatchString(defaultLanguage) {
		return errcode.InvalidValue(section+".defaultLanguage", `want a lower-case language tag such as "en" or "pt-br"`)
	}
	if len(t) == 0 {
		return nil
	}
	name := section + ".emailTemplates"
	if len(t) > MaxTemplateLanguages {
		return errcode.InvalidValue(name, fmt.Sprintf("at most %d languages", MaxTemplateLanguages))
	}
	size := 0
	for _, lang := range sortedKeys(t) {
		if !languageTag.MatchString(lang) {
			return errcode.InvalidValue(name+"."+lang, `want a lower-case language tag such as "en" or "pt-br"`)
		}
		tpl := t[lang]
		if err := tpl.Check(); err != nil {
			if te, ok := errors.AsType[*mail.TemplateError](err); ok {
				return errcode.InvalidValue(name+"."+lang+"."+te.Part, te.Err.Error())
			}
			return errcode.InvalidValue(name+"."+lang, err.Error())
		}
		size += len(tpl.Subject) + len(tpl.Text) + len(tpl.HTML)
	}
	if size > MaxTemplatesBytes {
		return errcode.InvalidValue(name, fmt.Sprintf("the templates are longer than %d bytes in all", MaxTemplatesBytes))
	}
	def := defaultLanguage
	if def == "" {
		def = DefaultLanguage
	}
	if _, ok := t[def]; !ok {
		return errcode.InvalidValue(section+".defaultLanguage",
			fmt.Sprintf("emailTemplates has no template for the default language %q", def))
	}
	return nil
}

func sortedKeys(t Templates) []string {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// CheckHosts checks that emailVerification.nextURL, the link the
// verification page shows, points at the site: owns is the site's rule
// for its addresses (site.Site.OwnsURL).
func (p Policies) CheckHosts(owns func(u string) bool) error {
	if p.EmailVerification.NextURL == "" {
		return nil
	}
	if !owns(p.EmailVerification.NextURL) {
		return errcode.InvalidValue("emailVerification.nextURL", "its host is not one of the site's domains")
	}
	return nil
}

// clearGivenMaps empties the map fields of the section cur that raw sets,
// so that decoding raw replaces them as it replaces every other field,
// rather than merging keys.
func clearGivenMaps(cur any, raw string) {
	var given map[string]json.RawMessage
	if json.Unmarshal([]byte(raw), &given) != nil {
		return
	}
	v := reflect.ValueOf(cur).Elem()
	for i := range v.NumField() {
		f := v.Type().Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		for key := range given {
			// encoding/json matches names regardless of case
			if strings.EqualFold(key, tag) && f.Type.Kind() == reflect.Map {
				v.Field(i).SetZero()
			}
		}
	}
}
