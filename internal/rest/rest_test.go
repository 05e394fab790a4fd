package rest

import (
	"net/url"
	"testing"
)

func TestCheckJSON(t *testing.T) {
	for body, ok := range map[string]bool{
		`{}`: true,
		`{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}`: true,
		`{"a":"a","b":"a"}`:                         true, // equal values are fine
		`{"user":{"a":1},"a":[1,2]}`:                true,
		`{"a":1,"a":2}`:                             false,
		`{"a":1,"A":2}`:                             false,
		`{"u":{"x":1,"x":2}}`:                       false,
		`{"u":[{"x":1,"X":2}]}`:                     false,
		`{"a":`:                                     false,
		`[1]`:                                       false,
		`"s"`:                                       false,
		`{} {}`:                                     false,
	} {
		if err := checkJSON([]byte(body)); (err == nil) != ok {
			t.Errorf("checkJSON(%s) = %v, want ok=%v", body, err, ok)
		}
	}
}

// FuzzCheckJSON: no body panics, and what passes is a JSON object.
func FuzzCheckJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":[{"b":1}],"c":{"d":null}}`, `{"a":1,"a":2}`, `[`, `{"a":{"b":[{"c":"d"}]}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) == 0 {
			return
		}
		if checkJSON(body) == nil && body[0] != '{' {
			t.Fatalf("accepted %q", body)
		}
	})
}

// validQuery refuses NUL and invalid UTF-8 in names and values alike,
// whether the query is escaped (parsed) or not (read as sent).
func TestValidQuery(t *testing.T) {
	for raw, ok := range map[string]bool{
		"":                  true,
		"a=b&c=d":           true,
		"a=%C3%A9&%C3%A9=b": true,
		"a=%20":             true,
		"a=b\x00":           false, // fast path
		"a\x00=b":           false,
		"a=\xff":            false,
		"a=%00":             false, // slow path
		"a%00=b":            false,
		"a=%FF":             false,
		"%FF=b":             false,
		"a%00":              false, // a name without a value
	} {
		if got := validQuery(&url.URL{RawQuery: raw}); got != ok {
			t.Errorf("validQuery(%q) = %v, want %v", raw, got, ok)
		}
	}
}
