package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/custos-id/custos/errcode"
)

// Documents are the parameters of setSchema: the JSON of each object's
// schema given, "" for those not given.
type Documents map[Object]string

// Param is the name of o's document: profileSchema, dataSchema …
func Param(o Object) string { return string(o) + "Schema" }

// Check is a question a change asks of the stored data before it may be
// made: whether an account holds a value in the field.
type Check struct {
	Object Object
	Path   string
	// Param names what would change, for the error: dataSchema.fields.age.type.
	Param string
	// Change is what the field may not undergo while it holds data.
	Change string
}

// Limits of a schema document.
const (
	MaxFormatLen = 1024
	maxPathLen   = 512
	maxDepth     = 10
	maxValues    = 100
)

// Change applies setSchema documents to s: fields merge attribute by
// attribute, a field set to null is removed. It returns the new schema and
// the checks the stored data must pass (a field that holds data keeps its
// type, stays unless deleted with deleteSchemaFields, and becomes unique
// only while empty). A problem in a document is 400006 (400004 for JSON
// that is not an object) naming it; s is not changed.
func (s Schema) Change(docs Documents) (Schema, []Check, error) {
	out := s.clone()
	var checks []Check
	for _, o := range Objects {
		raw, ok := docs[o]
		if !ok {
			continue
		}
		c, err := out.changeObject(o, raw)
		if err != nil {
			return Schema{}, nil, err
		}
		checks = append(checks, c...)
	}
	if out.customCount() > MaxFields {
		return Schema{}, nil, errcode.InvalidValue("dataSchema", fmt.Sprintf("more than %d fields", MaxFields))
	}
	if err := out.compile(); err != nil {
		return Schema{}, nil, errcode.InvalidValue("dataSchema", "a format does not compile")
	}
	return out, checks, nil
}

// Delete removes fields of o (deleteSchemaFields). Profile fields are built
// in and cannot go.
func (s Schema) Delete(o Object, paths []string) (Schema, error) {
	param := string(o) + "SchemaFields"
	if o == Profile {
		return Schema{}, errcode.InvalidValue(param, "profile fields are built in and cannot be deleted")
	}
	out := s.clone()
	fs := out.fields(o)
	for _, p := range paths {
		if _, ok := fs[p]; !ok {
			return Schema{}, errcode.InvalidValue(param, fmt.Sprintf("%s is not a field of the %s schema", p, o))
		}
		delete(fs, p)
	}
	return out, nil
}

func (s Schema) clone() Schema {
	out := s
	out.Profile, out.Data = maps.Clone(s.Profile), maps.Clone(s.Data)
	out.Subscriptions, out.Preferences = maps.Clone(s.Subscriptions), maps.Clone(s.Preferences)
	return out
}

// changeObject applies one object's document.
func (s *Schema) changeObject(o Object, raw string) ([]Check, error) {
	param := Param(o)
	var doc map[string]json.RawMessage
	if err := decodeStrict(raw, &doc); err != nil || doc == nil {
		return nil, errcode.InvalidFormat(param, "not a JSON object")
	}
	for k := range doc {
		if k != "fields" && !(k == "dynamicSchema" && o == Data) {
			return nil, errcode.InvalidValue(param+"."+k, "unknown schema attribute")
		}
	}
	if v, ok := doc["dynamicSchema"]; ok {
		if err := json.Unmarshal(v, &s.DynamicSchema); err != nil {
			return nil, errcode.InvalidValue(param+".dynamicSchema", "want true or false")
		}
	}
	var fields map[string]json.RawMessage
	if v, ok := doc["fields"]; ok {
		if err := json.Unmarshal(v, &fields); err != nil {
			return nil, errcode.InvalidValue(param+".fields", "want an object of fields by path")
		}
	}
	var checks []Check
	for _, path := range slices.Sorted(maps.Keys(fields)) {
		c, err := s.changeField(o, path, fields[path])
		if err != nil {
			return nil, err
		}
		checks = append(checks, c...)
	}
	return checks, nil
}

