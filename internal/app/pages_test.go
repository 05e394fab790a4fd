package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/store"
)

// The reset page of custos: a form that sets the new password with the
// token of the link, and says clearly when the link does not work.
func TestResetPasswordPage(t *testing.T) {
	t.Parallel()
	e := apitest.NewApp(t, store.SQLite)
	reg := e.Call(t, "accounts.register", url.Values{"email": {"page@example.com"}, "password": {"first-password-1"},
		"finalizeRegistration": {"true"}})
	if reg["errorCode"] != 0.0 {
		t.Fatalf("register: %v", reg)
	}
	res := e.Call(t, "accounts.resetPassword", url.Values{"loginID": {"page@example.com"}, "sendEmail": {"false"},
		"secret": {e.Site.SecretBase64()}})
	token, _ := res["passwordResetToken"].(string)
	if token == "" {
		t.Fatalf("resetPassword: %v", res)
	}
	page := "/account/reset-password?pwrt=" + url.QueryEscape(token)
	postFrom := func(fetchSite, pw, confirm string) apitest.Response {
		form := url.Values{"pwrt": {token}, "newPassword": {pw}, "confirmPassword": {confirm}}
		return e.Do(t, "POST", "/account/reset-password", strings.NewReader(form.Encode()),
			http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {fetchSite}})
	}
	post := func(pw, confirm string) apitest.Response { return postFrom("same-origin", pw, confirm) }
	steps := []struct {
		name   string
		do     func() apitest.Response
		status int
		text   string
	}{
		{"form", func() apitest.Response { return e.Do(t, "GET", page, nil, nil) }, 200, `name="newPassword"`},
		{"from another site", func() apitest.Response { return postFrom("cross-site", "evil-password-9", "evil-password-9") }, 403, "This form was sent from another site"},
		{"passwords differ", func() apitest.Response { return post("second-password-2", "other-password-3") }, 422, "The two passwords differ."},
		{"too short", func() apitest.Response { return post("short", "short") }, 422, "password is too short (minimum is 8 characters)"},
		{"changed", func() apitest.Response { return post("second-password-2", "second-password-2") }, 200, "Your password is changed"},
		{"spent link", func() apitest.Response { return e.Do(t, "GET", page, nil, nil) }, 404, "This link is not valid"},
		{"no token", func() apitest.Response { return e.Do(t, "GET", "/account/reset-password", nil, nil) }, 404, "This link is not valid"},
	}
	for _, s := range steps {
		r := s.do()
		if r.Status != s.status || !strings.Contains(string(r.Body), s.text) {
			t.Fatalf("%s: %d %s", s.name, r.Status, r.Body)
		}
		if ct := r.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" || r.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Fatalf("%s: headers %v", s.name, r.Header)
		}
	}
	for pw, code := range map[string]float64{"first-password-1": 403042, "second-password-2": 0, "evil-password-9": 403042} {
		if got := e.Call(t, "accounts.login", url.Values{"loginID": {"page@example.com"}, "password": {pw}}); got["errorCode"] != code {
			t.Fatalf("login with %s: %v", pw, got)
		}
	}
}
