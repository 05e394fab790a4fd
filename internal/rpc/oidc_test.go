package rpc_test

// fidm.oidc.op.*: the provider's relying parties and the site's provider
// configuration, every answer through HTTP on both engines.

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/oauth"
)

const (
	createRP    = "/fidm.oidc.op.createRP"
	updateRP    = "/fidm.oidc.op.updateRP"
	getRP       = "/fidm.oidc.op.getRP"
	getRPs      = "/fidm.oidc.op.getRPs"
	delRP       = "/fidm.oidc.op.delRP"
	setConfig   = "/fidm.oidc.op.setConfig"
	getConfig   = "/fidm.oidc.op.getConfig"
	clearConfig = "/fidm.oidc.op.clearConfig"
)

func unknownRP(id string) string { return `Not found: no client with clientID "` + id + `"` }

// secretWorks tells whether secret authenticates the client {clientID}.
func secretWorks(t *testing.T, e *apitest.App, secret string) bool {
	t.Helper()
	_, err := e.OAuth.AuthenticateClient(context.Background(), e.Site.ID, e.Vars["clientID"], secret)
	return err == nil
}

// movedSecret is a secret a client brings from another provider.
const movedSecret = "Gq3xV9tLr2WmZ8yKp4NcB7sHd1JfE6uA"

// rpWeb is the client every test of this file starts from.
var rpWeb = map[string]any{"name": "Web shop", "clientType": "confidential",
	"redirectUris": []string{"https://shop.example.com/cb"}, "postLogoutRedirectUris": []string{"https://shop.example.com/"},
	"responseTypes": []string{"code"}, "grantTypes": []string{"authorization_code", "refresh_token"},
	"allowedScopes": []string{"email", "profile"}, "requireConsent": true}

func createWeb(e *apitest.App) apitest.Scenario {
	return apitest.Scenario{Name: "createRP", Path: createRP, Form: e.Secret("name", "Web shop",
		"redirectUris", `["https://shop.example.com/cb"]`, "postLogoutRedirectUris", `["https://shop.example.com/"]`,
		"responseTypes", `["code"]`, "grantTypes", `["authorization_code","refresh_token"]`,
		"allowedScopes", `["email","profile"]`, "requireConsent", "true"),
		Want: rpWeb, Save: map[string]string{"clientID": "clientID", "secret1": "clientSecret"},
		After: func(t *testing.T, _ apitest.Response, m map[string]any) {
			for _, k := range []string{"created", "createdTimestamp", "lastUpdated", "lastUpdatedTimestamp"} {
				if m[k] == nil {
					t.Errorf("no %s: %s", k, apitest.Dump(m))
				}
			}
		}}
}

