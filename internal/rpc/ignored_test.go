package rpc_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/custos-id/custos/internal/apitest"
)

// ignoredText is Gigya's message for an ignored parameter.
const ignoredText = "This parameter was not recognized as valid for this API method with your security credentials " +
	"nor was it recognized as a standard Gigya control parameter."

// ignoredParams is the ignoredParams an answer must carry for names, in order.
func ignoredParams(names ...string) []any {
	out := []any{}
	for _, n := range names {
		out = append(out, map[string]any{"paramName": n, "warningCode": 403007.0, "message": ignoredText})
	}
	return out
}

// webSDK are the parameters the web SDK adds to every call, none of which
// the method reads.
var webSDK = []string{"APIKey", "{apiKey}", "sdk", "js_latest", "sdkBuild", "17094", "targetEnv", "jssdk", "lang", "en",
	"cid", "c1", "pageURL", "https://example.com/login", "authMode", "cookie", "loginTokenExp", "0", "gmid", "g1",
	"ucid", "u1", "gcid", "g2", "gmidTicket", "t1", "ctag", "x", "source", "showScreenSet", "sourceData", "{}",
	"usePost", "true", "refUID", "r1", "environment", "prod", "noAuth", "false", "dataFormat", "json",
	"riskContext", `{"b0":1}`, "format", "json", "httpStatusCodes", "false", "context", "R1"}

