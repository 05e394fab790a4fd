// Package policy holds a site's policies: the settings of registration,
// login, passwords, email verification and sessions that the site changes
// through accounts.setPolicies.
package policy

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/custos-id/custos/errcode"
)

// Policies are every section a site can set. The JSON names are the
// section and field names of the RPC dialect.
type Policies struct {
	Registration       Registration       `json:"registration"`
	AccountOptions     AccountOptions     `json:"accountOptions"`
	PasswordComplexity PasswordComplexity `json:"passwordComplexity"`
	PasswordReset      PasswordReset      `json:"passwordReset"`
	EmailVerification  EmailVerification  `json:"emailVerification"`
	GigyaPlugins       GigyaPlugins       `json:"gigyaPlugins"`
	Security           Security           `json:"security"`
}

// Security is the security section.
type Security struct {
	// PasswordHistorySize is how many passwords, the current one included,
	// a new password must differ from; 0 turns the check off.
	PasswordHistorySize int            `json:"passwordHistorySize"`
	AccountLockout      AccountLockout `json:"accountLockout"`
	IPLockout           IPLockout      `json:"ipLockout"`
	Captcha             Captcha        `json:"captcha"`
	// PasswordChangeInterval is how many days a password lasts: a login
	// with an older one must change it first. 0 turns it off.
	PasswordChangeInterval int `json:"passwordChangeInterval"`
}

// AccountLockout locks an account after failed logins. 0 turns it off.
type AccountLockout struct {
	// FailedLoginThreshold failures within FailedLoginResetSec lock the
	// account for LockoutTimeSec.
	FailedLoginThreshold int `json:"failedLoginThreshold"`
	LockoutTimeSec       int `json:"lockoutTimeSec"`
	FailedLoginResetSec  int `json:"failedLoginResetSec"`
}

// IPLockout locks out a client address after failed logins within an hour.
type IPLockout struct {
	HourlyFailedLoginThreshold int `json:"hourlyFailedLoginThreshold"`
	LockoutTimeSec             int `json:"lockoutTimeSec"`
}

// Captcha asks for a CAPTCHA once an account or an address has failed
// FailedLoginThreshold logins. 0 turns it off.
type Captcha struct {
	FailedLoginThreshold int `json:"failedLoginThreshold"`
}

// Registration is the registration section.
type Registration struct {
	// RequireLoginID: an account needs an email or a username to register.
	RequireLoginID bool `json:"requireLoginID"`
	// RequireCaptcha: registration needs a solved CAPTCHA.
	RequireCaptcha bool `json:"requireCaptcha"`
	// EnforceCoppa refuses users younger than 13 (the US COPPA age).
	EnforceCoppa bool `json:"enforceCoppa"`
	// MinimumAge refuses users younger than this many years (a custos
	// addition); 0 turns it off. With EnforceCoppa it is at least 13.
	MinimumAge int `json:"minimumAge"`
}

// AccountOptions is the accountOptions section.
type AccountOptions struct {
	// VerifyEmail sends a verification link to the email at registration.
	VerifyEmail bool `json:"verifyEmail"`
	// AllowUnverifiedLogin lets a user log in before verifying the email.
	AllowUnverifiedLogin bool `json:"allowUnverifiedLogin"`
	// LoginIdentifiers: "email", "username" or "email,username".
	LoginIdentifiers string `json:"loginIdentifiers"`
	// PreventLoginIDHarvesting: isAvailableLoginID needs server credentials,
	// and resetPassword answers alike for known and unknown login IDs.
	PreventLoginIDHarvesting bool `json:"preventLoginIDHarvesting"`
	// LoginIdentifierConflict tells what happens when an account's
	// profile.email is a login email of another account: one of
	// LoginIDConflicts; "ignore" lets it be.
	LoginIdentifierConflict string `json:"loginIdentifierConflict"`
}

// PasswordComplexity is the passwordComplexity section.
type PasswordComplexity struct {
	MinLength     int    `json:"minLength"`
	MinCharGroups int    `json:"minCharGroups"`
	RegExp        string `json:"regExp"`
}

