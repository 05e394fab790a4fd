package rpc

import (
	"net/url"
	"slices"
	"testing"

	"github.com/custos-id/custos/errcode"
)

// Every method's parameter list is a set of names apart from the control
// parameters, so that each name is declared once, in one place.
func TestMethodParams(t *testing.T) {
	if dup := duplicates(controlParams); len(dup) > 0 {
		t.Errorf("control parameters listed twice: %q", dup)
	}
	h := New(Options{})
	RegisterAccounts(h, Accounts{})
	for _, m := range h.methods {
		if dup := duplicates(m.Params); len(dup) > 0 {
			t.Errorf("%s lists %q twice", m.name, dup)
		}
		for _, p := range m.Params {
			if slices.Contains(controlParams, p) {
				t.Errorf("%s lists the control parameter %s", m.name, p)
			}
		}
	}
}

func duplicates(names []string) []string {
	seen, dup := map[string]bool{}, []string{}
	for _, n := range names {
		if seen[n] {
			dup = append(dup, n)
		}
		seen[n] = true
	}
	return dup
}

func TestIgnored(t *testing.T) {
	m := registered{name: "t.m", Method: Method{Params: []string{"loginID"}}, known: knownParams([]string{"loginID"})}
	values := url.Values{"loginID": {"x"}, "b": {""}, "": {"1"}, "B": {"2"}, "a": {"3"}}
	for _, p := range controlParams {
		values.Set(p, "1")
	}
	var names []string
	for _, p := range m.ignored(values) {
		if p.WarningCode != errcode.PermissionDenied || p.Message != ignoredMessage {
			t.Errorf("%+v", p)
		}
		names = append(names, p.ParamName)
	}
	if want := []string{"", "B", "a", "b"}; !slices.Equal(names, want) {
		t.Errorf("ignored %q, want %q", names, want)
	}
	if got := m.ignored(url.Values{"loginID": {"x"}}); got != nil {
		t.Errorf("nothing to ignore: %+v", got)
	}
}
