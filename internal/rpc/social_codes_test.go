package rpc_test

// Social login's codes. TestSocialConditionsRender: every condition of
// package social has an entry in both dialects' tables. TestSocialCodes:
// every provider code of the seed triggered through HTTP, with the
// reference's trigger (gigya-api-2.md §5.6); rows are added as the flows
// that trigger them land (socialize.login, notifySocialLogin, connections).

import (
	"errors"
	"strings"
	"testing"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/rest"
	"github.com/custos-id/custos/internal/rpc"
	"github.com/custos-id/custos/internal/social"
)

func TestSocialConditionsRender(t *testing.T) {
	for name, tab := range map[string]interface{ Render(error) error }{"rpc": rpc.Errors(), "rest": rest.Errors()} {
		for _, c := range social.Conditions() {
			out, ok := errors.AsType[*errcode.Error](tab.Render(c))
			if !ok {
				t.Errorf("%s: %v: no entry", name, c)
				continue
			}
			if _, ok := errcode.Lookup(out.Code); !ok || out.Details == "" || strings.Contains(out.Details, "%!") {
				t.Errorf("%s: %v: %d %q", name, c, out.Code, out.Details)
			}
		}
	}
}

const (
	setProvider    = "/accounts.social.setProvider"
	getProviders   = "/accounts.social.getProviders"
	deleteProvider = "/accounts.social.deleteProvider"
)

// The provider methods: the secret is taken and never answered back.
func TestSocialProviderMethods(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		// The fixed clock of apitest.
		ts, tsMillis := "2026-11-22T10:30:15.123Z", 1795343415123
		google := map[string]any{"name": "google", "preset": "google", "kind": "oidc", "clientID": "123.apps.googleusercontent.com",
			"hasSecret": true, "enabled": true, "created": ts, "createdTimestamp": tsMillis, "updated": ts, "updatedTimestamp": tsMillis}
		run(t, e, []apitest.Scenario{
			{Name: "setProvider: a preset", Path: setProvider, Form: e.Secret("provider", "google",
				"clientID", "123.apps.googleusercontent.com", "clientSecret", "GOCSPX-the-secret"),
				Want: map[string]any{"provider": google}, NotContains: []string{"GOCSPX"}},
			{Name: "setProvider: a generic OIDC provider", Path: setProvider, Form: e.Secret("provider", "oidc-acme",
				"kind", "oidc", "clientID", "c", "issuer", "https://login.acme.example", "scopes", `["openid","email"]`,
				"claims", `{"nickname":"preferred_username"}`, "enabled", "false"),
				Want: map[string]any{"provider": map[string]any{"name": "oidc-acme", "kind": "oidc", "clientID": "c",
					"issuer": "https://login.acme.example", "scopes": []string{"openid", "email"},
					"claims": map[string]string{"nickname": "preferred_username"}, "hasSecret": false, "enabled": false,
					"created": ts, "createdTimestamp": tsMillis, "updated": ts, "updatedTimestamp": tsMillis}}},
			{Name: "getProviders: never the secret", Path: getProviders, Form: e.Secret(), NotContains: []string{"GOCSPX", "clientSecret"},
				After: func(t *testing.T, _ apitest.Response, m map[string]any) {
					list, _ := m["providers"].([]any)
					if len(list) != 2 || list[0].(map[string]any)["name"] != "google" {
						t.Errorf("providers: %s", apitest.Dump(m))
					}
				}},
			{Name: "getProviders of one", Path: getProviders, Form: e.Secret("provider", "google"),
				Want: map[string]any{"providers": []any{google}}},
			{Name: "setProvider: invalid", Path: setProvider, Form: e.Secret("provider", "acme", "kind", "oidc", "clientID", "c",
				"issuer", "http://login.acme.example"), Code: 400006,
				Details: "Invalid parameter value: provider acme: issuer: not an https URL"},
			{Name: "setProvider: a client call", Path: setProvider, Form: apitest.Form("provider", "acme"), Code: 403007, Loose: true},
			{Name: "deleteProvider", Path: deleteProvider, Form: e.Secret("provider", "oidc-acme")},
			{Name: "deleteProvider again", Path: deleteProvider, Form: e.Secret("provider", "oidc-acme"), Code: 400099,
				Details: `Invalid provider: "oidc-acme" is not a provider of this site`},
		})
	})
}

// TestSocialCodes: one row per provider code of the seed, through HTTP.
func TestSocialCodes(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		for _, c := range []struct {
			code    float64
			trigger string
			s       apitest.Scenario
		}{
			{400099, "unknown provider name", apitest.Scenario{Path: getProviders, Form: e.Secret("provider", "nosuch"), Loose: true}},
			{400002, "provider missing (custos's provider methods)", apitest.Scenario{Path: deleteProvider, Form: e.Secret(), Loose: true}},
		} {
			c.s.Name, c.s.Code = c.trigger, c.code
			run(t, e, []apitest.Scenario{c.s})
		}
	})
}