// PasswordReset is the passwordReset section.
type PasswordReset struct {
	// TokenExpiration is the lifetime of a reset token, in seconds.
	TokenExpiration int `json:"tokenExpiration"`
	// ResetURL is the site's page for a new password; the reset mail links
	// to it with ?pwrt=<token>. Empty: custos's own page.
	ResetURL string `json:"resetURL,omitempty"`
	// DefaultLanguage is the language of EmailTemplates used when the
	// user's has none; empty means "en".
	DefaultLanguage string `json:"defaultLanguage,omitempty"`
	// EmailTemplates are the site's own reset mails by language; empty:
	// the built-in mail.
	EmailTemplates Templates `json:"emailTemplates,omitempty"`
}

// EmailVerification is the emailVerification section.
type EmailVerification struct {
	// VerificationEmailExpiration is the lifetime of a verification link, in seconds.
	VerificationEmailExpiration int `json:"verificationEmailExpiration"`
	// NextURL is where the verification page's "continue" link leads once
	// the email is verified: one of the site's domains. Empty: no link.
	NextURL string `json:"nextURL,omitempty"`
	// DefaultLanguage and EmailTemplates are those of PasswordReset, for
	// the verification mail.
	DefaultLanguage string    `json:"defaultLanguage,omitempty"`
	EmailTemplates  Templates `json:"emailTemplates,omitempty"`
}

// GigyaPlugins is the gigyaPlugins section.
type GigyaPlugins struct {
	// SessionExpiration is the default session lifetime in seconds: 0 for a
	// browser session, -2 for a session that does not expire.
	SessionExpiration int `json:"sessionExpiration"`
}

// Default returns the policies of a new site.
func Default() Policies {
	return Policies{
		Registration:       Registration{RequireLoginID: true},
		AccountOptions:     AccountOptions{LoginIdentifiers: "email,username", LoginIdentifierConflict: ConflictIgnore},
		PasswordComplexity: PasswordComplexity{MinLength: 8},
		PasswordReset:      PasswordReset{TokenExpiration: 3600},
		EmailVerification:  EmailVerification{VerificationEmailExpiration: 86400},
		Security: Security{PasswordHistorySize: 3,
			AccountLockout: AccountLockout{LockoutTimeSec: 300, FailedLoginResetSec: 3600},
			IPLockout:      IPLockout{LockoutTimeSec: 300}},
	}
}

// Sections lists the section names, in the order getPolicies shows them.
var Sections = []string{"registration", "accountOptions", "passwordComplexity", "passwordReset", "emailVerification", "gigyaPlugins", "security"}

// ClientSections are the sections a request without server credentials may read.
var ClientSections = []string{"registration", "passwordComplexity", "gigyaPlugins", "security"}

// Limits on values.
const (
	MaxTokenExpiration   = 30 * 24 * 3600
	MaxSessionExpiration = 10 * 365 * 24 * 3600
	MaxPasswordLength    = 1024
	// MaxPasswordHistory bounds the history: each entry costs a hash
	// verification when a password changes.
	MaxPasswordHistory = 10
	maxRegExpLen       = 1024
)

// Parse reads stored policies; fields the JSON lacks keep their defaults.
func Parse(stored string) (Policies, error) {
	p := Default()
	if stored == "" {
		return p, nil
	}
	if err := json.Unmarshal([]byte(stored), &p); err != nil {
		return Policies{}, fmt.Errorf("stored policies: %w", err)
	}
	return p, nil
}

// JSON is the stored form of p.
func (p Policies) JSON() string {
	b, _ := json.Marshal(p)
	return string(b)
}

