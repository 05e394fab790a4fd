package password

import (
	"fmt"
	"regexp"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/custos-id/custos/errcode"
)

// maxRegExpLen bounds the policy's pattern (in characters) so that a policy
// stays cheap to compile and to store.
const maxRegExpLen = 1024

// Policy is the site's passwordComplexity policy.
type Policy struct {
	// MinLength is the least number of characters (runes).
	MinLength int
	// MinCharGroups is the least number of groups, among lower-case letters,
	// upper-case letters, digits and anything else, the password must use.
	MinCharGroups int
	// RegExp, when set, is a Go (RE2) pattern the password must match
	// somewhere; anchor it with ^ and $ to constrain the whole password.
	RegExp string
}

// DefaultPolicy returns the policy of a new site: at least 8 characters.
func DefaultPolicy() Policy { return Policy{MinLength: 8} }

// Validate reports the first out-of-bounds setting of p as 400006.
func (p Policy) Validate() error {
	switch {
	case p.MinLength < 0 || p.MinLength > MaxLength:
		return errcode.InvalidValue("passwordComplexity.minLength", fmt.Sprintf("must be 0..%d", MaxLength))
	case p.MinCharGroups < 0 || p.MinCharGroups > 4:
		return errcode.InvalidValue("passwordComplexity.minCharGroups", "must be 0..4")
	case utf8.RuneCountInString(p.RegExp) > maxRegExpLen:
		return errcode.InvalidValue("passwordComplexity.regExp", fmt.Sprintf("must be at most %d characters", maxRegExpLen))
	}
	if _, err := compile(p.RegExp); err != nil {
		return errcode.InvalidValue("passwordComplexity.regExp", err.Error())
	}
	return nil
}

// Check returns the problems of password under p, all of them so that a user
// can fix them at once, or nil. An empty password is only reported blank. A
// RegExp that does not compile (p was not validated) rejects every password
// rather than let any through.
func (p Policy) Check(password string) []errcode.FieldError {
	const attr = "password"
	if password == "" {
		return []errcode.FieldError{errcode.Field(attr, errcode.RuleBlank)}
	}
	var errs []errcode.FieldError
	if utf8.RuneCountInString(password) < p.MinLength {
		errs = append(errs, errcode.FieldCount(attr, errcode.RuleTooShort, p.MinLength).WithCode(errcode.ValidationError))
	}
	if len(password) > MaxLength {
		errs = append(errs, errcode.FieldCount(attr, errcode.RuleTooLong, MaxLength).WithCode(errcode.ValidationError))
	}
	if n := p.MinCharGroups; n > 0 && charGroups(password) < n {
		f := errcode.Field(attr, errcode.RuleInvalid).WithCode(errcode.ValidationError)
		f.Message = fmt.Sprintf("must contain characters of at least %d of: lower-case letters, upper-case letters, digits, symbols", n)
		errs = append(errs, f)
	}
	if p.RegExp != "" {
		if re, err := compile(p.RegExp); err != nil || !re.MatchString(password) {
			f := errcode.Field(attr, errcode.RuleInvalid).WithCode(errcode.ValidationError)
			f.Message = "does not match the required format"
			errs = append(errs, f)
		}
	}
	return errs
}

// charGroups counts the groups s uses among lower-case letters, upper-case
// letters, digits and anything else (Unicode classes, so "é" is lower-case;
// letters without case, such as CJK, count as "anything else").
func charGroups(s string) int {
	var lower, upper, digit, other bool
	for _, r := range s {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	n := 0
	for _, b := range [...]bool{lower, upper, digit, other} {
		if b {
			n++
		}
	}
	return n
}

// A site has one policy, so a few compiled patterns cover every Check; the
// cache is emptied when full so that changing policies cannot grow it.
const maxCachedRegExps = 16

var regexps struct {
	sync.Mutex
	m map[string]*regexp.Regexp
}

func compile(pattern string) (*regexp.Regexp, error) {
	regexps.Lock()
	re, ok := regexps.m[pattern]
	regexps.Unlock()
	if ok {
		return re, nil
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, err
	}
	regexps.Lock()
	if regexps.m == nil || len(regexps.m) >= maxCachedRegExps {
		regexps.m = make(map[string]*regexp.Regexp)
	}
	regexps.m[pattern] = re
	regexps.Unlock()
	return re, nil
}
