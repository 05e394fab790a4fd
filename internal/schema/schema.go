// Package schema holds a site's account schema: the fields the profile,
// data, preferences and subscriptions of its accounts may hold, their types,
// who may write each one, and which are required or unique. It checks every
// write of account objects against it (Apply) and keeps it up to date
// through setSchema documents (Change).
package schema

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Object names one of the account objects a schema governs.
type Object string

// The objects, in the order getSchema shows them.
const (
	Profile       Object = "profile"
	Data          Object = "data"
	Subscriptions Object = "subscriptions"
	Preferences   Object = "preferences"
)

// Objects lists every object.
var Objects = []Object{Profile, Data, Subscriptions, Preferences}

// Type is the type of a field's values.
type Type string

// The field types.
const (
	Integer     Type = "integer" // 32-bit signed
	Long        Type = "long"    // 64-bit signed
	Float       Type = "float"
	BasicString Type = "basic-string"
	String      Type = "string"
	Text        Type = "text"
	Date        Type = "date"
	Boolean     Type = "boolean"
	// Subscription is the type of every subscriptions field: {"isSubscribed": bool, "tags": [string]}.
	Subscription Type = "subscription"
	// Consent is the type of every preferences field: {"isConsentGranted": bool, "docVersion": number, …}.
	Consent Type = "consent"
	// list and object are built-in profile containers (phones, work …):
	// arrays of objects whose own fields the schema lists.
	list Type = "array"
)

// dataTypes are the types setSchema may give a data field.
var dataTypes = []Type{Integer, Long, Float, BasicString, String, Text, Date, Boolean}

// Access tells who may write a field.
type Access string

// The write access levels.
const (
	// ServerOnly: only the site's server writes (the default).
	ServerOnly Access = "serverOnly"
	// ClientCreate: a client may write the field while it holds no value.
	ClientCreate Access = "clientCreate"
	// ClientModify: a client may write and overwrite the field.
	ClientModify Access = "clientModify"
)

// Field is a field of an object. Zero values of the pointers mean "no such
// constraint"; the custos additions (unique and the value constraints) are
// documented in docs/schema.md.
type Field struct {
	Type        Type   `json:"type"`
	Required    bool   `json:"required"`
	WriteAccess Access `json:"writeAccess"`
	// AllowNull: null is a value the field stores; otherwise null removes it.
	AllowNull bool   `json:"allowNull,omitempty"`
	Format    string `json:"format,omitempty"`
	Unique    bool   `json:"unique,omitempty"`
	// AllowedValues and DisallowedValues are the values (not) accepted.
	AllowedValues    []any  `json:"allowedValues,omitempty"`
	DisallowedValues []any  `json:"disallowedValues,omitempty"`
	MinLength        *int   `json:"minLength,omitempty"`
	MaxLength        *int   `json:"maxLength,omitempty"`
	Length           *int   `json:"length,omitempty"`
	Minimum          *int64 `json:"minimum,omitempty"`
	Maximum          *int64 `json:"maximum,omitempty"`
	ExclusiveMinimum *int64 `json:"exclusiveMinimum,omitempty"`
	ExclusiveMaximum *int64 `json:"exclusiveMaximum,omitempty"`
	EqualTo          *int64 `json:"equalTo,omitempty"`
	// Parity is "odd" or "even".
	Parity string `json:"parity,omitempty"`
	// Description says what a subscription or consent is for.
	Description string `json:"description,omitempty"`
	// MinDocVersion: a consent granted to an older document version is refused.
	MinDocVersion *int64 `json:"minDocVersion,omitempty"`
	// Dynamic: the field was created by a write under dynamicSchema, not
	// declared by setSchema (getSchema's explicitOnly leaves it out).
	Dynamic bool `json:"dynamic,omitempty"`

	builtin bool
	format  *regexp.Regexp
}

// Schema is a site's schema. Profile holds only what a site changed of the
// built-in profile fields (required, writeAccess); Fields lists them all.
type Schema struct {
	Profile       map[string]Field `json:"profile,omitempty"`
	Data          map[string]Field `json:"data,omitempty"`
	Subscriptions map[string]Field `json:"subscriptions,omitempty"`
	Preferences   map[string]Field `json:"preferences,omitempty"`
	// DynamicSchema lets a server write data fields the schema does not
	// list yet; each becomes a field of the type its name or value tells.
	DynamicSchema bool `json:"dynamicSchema"`
}

