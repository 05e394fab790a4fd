package rpc_test

// End-to-end tests of Gigya's own OAuth 2.0 (gigya-api-2.md §4.1):
// socialize.getToken with every client authentication and grant type, and
// its access tokens on RPC calls, through the real router on every engine.

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/store/storetest"
)

const getTokenMethod = "socialize.getToken"

// Error details of socialize.getToken and of access tokens.
const (
	tokenOverHTTP      = "Secret Sent Over Http: socialize.getToken is called over HTTPS only"
	tokenNeedsPost     = "Invalid request format: socialize.getToken takes a POST"
	tokenNeedsSecret   = "Permission denied: socialize.getToken needs the client's secret"
	badBasic           = "Invalid authentication header: want Authorization: Basic base64(client_id:client_secret)"
	credsTwice         = "Invalid request format: the client's credentials come once, in HTTP Basic or in parameters"
	secretTwice        = "Invalid request format: send client_secret or secret, not both"
	unknownClient      = "Invalid ApiKey parameter: apiKey or client_id names no site (an application key's client_id goes with apiKey)"
	noClient           = "Missing required parameter: apiKey or client_id"
	clientMismatch     = "Invalid request format: client_id names neither apiKey nor userKey"
	badGrant           = `Unsupported grant type: "password"; socialize.getToken takes authorization_code, client_credentials or none`
	badExpiration      = "Invalid parameter value: x_sessionExpiration: want seconds (0: until the browser closes, which for a token is an hour; -2: forever)"
	unknownCode        = "Invalid parameter value: code: unknown authorization code"
	foreignCode        = "Invalid grant: the code was issued to another site"
	reusedCode         = "Invalid grant: the code was used before; the token issued for it is revoked"
	expiredCode        = "Code expired: exchange the code within a few minutes of the login"
	wrongRedirect      = "Invalid redirect URI: redirect_uri differs from the one of the login request"
	tokenUnknown       = "Invalid token: invalid_token: unknown access token"
	tokenExpired       = "Invalid token: invalid_token: the access token has expired"
	tokenRevoked       = "Invalid token: invalid_token: the access token was revoked"
	tokenSecretRotated = "Invalid token: invalid_token: the site secret the access token stands for was replaced"
	tokenKeyRevoked    = "Invalid token: invalid_token: the application key of the access token was revoked"
	tokenOverPlain     = "Invalid token: invalid_token: access tokens are accepted over HTTPS only"
	badOAuthHeader     = "Invalid authentication header: want Authorization: OAuth <token>"
	redirectURI        = "https://example.com/callback"
)

// forEachTokenApp runs test on each engine with an app behind a trusted
// proxy (so that a request may say it came over plain HTTP) on a clock the
// test moves.
func forEachTokenApp(t *testing.T, test func(t *testing.T, e *apitest.App, clock *apitest.Clock)) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			clock := apitest.NewClock()
			test(t, apitest.NewApp(t, engine, apitest.WithClock(clock.Now), apitest.BehindProxy()), clock)
		})
	}
}

// plainHTTP is what the trusted proxy says of a request that came over HTTP.
var plainHTTP = http.Header{"X-Forwarded-Proto": {"http"}}

// basic is an Authorization header of HTTP Basic id:secret.
func basic(id, secret string) http.Header {
	return http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))}}
}

// oauthHeader is an Authorization header carrying an access token.
func oauthHeader(tok string) http.Header { return http.Header{"Authorization": {"OAuth " + tok}} }

// tokenCase is one call and the answer it must get, with the HTTP status of
// its catalog code (every call asks for httpStatusCodes).
type tokenCase struct {
	name     string
	method   string // default socialize.getToken
	http     string // default POST
	form     url.Values
	hdr      http.Header
	noAPIKey bool
	code     float64
	details  string
	want     map[string]any
	absent   []string
	after    func(t *testing.T, m map[string]any)
}

