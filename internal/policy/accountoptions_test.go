package policy

import "testing"

func TestAccountOptionsRules(t *testing.T) {
	for _, tc := range []struct {
		o                  AccountOptions
		mustVerify, allows bool
	}{
		{AccountOptions{LoginIdentifiers: "email"}, false, false},
		{AccountOptions{VerifyEmail: true, LoginIdentifiers: "email, username"}, true, true},
		{AccountOptions{VerifyEmail: true, AllowUnverifiedLogin: true, LoginIdentifiers: "username"}, false, true},
		{AccountOptions{AllowUnverifiedLogin: true}, false, false},
	} {
		if tc.o.MustVerify() != tc.mustVerify || tc.o.AllowsUsername() != tc.allows {
			t.Errorf("%+v: MustVerify %v, AllowsUsername %v", tc.o, tc.o.MustVerify(), tc.o.AllowsUsername())
		}
	}
}
