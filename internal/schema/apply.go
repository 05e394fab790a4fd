package schema

import (
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/custos-id/custos/errcode"
)

// Values are the objects of an account the schema governs.
type Values struct {
	Profile, Data, Subscriptions, Preferences map[string]any
}

func (v *Values) ptr(o Object) *map[string]any {
	return map[Object]*map[string]any{Profile: &v.Profile, Data: &v.Data, Subscriptions: &v.Subscriptions, Preferences: &v.Preferences}[o]
}

// Get returns object o of v.
func (v Values) Get(o Object) map[string]any { return *v.ptr(o) }

// Write is one write of account objects.
type Write struct {
	// Server: the site's server writes; otherwise a client does (a user in
	// a session, or a call with a regToken), within each field's writeAccess.
	Server bool
	// Old are the objects the account holds; zero for a new account.
	Old Values
	// Patch is what the request writes: a key with null removes the value,
	// an object merges into the one held, anything else replaces it.
	Patch Values
}

// UniqueValue is a value of a unique field after a write.
type UniqueValue struct {
	// Field is "object.path", such as "data.memberId".
	Field string
	// Value is the value in canonical form: strings as written, numbers
	// in decimal, booleans as true or false.
	Value string
}

// Outcome is the result of a write. When Errors is empty, New is what to
// store, and Created the fields to add to the schema first.
type Outcome struct {
	New Values
	// Unique lists every value of a unique field the account holds after
	// the write.
	Unique []UniqueValue
	// Created are the data fields a server's write creates (dynamicSchema).
	Created map[string]Field
	// Missing lists the required fields without a value after the write,
	// as "object.path", sorted.
	Missing []string
	// Errors are every problem of the write; nothing may be stored then.
	Errors []errcode.FieldError
}

// Apply checks a write against the schema and merges it into the objects
// held. Every problem of the write is reported, in the order of the
// objects and then of the paths.
func (s Schema) Apply(w Write) Outcome {
	a := &applier{s: s, server: w.Server, out: Outcome{Created: map[string]Field{}}}
	for _, o := range Objects {
		a.obj = o
		old, patch := w.Old.Get(o), w.Patch.Get(o)
		if patch == nil {
			*a.out.New.ptr(o) = maps.Clone(old)
			continue
		}
		*a.out.New.ptr(o) = a.object("", old, patch)
	}
	if len(a.out.Errors) == 0 {
		a.out.Missing = s.withCreated(a.out.Created).Missing(a.out.New)
		a.out.Unique = s.Uniques(a.out.New)
	}
	return a.out
}

// applier is one Apply on its way.
type applier struct {
	s      Schema
	obj    Object
	server bool
	out    Outcome
}

