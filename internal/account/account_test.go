package account

import (
	"strings"
	"testing"

	"github.com/custos-id/custos/errcode"
)

func TestParseLoginID(t *testing.T) {
	tests := []struct {
		in   string
		want LoginID
		code errcode.Code
	}{
		{"Ann@Example.COM", LoginID{Email, "ann@example.com"}, 0},
		{"  ann  ", LoginID{Username, "ann"}, 0},
		{"Ünïcode", LoginID{Username, "ünïcode"}, 0},
		{strings.Repeat("a", MaxLoginIDLen), LoginID{Username, strings.Repeat("a", MaxLoginIDLen)}, 0},
		{"", LoginID{}, errcode.MissingRequiredParameter},
		{"   ", LoginID{}, errcode.MissingRequiredParameter},
		{strings.Repeat("a", MaxLoginIDLen+1), LoginID{}, errcode.InvalidParameterValue},
		{"a\x00b", LoginID{}, errcode.InvalidParameterFormat},
		{"a\nb", LoginID{}, errcode.InvalidParameterFormat},
		{"a\xffb", LoginID{}, errcode.InvalidParameterFormat},
		{"Jose\u0301", LoginID{Username, "jos\u00e9"}, 0},
		{strings.Repeat("\u023a", MaxLoginIDLen/2), LoginID{}, errcode.InvalidParameterValue},
	}
	for _, tc := range tests {
		got, err := ParseLoginID("loginID", tc.in)
		code := errcode.Code(0)
		if err != nil {
			code = errcode.From(err).Code
			if !strings.Contains(err.Error(), "loginID") {
				t.Errorf("%q: error does not name the parameter: %v", tc.in, err)
			}
		}
		if got != tc.want || code != tc.code {
			t.Errorf("ParseLoginID(%q) = %+v, %d; want %+v, %d", tc.in, got, code, tc.want, tc.code)
		}
	}
}

func FuzzParseLoginID(f *testing.F) {
	for _, s := range []string{"ann@example.com", "ann", "", "\x00", "Ä@B"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseLoginID("loginID", s)
		if err != nil {
			if errcode.From(err).Code == errcode.GeneralServerError {
				t.Fatalf("uncatalogued error %v", err)
			}
			return
		}
		if id.Value == "" || len(id.Value) > MaxLoginIDLen || strings.ToLower(id.Value) != id.Value {
			t.Fatalf("ParseLoginID(%q) = %+v", s, id)
		}
		again, err := ParseLoginID("loginID", id.Value)
		if err != nil || again != id {
			t.Fatalf("not idempotent: %q → %+v → %+v, %v", s, id, again, err)
		}
	})
}