// changeField applies the attributes of one field, or removes it.
func (s *Schema) changeField(o Object, path string, raw json.RawMessage) ([]Check, error) {
	param := Param(o) + ".fields." + path
	if err := ValidPath(path); err != nil {
		return nil, errcode.InvalidValue(param, err.Error())
	}
	if o == Profile {
		return nil, s.changeProfile(path, param, raw)
	}
	fs := s.fields(o)
	old, exists := fs[path]
	if string(bytes.TrimSpace(raw)) == "null" {
		delete(fs, path)
		if !exists {
			return nil, nil
		}
		return []Check{{o, path, param, "be removed (delete it with accounts.deleteSchemaFields)"}}, nil
	}
	f := old
	if !exists {
		f = Field{Type: newType(o, path), WriteAccess: ServerOnly}
	}
	f.Dynamic = false
	if err := f.set(o, param, raw); err != nil {
		return nil, err
	}
	if err := s.placeable(o, path, param); err != nil {
		return nil, err
	}
	fs[path] = f
	var checks []Check
	if exists && f.Type != old.Type {
		checks = append(checks, Check{o, path, param + ".type", "change its type"})
	}
	if f.Unique && !old.Unique {
		checks = append(checks, Check{o, path, param + ".unique", "become unique"})
	}
	return checks, nil
}

// newType is the type of a field declared without one.
func newType(o Object, path string) Type {
	switch o {
	case Subscriptions:
		return Subscription
	case Preferences:
		return Consent
	}
	return infer(path, nil)
}

// placeable checks that path is neither inside nor around another field.
func (s *Schema) placeable(o Object, path, param string) error {
	for p := range s.fields(o) {
		if strings.HasPrefix(path, p+".") || strings.HasPrefix(p, path+".") {
			return errcode.InvalidValue(param, fmt.Sprintf("a field cannot lie inside another: %s and %s", path, p))
		}
	}
	return nil
}

// changeProfile changes what a site may change of a built-in profile
// field: required and writeAccess. Attributes equal to the fixed ones are
// accepted, so that getSchema's answer can be sent back as it is.
func (s *Schema) changeProfile(path, param string, raw json.RawMessage) error {
	f, ok := builtins[path]
	if !ok {
		return errcode.InvalidValue(param, "not a profile field (profile fields are built in; custom fields go in data)")
	}
	if string(bytes.TrimSpace(raw)) == "null" {
		delete(s.Profile, path)
		return nil
	}
	if ov, ok := s.Profile[path]; ok {
		f.Required, f.WriteAccess = ov.Required, ov.WriteAccess
	}
	fixed := f
	if err := f.set(Profile, param, raw); err != nil {
		return err
	}
	changed := f
	changed.Required, changed.WriteAccess = fixed.Required, fixed.WriteAccess
	if !sameField(changed, fixed) {
		return errcode.InvalidValue(param, "profile fields are fixed: only required and writeAccess change")
	}
	if s.Profile == nil {
		s.Profile = map[string]Field{}
	}
	s.Profile[path] = Field{Type: fixed.Type, Required: f.Required, WriteAccess: f.WriteAccess}
	if def := builtins[path]; f.Required == def.Required && f.WriteAccess == def.WriteAccess {
		delete(s.Profile, path) // as built in: nothing to keep
	}
	return nil
}

func sameField(a, b Field) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// set applies the attributes in raw to f: null resets one.
func (f *Field) set(o Object, param string, raw json.RawMessage) error {
	var attrs map[string]json.RawMessage
	if err := json.Unmarshal(raw, &attrs); err != nil || attrs == nil {
		return errcode.InvalidValue(param, "want an object of field attributes, or null")
	}
	for _, name := range slices.Sorted(maps.Keys(attrs)) {
		if !slices.Contains(attributes[o], name) {
			return errcode.InvalidValue(param+"."+name, fmt.Sprintf("not an attribute of %s fields", o))
		}
		if err := f.setAttr(name, attrs[name]); err != nil {
			return errcode.InvalidValue(param+"."+name, err.Error())
		}
	}
	if attr, err := f.validate(o); err != nil {
		return errcode.InvalidValue(param+"."+attr, err.Error())
	}
	return nil
}

