package schema

import (
	"encoding/json"
	"math"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/custos-id/custos/errcode"
)

// maxLen bounds a string value of each type, in characters.
var maxLen = map[Type]int{BasicString: 1024, String: 16384, Text: 65536, Date: 64}

// check checks v against f and returns it in canonical form.
func check(o Object, path string, f Field, v any) (any, []errcode.FieldError) {
	attr := string(o) + "." + path
	c, ferr := typed(attr, f, v)
	if ferr != nil {
		return nil, []errcode.FieldError{*ferr}
	}
	if o == Profile && path == "email" {
		if ferr := checkEmail(attr, c); ferr != nil {
			return nil, []errcode.FieldError{*ferr}
		}
	}
	return c, constraints(attr, f, c)
}

// typed checks the type of v: numbers also as numeric strings, which
// become numbers.
func typed(attr string, f Field, v any) (any, *errcode.FieldError) {
	switch f.Type {
	case Integer, Long:
		return integer(attr, f.Type, v)
	case Float:
		n, ok := number(v)
		if !ok {
			return nil, ptr(errcode.Field(attr, errcode.RuleNotANumber))
		}
		return json.Number(strconv.FormatFloat(n, 'g', -1, 64)), nil
	case Boolean:
		if _, ok := v.(bool); !ok {
			return nil, typeErr(attr, "must be true or false")
		}
		return v, nil
	case Date:
		s, ok := v.(string)
		if !ok || !validDate(s) {
			return nil, typeErr(attr, "must be a date (ISO 8601, such as 2024-05-31 or 2024-05-31T12:00:00Z)")
		}
		return s, nil
	case Subscription:
		return subscription(attr, v)
	case Consent:
		return consent(attr, v)
	}
	s, ok := v.(string)
	if !ok {
		return nil, typeErr(attr, "must be a string")
	}
	if n := utf8.RuneCountInString(s); n > maxLen[f.Type] && maxLen[f.Type] > 0 {
		return nil, ptr(errcode.FieldCount(attr, errcode.RuleTooLong, maxLen[f.Type]).WithCode(errcode.InvalidTypeValidation))
	}
	return s, nil
}

func typeErr(attr, msg string) *errcode.FieldError {
	return ptr(errcode.Field(attr, errcode.RuleInvalid).WithCode(errcode.InvalidTypeValidation).WithMessage(msg))
}

func ptr(f errcode.FieldError) *errcode.FieldError { return &f }

// integer checks a whole number within the bounds of t. A long keeps all
// 64 bits: its digits are read as an integer, not through a float.
func integer(attr string, t Type, v any) (any, *errcode.FieldError) {
	lo, hi := int64(math.MinInt32), int64(math.MaxInt32)
	if t == Long {
		lo, hi = math.MinInt64, math.MaxInt64
	}
	if s, ok := numberText(v); ok {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return bounded(attr, n, lo, hi)
		}
	}
	n, ok := number(v)
	switch {
	case !ok:
		return nil, ptr(errcode.Field(attr, errcode.RuleNotANumber))
	case n != math.Trunc(n):
		return nil, ptr(errcode.Field(attr, errcode.RuleNotAnInteger))
	case n < float64(lo):
		return nil, ptr(errcode.FieldCount(attr, errcode.RuleGreaterThanOrEqualTo, int(lo)).WithCode(errcode.InvalidTypeValidation))
	case n >= float64(hi):
		return nil, ptr(errcode.FieldCount(attr, errcode.RuleLessThanOrEqualTo, int(hi)).WithCode(errcode.InvalidTypeValidation))
	}
	return bounded(attr, int64(n), lo, hi)
}

func bounded(attr string, n, lo, hi int64) (any, *errcode.FieldError) {
	switch {
	case n < lo:
		return nil, ptr(errcode.FieldCount(attr, errcode.RuleGreaterThanOrEqualTo, int(lo)).WithCode(errcode.InvalidTypeValidation))
	case n > hi:
		return nil, ptr(errcode.FieldCount(attr, errcode.RuleLessThanOrEqualTo, int(hi)).WithCode(errcode.InvalidTypeValidation))
	}
	return json.Number(strconv.FormatInt(n, 10)), nil
}

// numberText is the text of a JSON number, or of a string holding one.
func numberText(v any) (string, bool) {
	switch v := v.(type) {
	case json.Number:
		return v.String(), true
	case string:
		return strings.TrimSpace(v), true
	}
	return "", false
}

