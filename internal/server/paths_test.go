package server

import "testing"

func TestCanonicalPath(t *testing.T) {
	for p, want := range map[string]bool{
		"/": true, "/accounts.login": true, "/v1/marketing/login/users/": true, "/a/b": true,
		"": false, "*": false, "accounts.login": false, "//accounts.login": false, "/../accounts.login": false,
		"/./accounts.login": false, "/a/../b": false, "/a/.": false, "/a//b": false, "/a/b/..": false,
	} {
		if got := CanonicalPath(p); got != want {
			t.Errorf("CanonicalPath(%q) = %v, want %v", p, got, want)
		}
	}
}