// attributes are the attributes each object's fields take.
var attributes = map[Object][]string{
	Profile: {"type", "required", "writeAccess", "allowNull", "format", "unique", "allowedValues", "minimum", "maximum"},
	Data: {"type", "required", "writeAccess", "allowNull", "format", "unique", "allowedValues", "disallowedValues",
		"minLength", "maxLength", "length", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "equalTo", "parity"},
	Subscriptions: {"type", "required", "writeAccess", "description"},
	Preferences:   {"type", "required", "writeAccess", "description", "minDocVersion"},
}

// setAttr sets one attribute from its JSON; null resets it.
func (f *Field) setAttr(name string, raw json.RawMessage) error {
	if string(bytes.TrimSpace(raw)) == "null" {
		raw = nil
	}
	var dst any
	switch name {
	case "type":
		dst = &f.Type
	case "required":
		dst = &f.Required
	case "writeAccess":
		dst = &f.WriteAccess
	case "allowNull":
		dst = &f.AllowNull
	case "format":
		dst = &f.Format
	case "unique":
		dst = &f.Unique
	case "allowedValues":
		dst = &f.AllowedValues
	case "disallowedValues":
		dst = &f.DisallowedValues
	case "minLength":
		dst = &f.MinLength
	case "maxLength":
		dst = &f.MaxLength
	case "length":
		dst = &f.Length
	case "minimum":
		dst = &f.Minimum
	case "maximum":
		dst = &f.Maximum
	case "exclusiveMinimum":
		dst = &f.ExclusiveMinimum
	case "exclusiveMaximum":
		dst = &f.ExclusiveMaximum
	case "equalTo":
		dst = &f.EqualTo
	case "parity":
		dst = &f.Parity
	case "description":
		dst = &f.Description
	case "minDocVersion":
		dst = &f.MinDocVersion
	}
	if raw == nil {
		reset(dst)
		return nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return fmt.Errorf("has the wrong type")
	}
	return nil
}

// reset sets what dst points to to its zero value.
func reset(dst any) {
	switch d := dst.(type) {
	case *Type:
		*d = ""
	case *Access:
		*d = ServerOnly
	case *bool:
		*d = false
	case *string:
		*d = ""
	case *[]any:
		*d = nil
	case **int:
		*d = nil
	case **int64:
		*d = nil
	}
}

