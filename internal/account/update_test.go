package account

import (
	"errors"
	"testing"
)

// Login emails and the active state are a server's to change; the rest
// any caller may change.
func TestChangesPermitted(t *testing.T) {
	active := false
	client, server := Caller{Session: 7}, Caller{Server: true}
	for _, tc := range []struct {
		name string
		by   Caller
		c    Changes
		attr Attribute // of the refusal; empty: permitted
	}{
		{"client profile", client, Changes{Profile: map[string]any{"a": 1}, NewPassword: "x"}, ""},
		{"client removes a login email", client, Changes{RemoveLoginEmails: []string{"a@example.com"}}, ""},
		{"client adds a login email", client, Changes{AddLoginEmails: []string{"a@example.com"}}, AttrAddLoginEmails},
		{"client sets isActive", client, Changes{Active: &active}, AttrActive},
		{"server adds a login email", server, Changes{AddLoginEmails: []string{"a@example.com"}}, ""},
		{"server sets isActive", server, Changes{Active: &active}, ""},
	} {
		err := tc.c.Permitted(tc.by)
		e, refused := errors.AsType[*Error](err)
		switch {
		case tc.attr == "" && err != nil:
			t.Errorf("%s: %v, want permitted", tc.name, err)
		case tc.attr != "" && (!refused || e.Err != ErrServerOnly || e.Attr != tc.attr):
			t.Errorf("%s: %v, want ErrServerOnly about %s", tc.name, err, tc.attr)
		}
	}
}

func TestAddParam(t *testing.T) {
	for u, want := range map[string]string{
		"https://shop.example/p":                "https://shop.example/p?token=t1",
		"https://shop.example/p?a=1":            "https://shop.example/p?a=1&token=t1",
		"https://shop.example/p?token=":         "https://shop.example/p?token=t1",
		"https://shop.example/p?token=x&token=": "https://shop.example/p?token=t1",
	} {
		if got := addParam(u, "token", "t1"); got != want {
			t.Errorf("addParam(%s) = %s, want %s", u, got, want)
		}
	}
}