// fieldName is the form of a key: a letter, then letters, digits and underscores.
var fieldName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,127}$`)

// object merges patch into base, the object at prefix.
func (a *applier) object(prefix string, base, patch map[string]any) map[string]any {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]any{}
	}
	for _, k := range slices.Sorted(maps.Keys(patch)) {
		path := join(prefix, k)
		if !fieldName.MatchString(k) {
			a.fail(path, codeField(errcode.DynamicFieldsValidation, "is not a valid field name"))
			continue
		}
		old, had := out[k]
		v, keep := a.value(path, old, had, patch[k])
		if keep {
			out[k] = v
		} else {
			delete(out, k)
		}
	}
	return out
}

// value checks one written value at path: it returns the value to keep, or
// keep=false to remove the key.
func (a *applier) value(path string, old any, had bool, v any) (any, bool) {
	f, isField := a.field(path)
	container := a.s.isContainer(a.obj, path) || a.createdBelow(path)
	switch {
	case v == nil:
		return a.remove(path, f, isField, container, old, had)
	case isField && f.Type == list:
		return a.list(path, f, old, v)
	case isField:
		if !a.mayWrite(path, f, had && old != nil) {
			return nil, false
		}
		return a.leaf(path, f, old, v)
	case container:
		return a.inContainer(path, old, v)
	}
	return a.unknown(path, old, v)
}

// field returns the field at path, among those the write creates too.
func (a *applier) field(path string) (Field, bool) {
	if f, ok := a.s.Field(a.obj, path); ok {
		return f, true
	}
	f, ok := a.out.Created[path]
	return f, ok && a.obj == Data
}

func (a *applier) createdBelow(path string) bool {
	if a.obj != Data {
		return false
	}
	for p := range a.out.Created {
		if strings.HasPrefix(p, path+".") {
			return true
		}
	}
	return false
}

// remove handles a null: a field that allows null keeps it; otherwise the
// value goes, if the writer may remove it and it is not required.
func (a *applier) remove(path string, f Field, isField, container bool, old any, had bool) (any, bool) {
	switch {
	case isField && f.AllowNull:
		return nil, a.mayWrite(path, f, had && old != nil)
	case isField && f.Type != list:
		if !a.mayWrite(path, f, had && old != nil) {
			return old, had
		}
		if f.Required && had && old != nil {
			a.fail(path, errcode.Field(a.attr(path), errcode.RuleMustBePresent))
			return old, had
		}
	case container:
		if isField && !a.mayWrite(path, f, had && old != nil) || !a.mayReplace(path, old) {
			return old, had
		}
		if a.lostRequired(path, old, nil) {
			return old, had
		}
	case !a.server && had:
		a.fail(path, codeField(errcode.WriteAccessValidation, "may not be written by a client"))
		return old, had
	}
	return nil, false
}

// mayReplace tells whether the writer may replace or remove what lies
// below path: a client only if it may write every field there, given the
// values held (a clientCreate field that holds one is not its to replace).
func (a *applier) mayReplace(path string, old any) bool {
	if a.server || old == nil {
		return true
	}
	for p, f := range a.s.Fields(a.obj) {
		if strings.HasPrefix(p, path+".") && !f.clientWritable(lookup(old, strings.TrimPrefix(p, path+".")) != nil) {
			a.fail(path, codeField(errcode.SchemaValidationFailed, "holds fields a client may not replace or remove"))
			return false
		}
	}
	return true
}

// lostRequired reports the required fields below path that held a value
// in old and hold none in new.
func (a *applier) lostRequired(path string, old, new any) bool {
	lost := false
	for _, p := range slices.Sorted(maps.Keys(a.s.Fields(a.obj))) {
		f, _ := a.s.Field(a.obj, p)
		rel := strings.TrimPrefix(p, path+".")
		if strings.HasPrefix(p, path+".") && f.Required && lookup(old, rel) != nil && lookup(new, rel) == nil {
			a.fail(p, errcode.Field(a.attr(p), errcode.RuleMustBePresent))
			lost = true
		}
	}
	return lost
}

// mayWrite checks the writeAccess of f for a client.
func (a *applier) mayWrite(path string, f Field, hasValue bool) bool {
	if a.server || f.clientWritable(hasValue) {
		return true
	}
	msg := "may not be written by a client"
	if f.WriteAccess == ClientCreate {
		msg = "is set already and may not be changed by a client"
	}
	a.fail(path, codeField(errcode.WriteAccessValidation, msg))
	return false
}

// leaf checks the value of a field.
func (a *applier) leaf(path string, f Field, old, v any) (any, bool) {
	if arr, ok := v.([]any); ok && f.Type != Subscription && f.Type != Consent {
		return a.array(path, f, arr)
	}
	if m, ok := v.(map[string]any); ok && (f.Type == Subscription || f.Type == Consent) {
		if om, ok := old.(map[string]any); ok {
			m = mergeShallow(om, m)
		}
		v = m
	}
	c, errs := check(a.obj, path, f, v)
	a.fail(path, errs...)
	return c, len(errs) == 0
}

// array checks an array of values of a field's type.
func (a *applier) array(path string, f Field, arr []any) (any, bool) {
	if f.Unique {
		a.fail(path, codeField(errcode.InvalidTypeValidation, "holds one value: it is unique"))
		return nil, false
	}
	if f.Required && len(arr) == 0 {
		a.fail(path, errcode.Field(a.attr(path), errcode.RuleEmpty))
		return nil, false
	}
	out := make([]any, len(arr))
	ok := true
	for i, v := range arr {
		c, errs := check(a.obj, path, f, v)
		a.fail(path, errs...)
		out[i], ok = c, ok && len(errs) == 0
	}
	return out, ok
}

// list checks a built-in list (profile phones, work, education): an array
// of objects whose keys are the list's fields.
func (a *applier) list(path string, f Field, old, v any) (any, bool) {
	if !a.mayWrite(path, f, old != nil) {
		return nil, false
	}
	arr, ok := v.([]any)
	if !ok {
		a.fail(path, codeField(errcode.InvalidTypeValidation, "must be a list of objects"))
		return nil, false
	}
	return a.replace(path, old, arr)
}

// replace checks an array written where fields lie below path: it replaces
// what is held, so the writer must be allowed to replace it, and required
// fields must not get lost.
func (a *applier) replace(path string, old any, arr []any) (any, bool) {
	if !a.mayReplace(path, old) {
		return old, old != nil
	}
	v, ok := a.objects(path, arr)
	if ok && a.lostRequired(path, old, v) {
		return old, old != nil
	}
	return v, ok
}

// objects checks each element of arr as an object below path.
func (a *applier) objects(path string, arr []any) (any, bool) {
	out := make([]any, 0, len(arr))
	for _, e := range arr {
		m, ok := e.(map[string]any)
		if !ok {
			a.fail(path, codeField(errcode.InvalidTypeValidation, "must be a list of objects"))
			return nil, false
		}
		out = append(out, a.object(path, nil, m))
	}
	return out, true
}

// inContainer handles a value written at a path fields lie below: an object
// merges, an array holds objects; anything else would overwrite the fields.
func (a *applier) inContainer(path string, old, v any) (any, bool) {
	switch v := v.(type) {
	case map[string]any:
		om, isMap := old.(map[string]any)
		if !isMap && !a.mayReplace(path, old) { // an object replaces a list
			return old, old != nil
		}
		return a.object(path, om, v), true
	case []any:
		return a.replace(path, old, v)
	}
	if !a.server {
		a.fail(path, codeField(errcode.SchemaValidationFailed, "holds fields a client may not overwrite"))
	} else {
		a.fail(path, codeField(errcode.InvalidTypeValidation, "must be an object"))
	}
	return old, old != nil
}

// unknown handles a value at a path the schema does not know: a server
// creates data fields while the schema is dynamic.
func (a *applier) unknown(path string, old, v any) (any, bool) {
	switch {
	case a.obj != Data || !a.s.DynamicSchema:
		a.fail(path, codeField(errcode.DynamicFieldsValidation, "is not a field of the schema"))
		return nil, false
	case !a.server:
		// Fields a write creates are serverOnly.
		a.fail(path, codeField(errcode.WriteAccessValidation, "may not be written by a client"))
		return nil, false
	case ValidPath(path) != nil:
		a.fail(path, codeField(errcode.DynamicFieldsValidation, "is too long or too deep for a field path"))
		return nil, false
	}
	switch v := v.(type) {
	case map[string]any:
		om, _ := old.(map[string]any)
		return a.object(path, om, v), true
	case []any:
		if len(v) > 0 {
			if _, ok := v[0].(map[string]any); ok {
				return a.objects(path, v)
			}
		}
	}
	if a.s.customCount()+len(a.out.Created) >= MaxFields {
		a.fail(path, codeField(errcode.DynamicFieldsValidation, "is one field too many for the schema"))
		return nil, false
	}
	f := Field{Type: infer(path, v), WriteAccess: ServerOnly, Dynamic: true}
	a.out.Created[path] = f
	return a.leaf(path, f, old, v)
}

// attr is the attribute an error names: object.path.
func (a *applier) attr(path string) string { return string(a.obj) + "." + path }

func (a *applier) fail(path string, errs ...errcode.FieldError) {
	for _, e := range errs {
		if e.Attribute == "" {
			e.Attribute = a.attr(path)
		}
		a.out.Errors = append(a.out.Errors, e)
	}
}

// codeField is a field error with its own RPC code; it names its attribute
// once fail adds it.
func codeField(code errcode.Code, msg string) errcode.FieldError {
	return errcode.Field("", errcode.RuleInvalid).WithCode(code).WithMessage(msg)
}

func join(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

func mergeShallow(base, patch map[string]any) map[string]any {
	out := maps.Clone(base)
	for k, v := range patch {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

// lookup returns the value at a dotted path below v, descending into
// arrays of objects: nil when there is none.
func lookup(v any, path string) any {
	if path == "" {
		return v
	}
	k, rest, _ := strings.Cut(path, ".")
	switch v := v.(type) {
	case map[string]any:
		return lookup(v[k], rest)
	case []any:
		for _, e := range v {
			if found := lookup(e, path); found != nil {
				return found
			}
		}
	}
	return nil
}

// values returns every value at a dotted path below v, descending into
// arrays of objects.
func values(v any, path string) []any {
	if path == "" {
		if v == nil {
			return nil
		}
		return []any{v}
	}
	k, rest, _ := strings.Cut(path, ".")
	switch v := v.(type) {
	case map[string]any:
		return values(v[k], rest)
	case []any:
		var out []any
		for _, e := range v {
			out = append(out, values(e, path)...)
		}
		return out
	}
	return nil
}

// withCreated returns s with the fields a write creates.
func (s Schema) withCreated(created map[string]Field) Schema {
	if len(created) == 0 {
		return s
	}
	s.Data = maps.Clone(s.Data)
	if s.Data == nil {
		s.Data = map[string]Field{}
	}
	maps.Copy(s.Data, created)
	return s
}

// Missing lists the required fields without a value in v, as
// "object.path" (a consent: "object.path.isConsentGranted"), sorted.
func (s Schema) Missing(v Values) []string {
	var out []string
	for _, name := range s.Required() {
		o, path, _ := strings.Cut(name, ".")
		f, _ := s.Field(Object(o), path)
		held := lookup(v.Get(Object(o)), path)
		switch {
		case f.Type == Consent:
			if m, _ := held.(map[string]any); m == nil || m["isConsentGranted"] != true {
				out = append(out, name+".isConsentGranted")
			}
		case held == nil || held == "" || isEmptyList(held):
			out = append(out, name)
		}
	}
	return out
}

func isEmptyList(v any) bool {
	arr, ok := v.([]any)
	return ok && len(arr) == 0
}

// Uniques lists the values of unique fields in v.
func (s Schema) Uniques(v Values) []UniqueValue {
	var out []UniqueValue
	for _, path := range slices.Sorted(maps.Keys(s.Data)) {
		if !s.Data[path].Unique {
			continue
		}
		seen := map[string]bool{}
		for _, x := range values(v.Data, path) {
			if c, ok := canonical(x); ok && !seen[c] {
				seen[c] = true
				out = append(out, UniqueValue{Field: string(Data) + "." + path, Value: c})
			}
		}
	}
	return out
}

// MaxFields bounds the fields a site declares or creates, data,
// subscriptions and preferences together.
const MaxFields = 1000

// Add adds fields a write created to s. A field added meanwhile with
// another type, or one that no longer fits, is reported as a field error.
func (s Schema) Add(created map[string]Field) (Schema, []errcode.FieldError) {
	out := s.clone()
	fs := out.fields(Data)
	var errs []errcode.FieldError
	for _, path := range slices.Sorted(maps.Keys(created)) {
		f := created[path]
		if have, ok := fs[path]; ok {
			if have.Type != f.Type {
				errs = append(errs, at("data."+path, codeField(errcode.InvalidTypeValidation, "must be of type "+string(have.Type))))
			}
			continue
		}
		if err := out.placeable(Data, path, path); err != nil || out.customCount() >= MaxFields {
			errs = append(errs, at("data."+path, codeField(errcode.DynamicFieldsValidation, "does not fit the schema")))
			continue
		}
		fs[path] = f
	}
	return out, errs
}

func at(attr string, e errcode.FieldError) errcode.FieldError {
	e.Attribute = attr
	return e
}
