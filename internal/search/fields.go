package search

import (
	"fmt"
	"regexp"
	"strings"
)

// kind says how a field is stored.
type kind int

const (
	kText    kind = iota // a text column
	kBool                // a boolean column
	kTime                // a time column in Unix ms, 0 for never; compared as ISO 8601 text or ms
	kLoginID             // a row of login_ids
	kJSON                // a path in a JSON column
)

// target is where a field path is stored.
type target struct {
	kind   kind
	column string // accounts column, or JSON column
	login  string // login_ids.kind
	object string // profile, data, preferences, subscriptions
	keys   []string
}

// columns maps the top-level fields to columns of accounts.
var columns = map[string]target{
	"UID":                  {kind: kText, column: "a.uid"},
	"isActive":             {kind: kBool, column: "a.active"},
	"isRegistered":         {kind: kBool, column: "a.registered"},
	"isVerified":           {kind: kBool, column: "a.email_verified"},
	"created":              {kind: kTime, column: "a.created_at"},
	"createdTimestamp":     {kind: kTime, column: "a.created_at"},
	"lastUpdated":          {kind: kTime, column: "a.updated_at"},
	"lastUpdatedTimestamp": {kind: kTime, column: "a.updated_at"},
	"lastLogin":            {kind: kTime, column: "a.last_login_at"},
	"lastLoginTimestamp":   {kind: kTime, column: "a.last_login_at"},
	"registered":           {kind: kTime, column: "a.registered_at"},
	"registeredTimestamp":  {kind: kTime, column: "a.registered_at"},
	"verified":             {kind: kTime, column: "a.verified_at"},
	"verifiedTimestamp":    {kind: kTime, column: "a.verified_at"},
	"loginIDs.emails":      {kind: kLoginID, login: "email"},
	"loginIDs.username":    {kind: kLoginID, login: "username"},
	"email":                {kind: kLoginID, login: "email"},
	"username":             {kind: kLoginID, login: "username"},
}

// jsonObjects are the JSON columns a path may start with.
var jsonObjects = []string{"profile", "data", "preferences", "subscriptions"}

// selectOnly are names SELECT may take that WHERE cannot: whole objects
// and parts of the rendered account.
var selectOnly = []string{"profile", "data", "preferences", "subscriptions", "loginIDs", "emails", "loginProvider",
	"socialProviders"}

var segment = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,127}$`)

const maxSegments = 8

// resolve finds where the field path is stored.
func resolve(path string, pos int) (target, error) {
	if t, ok := columns[path]; ok {
		return t, nil
	}
	obj, rest, ok := strings.Cut(path, ".")
	if ok {
		for _, o := range jsonObjects {
			if obj != o {
				continue
			}
			keys := strings.Split(rest, ".")
			if len(keys) > maxSegments {
				return target{}, &Error{pos, fmt.Sprintf("the field %s is deeper than %d levels", path, maxSegments)}
			}
			for _, k := range keys {
				if !segment.MatchString(k) {
					return target{}, &Error{pos, fmt.Sprintf("the field %s has an invalid name %q", path, k)}
				}
			}
			return target{kind: kJSON, column: "a." + o, object: o, keys: keys}, nil
		}
	}
	return target{}, &Error{pos, fmt.Sprintf("unknown field %s", path)}
}

// checkSelectPath accepts what resolve does and the names of whole objects.
func checkSelectPath(t token) error {
	for _, s := range selectOnly {
		if t.text == s {
			return nil
		}
	}
	if strings.HasPrefix(t.text, "loginIDs.") || strings.HasPrefix(t.text, "emails.") {
		return nil
	}
	_, err := resolve(t.text, t.pos)
	return err
}