func TestOIDCRelyingParties(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		renamed := map[string]any{}
		for k, v := range rpWeb {
			renamed[k] = v
		}
		renamed["name"] = "Shop"
		run(t, e, []apitest.Scenario{
			createWeb(e),
			{Name: "the secret works", Path: getRPs, Form: e.Secret(), Loose: true, After: func(t *testing.T, _ apitest.Response, _ map[string]any) {
				if !secretWorks(t, e, e.Vars["secret1"]) {
					t.Error("the secret createRP answered does not authenticate the client")
				}
			}},
			{Name: "getRP: never the secret", Path: getRP, Form: e.Secret("clientID", "{clientID}"),
				Want: rpWeb, Absent: []string{"clientSecret"}, NotContains: []string{"secret"}},
			{Name: "getRPs: never the secret", Path: getRPs, Form: e.Secret(), Absent: []string{"clientSecret"},
				After: func(t *testing.T, r apitest.Response, m map[string]any) {
					list, _ := m["RPs"].([]any)
					if len(list) != 1 || list[0].(map[string]any)["clientID"] != e.Vars["clientID"] {
						t.Fatalf("RPs %s", apitest.Dump(m["RPs"]))
					}
					apitest.ExpectFields(t, list[0].(map[string]any), rpWeb)
					apitest.ExpectAbsent(t, list[0].(map[string]any), "clientSecret")
				}},
			{Name: "updateRP changes what it is given", Path: updateRP, Form: e.Secret("clientID", "{clientID}", "description", "Shop"),
				Want: renamed, Absent: []string{"clientSecret"}},
			{Name: "rotateSecret", Path: updateRP, Form: e.Secret("clientID", "{clientID}", "rotateSecret", "true"),
				Want: renamed, Save: map[string]string{"secret2": "clientSecret"},
				After: func(t *testing.T, _ apitest.Response, _ map[string]any) {
					if e.Vars["secret2"] == e.Vars["secret1"] || secretWorks(t, e, e.Vars["secret1"]) || !secretWorks(t, e, e.Vars["secret2"]) {
						t.Error("after rotateSecret the old secret must fail and the new one work")
					}
				}},
			{Name: "the type does not change", Path: updateRP, Form: e.Secret("clientID", "{clientID}", "clientType", "public", "name", "Renamed"),
				Code: 400006, Details: "Invalid parameter value: clientType: a client's type does not change; create another client"},
			{Name: "the same type is no change", Path: updateRP, Form: e.Secret("clientID", "{clientID}", "clientType", "confidential"),
				Want: renamed, Absent: []string{"clientSecret"}},
			{Name: "a public client", Path: createRP, Form: e.Secret("name", "App", "clientType", "public",
				"redirectUris", `["com.example.app:/cb"]`),
				Want: map[string]any{"clientType": "public", "name": "App", "grantTypes": []string{"authorization_code", "refresh_token"},
					"responseTypes": []string{"code"}, "allowedScopes": []string{}, "requireConsent": false},
				Absent: []string{"clientSecret"}, Save: map[string]string{"publicID": "clientID"}},
			{Name: "rotateSecret of a public client", Path: updateRP, Form: e.Secret("clientID", "{publicID}", "rotateSecret", "true", "name", "Renamed"),
				Code: 400006, Details: "Invalid parameter value: rotateSecret: a public client has no secret"},
			{Name: "a public client is unchanged by it", Path: getRP, Form: e.Secret("clientID", "{publicID}"), Want: map[string]any{"name": "App"}},
			{Name: "a client moved from another provider keeps its clientID", Path: createRP,
				Form: e.Secret("clientID", "moved-client.1", "name", "Moved", "redirectUris", `["https://moved.example.com/cb"]`),
				Want: map[string]any{"clientID": "moved-client.1", "name": "Moved"}},
			{Name: "a client moved with its secret", Path: createRP,
				Form: e.Secret("clientID", "moved-client.2", "clientSecret", movedSecret, "name", "Moved", "redirectUris", `["https://moved.example.com/cb"]`),
				Want: map[string]any{"clientID": "moved-client.2"}, Absent: []string{"clientSecret"},
				After: func(t *testing.T, _ apitest.Response, _ map[string]any) {
					if _, err := e.OAuth.AuthenticateClient(context.Background(), e.Site.ID, "moved-client.2", movedSecret); err != nil {
						t.Errorf("the moved secret: %v", err)
					}
				}},
			{Name: "a clientID the site has", Path: createRP,
				Form: e.Secret("clientID", "moved-client.1", "name", "Again", "redirectUris", `["https://moved.example.com/cb"]`),
				Code: 400003, Details: `Unique identifier exists: the site has a client with clientID "moved-client.1"`},
			{Name: "delRP", Path: delRP, Form: e.Secret("clientID", "{clientID}")},
			{Name: "getRP of a deleted client", Path: getRP, Form: e.Secret("clientID", "{clientID}"), Loose: true,
				After: expectNotFound(e, "{clientID}")},
			{Name: "the deleted client's secret", Path: getRPs, Form: e.Secret(), Loose: true,
				After: func(t *testing.T, _ apitest.Response, m map[string]any) {
					if secretWorks(t, e, e.Vars["secret2"]) {
						t.Error("a deleted client authenticates")
					}
					if list, _ := m["RPs"].([]any); len(list) != 3 {
						t.Errorf("RPs after delRP: %s", apitest.Dump(m["RPs"]))
					}
				}},
		})
	})
}

