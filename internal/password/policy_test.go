package password

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/custos-id/custos/errcode"
)

func TestPolicyCheck(t *testing.T) {
	blank := errcode.Field("password", errcode.RuleBlank)
	short := func(n int) errcode.FieldError {
		return errcode.FieldCount("password", errcode.RuleTooShort, n).WithCode(errcode.ValidationError)
	}
	long := errcode.FieldCount("password", errcode.RuleTooLong, MaxLength).WithCode(errcode.ValidationError)
	groups := func(n int) errcode.FieldError {
		f := errcode.Field("password", errcode.RuleInvalid).WithCode(errcode.ValidationError)
		f.Message = fmt.Sprintf("must contain characters of at least %d of: lower-case letters, upper-case letters, digits, symbols", n)
		return f
	}
	format := errcode.Field("password", errcode.RuleInvalid).WithCode(errcode.ValidationError)
	format.Message = "does not match the required format"

	tests := []struct {
		name string
		p    Policy
		pw   string
		want []errcode.FieldError
	}{
		{"default ok", DefaultPolicy(), "12345678", nil},
		{"default short", DefaultPolicy(), "1234567", []errcode.FieldError{short(8)}},
		{"blank only", Policy{MinLength: 8, MinCharGroups: 3, RegExp: "x"}, "", []errcode.FieldError{blank}},
		{"blank with zero policy", Policy{}, "", []errcode.FieldError{blank}},
		{"length counts runes", Policy{MinLength: 4}, "äöü", []errcode.FieldError{short(4)}},
		{"length in runes ok", Policy{MinLength: 3}, "äöü", nil},
		{"max length ok", Policy{}, strings.Repeat("a", MaxLength), nil},
		{"too long in bytes", Policy{}, strings.Repeat("ä", MaxLength/2+1), []errcode.FieldError{long}},
		{"groups 4 ok", Policy{MinCharGroups: 4}, "aA1!", nil},
		{"groups 3 of 4", Policy{MinCharGroups: 4}, "aA1a", []errcode.FieldError{groups(4)}},
		{"groups 2 ok", Policy{MinCharGroups: 2}, "abc1", nil},
		{"groups 1 of 2", Policy{MinCharGroups: 2}, "abcd", []errcode.FieldError{groups(2)}},
		{"groups unicode case", Policy{MinCharGroups: 2}, "éÉ", nil},
		{"groups space is symbol", Policy{MinCharGroups: 2}, "ab c", nil},
		{"regexp ok", Policy{RegExp: `^[a-z]+$`}, "abc", nil},
		{"regexp mismatch", Policy{RegExp: `^[a-z]+$`}, "abc1", []errcode.FieldError{format}},
		{"regexp unanchored", Policy{RegExp: `[0-9]`}, "abc1def", nil},
		{"regexp invalid fails closed", Policy{RegExp: `(`}, "anything", []errcode.FieldError{format}},
		{"all at once", Policy{MinLength: 10, MinCharGroups: 3, RegExp: `^\d+$`}, "abcdef", []errcode.FieldError{short(10), groups(3), format}},
		{"too long and more", Policy{MinCharGroups: 2, RegExp: `^b`}, strings.Repeat("a", MaxLength+1), []errcode.FieldError{long, groups(2), format}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.p.Check(tt.pw)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Check = %+v\nwant    %+v", got, tt.want)
			}
		})
	}
}

func TestPolicyCheckMessages(t *testing.T) {
	got := Policy{MinLength: 8, MinCharGroups: 3}.Check("abc")
	want := []string{
		"password is too short (minimum is 8 characters)",
		"password must contain characters of at least 3 of: lower-case letters, upper-case letters, digits, symbols",
	}
	if len(got) != len(want) {
		t.Fatalf("Check = %+v", got)
	}
	for i := range want {
		if got[i].FullMessage() != want[i] || got[i].Code != errcode.ValidationError {
			t.Errorf("[%d] = %q code %d, want %q code %d", i, got[i].FullMessage(), got[i].Code, want[i], errcode.ValidationError)
		}
	}
	if b := (Policy{}).Check(""); b[0].Code != errcode.RequiredValueValidation || b[0].Rule != errcode.RuleBlank {
		t.Errorf("blank = %+v, want the rule's default code", b[0])
	}
}

func TestPolicyValidate(t *testing.T) {
	good := []Policy{DefaultPolicy(), {}, {MinLength: MaxLength, MinCharGroups: 4, RegExp: `^\S+$`}, {RegExp: strings.Repeat("ä", maxRegExpLen)}}
	for _, p := range good {
		if err := p.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v", p, err)
		}
	}
	bad := []struct {
		name  string
		p     Policy
		field string
	}{
		{"negative length", Policy{MinLength: -1}, "passwordComplexity.minLength"},
		{"length above max", Policy{MinLength: MaxLength + 1}, "passwordComplexity.minLength"},
		{"negative groups", Policy{MinCharGroups: -1}, "passwordComplexity.minCharGroups"},
		{"five groups", Policy{MinCharGroups: 5}, "passwordComplexity.minCharGroups"},
		{"regexp syntax", Policy{RegExp: `(`}, "passwordComplexity.regExp"},
		{"regexp perl lookahead", Policy{RegExp: `(?=.*\d)`}, "passwordComplexity.regExp"},
		{"regexp backreference", Policy{RegExp: `(a)\1`}, "passwordComplexity.regExp"},
		{"regexp too long", Policy{RegExp: strings.Repeat("a", maxRegExpLen+1)}, "passwordComplexity.regExp"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			var e *errcode.Error
			if !errors.As(err, &e) || e.Code != errcode.InvalidParameterValue || !strings.Contains(e.Details, tt.field+":") {
				t.Fatalf("Validate = %v, want 400006 naming %s", err, tt.field)
			}
		})
	}
}

func TestRegExpCacheBounded(t *testing.T) {
	for i := range 3 * maxCachedRegExps {
		p := Policy{RegExp: strings.Repeat("a", i+1)}
		if got := p.Check(strings.Repeat("a", i+1)); got != nil {
			t.Fatalf("Check = %+v", got)
		}
	}
	regexps.Lock()
	n := len(regexps.m)
	regexps.Unlock()
	if n > maxCachedRegExps {
		t.Fatalf("cache holds %d patterns, bound %d", n, maxCachedRegExps)
	}
}