// Default is the schema of a new site: built-in profile fields, and any
// data field a server writes.
func Default() Schema { return Schema{DynamicSchema: true} }

// Parse reads a stored schema; "" is the default.
func Parse(stored string) (Schema, error) {
	s := Default()
	if stored == "" {
		return s, nil
	}
	if err := json.Unmarshal([]byte(stored), &s); err != nil {
		return Schema{}, fmt.Errorf("stored schema: %w", err)
	}
	if err := s.compile(); err != nil {
		return Schema{}, fmt.Errorf("stored schema: %w", err)
	}
	return s, nil
}

// JSON is the stored form of s.
func (s Schema) JSON() string {
	b, _ := json.Marshal(s)
	return string(b)
}

// compile compiles the formats of every field.
func (s *Schema) compile() error {
	for _, o := range []Object{Data, Subscriptions, Preferences} {
		fs := s.fields(o)
		for path, f := range fs {
			if f.Format == "" {
				continue
			}
			re, err := regexp.Compile(f.Format)
			if err != nil {
				return fmt.Errorf("%s.%s: format: %w", o, path, err)
			}
			f.format = re
			fs[path] = f
		}
	}
	return nil
}

// fields returns the map of o's custom fields (the profile's overrides).
func (s *Schema) fields(o Object) map[string]Field {
	p := map[Object]*map[string]Field{Profile: &s.Profile, Data: &s.Data, Subscriptions: &s.Subscriptions, Preferences: &s.Preferences}[o]
	if *p == nil {
		*p = map[string]Field{}
	}
	return *p
}

// Fields returns every field of o by path: for the profile, the built-in
// fields with the site's changes.
func (s Schema) Fields(o Object) map[string]Field {
	if o != Profile {
		return maps.Clone(s.fields(o))
	}
	out := map[string]Field{}
	for path, f := range builtins {
		if ov, ok := s.Profile[path]; ok {
			f.Required, f.WriteAccess = ov.Required, ov.WriteAccess
		}
		out[path] = f
	}
	return out
}

// Field returns the field of o at path.
func (s Schema) Field(o Object, path string) (Field, bool) {
	if o == Profile {
		f, ok := builtins[path]
		if ov, set := s.Profile[path]; ok && set {
			f.Required, f.WriteAccess = ov.Required, ov.WriteAccess
		}
		return f, ok
	}
	f, ok := s.fields(o)[path]
	return f, ok
}

// isContainer tells whether fields of o lie below path.
func (s Schema) isContainer(o Object, path string) bool {
	prefix := path + "."
	if o == Profile {
		for p := range builtins {
			if strings.HasPrefix(p, prefix) {
				return true
			}
		}
		return false
	}
	for p := range s.fields(o) {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}

// Below lists the fields of o that lie below path, sorted.
func (s Schema) Below(o Object, path string) []string {
	var out []string
	for p := range s.Fields(o) {
		if strings.HasPrefix(p, path+".") {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// Required lists the required fields of every object, as "object.path".
// Built-in profile fields are required only where the site says so, so
// only its changes are looked at: a login asks this, and it stays cheap.
func (s Schema) Required() []string {
	var out []string
	for _, o := range Objects {
		for path, f := range *map[Object]*map[string]Field{Profile: &s.Profile, Data: &s.Data,
			Subscriptions: &s.Subscriptions, Preferences: &s.Preferences}[o] {
			if f.Required {
				out = append(out, string(o)+"."+path)
			}
		}
	}
	slices.Sort(out)
	return out
}

// customCount counts the fields a site declared or created.
func (s Schema) customCount() int {
	return len(s.Data) + len(s.Subscriptions) + len(s.Preferences)
}

// clientWritable tells whether a client may write f now, given whether it
// holds a value.
func (f Field) clientWritable(hasValue bool) bool {
	switch f.WriteAccess {
	case ClientModify:
		return true
	case ClientCreate:
		return !hasValue
	}
	return false
}