// Every error of the RP methods, each with its code, status and body; a
// refused call changes nothing.
func TestOIDCRelyingPartyErrors(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		other, err := e.Sites.Create(context.Background(), "other", nil)
		if err != nil {
			t.Fatal(err)
		}
		o := e.With(other)
		unchanged := apitest.Scenario{Name: "unchanged", Path: getRP, Form: e.Secret("clientID", "{clientID}"), Want: rpWeb}
		run(t, e, []apitest.Scenario{
			createWeb(e),
			{Name: "getRP without clientID", Path: getRP, Form: e.Secret(), Code: 400002, Details: missing("clientID")},
			{Name: "updateRP without clientID", Path: updateRP, Form: e.Secret("name", "x"), Code: 400002, Details: missing("clientID")},
			{Name: "delRP without clientID", Path: delRP, Form: e.Secret(), Code: 400002, Details: missing("clientID")},
			{Name: "getRP: unknown client", Path: getRP, Form: e.Secret("clientID", "nope"), Code: 404000, Details: unknownRP("nope")},
			{Name: "updateRP: unknown client", Path: updateRP, Form: e.Secret("clientID", "nope", "name", "x"), Code: 404000, Details: unknownRP("nope")},
			{Name: "delRP: unknown client", Path: delRP, Form: e.Secret("clientID", "nope"), Code: 404000, Details: unknownRP("nope")},
			{Name: "the status with httpStatusCodes", Path: getRP, Form: e.Secret("clientID", "nope", "httpStatusCodes", "true"),
				Status: 404, Code: 404000, Details: unknownRP("nope")},
			{Name: "another site's client is unknown", Path: getRP, As: &other, Form: o.Secret("clientID", "{clientID}"), Loose: true,
				After: expectNotFound(e, "{clientID}")},
			{Name: "another site cannot delete it", Path: delRP, As: &other, Form: o.Secret("clientID", "{clientID}"), Loose: true,
				After: expectNotFound(e, "{clientID}")},
			unchanged,
			{Name: "redirectUris not JSON", Path: updateRP, Form: e.Secret("clientID", "{clientID}", "redirectUris", "https://x.example/cb"),
				Code: 400004, Details: "Invalid parameter format: redirectUris: not a JSON array of strings"},
			{Name: "allowedScopes not strings", Path: createRP, Form: e.Secret("name", "x", "allowedScopes", `[1]`),
				Code: 400004, Details: "Invalid parameter format: allowedScopes: not a JSON array of strings"},
			{Name: "a JSON array past the limits", Path: createRP, Form: e.Secret("name", "x", "grantTypes", deepArray(33)),
				Code: 400006, Details: "Invalid parameter value: grantTypes: nested deeper than 32 levels"},
			{Name: "an imported secret too short", Path: createRP, Form: e.Secret("name", "x", "clientSecret", "short-secret"),
				Code: 400006, Details: "Invalid parameter value: clientSecret: an imported secret has 32 to 512 characters"},
			{Name: "an imported secret with a space", Path: createRP, Form: e.Secret("name", "x", "clientSecret", movedSecret[:20]+" "+movedSecret[21:]),
				Code: 400006, Details: "Invalid parameter value: clientSecret: an imported secret is printable ASCII without spaces"},
			{Name: "an imported secret with a +", Path: createRP, Form: e.Secret("name", "x", "clientSecret", movedSecret[:20]+"+"+movedSecret[21:]),
				Code: 400006, Details: "Invalid parameter value: clientSecret: an imported secret has no '%' or '+': clients send Basic credentials unencoded, and the token endpoint decodes them"},
			{Name: "an imported secret with a %", Path: createRP, Form: e.Secret("name", "x", "clientSecret", movedSecret[:20]+"%"+movedSecret[21:]),
				Code: 400006, Details: "Invalid parameter value: clientSecret: an imported secret has no '%' or '+': clients send Basic credentials unencoded, and the token endpoint decodes them"},
			{Name: "a public client with a secret", Path: createRP, Form: e.Secret("name", "x", "clientType", "public", "clientSecret", movedSecret),
				Code: 400006, Details: "Invalid parameter value: clientSecret: a public client has no secret"},
			{Name: "clientType", Path: createRP, Form: e.Secret("name", "x", "clientType", "secret"),
				Code: 400006, Details: "Invalid parameter value: clientType: want confidential or public"},
			{Name: "requireConsent", Path: updateRP, Form: e.Secret("clientID", "{clientID}", "requireConsent", "maybe"),
				Code: 400006, Details: "Invalid parameter value: requireConsent: want true or false"},
			{Name: "rotateSecret", Path: updateRP, Form: e.Secret("clientID", "{clientID}", "rotateSecret", "yes"),
				Code: 400006, Details: "Invalid parameter value: rotateSecret: want true or false"},
			{Name: "name and description", Path: updateRP, Form: e.Secret("clientID", "{clientID}", "name", "a", "description", "b"),
				Code: 400006, Details: "Invalid parameter value: description: give name or description, not both"},
			unchanged,
			// The service's refusals, named by their parameters.
			{Name: "a redirect URI of a browser-run scheme", Path: updateRP, Form: e.Secret("clientID", "{clientID}", "redirectUris", `["javascript:alert(1)"]`),
				Code: 400011, Details: `Invalid redirect URI: redirectUris: "javascript:alert(1)": want https, http on a loopback host, or a private-use scheme such as com.example.app`},
			{Name: "a redirect URI over plain http", Path: createRP, Form: e.Secret("redirectUris", `["http://shop.example.com/cb"]`),
				Code: 400011, Details: `Invalid redirect URI: redirectUris: "http://shop.example.com/cb": http only on localhost or a loopback address; else https`},
			{Name: "a redirect URI with a fragment", Path: createRP, Form: e.Secret("redirectUris", `["https://shop.example.com/cb#x"]`),
				Code: 400011, Details: `Invalid redirect URI: redirectUris: "https://shop.example.com/cb#x" has a fragment`},
			{Name: "a relative post-logout URI", Path: updateRP, Form: e.Secret("clientID", "{clientID}", "postLogoutRedirectUris", `["/bye"]`),
				Code: 400011, Details: `Invalid redirect URI: postLogoutRedirectUris: "/bye" is not an absolute URI`},
			{Name: "no redirect URI for a code client", Path: createRP, Form: e.Secret("name", "x"),
				Code: 400011, Details: "Invalid redirect URI: redirectUris: at least one is needed for the response types code"},
			{Name: "an unknown response type", Path: updateRP, Form: e.Secret("clientID", "{clientID}", "responseTypes", `["token"]`),
				Code: 400006, Details: `Invalid parameter value: responseTypes: "token" is not one of code, id_token, id_token token`},
			{Name: "a hybrid response type", Path: updateRP, Form: e.Secret("clientID", "{clientID}", "grantTypes",
				`["authorization_code","implicit"]`, "responseTypes", `["code","code id_token"]`),
				Code: 400006, Details: `Invalid parameter value: responseTypes: "code id_token": hybrid flows are not supported`},
			{Name: "a response type without its grant", Path: updateRP, Form: e.Secret("clientID", "{clientID}", "responseTypes", `["id_token"]`),
				Code: 400006, Details: `Invalid parameter value: responseTypes: "id_token" needs the grant type implicit`},
			{Name: "refresh_token without authorization_code", Path: updateRP,
				Form: e.Secret("clientID", "{clientID}", "grantTypes", `["refresh_token"]`, "responseTypes", `[]`),
				Code: 400006, Details: "Invalid parameter value: grantTypes: refresh_token needs authorization_code: refresh tokens come from codes"},
			{Name: "client_credentials for a public client", Path: createRP, Form: e.Secret("clientType", "public",
				"grantTypes", `["client_credentials"]`), Code: 400006,
				Details: "Invalid parameter value: grantTypes: a public client cannot use client_credentials: it has no secret"},
			{Name: "a scope with a space", Path: updateRP, Form: e.Secret("clientID", "{clientID}", "allowedScopes", `["a b"]`),
				Code: 400006, Details: `Invalid parameter value: allowedScopes: "a b" is not a scope: printable ASCII without spaces, quotes or backslashes`},
			{Name: "a name on two lines", Path: updateRP, Form: e.Secret("clientID", "{clientID}", "name", "a\nb"),
				Code: 400006, Details: "Invalid parameter value: name: want one line of text, without control characters"},
			{Name: "a clientID of other characters", Path: createRP, Form: e.Secret("clientID", "a b", "redirectUris", `["https://x.example/cb"]`),
				Code: 400006, Details: "Invalid parameter value: clientID: 1 to 128 letters, digits, '.', '_', '~' or '-', beginning with a letter or digit"},
			unchanged,
			{Name: "no refused createRP made a client", Path: getRPs, Form: e.Secret(),
				After: func(t *testing.T, _ apitest.Response, m map[string]any) {
					if list, _ := m["RPs"].([]any); len(list) != 1 {
						t.Errorf("RPs: %s", apitest.Dump(m["RPs"]))
					}
				}},
			{Name: "unknown parameters are ignored", Path: getRP, Form: e.Secret("clientID", "{clientID}", "clientSecret", "x", "redirectUri", "y"),
				Want: map[string]any{"ignoredParams": ignoredParams("clientSecret", "redirectUri")}},
			{Name: "getMetadata takes no parameters", Path: "/fidm.oidc.op.getMetadata", Form: apitest.Form("clientID", "x"),
				Want: map[string]any{"ignoredParams": ignoredParams("clientID")}},
		})
		var client []apitest.Scenario
		for _, m := range []string{createRP, updateRP, getRP, getRPs, delRP, setConfig, getConfig, clearConfig} {
			client = append(client, apitest.Scenario{Name: "client call of " + m, Path: m,
				Form: apitest.Form("clientID", "{clientID}", "name", "x", "proxyPage", "https://example.com/login"),
				Code: 403007, Details: serverOnly(m[1:]), Loose: true,
				After: func(t *testing.T, _ apitest.Response, r map[string]any) {
					apitest.ExpectFields(t, r, map[string]any{"errorCode": 403007, "errorDetails": serverOnly(m[1:])})
				}})
		}
		run(t, e, append(client, unchanged))

		// An application key within its scopes is a server call too.
		keyCall := func(scope string) url.Values {
			k, err := e.Sites.CreateKey(context.Background(), e.Site.ID, "ops", []string{scope}, "")
			if err != nil {
				t.Fatal(err)
			}
			return apitest.Form("userKey", k.UserKey, "secret", k.SecretBase64(), "clientID", "{clientID}")
		}
		run(t, e, []apitest.Scenario{
			{Name: "an application key of fidm.oidc.op.*", Path: getRP, Form: keyCall("fidm.oidc.op.*"), Want: rpWeb},
			{Name: "an application key of other methods", Path: getRP, Form: keyCall("accounts.*"),
				Code: 403007, Details: "Permission denied: the application key may not call fidm.oidc.op.getRP"},
		})
	})
}

