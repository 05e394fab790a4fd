package rest_test

import (
	"net/url"
	"strconv"
	"testing"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/rest"
)

// Social ID's sign-ins with a provider's token: an id_token a test
// OpenID provider signs registers the user, then signs them in again; GET
// /info tells the token's credential to whoever has the site's secret.
func TestSocialSignIns(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		up := apitest.NewUpstream(t)
		up.Configure(t, e, "oidc-acme")
		s := newRESTScenario(t, e)
		app := strconv.FormatInt(e.Site.ID, 10)
		idt := up.IDToken("u-7", map[string]any{"email": "seven@example.com", "email_verified": true,
			"preferred_username": "seven", "given_name": "Sev", "family_name": "En"})
		signIn := rest.Prefix + "/apps/" + app + "/sign_ins/oidc-acme"
		info := func() string {
			return rest.Prefix + "/info?api_secret=" + url.QueryEscape(e.Site.SecretBase64()) + "&token={token}"
		}
		s.run(t, []apitest.Scenario{
			{Name: "a new user", Method: "POST", Path: signIn, Body: `{"id_token":"` + idt + `"}`, Status: 201,
				Location: `.*/v1/marketing/login/sign_ins/\d+`, Want: map[string]any{"new_user": true},
				Save: map[string]string{"token": "login_token", "user": "user_id"}},
			{Name: "the same id_token again: refused", Method: "POST", Path: signIn, Body: `{"id_token":"` + idt + `"}`,
				Status: 400, Token: "bad_request"},
			{Name: "again", Method: "POST", Path: signIn, Body: `{"id_token":"` + up.IDToken("u-7", nil) + `"}`, Status: 201,
				Location: `.*/v1/marketing/login/sign_ins/\d+`, Want: map[string]any{"new_user": false},
				After: func(t *testing.T, _ apitest.Response, m map[string]any) {
					if strconv.FormatFloat(m["user_id"].(float64), 'f', -1, 64) != e.Vars["user"] {
						t.Errorf("another user: %s", apitest.Dump(m))
					}
				}},
			{Name: "info", Method: "GET", Path: info(), Auth: "none",
				Want: map[string]any{"credential": map[string]any{"type": "oidc-acme", "oidc_acme_id": "u-7"},
					"email": "seven@example.com", "name": "Sev En"}},
			{Name: "info with a wrong secret", Method: "GET", Path: rest.Prefix + "/info?api_secret=nope&token={token}", Auth: "none",
				Status: 401, WantBody: restBadAuth},
			{Name: "info with an unknown token", Method: "GET", Path: rest.Prefix + "/info?api_secret=" +
				url.QueryEscape(e.Site.SecretBase64()) + "&token=st1_nothing", Auth: "none", Status: 401, WantBody: restBadAuth},
			{Name: "info without credentials", Method: "GET", Path: rest.Prefix + "/info", Auth: "none", Status: 401,
				WantBody: restErr("unauthorized", "api_secret and token are required")},
			{Name: "another app", Method: "POST", Path: rest.Prefix + "/apps/999999/sign_ins/oidc-acme", Body: `{"id_token":"` + idt + `"}`,
				Status: 404, Token: "not_found"},
			{Name: "no token", Method: "POST", Path: signIn, Body: `{}`, Status: 400, Token: "bad_request"},
			{Name: "an email of another user", Method: "POST", Path: signIn,
				Body:   `{"id_token":"` + up.IDToken("u-8", map[string]any{"email": "ann@example.com"}) + `"}`,
				Status: 403, Token: "forbidden"},
		})
	}, apitest.WithSocialPrivate())
}
