package policy

import (
	"reflect"
	"testing"
	"time"

	"github.com/custos-id/custos/errcode"
)

func TestSetAndValidate(t *testing.T) {
	tests := []struct {
		section, raw string
		code         errcode.Code
		details      string
	}{
		{"accountOptions", `{"verifyEmail":true}`, 0, ""},
		{"accountOptions", `{"loginIdentifiers":"email,username"}`, 0, ""},
		{"accountOptions", `{"loginIdentifiers":"phone"}`, errcode.InvalidParameterValue, "Invalid parameter value: accountOptions.loginIdentifiers: " + `want "email", "username" or "email,username"`},
		{"accountOptions", `{"verifyEmial":true}`, errcode.InvalidParameterValue, "Invalid parameter value: accountOptions.verifyEmial: unknown policy"},
		{"accountOptions", `{"verifyEmail":"yes"}`, errcode.InvalidParameterValue, "Invalid parameter value: accountOptions.verifyEmail: want bool"},
		{"passwordComplexity", `{"minLength":0}`, errcode.InvalidParameterValue, "Invalid parameter value: passwordComplexity.minLength: want 1 to 1024"},
		{"passwordComplexity", `{"minCharGroups":5}`, errcode.InvalidParameterValue, ""},
		{"passwordComplexity", `{"regExp":"(?=a)"}`, errcode.InvalidParameterValue, ""},
		{"passwordComplexity", `{"regExp":"^[a-z0-9]+$","minLength":10}`, 0, ""},
		{"passwordReset", `{"tokenExpiration":10}`, errcode.InvalidParameterValue, ""},
		{"emailVerification", `{"verificationEmailExpiration":3600}`, 0, ""},
		{"gigyaPlugins", `{"sessionExpiration":-2}`, 0, ""},
		{"gigyaPlugins", `{"sessionExpiration":-1}`, errcode.InvalidParameterValue, ""},
		{"registration", `{"requireLoginID":false}`, 0, ""},
		{"registration", `null`, 0, ""},
		{"twoFactorAuth", `{}`, errcode.InvalidParameterValue, "Invalid parameter value: twoFactorAuth: unknown policy section"},
		{"security", `{"passwordHistorySize":5}`, 0, ""},
		{"security", `{"passwordHistorySize":11}`, errcode.InvalidParameterValue, "Invalid parameter value: security.passwordHistorySize: want 0 to 10"},
		{"registration", `[1]`, errcode.InvalidParameterFormat, ""},
		{"security", `{"accountLockout":{"failedLoginThreshold":3,"bogus":1}}`, errcode.InvalidParameterValue,
			"Invalid parameter value: security.accountLockout.bogus: unknown policy"},
		{"security", `{"captcha":{"failedLoginThreshold":"3"}}`, errcode.InvalidParameterValue,
			"Invalid parameter value: security.captcha.failedLoginThreshold: want int"},
		{"security", `{"passwordChangeInterval":90}`, 0, ""},
		{"security", `{"passwordChangeInterval":3650}`, 0, ""},
		{"security", `{"passwordChangeInterval":3651}`, errcode.InvalidParameterValue,
			"Invalid parameter value: security.passwordChangeInterval: want 0 to 3650 days"},
		{"security", `{"passwordChangeInterval":-1}`, errcode.InvalidParameterValue, ""},
		{"registration", `{"enforceCoppa":true}`, 0, ""},
		{"registration", `{"enforceCoppa":true,"minimumAge":18}`, 0, ""},
		{"registration", `{"minimumAge":120}`, 0, ""},
		{"registration", `{"minimumAge":121}`, errcode.InvalidParameterValue,
			"Invalid parameter value: registration.minimumAge: want 0 to 120 years"},
		{"registration", `{"enforceCoppa":true,"minimumAge":12}`, errcode.InvalidParameterValue,
			"Invalid parameter value: registration.minimumAge: 12 contradicts registration.enforceCoppa (users of 13 and older): want 0 or 13 and more"},
		{"registration", `{"enforceCoppa":"yes"}`, errcode.InvalidParameterValue,
			"Invalid parameter value: registration.enforceCoppa: want bool"},
		{"accountOptions", `{"loginIdentifierConflict":"failOnSiteConflictingIdentity"}`, 0, ""},
		{"accountOptions", `{"loginIdentifierConflict":"failOnAnyConflictingIdentity"}`, 0, ""},
		{"accountOptions", `{"loginIdentifierConflict":"fail"}`, errcode.InvalidParameterValue,
			"Invalid parameter value: accountOptions.loginIdentifierConflict: want ignore, failOnSiteConflictingIdentity or failOnAnyConflictingIdentity"},
		{"registration", `{} {}`, errcode.InvalidParameterFormat, ""},
	}
	for _, tc := range tests {
		p := Default()
		err := p.Set(tc.section, tc.raw)
		if err == nil {
			err = p.Validate()
		}
		var code errcode.Code
		if err != nil {
			code = errcode.From(err).Code
			if tc.details != "" && errcode.From(err).Details != tc.details {
				t.Errorf("%s %s: details %q, want %q", tc.section, tc.raw, errcode.From(err).Details, tc.details)
			}
		}
		if code != tc.code {
			t.Errorf("%s %s: %v, want %d", tc.section, tc.raw, err, tc.code)
		}
	}
}

