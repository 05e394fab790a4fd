package account

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/cases"
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
	case len(v) > MaxLoginIDLen: // folding can lengthen a string ("ß" becomes "ss")
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

// NormalizeLoginID is the form in which login IDs compare: Unicode full case
// folding followed by NFC, trimmed, repeated until it no longer changes.
//
// This is canonical caseless matching (Unicode §3.13, D145) with the result
// kept composed. Case folding, unlike lower-casing, is meant for comparison
// ("ß" and "ss", "ς" and "σ" match), and repeating to a fixed point makes
// the form idempotent: lower-casing or folding can undo NFC ("Ϊ̀" folds to
// ι, diaeresis, grave, which composes to "ῒ"), so one pass is not enough. It
// keeps every character a user could register before (a PRECIS
// IdentifierClass profile would refuse symbols and spaces existing accounts
// may hold; NFKC would merge compatibility characters the user typed apart).
// ok is false when no fixed point is reached.
func NormalizeLoginID(s string) (v string, ok bool) {
	fold := cases.Fold()
	for range maxNormalizeRounds {
		next := strings.TrimSpace(norm.NFC.String(fold.String(s)))
		if next == s {
			return s, true
		}
		s = next
	}
	return s, false
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