// Parameters a method does not take come back in ignoredParams, sorted,
// with warningCode 403007, on success and error alike; control parameters
// and the parameters Gigya documents for the method never do.
func TestRPCIgnoredParams(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		uid, _ := register(t, e, "ignored@example.com", "pass-word-1")
		token, secret := mobileLogin(t, e, "ignored@example.com", "pass-word-1")
		recv := receivedURL(e, getAccountInfo)
		none := []string{"ignoredParams"}
		run(t, e, []apitest.Scenario{
			{Name: "success: unknown parameters, sorted by name", Path: "/accounts.isAvailableLoginID",
				Form: apitest.Form("loginID", "new@example.com", "zeta", "1", "firstName", "Ann", "Alpha", "2"),
				Want: map[string]any{"isAvailable": true, "ignoredParams": ignoredParams("Alpha", "firstName", "zeta")}},
			{Name: "from the query and the body", Path: "/accounts.isAvailableLoginID?inQuery=1",
				Form: apitest.Form("loginID", "new@example.com", "inBody", "2"),
				Want: map[string]any{"isAvailable": true, "ignoredParams": ignoredParams("inBody", "inQuery")}},
			{Name: "names are case-sensitive", Path: "/accounts.isAvailableLoginID", Form: apitest.Form("LoginID", "x"),
				Code: 400002, Details: missing("loginID"), Want: map[string]any{"ignoredParams": ignoredParams("LoginID")}},
			{Name: "error: validation, as Gigya's sample", Path: "/accounts.register",
				Form: apitest.Form("email", "ann@example.com", "password", "pass-word-1", "firstName", "Ann"),
				Code: 400009, Details: "email has already been taken", Fields: []apitest.FieldErr{emailTaken},
				Want: map[string]any{"ignoredParams": ignoredParams("firstName")}},
			{Name: "error: another method's parameter", Path: "/accounts.deleteAccount", Form: apitest.Form("loginID", "ann"),
				Code: 403007, Details: serverOnly("accounts.deleteAccount"), Want: map[string]any{"ignoredParams": ignoredParams("loginID")}},
			{Name: "error: unknown apiKey, the method known", Path: "/accounts.isAvailableLoginID",
				Form: apitest.Form("apiKey", "3_nope", "loginID", "x", "foo", "1"), Code: 400093, Details: "Invalid ApiKey parameter",
				Want: map[string]any{"ignoredParams": ignoredParams("foo")}},
			{Name: "error: HTTP status codes", Path: "/accounts.isAvailableLoginID",
				Form: apitest.Form("httpStatusCodes", "true", "foo", "1"), Status: 400, Code: 400002, Details: missing("loginID"),
				Want: map[string]any{"ignoredParams": ignoredParams("foo")}},
			{Name: "unknown method: none", Path: "/accounts.noSuchMethod", Form: apitest.Form("foo", "1"),
				Code: 501001, Details: `Invalid API method: "accounts.noSuchMethod"`, Absent: none},
			{Name: "failure before the method is known: none", Path: "/accounts.isAvailableLoginID",
				Form: apitest.Form("loginID", "x", "format", "xml", "foo", "1"),
				Code: 400006, Details: `Invalid parameter value: format: "xml" is not json or jsonp`, Absent: none},
			{Name: "panic: still listed", Path: "/test.panic", Form: apitest.Form("foo", "1"),
				Code: 500001, Details: "General Server Error", Want: map[string]any{"ignoredParams": ignoredParams("foo")}},

			// Control parameters.
			{Name: "the web SDK's parameters", Path: "/accounts.isAvailableLoginID",
				Form: apitest.Form(append([]string{"loginID", "new@example.com", "login_token", "st1_x", "oauth_token", "st1_y"}, webSDK...)...),
				Want: map[string]any{"isAvailable": true}, Absent: none},
			{Name: "a server SDK's signed call", Path: "/" + getAccountInfo,
				Form: signed(e.Site.Secret, "POST", recv, sdkForm(e.Site.APIKey, apitest.Now, "UID", uid,
					"sdk", "java_3.2.4", "format", "json", "httpStatusCodes", "false", "include", "profile")),
				Want: map[string]any{"UID": uid}, Absent: none},
			{Name: "a server call with the secret in clear", Path: "/accounts.deleteAccount",
				Form: e.Secret("UID", "nobody", "sdk", "python_3.6.0", "format", "json", "httpStatusCodes", "false"),
				Code: 403005, Details: noUID("nobody"), Absent: none},
			{Name: "the Android SDK's session-signed call", Path: "/" + getAccountInfo,
				Form: signed(secret, "POST", gigyaURL(getAccountInfo), sdkForm(e.Site.APIKey, apitest.Now, "oauth_token", token,
					"gmid", "g1", "ucid", "u1", "sdk", "Android_6.2.1", "targetEnv", "mobile", "format", "json", "httpStatusCodes", "false")),
				Want: map[string]any{"UID": uid}, Absent: none},

			// Parameters Gigya documents for the method, read or not.
			{Name: "register's documented parameters", Path: "/accounts.register",
				Form: apitest.Form("email", "documented@example.com", "password", "pass-word-1", "finalizeRegistration", "true",
					"include", "profile", "sessionExpiration", "0", "siteUID", "s1", "regSource", "https://example.com/",
					"clientContext", `{"k":"v"}`, "captchaText", "x", "lang", "en"),
				Absent: none},
			{Name: "login's documented parameters", Path: "/accounts.login",
				Form: apitest.Form("loginID", "ignored@example.com", "password", "pass-word-1", "loginMode", "standard",
					"include", "profile", "clientContext", `{}`, "actionAttributes", `{}`, "targetEnv", "browser"),
				Want: map[string]any{"UID": uid}, Absent: none},
			{Name: "getAccountInfo's documented parameters", Path: "/" + getAccountInfo,
				Form:   e.Secret("UID", uid, "include", "profile", "extraProfileFields", "languages", "includeCommunications", "all"),
				Absent: none},
			{Name: "getPolicies' documented parameters", Path: "/accounts.getPolicies",
				Form: apitest.Form("sections", "registration", "filter", "full", "include", "registration"), Absent: none},
			{Name: "setPolicies takes the policy sections", Path: "/accounts.setPolicies",
				Form: e.Secret("registration", `{}`, "passwordComplexity", `{}`, "sdk", "java_3.2.4"), Absent: none},
			{Name: "getJWTPublicKey's V2", Path: "/accounts.getJWTPublicKey", Form: apitest.Form("V2", "true"), Absent: none},
		})
	}, apitest.WithFaultRoutes())
}

// JSONP carries ignoredParams inside the callback; format and callback
// are never listed.
func TestRPCIgnoredParamsJSONP(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		q := url.Values{"apiKey": {e.Site.APIKey}, "loginID": {"new@example.com"}, "format": {"jsonp"},
			"callback": {"gigya.callback"}, "context": {"c1"}, "foo": {"1"}}
		r := e.Do(t, "GET", "/accounts.isAvailableLoginID?"+q.Encode(), nil, nil)
		s := string(r.Body)
		if r.Status != 200 || r.Header.Get("Content-Type") != "application/javascript; charset=utf-8" ||
			!strings.HasPrefix(s, "/**/gigya.callback({") || !strings.HasSuffix(s, "});") {
			t.Fatalf("%d %q %s", r.Status, r.Header.Get("Content-Type"), s)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(strings.TrimSuffix(strings.TrimPrefix(s, "/**/gigya.callback("), ");")), &m); err != nil {
			t.Fatalf("not JSON inside the callback: %s", s)
		}
		apitest.ExpectRPC(t, m, 0, "")
		apitest.ExpectFields(t, m, map[string]any{"isAvailable": true, "context": "c1", "ignoredParams": ignoredParams("foo")})
	})
}
