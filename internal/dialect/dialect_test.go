package dialect_test

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/dialect"
	"github.com/custos-id/custos/internal/rest"
	"github.com/custos-id/custos/internal/rpc"
)

// The naming of each dialect: REST bodies are snake_case, RPC parameters
// camelCase.
var naming = map[string]*regexp.Regexp{
	"rest": regexp.MustCompile(`^[a-z][a-z0-9_]*$`),
	"rpc":  regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9]*$`),
}

// Parameters of each dialect that are no domain attribute, and so in no
// table, which the other dialect must not name either.
var ownParams = map[string][]string{
	"rpc":  {"captchaToken", "targetUID", "sendEmail", "finalizeRegistration", "apiKey", "userKey"},
	"rest": {"password_confirmation", "reset_password_token", "email_confirmation_token"},
}

// TestFieldErrorWalk renders every condition the domain lists, about every
// attribute and in every case, in each dialect, and asserts that what
// the client sees names only that dialect's fields: a REST answer never
// names an RPC parameter or method, and the other way round. A condition,
// attribute or case the domain adds is walked too (account's own test proves
// its lists complete).
func TestFieldErrorWalk(t *testing.T) {
	tables := map[string]dialect.Table{"rpc": rpc.Errors(), "rest": rest.Errors()}
	names := map[string][]string{}
	for d, tab := range tables {
		names[d] = append([]string(nil), ownParams[d]...)
		for _, attr := range account.Attributes() {
			n, ok := tab.Name(attr)
			if !ok {
				t.Errorf("%s: no wire name for attribute %q", d, attr)
			}
			if !naming[d].MatchString(n) {
				t.Errorf("%s: attribute %q is %q, not a %s name", d, attr, n, d)
			}
			names[d] = append(names[d], n)
		}
	}
	for d, tab := range tables {
		other := "rest"
		if d == "rest" {
			other = "rpc"
		}
		// Names of the other dialect that are not this one's own too.
		var foreign []string
		for _, n := range names[other] {
			if !slices.Contains(names[d], n) {
				foreign = append(foreign, n)
			}
		}
		for _, cond := range account.Conditions() {
			for _, attr := range append([]account.Attribute{""}, account.Attributes()...) {
				for _, c := range append([]account.Case{""}, account.Cases()...) {
					e := *cond
					e.Attr, e.Case = attr, c
					if attr != "" && len(e.Fields) > 0 {
						e.Fields = slices.Clone(e.Fields)
						e.Fields[0].Attribute = string(attr)
					}
					checkRendered(t, d, tab, &e, names[d], foreign)
				}
			}
		}
	}
}

func checkRendered(t *testing.T, d string, tab dialect.Table, e *account.Error, own, foreign []string) {
	t.Helper()
	out, ok := errors.AsType[*errcode.Error](tab.Render(e))
	if !ok {
		t.Errorf("%s: %v: no entry", d, e)
		return
	}
	if _, ok := errcode.Lookup(out.Code); !ok || out.Code == errcode.GeneralServerError {
		t.Errorf("%s: %v: code %d", d, e, out.Code)
	}
	if out.Details == "" || strings.Contains(out.Details, "%!") {
		t.Errorf("%s: %v: details %q", d, e, out.Details)
	}
	for _, f := range out.Fields {
		if !slices.Contains(own, f.Attribute) {
			t.Errorf("%s: %v: field %q is not a %s name", d, e, f.Attribute, d)
		}
	}
	// Prose may say "email"; what must not appear is a parameter name of the
	// other dialect (camelCase or snake_case) or an RPC method.
	words := strings.FieldsFunc(out.Details, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_'
	})
	for _, w := range words {
		if slices.Contains(foreign, w) && strings.ContainsFunc(w, func(r rune) bool { return r == '_' || unicode.IsUpper(r) }) {
			t.Errorf("%s: %v: %q names %q of the other dialect", d, e, out.Details, w)
		}
	}
	if d == "rest" && strings.Contains(out.Details, "accounts.") {
		t.Errorf("rest: %v: %q names an RPC method", e, out.Details)
	}
}
