package account

import (
	"testing"

	"github.com/custos-id/custos/errcode"
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
		code errcode.Code
	}{
		{"client profile", client, Changes{Profile: map[string]any{"a": 1}, NewPassword: "x"}, 0},
		{"client removes a login email", client, Changes{RemoveLoginEmails: []string{"a@example.com"}}, 0},
		{"client adds a login email", client, Changes{AddLoginEmails: []string{"a@example.com"}}, errcode.PermissionDenied},
		{"client sets isActive", client, Changes{Active: &active}, errcode.PermissionDenied},
		{"server adds a login email", server, Changes{AddLoginEmails: []string{"a@example.com"}}, 0},
		{"server sets isActive", server, Changes{Active: &active}, 0},
	} {
		err := tc.c.Permitted(tc.by)
		if got := errcode.Code(0); err != nil {
			got = errcode.From(err).Code
			if got != tc.code {
				t.Errorf("%s: %v, want %d", tc.name, err, tc.code)
			}
		} else if tc.code != 0 {
			t.Errorf("%s: permitted, want %d", tc.name, tc.code)
		}
	}
}