// Set applies a change to one section: raw is that section's JSON object,
// whose fields replace the current ones; "null" restores the defaults.
// Unknown sections and fields, and values of the wrong type, are 400006
// naming them. The result is not validated: call Validate once all
// sections are set.
func (p *Policies) Set(section, raw string) error {
	def := Default()
	var cur, reset any
	switch section {
	case "registration":
		cur, reset = &p.Registration, def.Registration
	case "accountOptions":
		cur, reset = &p.AccountOptions, def.AccountOptions
	case "passwordComplexity":
		cur, reset = &p.PasswordComplexity, def.PasswordComplexity
	case "passwordReset":
		cur, reset = &p.PasswordReset, def.PasswordReset
	case "emailVerification":
		cur, reset = &p.EmailVerification, def.EmailVerification
	case "gigyaPlugins":
		cur, reset = &p.GigyaPlugins, def.GigyaPlugins
	case "security":
		cur, reset = &p.Security, def.Security
	default:
		return errcode.InvalidValue(section, "unknown policy section")
	}
	raw = strings.TrimSpace(raw)
	if raw == "null" {
		// Every field, those JSON omits when empty too.
		reflect.ValueOf(cur).Elem().Set(reflect.ValueOf(reset))
		return nil
	}
	clearGivenMaps(cur, raw)
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(cur); err != nil {
		return sectionError(section, cur, raw, err)
	}
	if dec.More() {
		return errcode.InvalidFormat(section, "trailing data after the JSON object")
	}
	return nil
}

// sectionError names what is wrong with the JSON raw of section, decoded
// into cur: the dotted path of a value of the wrong type or of an unknown
// field (which the decoder names without its path).
func sectionError(section string, cur any, raw string, err error) error {
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok && te.Field != "" {
		want := te.Type.String()
		if k := te.Type.Kind(); k == reflect.Struct || k == reflect.Map {
			want = "an object"
		}
		return errcode.InvalidValue(section+"."+te.Field, "want "+want)
	}
	if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name := strings.Trim(field, `"`)
		path := cmp.Or(unknownPath(reflect.TypeOf(cur).Elem(), raw, name), name)
		return errcode.InvalidValue(section+"."+path, "unknown policy")
	}
	return errcode.InvalidFormat(section, "not a JSON object")
}