func runTokenCases(t *testing.T, e *apitest.App, cases []tokenCase) {
	t.Helper()
	for _, tc := range cases {
		form := url.Values{"httpStatusCodes": {"true"}}
		for k, v := range tc.form {
			form[k] = v
		}
		s := apitest.Scenario{Name: tc.name, Path: "/" + cmpOr(tc.method, getTokenMethod), Method: tc.http, Form: form,
			Headers: tc.hdr, NoAPIKey: tc.noAPIKey, Status: int(apitest.Codes[tc.code].Status), Code: tc.code,
			Details: tc.details, Want: tc.want, Absent: tc.absent}
		if tc.after != nil {
			after := tc.after
			s.After = func(t *testing.T, _ apitest.Response, m map[string]any) { after(t, m) }
		}
		s.Test(t, e)
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// getToken asks for a token with form (the site's apiKey and secret added
// unless form has credentials) and returns it and its answer.
func getToken(t *testing.T, e *apitest.App, form url.Values, hdr http.Header) (string, map[string]any) {
	t.Helper()
	if !form.Has("secret") && !form.Has("client_secret") && hdr == nil {
		form.Set("secret", e.Site.SecretBase64())
	}
	_, m := e.RPC(t, getTokenMethod, form, hdr)
	tok, _ := m["access_token"].(string)
	if m["errorCode"] != 0.0 || !oauth.IsGigyaToken(tok) {
		t.Fatalf("getToken: %s", apitest.Dump(m))
	}
	return tok, m
}

func TestGetTokenClientAuth(t *testing.T) {
	t.Parallel()
	forEachTokenApp(t, func(t *testing.T, e *apitest.App, _ *apitest.Clock) {
		key := createKey(t, e, e.Site.ID, "backend", []string{"accounts.getAccountInfo", "socialize.getToken"}, "")
		narrow := createKey(t, e, e.Site.ID, "narrow", []string{"accounts.getAccountInfo"}, "")
		secret, apiKey := e.Site.SecretBase64(), e.Site.APIKey
		grant := func(kv ...string) url.Values {
			return apitest.Form(append([]string{"grant_type", "client_credentials"}, kv...)...)
		}
		serverToken := func(t *testing.T, m map[string]any) {
			if tok, _ := m["access_token"].(string); !oauth.IsGigyaToken(tok) {
				t.Errorf("access_token %q", tok)
			}
		}
		ok := []string{"expires_in", "errorMessage"}
		runTokenCases(t, e, []tokenCase{
			{name: "apiKey and secret", form: grant("secret", secret), after: serverToken, absent: ok},
			{name: "grant_type none", form: apitest.Form("grant_type", "none", "secret", secret), after: serverToken, absent: ok},
			{name: "Basic apiKey:secret", form: grant(), hdr: basic(apiKey, secret), noAPIKey: true, after: serverToken, absent: ok},
			{name: "Basic apiKey:secret with apiKey", form: grant(), hdr: basic(apiKey, secret), after: serverToken},
			{name: "client_id and client_secret", form: grant("client_id", apiKey, "client_secret", secret), noAPIKey: true,
				after: serverToken},
			{name: "client_id, userKey and secret", form: grant("client_id", apiKey, "userKey", key.UserKey, "secret", key.SecretBase64()),
				noAPIKey: true, after: serverToken},
			{name: "apiKey, userKey and secret", form: grant("userKey", key.UserKey, "secret", key.SecretBase64()), after: serverToken},
			{name: "an application key as client_id, with apiKey", form: grant("client_id", key.UserKey, "client_secret", key.SecretBase64()),
				after: serverToken},
			{name: "Basic userKey:secret with apiKey", form: grant(), hdr: basic(key.UserKey, key.SecretBase64()), after: serverToken},

			{name: "plain HTTP", form: grant("secret", secret), hdr: plainHTTP, code: 403006, details: tokenOverHTTP,
				absent: []string{"access_token"}},
			{name: "plain HTTP, Basic", form: grant(), hdr: http.Header{"X-Forwarded-Proto": {"http"},
				"Authorization": basic(apiKey, secret)["Authorization"]}, noAPIKey: true, code: 403006, details: tokenOverHTTP},
			{name: "GET", http: "GET", form: grant("secret", secret), code: 400001, details: tokenNeedsPost},
			{name: "no secret", form: grant(), code: 403007, details: tokenNeedsSecret},
			{name: "wrong secret", form: grant("secret", key.SecretBase64()), code: 403010, details: wrongSecret},
			{name: "wrong secret in Basic", form: grant(), hdr: basic(apiKey, key.SecretBase64()), noAPIKey: true, code: 403010,
				details: wrongSecret},
			{name: "the key's secret for the site", form: grant("client_id", apiKey, "client_secret", key.SecretBase64()),
				noAPIKey: true, code: 403010, details: wrongSecret},
			{name: "a key without socialize.getToken in its scopes", form: grant("userKey", narrow.UserKey, "secret", narrow.SecretBase64()),
				code: 403007, details: outOfScope(getTokenMethod)},
			{name: "an application key as client_id without apiKey", form: grant("client_id", key.UserKey, "client_secret", key.SecretBase64()),
				noAPIKey: true, code: 400093, details: unknownClient},
			{name: "unknown client_id", form: grant("client_id", "3_nope", "client_secret", secret), noAPIKey: true, code: 400093,
				details: unknownClient},
			{name: "no client", form: grant("secret", secret), noAPIKey: true, code: 400092, details: noClient},
			{name: "client_id naming neither apiKey nor userKey", form: grant("client_id", "3_other", "userKey", key.UserKey,
				"client_secret", key.SecretBase64()), code: 400001, details: clientMismatch},
			{name: "Basic and parameters", form: grant("client_id", apiKey, "client_secret", secret), hdr: basic(apiKey, secret),
				noAPIKey: true, code: 400001, details: credsTwice},
			{name: "client_secret and secret", form: grant("client_secret", secret, "secret", secret), code: 400001, details: secretTwice},
			{name: "Basic that is not base64", form: grant(), hdr: http.Header{"Authorization": {"Basic %%%"}}, code: 400008,
				details: badBasic},
			{name: "Basic without a colon", form: grant(), hdr: http.Header{"Authorization": {"Basic " +
				base64.StdEncoding.EncodeToString([]byte(apiKey))}}, code: 400008, details: badBasic},
			{name: "Basic without a client_id", form: grant(), hdr: basic("", secret), code: 400008, details: badBasic},
			{name: "another scheme", form: grant(), hdr: http.Header{"Authorization": {"Bearer abc"}}, code: 400008, details: badBasic},
		})
	})
}

func TestGetTokenGrants(t *testing.T) {
	t.Parallel()
	forEachTokenApp(t, func(t *testing.T, e *apitest.App, _ *apitest.Clock) {
		secret := e.Site.SecretBase64()
		grant := func(kv ...string) url.Values {
			return apitest.Form(append([]string{"grant_type", "client_credentials", "secret", secret}, kv...)...)
		}
		runTokenCases(t, e, []tokenCase{
			{name: "no grant_type", form: apitest.Form("secret", secret), code: 400002, details: "Missing required parameter: grant_type"},
			{name: "an unsupported grant_type", form: apitest.Form("grant_type", "password", "secret", secret), code: 400013,
				details: badGrant},
			{name: "x_siteUID", form: grant("x_siteUID", annUID), absent: []string{"expires_in"}},
			{name: "x_siteUID unknown", form: grant("x_siteUID", "nobody"), code: 403005,
				details: `Unauthorized user: no account with x_siteUID "nobody"`},
			{name: "x_sessionExpiration", form: grant("x_sessionExpiration", "600"), want: map[string]any{"expires_in": 600}},
			{name: "x_sessionExpiration 0 is an hour", form: grant("x_siteUID", annUID, "x_sessionExpiration", "0"),
				want: map[string]any{"expires_in": 3600}},
			{name: "x_sessionExpiration -2 is forever", form: grant("x_sessionExpiration", "-2"), absent: []string{"expires_in"}},
			{name: "x_sessionExpiration negative", form: grant("x_sessionExpiration", "-1"), code: 400006, details: badExpiration},
			{name: "x_sessionExpiration not a number", form: grant("x_sessionExpiration", "soon"), code: 400006, details: badExpiration},
			{name: "x_userInfo and regSource are accepted", form: grant("x_siteUID", annUID, "x_userInfo", `{"nickname":"ann"}`,
				"regSource", "https://example.com"), absent: []string{"ignoredParams"}},
		})
	})
}

// The codes of a login are exchanged once, for the redirect_uri they were
// issued for, within their life; a second use revokes the first's token.
func TestGetTokenAuthorizationCode(t *testing.T) {
	t.Parallel()
	forEachTokenApp(t, func(t *testing.T, e *apitest.App, clock *apitest.Clock) {
		ctx := context.Background()
		ann, err := e.Accounts.ByUID(ctx, e.Site.ID, annUID)
		if err != nil {
			t.Fatal(err)
		}
		issue := func(siteID int64) string {
			code, err := e.GigyaTokens.IssueCode(ctx, siteID, ann.ID, redirectURI)
			if err != nil {
				t.Fatal(err)
			}
			return code
		}
		code, other := issue(e.Site.ID), issue(secondSite(t, e).ID)
		secret := e.Site.SecretBase64()
		exchange := func(kv ...string) url.Values {
			return apitest.Form(append([]string{"grant_type", "authorization_code", "client_id", e.Site.APIKey,
				"client_secret", secret}, kv...)...)
		}
		var first string
		runTokenCases(t, e, []tokenCase{
			{name: "no code", form: exchange("redirect_uri", redirectURI), noAPIKey: true, code: 400002,
				details: "Missing required parameter: code"},
			{name: "no redirect_uri", form: exchange("code", code), noAPIKey: true, code: 400002,
				details: "Missing required parameter: redirect_uri"},
			{name: "an unknown code", form: exchange("code", "ac1_unknown", "redirect_uri", redirectURI), noAPIKey: true,
				code: 400006, details: unknownCode},
			{name: "a garbled code", form: exchange("code", "garbled", "redirect_uri", redirectURI), noAPIKey: true,
				code: 400006, details: unknownCode},
			{name: "another site's code", form: exchange("code", other, "redirect_uri", redirectURI), noAPIKey: true,
				code: 400014, details: foreignCode},
			{name: "another redirect_uri", form: exchange("code", code, "redirect_uri", redirectURI+"/"), noAPIKey: true,
				code: 400011, details: wrongRedirect},
			{name: "the exchange", form: exchange("code", code, "redirect_uri", redirectURI), noAPIKey: true,
				absent: []string{"expires_in"}, after: func(t *testing.T, m map[string]any) { first, _ = m["access_token"].(string) }},
		})
		if first == "" {
			t.Fatal("no token from the exchange")
		}
		runTokenCases(t, e, []tokenCase{
			{name: "the user's token acts for ann", method: getAccountInfo, hdr: oauthHeader(first), noAPIKey: true,
				want: annView, absent: noUIDSig},
			{name: "the code again", form: exchange("code", code, "redirect_uri", redirectURI), noAPIKey: true,
				code: 400014, details: reusedCode},
			{name: "the first token is revoked", method: getAccountInfo, hdr: oauthHeader(first), noAPIKey: true,
				code: 403025, details: tokenRevoked},
		})
		late := issue(e.Site.ID)
		clock.Advance(oauth.GigyaCodeLifetime)
		runTokenCases(t, e, []tokenCase{
			{name: "an expired code", form: exchange("code", late, "redirect_uri", redirectURI), noAPIKey: true,
				code: 400015, details: expiredCode},
		})
	})
}

// An access token stands for the secret it was issued with, on any method;
// a user's names its account.
func TestOAuthTokenOnCalls(t *testing.T) {
	t.Parallel()
	forEachTokenApp(t, func(t *testing.T, e *apitest.App, clock *apitest.Clock) {
		ctx := context.Background()
		bob, bobSession := register(t, e, "bob@example.com", "pass-word-1")
		ann, err := e.Accounts.ByUID(ctx, e.Site.ID, annUID)
		if err != nil {
			t.Fatal(err)
		}
		annSess, err := e.Accounts.Sessions().Create(ctx, e.DB, e.Site.ID, ann.ID, -2, false)
		if err != nil {
			t.Fatal(err)
		}
		annSession := annSess.Token
		server, _ := getToken(t, e, apitest.Form("grant_type", "none"), nil)
		user, _ := getToken(t, e, apitest.Form("grant_type", "client_credentials", "x_siteUID", annUID), nil)
		bobToken, _ := getToken(t, e, apitest.Form("grant_type", "client_credentials", "x_siteUID", bob), nil)
		key := createKey(t, e, e.Site.ID, "reader", []string{"accounts.getAccountInfo", "socialize.getToken"}, "")
		keyed, _ := getToken(t, e, apitest.Form("grant_type", "none", "userKey", key.UserKey, "secret", key.SecretBase64()), nil)
		doomedKey := createKey(t, e, e.Site.ID, "doomed", nil, "")
		doomed, _ := getToken(t, e, apitest.Form("grant_type", "none", "userKey", doomedKey.UserKey, "secret", doomedKey.SecretBase64()), nil)
		short, _ := getToken(t, e, apitest.Form("grant_type", "none", "x_sessionExpiration", "60"), nil)
		revoked, _ := getToken(t, e, apitest.Form("grant_type", "none"), nil)
		other := secondSite(t, e)
		foreign, _ := getToken(t, e.With(other), apitest.Form("grant_type", "none", "secret", other.SecretBase64()), nil)
		bobView := map[string]any{"UID": bob}
		runTokenCases(t, e, []tokenCase{
			{name: "server token in oauth_token, no apiKey", method: getAccountInfo, form: apitest.Form("oauth_token", server, "UID", annUID),
				noAPIKey: true, want: annView, absent: noUIDSig},
			{name: "server token with apiKey", method: getAccountInfo, form: apitest.Form("oauth_token", server, "UID", annUID),
				want: annView},
			{name: "server token in Authorization: OAuth", method: getAccountInfo, form: apitest.Form("UID", bob),
				hdr: oauthHeader(server), noAPIKey: true, want: bobView},
			{name: "server token on a server method", method: "accounts.search",
				form: apitest.Form("query", "SELECT UID FROM accounts WHERE UID = '"+annUID+"'"), hdr: oauthHeader(server),
				noAPIKey: true, want: map[string]any{"totalCount": 1}},
			{name: "server token on getPolicies", method: "accounts.getPolicies", hdr: oauthHeader(server), noAPIKey: true},
			{name: "server token on setPolicies", method: "accounts.setPolicies",
				form: apitest.Form("passwordReset", `{"tokenExpiration":3600}`), hdr: oauthHeader(server), noAPIKey: true},
			{name: "user token acts for its account", method: getAccountInfo, form: apitest.Form("oauth_token", user),
				noAPIKey: true, want: annView, absent: noUIDSig},
			{name: "user token naming another UID", method: getAccountInfo, form: apitest.Form("oauth_token", user, "UID", bob),
				noAPIKey: true, want: bobView},
			{name: "key token within its scopes", method: getAccountInfo, form: apitest.Form("UID", annUID), hdr: oauthHeader(keyed),
				noAPIKey: true, want: annView},
			{name: "key token outside its scopes", method: "accounts.deleteAccount", form: apitest.Form("UID", bob),
				hdr: oauthHeader(keyed), noAPIKey: true, code: 403007, details: outOfScope("accounts.deleteAccount")},
			{name: "bob is still there", method: getAccountInfo, form: apitest.Form("UID", bob), hdr: oauthHeader(server),
				noAPIKey: true, want: bobView},

			{name: "unknown token", method: getAccountInfo, form: apitest.Form("oauth_token", "at1_unknown", "UID", annUID),
				noAPIKey: true, code: 403025, details: tokenUnknown},
			{name: "unknown token with apiKey", method: getAccountInfo, hdr: oauthHeader("at1_unknown"), form: apitest.Form("UID", annUID),
				code: 403025, details: tokenUnknown},
			{name: "another site's token with apiKey", method: getAccountInfo, form: apitest.Form("oauth_token", foreign, "UID", annUID),
				code: 403025, details: tokenUnknown},
			{name: "over plain HTTP", method: getAccountInfo, form: apitest.Form("oauth_token", server, "UID", annUID),
				hdr: plainHTTP, noAPIKey: true, code: 403025, details: tokenOverPlain},
			{name: "over plain HTTP with apiKey", method: getAccountInfo, form: apitest.Form("UID", annUID),
				hdr: http.Header{"X-Forwarded-Proto": {"http"}, "Authorization": {"OAuth " + server}}, code: 403025, details: tokenOverPlain},
			{name: "an empty OAuth header", method: getAccountInfo, form: apitest.Form("UID", annUID),
				hdr: http.Header{"Authorization": {"OAuth "}}, code: 400008, details: badOAuthHeader},
			{name: "an OAuth header of two words", method: getAccountInfo, form: apitest.Form("UID", annUID),
				hdr: http.Header{"Authorization": {"OAuth " + server + " x"}}, code: 400008, details: badOAuthHeader},
		})

		if err := e.Sites.RevokeKey(ctx, e.Site.ID, doomedKey.UserKey); err != nil {
			t.Fatal(err)
		}
		if err := e.GigyaTokens.Revoke(ctx, e.Site.ID, revoked); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		runTokenCases(t, e, []tokenCase{
			{name: "a token of a revoked key", method: getAccountInfo, form: apitest.Form("UID", annUID), hdr: oauthHeader(doomed),
				noAPIKey: true, code: 403025, details: tokenKeyRevoked},
			{name: "a revoked token", method: getAccountInfo, form: apitest.Form("UID", annUID), hdr: oauthHeader(revoked),
				noAPIKey: true, code: 403025, details: tokenRevoked},
			{name: "an expired token", method: getAccountInfo, form: apitest.Form("UID", annUID), hdr: oauthHeader(short),
				noAPIKey: true, code: 403025, details: tokenExpired},
			{name: "a token without expiry", method: getAccountInfo, form: apitest.Form("UID", annUID), hdr: oauthHeader(server),
				noAPIKey: true, want: annView},

			{name: "a user token changes its account", method: "accounts.setAccountInfo",
				form: apitest.Form("profile", `{"firstName":"Ann"}`), hdr: oauthHeader(user), noAPIKey: true},
			{name: "socialize.getUserInfo of a user token", method: "socialize.getUserInfo", hdr: oauthHeader(user), noAPIKey: true,
				want: map[string]any{"UID": annUID, "firstName": "Ann"}},
			{name: "a user token logs its user out", method: "accounts.logout", form: apitest.Form("oauth_token", user),
				noAPIKey: true, after: func(t *testing.T, _ map[string]any) {
					if code := e.SessionCode(t, annSession); code != 403001 {
						t.Errorf("ann's session after logout: %v", code)
					}
				}},
			{name: "bob's session is not ended", method: getAccountInfo, form: apitest.Form("oauth_token", bobSession)},
			{name: "delete bob", method: "accounts.deleteAccount", form: apitest.Form("UID", bob), hdr: oauthHeader(server),
				noAPIKey: true},
			{name: "the token of a deleted account", method: getAccountInfo, hdr: oauthHeader(bobToken), noAPIKey: true,
				code: 403025, details: tokenUnknown},
		})

		// A leaked secret is answered by rotating it: the tokens issued with
		// it end at once; an application key's do not stand for it. (ann's
		// first user token ended with her logout above.)
		user, _ = getToken(t, e, apitest.Form("grant_type", "client_credentials", "x_siteUID", annUID), nil)
		if _, err := e.Sites.RotateSecret(ctx, e.Site.ID); err != nil {
			t.Fatal(err)
		}
		runTokenCases(t, e, []tokenCase{
			{name: "a server token after the secret's rotation", method: getAccountInfo, form: apitest.Form("UID", annUID),
				hdr: oauthHeader(server), noAPIKey: true, code: 403025, details: tokenSecretRotated},
			{name: "a user token after the secret's rotation", method: getAccountInfo, hdr: oauthHeader(user), noAPIKey: true,
				code: 403025, details: tokenSecretRotated},
			{name: "a key's token after the site secret's rotation", method: getAccountInfo, form: apitest.Form("UID", annUID),
				hdr: oauthHeader(keyed), noAPIKey: true, want: map[string]any{"UID": annUID}},
		})
	})
}