// number reads a finite JSON number, or a string holding one.
func number(v any) (float64, bool) {
	var n float64
	switch v := v.(type) {
	case float64:
		n = v
	case int:
		n = float64(v)
	case int64:
		n = float64(v)
	default:
		s, ok := numberText(v)
		if !ok || s == "" {
			return 0, false
		}
		var err error
		if n, err = strconv.ParseFloat(s, 64); err != nil {
			return 0, false
		}
	}
	return n, !math.IsNaN(n) && !math.IsInf(n, 0)
}

var dateLayouts = []string{"2006-01-02", time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05"}

func validDate(s string) bool {
	for _, l := range dateLayouts {
		if _, err := time.Parse(l, s); err == nil {
			return true
		}
	}
	return false
}

// subscription checks {"isSubscribed": bool, "tags": [string]}.
func subscription(attr string, v any) (any, *errcode.FieldError) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, typeErr(attr, `must be an object such as {"isSubscribed": true}`)
	}
	for k, x := range m {
		switch k {
		case "isSubscribed":
			if _, ok := x.(bool); !ok {
				return nil, typeErr(attr+".isSubscribed", "must be true or false")
			}
		case "tags":
			if !stringList(x) {
				return nil, typeErr(attr+".tags", "must be a list of strings")
			}
		default:
			return nil, ptr(errcode.Field(attr+"."+k, errcode.RuleInvalid).WithCode(errcode.DynamicFieldsValidation).WithMessage("is not a field of a subscription"))
		}
	}
	if _, ok := m["isSubscribed"]; !ok {
		return nil, ptr(errcode.Field(attr+".isSubscribed", errcode.RuleBlank))
	}
	return m, nil
}

// consent checks {"isConsentGranted": bool, "docVersion": n, "docDate": date, "lang": s, "tags": [s]}.
func consent(attr string, v any) (any, *errcode.FieldError) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, typeErr(attr, `must be an object such as {"isConsentGranted": true}`)
	}
	for k, x := range m {
		var bad bool
		switch k {
		case "isConsentGranted":
			_, ok := x.(bool)
			bad = !ok
		case "docVersion":
			_, ok := number(x)
			bad = !ok
		case "docDate":
			s, ok := x.(string)
			bad = !ok || !validDate(s)
		case "lang":
			s, ok := x.(string)
			bad = !ok || len(s) > 16
		case "tags":
			bad = !stringList(x)
		default:
			return nil, ptr(errcode.Field(attr+"."+k, errcode.RuleInvalid).WithCode(errcode.DynamicFieldsValidation).WithMessage("is not a field of a consent"))
		}
		if bad {
			return nil, typeErr(attr+"."+k, "has the wrong type")
		}
	}
	if _, ok := m["isConsentGranted"]; !ok {
		return nil, ptr(errcode.Field(attr+".isConsentGranted", errcode.RuleBlank))
	}
	return m, nil
}

func stringList(v any) bool {
	arr, ok := v.([]any)
	if !ok || len(arr) > 100 {
		return false
	}
	for _, e := range arr {
		if s, ok := e.(string); !ok || len(s) > 256 {
			return false
		}
	}
	return true
}

func checkEmail(attr string, v any) *errcode.FieldError {
	s, _ := v.(string)
	addr, err := mail.ParseAddress(s)
	at := strings.LastIndexByte(s, '@')
	if err != nil || addr.Name != "" || addr.Address != s || at < 1 || !strings.Contains(s[at:], ".") {
		return ptr(errcode.Field(attr, errcode.RuleInvalidEmail))
	}
	return nil
}

// constraints checks a typed value against the field's constraints.
func constraints(attr string, f Field, v any) []errcode.FieldError {
	var out []errcode.FieldError
	add := func(e errcode.FieldError) { out = append(out, e) }
	if s, ok := v.(string); ok && f.Required && strings.TrimSpace(s) == "" {
		return []errcode.FieldError{errcode.Field(attr, errcode.RuleBlank)}
	}
	if m, ok := v.(map[string]any); ok && f.Type == Consent {
		return consentRules(attr, f, m)
	}
	c, _ := canonical(v)
	if len(f.AllowedValues) > 0 && !containsValue(f.AllowedValues, c) {
		add(errcode.Field(attr, errcode.RuleInclusion))
	}
	if containsValue(f.DisallowedValues, c) {
		add(errcode.Field(attr, errcode.RuleExclusion))
	}
	if s, ok := v.(string); ok {
		out = append(out, stringRules(attr, f, s)...)
	}
	if n, ok := v.(json.Number); ok && (f.Type == Integer || f.Type == Long || f.Type == Float) {
		x, _ := n.Float64()
		out = append(out, numberRules(attr, f, x)...)
	}
	return out
}

