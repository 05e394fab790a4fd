package account

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// ParseLoginID normalizes a login ID as the user typed it: an email when it
// contains "@", a username otherwise. See NormalizeLoginID.
func ParseLoginID(s string) (LoginID, error) { return parseLoginID(AttrLoginID, s) }

// parseLoginID is ParseLoginID naming attr in its errors.
func parseLoginID(attr Attribute, s string) (LoginID, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return LoginID{}, fail(ErrMissing, attr)
	case len(s) > MaxLoginIDLen:
		return LoginID{}, fail(ErrTooLong, attr, MaxLoginIDLen)
	case !utf8.ValidString(s) || strings.ContainsFunc(s, isControl):
		return LoginID{}, fail(ErrBadCharacters, attr)
	}
	v, ok := NormalizeLoginID(s)
	switch {
	case !ok:
		return LoginID{}, fail(ErrBadCharacters, attr)
	case v == "":
		return LoginID{}, fail(ErrMissing, attr)
	case len(v) > MaxLoginIDLen: // lower-casing can lengthen a string ("Ⱥ", two bytes, becomes "ⱥ", three)
		return LoginID{}, fail(ErrTooLong, attr, MaxLoginIDLen)
	}
	kind := Username
	if strings.Contains(v, "@") {
		kind = Email
	}
	return LoginID{Kind: kind, Value: v}, nil
}

// maxNormalizeRounds bounds NormalizeLoginID's rounds; in practice one or
// two reach the fixed point.
const maxNormalizeRounds = 4

// NormalizeLoginID is the form in which login IDs compare: composed (NFC),
// lower-cased and composed again, trimmed, repeated until it no longer
// changes.
//
// Composing comes first because lower-casing treats a precomposed letter
// and its decomposed form apart: "İ" lower-cases to "i", but "I" and a
// combining dot lower-case to "i" and the dot. And one pass is not enough:
// lower-casing can undo NFC ("Ϊ̀", Ϊ and a combining
// grave, has no precomposed form, but its lower case ϊ and the grave compose
// to "ῒ"), so that canonically equivalent forms of one identifier would be
// two. Repeating to a fixed point makes the form idempotent. It lower-cases
// rather than case-folds: folding matches "ß" with "ss" and would merge email
// addresses that are different mailboxes; and it keeps NFC rather than NFKC,
// which would merge compatibility characters a user typed apart. ok is false
// when no fixed point is reached.
func NormalizeLoginID(s string) (v string, ok bool) {
	for range maxNormalizeRounds {
		next := strings.TrimSpace(norm.NFC.String(strings.ToLower(norm.NFC.String(s))))
		if next == s {
			return s, true
		}
		s = next
	}
	return s, false
}

// isControl tells the characters no login ID may hold: control characters
// (C0 and C1) and format characters (zero-width joiners and spaces, bidi
// overrides), which make IDs that look alike but differ.
func isControl(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }
