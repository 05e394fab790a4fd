package rpc_test

import (
	"strings"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/apitest"
)

// Social identities through the native-token login, with id_tokens a real
// (test) OpenID provider signs and custos verifies against its JWKS: a new
// user registers, comes back, shows its identities; a provider email that
// is another account's login ID never logs into it, verified or not
// (403043), until the user proves to own that account by its password or
// by an identity it holds (200009, then finalizeRegistration); connect;
// removeConnection; the pending registrations of a social user.
func TestSocialIdentities(t *testing.T) {
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		up := apitest.NewUpstream(t)
		up.Configure(t, e, "oidc-acme")
		up.Configure(t, e, "oidc-beta")
		sess := func(provider, sub string, claims map[string]any) string {
			return apitest.Session(provider, up.IDToken(sub, claims))
		}
		verified := func(email string) map[string]any {
			return map[string]any{"email": email, "email_verified": true, "given_name": "Nia"}
		}
		boUID, _ := registerWith(t, e, apitest.Form("email", "bo@example.com", "password", "bo-password-1"))
		carolUID, _ := registerWith(t, e, apitest.Form("email", "carol@example.com", "password", "carol-password-1"))
		linked := "Accounts linked: call accounts.finalizeRegistration with the regToken of this answer (the conflict's is spent)"
		conflict := "Login identifier exists: the provider's email is the login ID of an existing account; prove you own it (accounts.getConflictingAccount, then accounts.login with loginMode=link and the regToken)"
		run(t, e, []apitest.Scenario{
			{Name: "a new user registers", Path: "/accounts.notifySocialLogin",
				Form: apitest.Form("providerSessions", sess("oidc-acme", "u-new", verified("nia@example.com")), "include", "profile,loginIDs"),
				Want: map[string]any{"isNewUser": true, "isVerified": true, "isRegistered": true, "loginProvider": "oidc-acme",
					"socialProviders": "oidc-acme", "profile": map[string]any{"email": "nia@example.com", "firstName": "Nia"},
					"loginIDs": map[string]any{"emails": []any{"nia@example.com"}, "unverifiedEmails": []any{}}},
				Save: map[string]string{"nia": "UID"},
				After: func(t *testing.T, _ apitest.Response, m map[string]any) {
					if apitest.Object(t, m, "sessionInfo")["cookieValue"] == nil {
						t.Errorf("no session: %s", apitest.Dump(m))
					}
				}},
			{Name: "and comes back", Path: "/accounts.notifySocialLogin",
				Form:  apitest.Form("providerSessions", sess("oidc-acme", "u-new", verified("nia@example.com"))),
				Want:  map[string]any{"isNewUser": false, "loginProvider": "oidc-acme"},
				After: saveToken(e, "niaToken")},
			{Name: "its identities", Path: "/accounts.getAccountInfo", Form: e.Secret("UID", "{nia}", "include", "identities-all"),
				After: func(t *testing.T, _ apitest.Response, m map[string]any) {
					ids, _ := m["identities"].([]any)
					if len(ids) != 1 {
						t.Fatalf("identities: %s", apitest.Dump(m))
					}
					id := ids[0].(map[string]any)
					if id["provider"] != "oidc-acme" || id["providerUID"] != "u-new" || id["email"] != "nia@example.com" ||
						id["isEmailVerified"] != true || id["firstName"] != "Nia" {
						t.Errorf("identity: %s", apitest.Dump(id))
					}
				}},
			{Name: "getUserInfo", Path: "/socialize.getUserInfo", Form: e.Secret("UID", "{nia}"),
				Want: map[string]any{"isConnected": true, "loginProvider": "oidc-acme", "loginProviderUID": "u-new",
					"providers": "oidc-acme"}},

			// Takeover: the provider's email is bo's login ID. Unverified or
			// verified, it does not log into bo's account.
			{Name: "an unverified email of another account", Path: "/accounts.notifySocialLogin",
				Form: apitest.Form("providerSessions", sess("oidc-acme", "u-mallory", map[string]any{"email": "bo@example.com"})),
				Code: 403043, Details: conflict, Want: map[string]any{"provider": "oidc-acme"},
				Absent: []string{"UID", "sessionInfo"}},
			{Name: "a verified email of another account", Path: "/accounts.notifySocialLogin",
				Form: apitest.Form("providerSessions", sess("oidc-acme", "u-bo", verified("Bo@Example.com"))),
				Code: 403043, Details: conflict, Absent: []string{"UID", "sessionInfo"}, Save: map[string]string{"rt": "regToken"}},
			{Name: "the conflicting account", Path: "/accounts.getConflictingAccount", Form: apitest.Form("regToken", "{rt}"),
				Want: map[string]any{"conflictingAccount": map[string]any{"loginID": "bo@example.com", "loginProviders": []any{"site"}}}},
			{Name: "no conflict: null", Path: "/accounts.getConflictingAccount", Form: apitest.Form("regToken", "rt1_nothing"),
				Code: 400006, Loose: true},
			{Name: "link with a wrong password", Path: "/accounts.login",
				Form: apitest.Form("loginMode", "link", "regToken", "{rt}", "loginID", "bo@example.com", "password", "nope-nope-1"),
				Code: 403042, Loose: true},
			{Name: "link with carol's password", Path: "/accounts.login",
				Form: apitest.Form("loginMode", "link", "regToken", "{rt}", "loginID", "carol@example.com", "password", "carol-password-1"),
				Code: 403017, Loose: true},
			{Name: "link with bo's password", Path: "/accounts.login",
				Form: apitest.Form("loginMode", "link", "regToken", "{rt}", "loginID", "bo@example.com", "password", "bo-password-1"),
				Code: 200009, Details: linked, Want: map[string]any{"UID": boUID}, Absent: []string{"sessionInfo"},
				Save: map[string]string{"rtL": "regToken"}},
			{Name: "the conflict's regToken opens no session", Path: "/accounts.finalizeRegistration", Form: apitest.Form("regToken", "{rt}"),
				Code: 400006, Loose: true},
			{Name: "finalize logs in", Path: "/accounts.finalizeRegistration", Form: apitest.Form("regToken", "{rtL}"),
				Want: map[string]any{"UID": boUID}, After: saveToken(e, "boToken")},
			{Name: "the regToken is spent", Path: "/accounts.finalizeRegistration", Form: apitest.Form("regToken", "{rtL}"),
				Code: 400006, Loose: true},
			{Name: "the provider now logs into bo's account", Path: "/accounts.notifySocialLogin",
				Form: apitest.Form("providerSessions", sess("oidc-acme", "u-bo", verified("bo@example.com"))),
				Want: map[string]any{"UID": boUID, "isNewUser": false, "loginProvider": "oidc-acme", "socialProviders": "site,oidc-acme"}},

			// Link by an identity the account holds already.
			{Name: "a second provider, bo's email", Path: "/accounts.notifySocialLogin",
				Form: apitest.Form("providerSessions", sess("oidc-beta", "b-bo", verified("bo@example.com"))),
				Code: 403043, Details: conflict, Save: map[string]string{"rt2": "regToken"}},
			{Name: "link with nia's identity: not bo's", Path: "/accounts.notifySocialLogin",
				Form: apitest.Form("loginMode", "link", "regToken", "{rt2}", "providerSessions", sess("oidc-acme", "u-new", nil)),
				Code: 403017, Loose: true},
			{Name: "link with bo's identity", Path: "/accounts.notifySocialLogin",
				Form: apitest.Form("loginMode", "link", "regToken", "{rt2}", "providerSessions", sess("oidc-acme", "u-bo", nil)),
				Code: 200009, Details: linked, Want: map[string]any{"UID": boUID}, Save: map[string]string{"rt2L": "regToken"}},
			{Name: "finalize", Path: "/accounts.finalizeRegistration", Form: apitest.Form("regToken", "{rt2L}"),
				Want: map[string]any{"UID": boUID}},
			{Name: "bo logs in with either", Path: "/socialize.getUserInfo", Form: e.Secret("UID", boUID),
				Want: map[string]any{"providers": "site,oidc-acme,oidc-beta"}},

			// linkAccounts logs in at once.
			{Name: "carol's email at the second provider", Path: "/accounts.notifySocialLogin",
				Form: apitest.Form("providerSessions", sess("oidc-beta", "b-carol", verified("carol@example.com"))),
				Code: 403043, Details: conflict, Save: map[string]string{"rt3": "regToken"}},
			{Name: "linkAccounts", Path: "/accounts.linkAccounts",
				Form: apitest.Form("regToken", "{rt3}", "loginID", "carol@example.com", "password", "carol-password-1"),
				Want: map[string]any{"UID": carolUID},
				After: func(t *testing.T, _ apitest.Response, m map[string]any) {
					if m["sessionInfo"] == nil {
						t.Errorf("no session: %s", apitest.Dump(m))
					}
				}},

			// connect
			{Name: "connect nia's identity to bo", Path: "/accounts.notifySocialLogin",
				Form: apitest.Form("loginMode", "connect", "login_token", "{boToken}", "providerSessions", sess("oidc-acme", "u-new", nil)),
				Code: 409001, Loose: true},
			{Name: "connect a second identity of a provider", Path: "/accounts.notifySocialLogin",
				Form: apitest.Form("loginMode", "connect", "login_token", "{boToken}", "providerSessions", sess("oidc-acme", "u-other", nil)),
				Code: 409001, Loose: true},
			{Name: "connect without a session", Path: "/accounts.notifySocialLogin",
				Form: apitest.Form("loginMode", "connect", "providerSessions", sess("oidc-beta", "b-nia", nil)),
				Code: 403012, Loose: true},
			{Name: "connect to nia", Path: "/accounts.notifySocialLogin",
				Form:   apitest.Form("loginMode", "connect", "login_token", "{niaToken}", "providerSessions", sess("oidc-beta", "b-nia", nil)),
				Want:   map[string]any{"isAddConnection": true, "socialProviders": "oidc-acme,oidc-beta"},
				Absent: []string{"sessionInfo"}},

			// removeConnection
			{Name: "remove: no provider", Path: "/socialize.removeConnection", Form: e.Secret("UID", boUID), Code: 400060, Loose: true},
			{Name: "remove: not connected", Path: "/socialize.removeConnection", Form: e.Secret("UID", boUID, "provider", "github"),
				Code: 400106, Loose: true},
			{Name: "remove oidc-beta", Path: "/socialize.removeConnection", Form: e.Secret("UID", boUID, "provider", "oidc-beta")},
			{Name: "bo without it", Path: "/socialize.getUserInfo", Form: e.Secret("UID", boUID),
				Want: map[string]any{"providers": "site,oidc-acme"}},
			{Name: "remove nia's", Path: "/socialize.removeConnection", Form: e.Secret("UID", "{nia}", "provider", "oidc-beta")},
			{Name: "nia's last identity: fail", Path: "/socialize.removeConnection",
				Form: e.Secret("UID", "{nia}", "provider", "oidc-acme", "lastIdentityHandling", "fail"), Code: 400006, Loose: true},
			{Name: "nia's last identity: a bad value", Path: "/socialize.removeConnection",
				Form: e.Secret("UID", "{nia}", "provider", "oidc-acme", "lastIdentityHandling", "drop"), Code: 400006, Loose: true},

			// Pending registrations of a social user.
			{Name: "no email: missing login ID", Path: "/accounts.notifySocialLogin",
				Form: apitest.Form("providerSessions", sess("oidc-acme", "u-noemail", nil)),
				Code: 206003, Loose: true, Absent: []string{"sessionInfo"}, Save: map[string]string{"rt4": "regToken"}},
			{Name: "finalize without one", Path: "/accounts.finalizeRegistration", Form: apitest.Form("regToken", "{rt4}"),
				Code: 206003, Loose: true},

			// Tokens custos refuses: for another client, expired, of another provider's keys.
			{Name: "an id_token for another audience", Path: "/accounts.notifySocialLogin",
				Form: apitest.Form("providerSessions", sess("oidc-acme", "u-new", map[string]any{"aud": "another-app"})),
				Code: 400006, Loose: true, Absent: []string{"UID", "sessionInfo"}},
			{Name: "an expired id_token", Path: "/accounts.notifySocialLogin",
				Form: apitest.Form("providerSessions", sess("oidc-acme", "u-new", map[string]any{"exp": apitest.Now.Add(-time.Minute).Unix()})),
				Code: 403009, Loose: true, Absent: []string{"UID", "sessionInfo"}},
			{Name: "an id_token of another issuer", Path: "/accounts.notifySocialLogin",
				Form: apitest.Form("providerSessions", sess("oidc-acme", "u-new", map[string]any{"iss": "https://evil.example"})),
				Code: 400006, Loose: true, Absent: []string{"UID", "sessionInfo"}},
			{Name: "an unknown provider", Path: "/accounts.notifySocialLogin",
				Form: apitest.Form("providerSessions", sess("nope", "u-new", nil)), Code: 400099, Loose: true},

			// Parameters.
			{Name: "no providerSessions", Path: "/accounts.notifySocialLogin", Form: apitest.Form(), Code: 400002, Loose: true},
			{Name: "providerSessions names none", Path: "/accounts.notifySocialLogin", Form: apitest.Form("providerSessions", "{}"),
				Code: 400060, Loose: true},
			{Name: "a bad loginMode", Path: "/accounts.notifySocialLogin",
				Form: apitest.Form("loginMode", "merge", "providerSessions", sess("oidc-acme", "u-new", nil)), Code: 400006, Loose: true},
			{Name: "link without a regToken", Path: "/accounts.notifySocialLogin",
				Form: apitest.Form("loginMode", "link", "providerSessions", sess("oidc-acme", "u-new", nil)), Code: 400002, Loose: true},
		})
		// The email of verification: a site that verifies emails mails an
		// unverified provider email and answers 206002.
		_, m := e.RPC(t, "accounts.setPolicies", e.Secret("accountOptions", `{"verifyEmail":true}`), nil)
		if m["errorCode"] != 0.0 {
			t.Fatalf("setPolicies: %s", apitest.Dump(m))
		}
		_, m = e.RPC(t, "accounts.notifySocialLogin", apitest.Form("providerSessions",
			sess("oidc-acme", "u-unverified", map[string]any{"email": "una@example.com"})), nil)
		if m["errorCode"] != 206002.0 || m["regToken"] == nil || m["sessionInfo"] != nil || !strings.Contains(apitest.Dump(m), "una@example.com") {
			t.Errorf("unverified provider email: %s", apitest.Dump(m))
		}
		_, m = e.RPC(t, "accounts.notifySocialLogin", apitest.Form("providerSessions",
			sess("oidc-acme", "u-verified", verified("vera@example.com"))), nil)
		if m["errorCode"] != 0.0 || m["sessionInfo"] == nil {
			t.Errorf("verified provider email: %s", apitest.Dump(m))
		}
	}, apitest.WithSocialPrivate())
}

// saveToken saves the session token of a login's answer as {name}.
func saveToken(e *apitest.App, name string) func(t *testing.T, _ apitest.Response, m map[string]any) {
	return func(t *testing.T, _ apitest.Response, m map[string]any) {
		tok, _ := apitest.Object(t, m, "sessionInfo")["login_token"].(string)
		if tok == "" {
			t.Fatalf("no session: %s", apitest.Dump(m))
		}
		e.Vars[name] = tok
	}
}
