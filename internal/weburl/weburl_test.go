package weburl_test

import (
	"testing"

	"github.com/custos-id/custos/internal/weburl"
)

func TestOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"https://ID.Example.com/custos/": "https://id.example.com",
		"https://id.example.com:443/x":   "https://id.example.com",
		"http://id.example.com:80":       "http://id.example.com",
		"http://id.example.com:443":      "http://id.example.com:443",
		"https://id.example.com:8443/":   "https://id.example.com:8443",
		"http://[::1]:80/":               "http://[::1]",
		"http://[::1]:8080/":             "http://[::1]:8080",
		"null":                           "",
		"/relative":                      "",
		"":                               "",
		"%":                              "",
	} {
		if got := weburl.Origin(in); got != want {
			t.Errorf("Origin(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestQueryFold(t *testing.T) {
	for _, tc := range []struct{ q, want string }{
		{"apikey=a", "a"},
		{"APIKey=b&apikey=c", "b"},
		{"x=1&apiKey=%33_x", "3_x"},
		{"apikeys=no", ""},
		{"api%4Bey=d", "d"},
		{"apikey=%zz&apiKey=e", "e"},
		{"", ""},
	} {
		if got := weburl.QueryFold(tc.q, "apikey"); got != tc.want {
			t.Errorf("QueryFold(%q) = %q, want %q", tc.q, got, tc.want)
		}
	}
}
