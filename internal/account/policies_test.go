package account

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/policy"
	"github.com/custos-id/custos/internal/site"
)

// The age rule judges the latest birth date a profile allows, on the date
// of the last time zone, and refuses what may be under the limit.
func TestCheckAge(t *testing.T) {
	// 1 March 2026, 10:00 UTC: 28 February in UTC-12.
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	s := &Service{now: func() time.Time { return now }}
	coppa := site.Site{Policies: policy.Policies{Registration: policy.Registration{EnforceCoppa: true}}}
	for _, tc := range []struct {
		name    string
		profile map[string]any
		under   bool
	}{
		{"no birth date", map[string]any{"firstName": "A"}, false},
		{"born 2012", map[string]any{"birthYear": json.Number("2012")}, false},
		{"born 2013, year only", map[string]any{"birthYear": 2013.0}, true},
		{"born January 2013", map[string]any{"birthYear": 2013, "birthMonth": 1}, false},
		{"born February 2013, maybe the 28th", map[string]any{"birthYear": 2013, "birthMonth": 2}, false},
		{"born 28 February 2013", map[string]any{"birthYear": "2013", "birthMonth": "2", "birthDay": "28"}, false},
		{"born 1 March 2013: 13 in UTC, not in UTC-12", map[string]any{"birthYear": 2013, "birthMonth": 3, "birthDay": 1}, true},
		{"a day that is none counts as the month's last", map[string]any{"birthYear": 2013, "birthMonth": 2, "birthDay": 31}, false},
		{"a month that is none counts as December", map[string]any{"birthYear": 2012, "birthMonth": 0}, false},
		{"a fraction is no year", map[string]any{"birthYear": 2013.5}, false},
		{"a year ahead", map[string]any{"birthYear": 2030}, true},
		{"a year past any calendar", map[string]any{"birthYear": 1e9}, true},
		{"a year before any calendar", map[string]any{"birthYear": -5}, false},
		{"not a number", map[string]any{"birthYear": "soon"}, false},
	} {
		err := s.checkAge(coppa, tc.profile)
		e, ok := errors.AsType[*Error](err)
		switch {
		case tc.under && (!ok || e.Err != ErrUnderage || e.Args[0] != 13):
			t.Errorf("%s: %v, want ErrUnderage of 13", tc.name, err)
		case !tc.under && err != nil:
			t.Errorf("%s: %v, want of age", tc.name, err)
		}
	}
	// Born on 29 February 2008: 18 on 1 March 2026, the later day.
	leap := map[string]any{"birthYear": 2008, "birthMonth": 2, "birthDay": 29}
	adults := site.Site{Policies: policy.Policies{Registration: policy.Registration{MinimumAge: 18}}}
	if err := s.checkAge(adults, leap); err == nil {
		t.Error("born 29 February 2008: of age on 28 February 2026")
	}
	now = now.Add(24 * time.Hour) // 1 March everywhere
	if err := s.checkAge(adults, leap); err != nil {
		t.Errorf("born 29 February 2008, on 1 March 2026: %v", err)
	}
	if err := s.checkAge(site.Site{}, map[string]any{"birthYear": 2026}); err != nil {
		t.Errorf("no age limit: %v", err)
	}
}

// A password is due once older than the interval, or when a server asked;
// an account without a password has none to change.
func TestPasswordChangeDue(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	s := &Service{now: func() time.Time { return now }}
	aging := site.Site{Policies: policy.Policies{Security: policy.Security{PasswordChangeInterval: 10}}}
	changed := now.Add(-10 * 24 * time.Hour)
	for _, tc := range []struct {
		name string
		st   site.Site
		a    Account
		due  bool
	}{
		{"younger than the interval", aging, Account{PasswordHash: "h", PasswordChangedAt: changed.Add(time.Millisecond)}, false},
		{"as old as the interval", aging, Account{PasswordHash: "h", PasswordChangedAt: changed}, true},
		{"interval off", site.Site{}, Account{PasswordHash: "h", PasswordChangedAt: changed.AddDate(-5, 0, 0)}, false},
		{"required", site.Site{}, Account{PasswordHash: "h", PasswordChangedAt: now, PasswordChangeRequired: true}, true},
		{"no password, required", aging, Account{PasswordChangeRequired: true}, false},
		{"no password, old", aging, Account{}, false},
	} {
		if got := s.passwordChangeDue(tc.st, tc.a); got != tc.due {
			t.Errorf("%s: due %v", tc.name, got)
		}
	}
}

// The regToken of a due password change allows a new password and nothing
// else; a client's other rules stay.
func TestChangesPermittedWithPasswordToken(t *testing.T) {
	active := true
	token := Caller{RegToken: true, PasswordChange: true}
	registration := Caller{RegToken: true}
	for _, tc := range []struct {
		name string
		by   Caller
		c    Changes
		err  error
		attr Attribute
		cs   Case
	}{
		{"the password", token, Changes{Password: "a", NewPassword: "b"}, nil, "", ""},
		{"without a new password", token, Changes{Password: "a"}, ErrMissing, AttrNewPassword, ""},
		{"the profile too", token, Changes{NewPassword: "b", Profile: map[string]any{}}, ErrPasswordChangeDue, "", CasePasswordOnly},
		{"a username", token, Changes{NewPassword: "b", Username: new(string)}, ErrPasswordChangeDue, "", CasePasswordOnly},
		{"isActive", token, Changes{NewPassword: "b", Active: &active}, ErrPasswordChangeDue, "", CasePasswordOnly},
		{"a registration's profile", registration, Changes{Profile: map[string]any{"a": 1}}, nil, "", ""},
		{"a registration's login email", registration, Changes{AddLoginEmails: []string{"a@example.com"}}, ErrServerOnly, AttrAddLoginEmails, ""},
		{"a client requires a change", Caller{Session: 1}, Changes{RequirePasswordChange: true}, ErrServerOnly, AttrRequirePasswordChange, ""},
		{"a server requires a change", Caller{Server: true}, Changes{RequirePasswordChange: true}, nil, "", ""},
	} {
		err := tc.c.Permitted(tc.by)
		e, _ := errors.AsType[*Error](err)
		switch {
		case tc.err == nil && err != nil:
			t.Errorf("%s: %v, want permitted", tc.name, err)
		case tc.err != nil && (e == nil || e.Err != tc.err || e.Attr != tc.attr || e.Case != tc.cs):
			t.Errorf("%s: %v, want %v about %q (%q)", tc.name, err, tc.err, tc.attr, tc.cs)
		}
	}
}