func consentRules(attr string, f Field, m map[string]any) []errcode.FieldError {
	if f.Required && m["isConsentGranted"] != true {
		return []errcode.FieldError{errcode.Field(attr+".isConsentGranted", errcode.RuleAccepted)}
	}
	if f.MinDocVersion != nil && m["isConsentGranted"] == true {
		if v, ok := number(m["docVersion"]); !ok || v < float64(*f.MinDocVersion) {
			return []errcode.FieldError{errcode.FieldCount(attr+".docVersion", errcode.RuleGreaterThanOrEqualTo, int(*f.MinDocVersion))}
		}
	}
	return nil
}

func stringRules(attr string, f Field, s string) []errcode.FieldError {
	var out []errcode.FieldError
	n := utf8.RuneCountInString(s)
	switch {
	case f.Length != nil && n != *f.Length:
		out = append(out, errcode.FieldCount(attr, errcode.RuleWrongLength, *f.Length))
	case f.MinLength != nil && n < *f.MinLength:
		out = append(out, errcode.FieldCount(attr, errcode.RuleTooShort, *f.MinLength))
	case f.MaxLength != nil && n > *f.MaxLength:
		out = append(out, errcode.FieldCount(attr, errcode.RuleTooLong, *f.MaxLength))
	}
	if f.format != nil && !f.format.MatchString(s) {
		out = append(out, errcode.Field(attr, errcode.RuleInvalid))
	}
	return out
}

func numberRules(attr string, f Field, x float64) []errcode.FieldError {
	var out []errcode.FieldError
	for _, r := range []struct {
		bound *int64
		fails func(b float64) bool
		rule  errcode.Rule
	}{
		{f.ExclusiveMinimum, func(b float64) bool { return x <= b }, errcode.RuleGreaterThan},
		{f.Minimum, func(b float64) bool { return x < b }, errcode.RuleGreaterThanOrEqualTo},
		{f.EqualTo, func(b float64) bool { return x != b }, errcode.RuleEqualTo},
		{f.Maximum, func(b float64) bool { return x > b }, errcode.RuleLessThanOrEqualTo},
		{f.ExclusiveMaximum, func(b float64) bool { return x >= b }, errcode.RuleLessThan},
	} {
		if r.bound != nil && r.fails(float64(*r.bound)) {
			out = append(out, errcode.FieldCount(attr, r.rule, int(*r.bound)))
		}
	}
	switch {
	case f.Parity == "odd" && math.Mod(x, 2) == 0:
		out = append(out, errcode.Field(attr, errcode.RuleOdd))
	case f.Parity == "even" && math.Mod(x, 2) != 0:
		out = append(out, errcode.Field(attr, errcode.RuleEven))
	}
	return out
}

// canonical is the text of a scalar value that equality and uniqueness
// compare: strings as they are, numbers in their shortest decimal form,
// booleans as true or false.
func canonical(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case bool:
		return strconv.FormatBool(v), true
	case json.Number, float64, int, int64:
		if t, ok := numberText(v); ok {
			if i, err := strconv.ParseInt(t, 10, 64); err == nil {
				return strconv.FormatInt(i, 10), true
			}
		}
		n, ok := number(v)
		if !ok {
			return "", false
		}
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return strconv.FormatInt(int64(n), 10), true
		}
		return strconv.FormatFloat(n, 'g', -1, 64), true
	}
	return "", false
}

func containsValue(list []any, c string) bool {
	return slices.ContainsFunc(list, func(x any) bool {
		xc, ok := canonical(x)
		return ok && xc == c
	})
}

// infer is the type of a new field: from the suffix of its name (_i _f _s
// _t _b _d), else from its first value.
func infer(path string, v any) Type {
	name := path[strings.LastIndexByte(path, '.')+1:]
	for suffix, t := range map[string]Type{"_i": Long, "_f": Float, "_s": String, "_t": Text, "_b": Boolean, "_d": Date} {
		if strings.HasSuffix(name, suffix) {
			return t
		}
	}
	if arr, ok := v.([]any); ok && len(arr) > 0 {
		v = arr[0]
	}
	switch v.(type) {
	case bool:
		return Boolean
	case json.Number, float64, int, int64:
		if n, _ := number(v); n == math.Trunc(n) {
			return Long
		}
		return Float
	}
	return String
}
