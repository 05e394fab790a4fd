package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/custos-id/custos/internal/store"
)

// rpcForm posts a form to an RPC method and returns the parsed envelope.
func (e *env) rpcForm(t *testing.T, method string, form url.Values) map[string]any {
	t.Helper()
	form.Set("apiKey", e.site.APIKey)
	r := e.do(t, "POST", "/"+method, strings.NewReader(form.Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	return r.json(t)
}

// The reset page of custos: a form that sets the new password with the
// token of the link, and says clearly when the link does not work.
func TestResetPasswordPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, store.SQLite)
	reg := e.rpcForm(t, "accounts.register", url.Values{"email": {"page@example.com"}, "password": {"first-password-1"},
		"finalizeRegistration": {"true"}})
	if reg["errorCode"] != 0.0 {
		t.Fatalf("register: %v", reg)
	}
	res := e.rpcForm(t, "accounts.resetPassword", url.Values{"loginID": {"page@example.com"}, "sendEmail": {"false"},
		"secret": {e.site.SecretBase64()}})
	token, _ := res["passwordResetToken"].(string)
	if token == "" {
		t.Fatalf("resetPassword: %v", res)
	}
	page := "/account/reset-password?pwrt=" + url.QueryEscape(token)
	post := func(pw, confirm string) response {
		form := url.Values{"pwrt": {token}, "newPassword": {pw}, "confirmPassword": {confirm}}
		return e.do(t, "POST", "/account/reset-password", strings.NewReader(form.Encode()),
			http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	}
	steps := []struct {
		name   string
		do     func() response
		status int
		text   string
	}{
		{"form", func() response { return e.do(t, "GET", page, nil, nil) }, 200, `name="newPassword"`},
		{"passwords differ", func() response { return post("second-password-2", "other-password-3") }, 422, "The two passwords differ."},
		{"too short", func() response { return post("short", "short") }, 422, "password is too short (minimum is 8 characters)"},
		{"changed", func() response { return post("second-password-2", "second-password-2") }, 200, "Your password is changed"},
		{"spent link", func() response { return e.do(t, "GET", page, nil, nil) }, 404, "This link is not valid"},
		{"no token", func() response { return e.do(t, "GET", "/account/reset-password", nil, nil) }, 404, "This link is not valid"},
	}
	for _, s := range steps {
		r := s.do()
		if r.status != s.status || !strings.Contains(string(r.body), s.text) {
			t.Fatalf("%s: %d %s", s.name, r.status, r.body)
		}
		if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" || r.header.Get("Referrer-Policy") != "no-referrer" {
			t.Fatalf("%s: headers %v", s.name, r.header)
		}
	}
	for pw, code := range map[string]float64{"first-password-1": 403042, "second-password-2": 0} {
		if got := e.rpcForm(t, "accounts.login", url.Values{"loginID": {"page@example.com"}, "password": {pw}}); got["errorCode"] != code {
			t.Fatalf("login with %s: %v", pw, got)
		}
	}
}
