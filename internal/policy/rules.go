package policy

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/custos-id/custos/errcode"
)

// The values of accountOptions.loginIdentifierConflict.
const (
	// ConflictIgnore lets an account's profile.email be another account's
	// login email.
	ConflictIgnore = "ignore"
	// ConflictFailOnSite and ConflictFailOnAny refuse it. They differ for
	// social identities only (an email a social provider vouches for, issue
	// 14): for the site's own login emails both refuse.
	ConflictFailOnSite = "failOnSiteConflictingIdentity"
	ConflictFailOnAny  = "failOnAnyConflictingIdentity"
)

// Bounds of the policies on ages and password aging.
const (
	// CoppaAge is the age below which COPPA protects children.
	CoppaAge = 13
	// MaxMinimumAge bounds registration.minimumAge, in years.
	MaxMinimumAge = 120
	// MaxPasswordChangeInterval bounds security.passwordChangeInterval, in days.
	MaxPasswordChangeInterval = 3650
)

// MinAge is the youngest age, in years, the site accepts users at: 0 for any.
func (r Registration) MinAge() int {
	if r.EnforceCoppa {
		return max(r.MinimumAge, CoppaAge)
	}
	return r.MinimumAge
}

// RefusesConflicts tells whether an account's profile.email may not be a
// login email of another account.
func (a AccountOptions) RefusesConflicts() bool {
	return a.LoginIdentifierConflict == ConflictFailOnSite || a.LoginIdentifierConflict == ConflictFailOnAny
}

// PasswordMaxAge is how long a password lasts; 0 when it lasts for ever.
func (s Security) PasswordMaxAge() time.Duration {
	return time.Duration(s.PasswordChangeInterval) * 24 * time.Hour
}

// checkAge: COPPA's age is a floor that a lower minimumAge contradicts.
func (p Policies) checkAge() error {
	r := p.Registration
	switch {
	case r.MinimumAge < 0 || r.MinimumAge > MaxMinimumAge:
		return errcode.InvalidValue("registration.minimumAge", fmt.Sprintf("want 0 to %d years", MaxMinimumAge))
	case r.EnforceCoppa && r.MinimumAge != 0 && r.MinimumAge < CoppaAge:
		return errcode.InvalidValue("registration.minimumAge",
			fmt.Sprintf("%d contradicts registration.enforceCoppa (users of %d and older): want 0 or %d and more", r.MinimumAge, CoppaAge, CoppaAge))
	}
	return nil
}

func (p Policies) checkConflict() error {
	switch p.AccountOptions.LoginIdentifierConflict {
	case ConflictIgnore, ConflictFailOnSite, ConflictFailOnAny:
		return nil
	}
	return errcode.InvalidValue("accountOptions.loginIdentifierConflict",
		fmt.Sprintf("want %s, %s or %s", ConflictIgnore, ConflictFailOnSite, ConflictFailOnAny))
}

func (p Policies) checkPasswordChangeInterval() error {
	if v := p.Security.PasswordChangeInterval; v < 0 || v > MaxPasswordChangeInterval {
		return errcode.InvalidValue("security.passwordChangeInterval", fmt.Sprintf("want 0 to %d days", MaxPasswordChangeInterval))
	}
	return nil
}

// unknownPath is the dotted path of the key name in the JSON object raw
// that struct type t has no field for ("" when there is none), matching
// field names as encoding/json does: case-insensitively. Keys are tried in
// order, so the answer does not depend on map order.
func unknownPath(t reflect.Type, raw, name string) string {
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(raw), &m) != nil {
		return ""
	}
	for _, key := range slices.Sorted(maps.Keys(m)) {
		f, ok := fieldOf(t, key)
		switch {
		case !ok && key == name:
			return key
		case ok && f.Type.Kind() == reflect.Struct:
			if sub := unknownPath(f.Type, string(m[key]), name); sub != "" {
				return key + "." + sub
			}
		case ok && f.Type.Kind() == reflect.Map && f.Type.Elem().Kind() == reflect.Struct:
			if sub := unknownPathInMap(f.Type.Elem(), string(m[key]), name); sub != "" {
				return key + "." + sub
			}
		}
	}
	return ""
}

// unknownPathInMap is unknownPath for a JSON object whose values are of
// struct type t: the path starts with the key.
func unknownPathInMap(t reflect.Type, raw, name string) string {
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(raw), &m) != nil {
		return ""
	}
	for _, key := range slices.Sorted(maps.Keys(m)) {
		if sub := unknownPath(t, string(m[key]), name); sub != "" {
			return key + "." + sub
		}
	}
	return ""
}

// fieldOf is the field of struct type t whose JSON name is name.
func fieldOf(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if strings.EqualFold(tag, name) {
			return f, true
		}
	}
	return reflect.StructField{}, false
}
