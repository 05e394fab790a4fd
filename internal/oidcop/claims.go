package oidcop

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/text/language"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/oauth"
)

// protected are the claims of the protocol, which no custom claim sets.
var protected = map[string]bool{
	"iss": true, "sub": true, "aud": true, "exp": true, "nbf": true, "iat": true, "jti": true, "azp": true,
	"nonce": true, "auth_time": true, "acr": true, "amr": true, "at_hash": true, "c_hash": true, "s_hash": true,
	"sid": true, "scope": true, "client_id": true, "cnf": true, "act": true,
}

// userinfo fills ui with the claims scopes release of account a: openid
// the subject (the UID); email, profile, phone and address the standard
// claims (OpenID Connect Core 5.4) from the Gigya profile; a custom scope
// the claims the site's configuration names for it.
func userinfo(ui *oidc.UserInfo, a account.Account, cfg oauth.Config, scopes []string) {
	ui.Subject = a.UID
	for _, sc := range scopes {
		switch sc {
		case oidc.ScopeEmail:
			ui.Email = a.Email
			ui.AppendClaims("email_verified", a.EmailVerified) // false too, which the field would omit
		case oidc.ScopeProfile:
			profileClaims(ui, a)
		case oidc.ScopePhone:
			ui.PhoneNumber = phone(a.Profile)
		case oidc.ScopeAddress:
			ui.Address = address(a.Profile)
		default:
			for _, name := range cfg.CustomScopes[sc] {
				if v, ok := customClaim(a, cfg, name); ok {
					ui.AppendClaims(name, v)
				} else if v, ok := standardClaims(a)[name]; ok && name != "sub" {
					ui.AppendClaims(name, v)
				}
			}
		}
	}
}

// standardClaims are every standard claim of a, by name: a custom scope
// may release some of them.
func standardClaims(a account.Account) map[string]any {
	var ui oidc.UserInfo
	userinfo(&ui, a, oauth.Config{}, []string{oidc.ScopeEmail, oidc.ScopeProfile, oidc.ScopePhone, oidc.ScopeAddress})
	b, err := json.Marshal(&ui)
	out := map[string]any{}
	if err == nil {
		json.Unmarshal(b, &out)
	}
	return out
}

func profileClaims(ui *oidc.UserInfo, a account.Account) {
	p := a.Profile
	ui.GivenName, ui.FamilyName = str(p, "firstName"), str(p, "lastName")
	ui.Nickname, ui.Picture = str(p, "nickname"), str(p, "photoURL")
	ui.Name = strings.TrimSpace(ui.GivenName + " " + ui.FamilyName)
	if ui.Name == "" {
		ui.Name = ui.Nickname
	}
	switch str(p, "gender") {
	case "m":
		ui.Gender = oidc.Gender("male")
	case "f":
		ui.Gender = oidc.Gender("female")
	}
	ui.Birthdate = birthdate(p)
	if tag, err := language.Parse(str(p, "locale")); err == nil && str(p, "locale") != "" {
		ui.Locale = oidc.NewLocale(tag)
	}
	ui.UpdatedAt = oidc.FromTime(a.UpdatedAt)
}

// birthdate is YYYY-MM-DD, or YYYY when only the year is known (5.1).
func birthdate(p map[string]any) string {
	y, ok := num(p, "birthYear")
	if !ok {
		return ""
	}
	m, okM := num(p, "birthMonth")
	d, okD := num(p, "birthDay")
	if !okM || !okD {
		return fmt.Sprintf("%04d", y)
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d)
}

// phone is the first of the profile's phones.
func phone(p map[string]any) string {
	if s := str(p, "phone"); s != "" {
		return s
	}
	phones, _ := p["phones"].([]any)
	for _, ph := range phones {
		if m, ok := ph.(map[string]any); ok && str(m, "number") != "" {
			return str(m, "number")
		}
	}
	return ""
}

func address(p map[string]any) *oidc.UserInfoAddress {
	ad := &oidc.UserInfoAddress{StreetAddress: str(p, "address"), Locality: str(p, "city"), Region: str(p, "state"),
		PostalCode: str(p, "zip"), Country: str(p, "country")}
	if *ad == (oidc.UserInfoAddress{}) {
		return nil
	}
	return ad
}

// customClaim is the value of a custom claim of the site: its fieldName
// names where it comes from ("profile.x", "data.a.b", "preferences.…",
// "subscriptions.…", "email", "uid").
func customClaim(a account.Account, cfg oauth.Config, name string) (any, bool) {
	if protected[name] {
		return nil, false
	}
	c, ok := cfg.CustomClaims[name]
	if !ok {
		return nil, false
	}
	root, path, _ := strings.Cut(c.FieldName, ".")
	var m map[string]any
	switch root {
	case "email":
		return a.Email, a.Email != ""
	case "uid", "UID":
		return a.UID, true
	case "profile":
		m = a.Profile
	case "data":
		m = a.Data
	case "preferences":
		m = a.Preferences
	case "subscriptions":
		m = a.Subscriptions
	default:
		return nil, false
	}
	var v any = m
	for _, k := range slices.Collect(strings.SplitSeq(path, ".")) {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = obj[k]; !ok {
			return nil, false
		}
	}
	return v, path != ""
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// num is a positive whole number of the profile, given as a JSON number
// or a string of digits.
func num(m map[string]any, k string) (int, bool) {
	var s string
	switch v := m[k].(type) {
	case json.Number:
		s = v.String()
	case float64:
		s = strconv.FormatFloat(v, 'f', -1, 64)
	case int:
		s = strconv.Itoa(v)
	case int64:
		s = strconv.FormatInt(v, 10)
	case string:
		s = strings.TrimSpace(v)
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0
}