func TestDerivedRules(t *testing.T) {
	for _, tc := range []struct {
		r    Registration
		want int
	}{
		{Registration{}, 0},
		{Registration{MinimumAge: 16}, 16},
		{Registration{EnforceCoppa: true}, 13},
		{Registration{EnforceCoppa: true, MinimumAge: 21}, 21},
	} {
		if got := tc.r.MinAge(); got != tc.want {
			t.Errorf("%+v: MinAge %d, want %d", tc.r, got, tc.want)
		}
	}
	for v, want := range map[string]bool{ConflictIgnore: false, ConflictFailOnSite: true, ConflictFailOnAny: true} {
		if got := (AccountOptions{LoginIdentifierConflict: v}).RefusesConflicts(); got != want {
			t.Errorf("%s: RefusesConflicts %v", v, got)
		}
	}
	if Default().AccountOptions.RefusesConflicts() || Default().Security.PasswordMaxAge() != 0 || Default().Registration.MinAge() != 0 {
		t.Error("a new site refuses conflicts, ages passwords or asks an age")
	}
	if got := (Security{PasswordChangeInterval: 2}).PasswordMaxAge(); got != 48*time.Hour {
		t.Errorf("PasswordMaxAge %v", got)
	}
}

func TestMergeAndRoundTrip(t *testing.T) {
	p := Default()
	if err := p.Set("accountOptions", `{"verifyEmail":true}`); err != nil {
		t.Fatal(err)
	}
	if !p.AccountOptions.VerifyEmail || p.AccountOptions.LoginIdentifiers != "email,username" {
		t.Fatalf("merge lost a field: %+v", p.AccountOptions)
	}
	q, err := Parse(p.JSON())
	if err != nil || !reflect.DeepEqual(q, p) {
		t.Fatalf("round trip: %+v %v", q, err)
	}
	if d, _ := Parse(""); !reflect.DeepEqual(d, Default()) {
		t.Fatal("empty stored policies are not the defaults")
	}
	if d, _ := Parse(`{"accountOptions":{"verifyEmail":true}}`); !d.AccountOptions.VerifyEmail || d.PasswordComplexity.MinLength != 8 {
		t.Fatalf("partial stored policies: %+v", d)
	}
	if err := p.Set("accountOptions", "null"); err != nil || p.AccountOptions != Default().AccountOptions {
		t.Fatalf("null reset: %+v %v", p.AccountOptions, err)
	}
	// A new site logs in by email and by username.
	if !Default().AccountOptions.AllowsEmail() || !Default().AccountOptions.AllowsUsername() {
		t.Fatal("default login identifiers")
	}
	s := p.SectionsJSON([]string{"gigyaPlugins", "nope"})
	if len(s) != 1 || string(s["gigyaPlugins"]) != `{"sessionExpiration":0}` {
		t.Fatalf("SectionsJSON = %s", s)
	}
}
