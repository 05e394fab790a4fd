package jsonlimit_test

import (
	"strings"
	"testing"

	"github.com/custos-id/custos/internal/jsonlimit"
)

func nested(depth int) string {
	return strings.Repeat(`{"a":`, depth-1) + "{}" + strings.Repeat("}", depth-1)
}

func members(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = `"k` + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + `":1`
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func elements(n int) string {
	return `{"a":[` + strings.TrimSuffix(strings.Repeat("1,", n), ",") + "]}"
}

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		name, json string
		ok         bool
		tooLarge   bool
	}{
		{"object", `{"a":{"b":[1,"x",{"c":null}]},"d":"\u00e9\ud83d\ude00\n\\\""}`, true, false},
		{"max depth", nested(jsonlimit.MaxDepth), true, false},
		{"too deep", nested(jsonlimit.MaxDepth + 1), false, true},
		{"10000 deep", nested(10000), false, true},
		{"deep arrays", strings.Repeat("[", 100) + strings.Repeat("]", 100), false, true},
		{"max members", members(jsonlimit.MaxMembers), true, false},
		{"too many members", members(jsonlimit.MaxMembers + 1), false, true},
		{"max elements", elements(jsonlimit.MaxElements), true, false},
		{"too many elements", elements(jsonlimit.MaxElements + 1), false, true},
		{"commas in strings", `{"a":"` + strings.Repeat(",", 2000) + `"}`, true, false},
		{"longest string", `{"a":"` + strings.Repeat("x", jsonlimit.MaxStringBytes) + `"}`, true, false},
		{"string too long", `{"a":"` + strings.Repeat("x", jsonlimit.MaxStringBytes+1) + `"}`, false, true},
		{"key too long", `{"` + strings.Repeat("x", jsonlimit.MaxStringBytes+1) + `":1}`, false, true},
		{"invalid UTF-8", "{\"a\":\"\xff\"}", false, false},
		{"lone high surrogate", `{"a":"\ud800"}`, false, false},
		{"high surrogate then letter", `{"a":"\ud800x"}`, false, false},
		{"high surrogate then high", `{"a":"\ud800\ud800"}`, false, false},
		{"lone low surrogate", `{"a":"\uDC00"}`, false, false},
		{"surrogate in key", `{"\ud800":1}`, false, false},
		{"NUL escape", `{"a":"\u0000"}`, false, false},
		{"escaped backslash then u", `{"a":"\\ud800"}`, true, false},
		{"malformed", `{"a":`, false, false},
		{"two values", `{} {}`, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := jsonlimit.Check([]byte(c.json))
			if (err == nil) != c.ok {
				t.Fatalf("Check = %v, want ok=%v", err, c.ok)
			}
			if err != nil {
				e, ok := jsonlimit.AsError(err)
				if !ok || e.TooLarge != c.tooLarge {
					t.Fatalf("Check = %#v, want TooLarge=%v", err, c.tooLarge)
				}
			}
		})
	}
}

func FuzzCheck(f *testing.F) {
	f.Add(`{"a":[1,{"b":"\ud83d\ude00"}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		jsonlimit.Check([]byte(s)) // must not panic
	})
}

func TestObject(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		tooLarge bool
		fails    bool
	}{
		{in: "", want: "{}"},
		{in: "  \n", want: "{}"},
		{in: ` { "a" : [1, 2] } `, want: `{"a":[1,2]}`},
		{in: `[1]`, fails: true},
		{in: `null`, fails: true},
		{in: `"x"`, fails: true},
		{in: `{"a":`, fails: true},
		{in: `{"a":"` + strings.Repeat("x", 100) + `"}`, fails: true, tooLarge: true},
		{in: nested(jsonlimit.MaxDepth + 1), fails: true, tooLarge: true},
	} {
		got, err := jsonlimit.Object([]byte(tc.in), 64)
		if tc.fails {
			e, ok := jsonlimit.AsError(err)
			if !ok || e.TooLarge != tc.tooLarge {
				t.Errorf("%.30q: %v, want an *Error, TooLarge %v", tc.in, err, tc.tooLarge)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("%.30q: %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}