// validate checks that f's attributes make sense together: the error
// names the attribute at fault.
func (f *Field) validate(o Object) (attr string, err error) {
	checks := []struct {
		attr string
		bad  bool
		msg  string
	}{
		{"type", !f.validType(o), "not a type of " + string(o) + " fields"},
		{"writeAccess", f.WriteAccess != ServerOnly && f.WriteAccess != ClientCreate && f.WriteAccess != ClientModify, "want serverOnly, clientCreate or clientModify"},
		{"format", len(f.Format) > MaxFormatLen, fmt.Sprintf("longer than %d characters", MaxFormatLen)},
		{"format", f.Format != "" && !f.isString(), "only string fields have one"},
		{"unique", f.Unique && (o != Data || f.AllowNull), "only data fields that do not allow null"},
		{"allowedValues", len(f.AllowedValues) > maxValues || len(f.DisallowedValues) > maxValues, fmt.Sprintf("at most %d values", maxValues)},
		{"allowedValues", !scalars(f.AllowedValues) || !scalars(f.DisallowedValues), "want strings, numbers or booleans"},
		{"minLength", (f.MinLength != nil || f.MaxLength != nil || f.Length != nil) && !f.isString(), "only string fields have lengths"},
		{"minLength", negative(f.MinLength, f.MaxLength, f.Length), "lengths are not negative"},
		{"minLength", f.MinLength != nil && f.MaxLength != nil && *f.MinLength > *f.MaxLength, "greater than maxLength"},
		{"minimum", f.hasBounds() && !f.isNumber(), "only number fields have bounds"},
		{"minimum", f.Minimum != nil && f.Maximum != nil && *f.Minimum > *f.Maximum, "greater than maximum"},
		{"parity", f.Parity != "" && f.Parity != "odd" && f.Parity != "even", "want odd or even"},
		{"parity", f.Parity != "" && f.Type != Integer && f.Type != Long, "only integer fields have one"},
		{"description", len(f.Description) > 1000, "longer than 1000 characters"},
	}
	for _, c := range checks {
		if c.bad {
			return c.attr, errors.New(c.msg)
		}
	}
	if f.Format != "" {
		if _, err := regexp.Compile(f.Format); err != nil {
			return "format", errors.New("not a valid regular expression (RE2 syntax)")
		}
	}
	return "", nil
}

func (f *Field) validType(o Object) bool {
	switch o {
	case Subscriptions:
		return f.Type == Subscription
	case Preferences:
		return f.Type == Consent
	case Profile:
		return true // checked against the fixed type
	}
	return slices.Contains(dataTypes, f.Type)
}

func (f *Field) isString() bool {
	return f.Type == BasicString || f.Type == String || f.Type == Text || f.Type == Date
}

func (f *Field) isNumber() bool { return f.Type == Integer || f.Type == Long || f.Type == Float }

func (f *Field) hasBounds() bool {
	return f.Minimum != nil || f.Maximum != nil || f.ExclusiveMinimum != nil || f.ExclusiveMaximum != nil || f.EqualTo != nil
}

func negative(ns ...*int) bool {
	return slices.ContainsFunc(ns, func(n *int) bool { return n != nil && *n < 0 })
}

func scalars(vs []any) bool {
	for _, v := range vs {
		if _, ok := canonical(v); !ok {
			return false
		}
	}
	return true
}

// ValidPath checks a field's dotted path.
func ValidPath(path string) error {
	parts := strings.Split(path, ".")
	switch {
	case len(path) > maxPathLen:
		return fmt.Errorf("path longer than %d characters", maxPathLen)
	case len(parts) > maxDepth:
		return fmt.Errorf("path deeper than %d", maxDepth)
	}
	for _, p := range parts {
		if !fieldName.MatchString(p) {
			return fmt.Errorf("field names begin with a letter and hold letters, digits and underscores")
		}
	}
	return nil
}

func decodeStrict(raw string, v any) error {
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data")
	}
	return nil
}

// Filters of getSchema.
const (
	FilterFull         = "full"
	FilterExplicitOnly = "explicitOnly"
	FilterClientOnly   = "clientOnly"
)

// View renders o's schema for getSchema: {"fields": {path: attributes}},
// with dynamicSchema for data. explicitOnly leaves out fields writes
// created and, for the profile, the fields the site did not change;
// clientOnly keeps the fields a client may write.
func (s Schema) View(o Object, filter string) map[string]any {
	fields := map[string]any{}
	for path, f := range s.Fields(o) {
		_, changed := s.Profile[path]
		switch {
		case filter == FilterExplicitOnly && (f.Dynamic || o == Profile && !changed):
			continue
		case filter == FilterClientOnly && f.WriteAccess == ServerOnly:
			continue
		}
		f.Dynamic = false
		if f.WriteAccess == "" {
			f.WriteAccess = ServerOnly
		}
		fields[path] = f
	}
	out := map[string]any{"fields": fields}
	if o == Data {
		out["dynamicSchema"] = s.DynamicSchema
	}
	return out
}