// Validate checks every value: 400006 naming the first one out of bounds.
func (p Policies) Validate() error {
	for _, check := range []func() error{p.checkLoginIdentifiers, p.checkBounds, p.checkSessionExpiration,
		p.Security.validate, p.checkHarvesting, p.checkMail, p.checkRegExp, p.checkAge, p.checkConflict,
		p.checkPasswordChangeInterval} {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func (p Policies) checkLoginIdentifiers() error {
	for id := range strings.SplitSeq(strings.ReplaceAll(p.AccountOptions.LoginIdentifiers, " ", ""), ",") {
		if id != "email" && id != "username" {
			return errcode.InvalidValue("accountOptions.loginIdentifiers", `want "email", "username" or "email,username"`)
		}
	}
	return nil
}

// checkBounds checks the numbers and lengths.
func (p Policies) checkBounds() error {
	pc := p.PasswordComplexity
	switch {
	case pc.MinLength < 1 || pc.MinLength > MaxPasswordLength:
		return errcode.InvalidValue("passwordComplexity.minLength", fmt.Sprintf("want 1 to %d", MaxPasswordLength))
	case pc.MinCharGroups < 0 || pc.MinCharGroups > 4:
		return errcode.InvalidValue("passwordComplexity.minCharGroups", "want 0 to 4")
	case len(pc.RegExp) > maxRegExpLen:
		return errcode.InvalidValue("passwordComplexity.regExp", fmt.Sprintf("longer than %d characters", maxRegExpLen))
	case p.PasswordReset.TokenExpiration < 60 || p.PasswordReset.TokenExpiration > MaxTokenExpiration:
		return errcode.InvalidValue("passwordReset.tokenExpiration", fmt.Sprintf("want 60 to %d seconds", MaxTokenExpiration))
	case p.Security.PasswordHistorySize < 0 || p.Security.PasswordHistorySize > MaxPasswordHistory:
		return errcode.InvalidValue("security.passwordHistorySize", fmt.Sprintf("want 0 to %d", MaxPasswordHistory))
	case p.EmailVerification.VerificationEmailExpiration < 60 || p.EmailVerification.VerificationEmailExpiration > MaxTokenExpiration:
		return errcode.InvalidValue("emailVerification.verificationEmailExpiration", fmt.Sprintf("want 60 to %d seconds", MaxTokenExpiration))
	}
	return nil
}

func (p Policies) checkSessionExpiration() error {
	return CheckSessionExpiration("gigyaPlugins.sessionExpiration", p.GigyaPlugins.SessionExpiration)
}

// checkHarvesting: without verification or a CAPTCHA, registering tells
// whether a login ID exists, whatever else hides it.
func (p Policies) checkHarvesting() error {
	if p.AccountOptions.PreventLoginIDHarvesting && !p.AccountOptions.VerifyEmail && !p.Registration.RequireCaptcha {
		return errcode.New(errcode.InvalidPolicyConfiguration,
			"Invalid policy configuration: preventLoginIDHarvesting needs accountOptions.verifyEmail or registration.requireCaptcha")
	}
	return nil
}

func (p Policies) checkRegExp() error {
	if re := p.PasswordComplexity.RegExp; re != "" {
		if _, err := regexp.Compile(re); err != nil {
			return errcode.InvalidValue("passwordComplexity.regExp", "not a valid regular expression (RE2 syntax)")
		}
	}
	return nil
}

// CheckSessionExpiration accepts a session lifetime: seconds, 0 for a
// browser session, -2 for no expiry.
func CheckSessionExpiration(param string, v int) error {
	if v == -2 || (v >= 0 && v <= MaxSessionExpiration) {
		return nil
	}
	return errcode.InvalidValue(param, fmt.Sprintf("want 0 to %d seconds, or -2", MaxSessionExpiration))
}

// AllowsEmail tells whether email is a login identifier.
func (a AccountOptions) AllowsEmail() bool { return a.allows("email") }

// AllowsUsername tells whether username is a login identifier.
func (a AccountOptions) AllowsUsername() bool { return a.allows("username") }

// MustVerify tells whether only verified emails log in: the site verifies
// emails and does not let an unverified one log in meanwhile.
func (a AccountOptions) MustVerify() bool { return a.VerifyEmail && !a.AllowUnverifiedLogin }

func (a AccountOptions) allows(id string) bool {
	return slices.Contains(strings.Split(strings.ReplaceAll(a.LoginIdentifiers, " ", ""), ","), id)
}

// Sections returns the named sections of p as JSON values, for getPolicies.
func (p Policies) SectionsJSON(names []string) map[string]json.RawMessage {
	var all map[string]json.RawMessage
	b, _ := json.Marshal(p)
	json.Unmarshal(b, &all)
	out := map[string]json.RawMessage{}
	for _, n := range names {
		if v, ok := all[n]; ok {
			out[n] = v
		}
	}
	return out
}

// maxLockout bounds thresholds and times (a day, in seconds).
const maxLockout = 86400

func (s Security) validate() error {
	for _, v := range []struct {
		name string
		v    int
	}{
		{"security.accountLockout.failedLoginThreshold", s.AccountLockout.FailedLoginThreshold},
		{"security.accountLockout.lockoutTimeSec", s.AccountLockout.LockoutTimeSec},
		{"security.accountLockout.failedLoginResetSec", s.AccountLockout.FailedLoginResetSec},
		{"security.ipLockout.hourlyFailedLoginThreshold", s.IPLockout.HourlyFailedLoginThreshold},
		{"security.ipLockout.lockoutTimeSec", s.IPLockout.LockoutTimeSec},
		{"security.captcha.failedLoginThreshold", s.Captcha.FailedLoginThreshold},
	} {
		if v.v < 0 || v.v > maxLockout {
			return errcode.InvalidValue(v.name, fmt.Sprintf("want 0 to %d", maxLockout))
		}
	}
	return nil
}
