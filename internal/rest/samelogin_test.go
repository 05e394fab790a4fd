package rest_test

import (
	"testing"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/rest"
)

// Giving a user its own login ID in another case is not "taken" by the
// user's own row: the email address stays as it was (it is the same
// address), the username takes the new spelling.
func TestRESTUpdateSameLoginID(t *testing.T) {
	t.Parallel()
	user := rest.Prefix + "/users/{id}"
	apitest.ForEachEngine(t, func(t *testing.T, a *apitest.App) {
		apitest.Run(t, a, []apitest.Scenario{
			{Name: "create", Path: rest.Prefix + "/users", Status: 201, Save: map[string]string{"id": "id"},
				Before: func(t *testing.T, a *apitest.App) {
					a.SetPolicies(t, "accountOptions", `{"loginIdentifiers":"email,username"}`)
				},
				Location: `.*/users/\d+`,
				Body:     `{"user":{"email_address":"Grüße@example.com","username":"Otto","password":"new_user_secret"}}`},
			{Name: "same email, upper case", Method: "PUT", Path: user, Status: 200,
				Body: `{"user":{"email_address":"GRÜßE@EXAMPLE.COM"}}`, Want: map[string]any{"email_address": "Grüße@example.com"}},
			{Name: "same username, other case", Method: "PUT", Path: user, Status: 200,
				Body: `{"user":{"username":"OTTO"}}`, Want: map[string]any{"username": "OTTO"}},
			{Name: "found by either spelling", Path: rest.Prefix + "/users/find_by?username=otto", Status: 200,
				Want: map[string]any{"username": "OTTO", "email_address": "Grüße@example.com"}},
			{Name: "log in with the old spelling", Path: rest.Prefix + "/users/login", Status: 201, Location: `.*/sign_ins/\d+`,
				Body: `{"username":"otto","password":"new_user_secret"}`},
		})
	})
}