// expectNotFound asserts 404000 about the clientID of a placeholder saved
// by an earlier scenario.
func expectNotFound(e *apitest.App, placeholder string) func(*testing.T, apitest.Response, map[string]any) {
	return func(t *testing.T, _ apitest.Response, m map[string]any) {
		apitest.ExpectRPC(t, m, 404000, unknownRP(e.Vars[strings.Trim(placeholder, "{}")]))
	}
}

// deepArray is a JSON array nested n levels deep.
func deepArray(n int) string {
	s := ""
	for range n {
		s += "["
	}
	for range n {
		s += "]"
	}
	return s
}

// defaults is the configuration of a site that set none.
var defaults = map[string]any{"proxyPage": "", "customClaims": map[string]any{}, "customScopes": map[string]any{}, "stylesheet": "",
	"accessTokenLifetime": oauth.DefaultAccessTokenLifetime.Seconds(), "idTokenLifetime": oauth.DefaultIDTokenLifetime.Seconds(),
	"refreshTokenLifetime": oauth.DefaultRefreshTokenLifetime.Seconds(), "codeLifetime": oauth.DefaultCodeLifetime.Seconds()}

func TestOIDCConfig(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		set := map[string]any{"proxyPage": "https://example.com/login",
			"customClaims":        map[string]any{"tier": map[string]any{"fieldName": "data.tier"}},
			"customScopes":        map[string]any{"loyalty": []string{"tier"}},
			"accessTokenLifetime": 600, "idTokenLifetime": 300, "refreshTokenLifetime": 86400, "codeLifetime": 30,
			"stylesheet": ":root{--custos-accent:#6b2fb3}"}
		partly := map[string]any{}
		for k, v := range set {
			partly[k] = v
		}
		partly["codeLifetime"] = oauth.DefaultCodeLifetime.Seconds()
		partly["proxyPage"] = "https://example.com/signin"
		configIs := func(name string, want map[string]any) apitest.Scenario {
			return apitest.Scenario{Name: name, Path: getConfig, Form: e.Secret(), Want: want}
		}
		run(t, e, []apitest.Scenario{
			configIs("the defaults", defaults),
			{Name: "setConfig", Path: setConfig, Form: e.Secret("proxyPage", "https://example.com/login",
				"customClaims", `{"tier":{"fieldName":"data.tier"}}`, "customScopes", `{"loyalty":["tier"]}`,
				"accessTokenLifetime", "600", "idTokenLifetime", "300", "refreshTokenLifetime", "86400", "codeLifetime", "30",
				"stylesheet", ":root{--custos-accent:#6b2fb3}")},
			configIs("as set", set),
			{Name: "setConfig changes what it is given; 0 is the default", Path: setConfig,
				Form: e.Secret("proxyPage", "https://example.com/signin", "codeLifetime", "0")},
			configIs("partly changed", partly),
			{Name: "nothing to set", Path: setConfig, Form: e.Secret(),
				Code: 400002, Details: missing("proxyPage, customClaims, customScopes, stylesheet or a lifetime")},
			{Name: "customClaims not of its shape", Path: setConfig, Form: e.Secret("customClaims", `{"tier":"data.tier"}`),
				Code: 400004, Details: `Invalid parameter format: customClaims: want {"<claim>": {"fieldName": "<account field>"}}`},
			{Name: "customClaims without fieldName", Path: setConfig, Form: e.Secret("customClaims", `{"tier":{}}`),
				Code: 400004, Details: `Invalid parameter format: customClaims: claim "tier" has no fieldName`},
			{Name: "customScopes not of its shape", Path: setConfig, Form: e.Secret("customScopes", `["tier"]`),
				Code: 400004, Details: `Invalid parameter format: customScopes: want {"<scope>": ["<claim>", …]}`},
			{Name: "customScopes past the JSON limits", Path: setConfig, Form: e.Secret("customScopes", `{"a":`+deepArray(40)+`}`),
				Code: 400006, Details: "Invalid parameter value: customScopes: nested deeper than 32 levels"},
			{Name: "a lifetime that is no number", Path: setConfig, Form: e.Secret("proxyPage", "https://example.com/x", "accessTokenLifetime", "1h"),
				Code: 400006, Details: "Invalid parameter value: accessTokenLifetime: want 0 (the default) to 31622400 seconds"},
			{Name: "a negative lifetime", Path: setConfig, Form: e.Secret("refreshTokenLifetime", "-1"),
				Code: 400006, Details: "Invalid parameter value: refreshTokenLifetime: want 0 (the default) to 31622400 seconds"},
			// The service's refusals, named by their parameters.
			{Name: "a proxyPage that is no web page", Path: setConfig, Form: e.Secret("proxyPage", "ftp://example.com/login"),
				Code: 400006, Details: "Invalid parameter value: proxyPage: want an https URL (http on localhost only)"},
			{Name: "a proxyPage over plain http", Path: setConfig, Form: e.Secret("proxyPage", "http://example.com/login"),
				Code: 400006, Details: `Invalid parameter value: proxyPage: "http://example.com/login": http only on localhost or a loopback address; else https`},
			{Name: "a reserved claim", Path: setConfig, Form: e.Secret("customClaims", `{"sub":{"fieldName":"data.x"}}`),
				Code: 400006, Details: `Invalid parameter value: customClaims: "sub" is a standard or reserved claim`},
			{Name: "a claim of no account field", Path: setConfig, Form: e.Secret("customClaims", `{"tier":{"fieldName":"password"}}`),
				Code: 400006, Details: `Invalid parameter value: customClaims: tier: fieldName "password": want email, uid, or profile.<field>, data.<path>, preferences.<path> or subscriptions.<path>`},
			{Name: "a scope of an unknown claim", Path: setConfig, Form: e.Secret("customScopes", `{"loyalty":["points"]}`),
				Code: 400006, Details: `Invalid parameter value: customScopes: loyalty: "points" is neither a standard claim nor a custom claim`},
			{Name: "a standard scope", Path: setConfig, Form: e.Secret("customScopes", `{"email":["tier"]}`),
				Code: 400006, Details: `Invalid parameter value: customScopes: "email" is a standard scope`},
			{Name: "a lifetime past its bound", Path: setConfig, Form: e.Secret("codeLifetime", "3600"),
				Code: 400006, Details: "Invalid parameter value: codeLifetime: want whole seconds from 1 to 600 (or 0: the default)"},
			configIs("unchanged by refused calls", partly),
			{Name: "clearConfig", Path: clearConfig, Form: e.Secret()},
			configIs("the defaults again", defaults),
			{Name: "getConfig takes no parameters", Path: getConfig, Form: e.Secret("proxyPage", "x"),
				Want: map[string]any{"ignoredParams": ignoredParams("proxyPage")}},
		})
	})
}

