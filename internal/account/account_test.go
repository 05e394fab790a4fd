package account

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestParseLoginID(t *testing.T) {
	tests := []struct {
		in   string
		want LoginID
		cond error
	}{
		{"Ann@Example.COM", LoginID{Email, "ann@example.com"}, nil},
		{"  ann  ", LoginID{Username, "ann"}, nil},
		{"Ünïcode", LoginID{Username, "ünïcode"}, nil},
		{strings.Repeat("a", MaxLoginIDLen), LoginID{Username, strings.Repeat("a", MaxLoginIDLen)}, nil},
		{"", LoginID{}, ErrMissing},
		{"   ", LoginID{}, ErrMissing},
		{strings.Repeat("a", MaxLoginIDLen+1), LoginID{}, ErrTooLong},
		{"a\x00b", LoginID{}, ErrBadCharacters},
		{"a\nb", LoginID{}, ErrBadCharacters},
		{"a\xffb", LoginID{}, ErrBadCharacters},
		{"Jose\u0301", LoginID{Username, "jos\u00e9"}, nil},
		{strings.Repeat("\u023a", MaxLoginIDLen/2), LoginID{}, ErrTooLong},
		// Canonically equivalent forms are one login ID: lower-casing "Ϊ"
		// then composing with the grave gives the precomposed "ῒ".
		{"\u03aa\u0300x@example.com", LoginID{Email, "\u1fd2x@example.com"}, nil},
		{"\u1fd2x@example.com", LoginID{Email, "\u1fd2x@example.com"}, nil},
		{"Straße", LoginID{Username, "straße"}, nil}, // lower-cased, not folded: "ss" is another mailbox
		// Composed before lower-casing: "İ" and "I" with a combining dot above are one.
		{"\u0130x@example.com", LoginID{Email, "ix@example.com"}, nil},
		{"I\u0307x@example.com", LoginID{Email, "ix@example.com"}, nil},
		{"admin\u200b", LoginID{}, ErrBadCharacters}, // a zero-width space
		{"adm\u202ein", LoginID{}, ErrBadCharacters}, // a bidi override
		{"a\u0085b", LoginID{}, ErrBadCharacters},    // a C1 control
	}
	for _, tc := range tests {
		got, err := ParseLoginID(tc.in)
		if got != tc.want || !errors.Is(err, tc.cond) || (tc.cond == nil) != (err == nil) {
			t.Errorf("ParseLoginID(%q) = %+v, %v; want %+v, %v", tc.in, got, err, tc.want, tc.cond)
		}
		if e, ok := errors.AsType[*Error](err); ok && e.Attr != AttrLoginID {
			t.Errorf("%q: error names %q, want %q", tc.in, e.Attr, AttrLoginID)
		}
	}
}

func FuzzParseLoginID(f *testing.F) {
	for _, s := range []string{"ann@example.com", "ann", "", "\x00", "Ä@B", "\u03aa\u0300x@example.com", "ß", "\u0130x", "I\u0307x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseLoginID(s)
		if err != nil {
			if _, ok := errors.AsType[*Error](err); !ok {
				t.Fatalf("error outside the domain's conditions: %v", err)
			}
			return
		}
		if id.Value == "" || len(id.Value) > MaxLoginIDLen || !norm.NFC.IsNormalString(id.Value) {
			t.Fatalf("ParseLoginID(%q) = %+v", s, id)
		}
		again, err := ParseLoginID(id.Value)
		if err != nil || again != id {
			t.Fatalf("not idempotent: %q → %+v → %+v, %v", s, id, again, err)
		}
		// Canonically equivalent forms are one login ID (where they are
		// within the length bound of what a user may type).
		for _, form := range []string{norm.NFD.String(s), norm.NFC.String(s)} {
			if len(strings.TrimSpace(form)) > MaxLoginIDLen {
				continue
			}
			if other, err := ParseLoginID(form); err != nil || other != id {
				t.Fatalf("%q and its equivalent %q: %+v and %+v, %v", s, form, id, other, err)
			}
		}
	})
}
