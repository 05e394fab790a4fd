package adminapi_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/admin"
	"github.com/custos-id/custos/internal/adminapi"
	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/screenset"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/social"
	"github.com/custos-id/custos/internal/store/storetest"
)

const testPassword = "correct horse battery staple"

// initialPassword is the password admins are created with: their
// enrollment replaces it with testPassword.
const initialPassword = "initial password 1"

// env is an app with an admin of each role logged in, and one object of
// each kind the routes name.
type env struct {
	*apitest.App
	clock    *apitest.Clock
	sessions map[admin.Role]session
	userKey  string
	clientID string
}

// session is an admin's logged-in session, and its TOTP secret.
type session struct{ cookie, csrf, secret string }

// forEachEngine runs test on an env of each engine.
func forEachEngine(t *testing.T, test func(t *testing.T, e *env)) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			clock := apitest.NewClock()
			a := apitest.NewApp(t, engine, apitest.WithClock(clock.Now))
			test(t, newEnv(t, a, clock))
		})
	}
}

func newEnv(t *testing.T, a *apitest.App, clock *apitest.Clock) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{App: a, clock: clock, sessions: map[admin.Role]session{}}
	for _, role := range admin.Roles {
		e.sessions[role] = e.newAdmin(t, string(role)+"-admin", role)
	}
	k, err := a.Sites.CreateKey(ctx, a.Site.ID, "console test", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	e.userKey = k.UserKey
	c, err := a.OAuth.CreateClient(ctx, a.Site.ID, oauth.Client{Name: "rp", RedirectURIs: []string{"https://rp.example/cb"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	e.clientID = c.ClientID
	// Ann has a session, that revoke-sessions would end.
	ann, err := a.Accounts.ByUID(ctx, a.Site.ID, apitest.AnnUID)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.DB.CreateSession(ctx, &account.Session{SiteID: a.Site.ID, AccountID: ann.ID, TokenHash: []byte("ann's session token hash"),
		CreatedAt: clock.Now()}); err != nil {
		t.Fatal(err)
	}
	set, err := screenset.Input{ID: "Test-Set", HTML: "<div>test</div>"}.Check()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Sites.Update(ctx, a.Site.ID, site.Changes{ScreenSets: []screenset.ScreenSet{set}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Social.SetProvider(ctx, a.Site.ID, social.Provider{Name: "google", ClientID: "google-client",
		ClientSecret: "google-secret", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Social.SetRedirectURIs(ctx, a.Site.ID, []string{"https://app.example/done"}); err != nil {
		t.Fatal(err)
	}
	return e
}

// newAdmin creates an admin and logs it in: the password, the enrollment,
// its first code.
func (e *env) newAdmin(t *testing.T, username string, role admin.Role) session {
	t.Helper()
	if _, _, err := e.Admins.Create(context.Background(), admin.System, admin.NewAdmin{Username: username, Role: role, Password: initialPassword}); err != nil {
		t.Fatal(err)
	}
	creds := map[string]string{"username": username, "password": initialPassword}
	r := e.call(t, "POST", "/session", creds, nil, "")
	if r.Status != 200 {
		t.Fatalf("login: %d %s", r.Status, r.Body)
	}
	var enroll struct {
		Enroll struct{ OTPAuthURI, Secret string }
	}
	json.Unmarshal(r.Body, &enroll)
	if enroll.Enroll.Secret == "" || !strings.HasPrefix(enroll.Enroll.OTPAuthURI, "otpauth://totp/") {
		t.Fatalf("login: want an enrollment, got %s", r.Body)
	}
	code, err := totp.GenerateCode(enroll.Enroll.Secret, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	creds["code"], creds["newPassword"] = code, testPassword
	r = e.call(t, "POST", "/session/totp", creds, nil, "")
	if r.Status != 200 {
		t.Fatalf("enroll: %d %s", r.Status, r.Body)
	}
	c := r.Cookie(adminapi.CookieName)
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/admin/" {
		t.Fatalf("enroll: cookie %v", c)
	}
	var s struct{ CSRFToken string }
	json.Unmarshal(r.Body, &s)
	if s.CSRFToken == "" {
		t.Fatalf("enroll: no csrfToken in %s", r.Body)
	}
	return session{cookie: c.Value, csrf: s.CSRFToken, secret: enroll.Enroll.Secret}
}

// call sends a request to the admin API: body (nil for none) as JSON, the
// session's cookie (nil for none) and csrf as the CSRF header ("" for none).
func (e *env) call(t *testing.T, method, path string, body any, s *session, csrf string) apitest.Response {
	t.Helper()
	h := http.Header{}
	var rd *strings.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = strings.NewReader(string(b))
		h.Set("Content-Type", "application/json")
	} else {
		rd = strings.NewReader("")
	}
	if s != nil {
		h.Set("Cookie", adminapi.CookieName+"="+s.cookie)
	}
	if csrf != "" {
		h.Set(adminapi.CSRFHeader, csrf)
	}
	return e.Do(t, method, adminapi.Prefix+path, rd, h)
}

// as calls as the admin of role, with its CSRF token.
func (e *env) as(t *testing.T, role admin.Role, method, path string, body any) apitest.Response {
	t.Helper()
	s := e.sessions[role]
	return e.call(t, method, path, body, &s, s.csrf)
}

// path fills the route's parameters with the env's objects.
func (e *env) path(p string) string {
	return strings.NewReplacer("{siteId}", itoa(e.Site.ID), "{userKey}", e.userKey, "{screenSetId}", "Test-Set",
		"{clientId}", e.clientID, "{uid}", apitest.AnnUID, "{adminId}", "1", "{id}", "1", "{name}", "google").Replace(p)
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// bodies are valid bodies of the write routes: refused, nothing of them
// may happen.
var bodies = map[string]any{
	"POST /sites":                                   map[string]any{"name": "another"},
	"PATCH /sites/{siteId}":                         map[string]any{"name": "renamed"},
	"POST /sites/{siteId}/keys":                     map[string]any{"name": "k2"},
	"PUT /sites/{siteId}/policies":                  map[string]any{"security": map[string]any{"accountLockout": map[string]any{"failedLoginThreshold": 3}}},
	"PUT /sites/{siteId}/schema":                    map[string]any{"dataSchema": map[string]any{"fields": map[string]any{"plan": map[string]any{"type": "string"}}}},
	"POST /sites/{siteId}/schema/fields":            map[string]any{"fields": map[string]any{"data.tier": map[string]any{"type": "string"}}},
	"PUT /sites/{siteId}/screen-sets/{screenSetId}": map[string]any{"html": "<div>changed</div>"},
	"POST /sites/{siteId}/oidc/clients":             map[string]any{"name": "rp2", "redirectURIs": []string{"https://rp2.example/cb"}},
	"PATCH /sites/{siteId}/oidc/clients/{clientId}": map[string]any{"name": "renamed", "rotateSecret": true},
	"PATCH /sites/{siteId}/users/{uid}":             map[string]any{"profile": map[string]any{"firstName": "Changed"}},
	"PUT /sites/{siteId}/providers/{name}":          map[string]any{"clientID": "another-client", "scopes": []string{"openid", "email"}},
	"PUT /sites/{siteId}/social-redirect-uris":      map[string]any{"redirectURIs": []string{"https://app.example/other"}},
	"POST /admins":                                  map[string]any{"username": "newcomer", "role": "readonly"},
	"PATCH /admins/{adminId}":                       map[string]any{"role": "readonly"},
	"POST /session":                                 map[string]any{"username": "owner-admin", "password": testPassword},
	"POST /session/totp":                            map[string]any{"username": "owner-admin", "password": testPassword, "code": "000000", "newPassword": "a new password here"},
}

// state is everything a route could change, as JSON.
func (e *env) state(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	var st struct {
		Sites      []site.Site
		Keys       []site.AppKey
		Clients    []oauth.Client
		ScreenSets []screenset.ScreenSet
		Providers  []social.Provider
		Redirects  []string
		Ann        any
		// AnnSessions are Ann's live sessions; Locks the lockout of every
		// admin's username and of Ann's.
		AnnSessions any
		Locks       map[string]time.Time
		Admins      []admin.Admin
		Audit       admin.AuditPage
		Mail        int
	}
	var err error
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	st.Sites, err = e.Sites.List(ctx)
	must(err)
	st.Keys, err = e.Sites.Keys(ctx, e.Site.ID)
	must(err)
	st.Clients, err = e.OAuth.Clients(ctx, e.Site.ID)
	must(err)
	st.ScreenSets, err = e.ScreenSets.Get(ctx, e.Site.ID, nil)
	must(err)
	st.Providers, err = e.Social.Providers(ctx, e.Site.ID)
	must(err)
	st.Redirects, err = e.Social.RedirectURIs(ctx, e.Site.ID)
	must(err)
	ann, err := e.Accounts.ByUID(ctx, e.Site.ID, apitest.AnnUID)
	must(err)
	st.Ann = ann
	st.AnnSessions, err = e.DB.AccountSessions(ctx, ann.ID, e.clock.Now(), 100)
	must(err)
	st.Locks = map[string]time.Time{}
	for _, u := range []string{"owner-admin", "operator-admin", "readonly-admin", "ann"} {
		st.Locks[u], err = e.DB.AdminLockedUntil(ctx, u)
		must(err)
	}
	st.Admins, err = e.Admins.List(ctx)
	must(err)
	st.Audit, err = e.Admins.Audit(ctx, admin.AuditFilter{}, admin.Page{Limit: admin.MaxPageLimit})
	must(err)
	st.Mail = e.MailCount(t)
	b, err := json.Marshal(st)
	must(err)
	return string(b)
}

// refused checks that r is the error status/code and that nothing changed.
func (e *env) refused(t *testing.T, what string, r apitest.Response, status, code int, before string) {
	t.Helper()
	var body struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
		ErrorCode   int    `json:"errorCode"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil || r.Status != status || body.ErrorCode != code || body.Error == "" || body.Description == "" {
		t.Errorf("%s: got %d %s, want %d with errorCode %d", what, r.Status, r.Body, status, code)
	}
	if after := e.state(t); after != before {
		t.Errorf("%s: the state changed", what)
	}
}

// TestAuthorization refuses every route of the table to a caller without a
// session, with a session not its own, without the CSRF token or with
// another's, and with a role below the route's; then, the sessions expired,
// to every caller. Each refusal changes nothing, the audit log included.
func TestAuthorization(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		routes := e.AdminAPI.Routes()
		before := e.state(t)
		bogus := session{cookie: "not-a-session"}
		for _, rt := range routes {
			if rt.Role == adminapi.RoleNone {
				continue
			}
			name := rt.Method + " " + rt.Path
			path, body := e.path(rt.Path), bodies[name]
			e.refused(t, name+" without a session", e.call(t, rt.Method, path, body, nil, ""), 401, 403035, before)
			e.refused(t, name+" with an unknown session", e.call(t, rt.Method, path, body, &bogus, "x"), 401, 403011, before)
			for _, role := range admin.Roles {
				s := e.sessions[role]
				if rt.Write() {
					e.refused(t, name+" without the CSRF header as "+string(role), e.call(t, rt.Method, path, body, &s, ""), 403, 403000, before)
					other := e.sessions[admin.ReadOnly].csrf
					if role == admin.ReadOnly {
						other = e.sessions[admin.Owner].csrf
					}
					e.refused(t, name+" with another session's CSRF token as "+string(role), e.call(t, rt.Method, path, body, &s, other), 403, 403000, before)
				}
				if !role.AtLeast(rt.Role) {
					e.refused(t, name+" as "+string(role), e.call(t, rt.Method, path, body, &s, s.csrf), 403, 403007, before)
				}
			}
		}
		// A session ends 30 minutes after its last use and 12 hours after
		// the login. Each route meets sessions of each role that are really
		// expired (not gone: the first use of an expired session deletes
		// it), one of each kind.
		now := e.clock.Now()
		ids := map[admin.Role]int64{}
		admins, err := e.Admins.List(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range admins {
			ids[a.Role] = a.ID
		}
		type expired struct {
			route       adminapi.Route
			role        admin.Role
			kind, token string
		}
		var cases []expired
		for i, rt := range routes {
			if rt.Role == adminapi.RoleNone {
				continue
			}
			for _, role := range admin.Roles {
				for kind, times := range map[string][2]time.Time{
					"idle":     {now.Add(-time.Hour), now.Add(-31 * time.Minute)},
					"absolute": {now.Add(-12*time.Hour - time.Minute), now.Add(-time.Minute)},
				} {
					tok := fmt.Sprintf("cat1_expired-%d-%s-%s", i, role, kind)
					if err := e.DB.CreateAdminSession(t.Context(), admin.SessionRecord{TokenHash: admin.HashToken(tok), AdminID: ids[role],
						CreatedAt: times[0], LastSeenAt: times[1]}); err != nil {
						t.Fatal(err)
					}
					cases = append(cases, expired{rt, role, kind, tok})
				}
			}
		}
		before = e.state(t) // creating the sessions set the admins' last login
		for _, c := range cases {
			name := c.route.Method + " " + c.route.Path
			s := session{cookie: c.token, csrf: csrfOf(c.token)}
			e.refused(t, name+" with an expired ("+c.kind+") session of "+string(c.role),
				e.call(t, c.route.Method, e.path(c.route.Path), bodies[name], &s, s.csrf), 401, 403011, before)
		}
	})
}

// csrfOf is the CSRF token of a session token (as the admin service
// derives it).
func csrfOf(token string) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("custos admin csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// TestRoutesDocumented keeps the route table and docs/openapi-admin.json
// the same: every route with its least role, and nothing else.
func TestRoutesDocumented(t *testing.T) {
	b, err := readFile("../../docs/openapi-admin.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Role string `json:"x-custos-role"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	documented := map[string]string{}
	for p, ops := range doc.Paths {
		for m, op := range ops {
			documented[strings.ToUpper(m)+" "+p] = op.Role
		}
	}
	h := adminapi.New(adminapi.Options{})
	for _, rt := range h.Routes() {
		name := rt.Method + " " + rt.Path
		role := string(rt.Role)
		if role == "" {
			role = "none"
		}
		got, ok := documented[name]
		switch {
		case !ok:
			t.Errorf("%s is not in docs/openapi-admin.json", name)
		case got != role:
			t.Errorf("%s: documented for %s, needs %s", name, got, role)
		}
		delete(documented, name)
	}
	for name := range documented {
		t.Errorf("docs/openapi-admin.json documents %s, which is no route", name)
	}
}