func TestOIDCMetadata(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		iss := apitest.PublicURL + "/oidc/op/v1.0/{apiKey}"
		want := map[string]any{"issuer": iss,
			"discovery_endpoint":     iss + "/.well-known/openid-configuration",
			"authorization_endpoint": iss + "/authorize", "token_endpoint": iss + "/token",
			"userinfo_endpoint": iss + "/userinfo", "jwks_uri": iss + "/jwks", "introspection_endpoint": iss + "/introspect",
			"revocation_endpoint": iss + "/revoke", "end_session_endpoint": iss + "/end_session"}
		fill := func(m map[string]any) map[string]any {
			out := map[string]any{}
			for k, v := range m {
				out[k] = strings.ReplaceAll(v.(string), "{apiKey}", e.Site.APIKey)
			}
			return out
		}
		run(t, e, []apitest.Scenario{
			{Name: "a client call", Path: "/fidm.oidc.op.getMetadata", Form: apitest.Form(), Want: fill(want)},
			{Name: "a server call", Path: "/fidm.oidc.op.getMetadata", Form: e.Secret(), Want: fill(want)},
			{Name: "unknown apiKey", Path: "/fidm.oidc.op.getMetadata", Form: apitest.Form("apiKey", "3_nope"),
				Code: 400093, Details: "Invalid ApiKey parameter"},
		})
	})
}
