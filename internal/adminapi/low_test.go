package adminapi_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/custos-id/custos/internal/admin"
	"github.com/custos-id/custos/internal/adminapi"
)

// The session cookie is Secure when the public URL is https, whatever the
// request came over.
func TestCookieSecureFromPublicURL(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		for _, public := range []string{"https://id.example", "http://127.0.0.1:8080"} {
			h := adminapi.New(adminapi.Options{Admins: e.Admins, Sites: e.Sites, Accounts: e.Accounts, OAuth: e.OAuth,
				ScreenSets: e.ScreenSets, Outbox: e.Outbox, Stats: e.DB, Now: e.clock.Now, PublicURL: public})
			e.clock.Advance(30 * time.Second)
			code, err := totp.GenerateCode(e.sessions[admin.Owner].secret, e.clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest("POST", "http://127.0.0.1"+adminapi.Prefix+"/session",
				strings.NewReader(`{"username":"owner-admin","password":"`+testPassword+`","code":"`+code+`"}`))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			cs := rec.Result().Cookies()
			if rec.Code != 200 || len(cs) != 1 || cs[0].Secure != strings.HasPrefix(public, "https:") {
				t.Fatalf("public URL %s: %d %v %s", public, rec.Code, cs, rec.Body)
			}
		}
	})
}

// A redirect URI that cannot be registered is 400011, as in RPC.
func TestBadRedirectURI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		m := decode(t, e.as(t, admin.Operator, "POST", "/sites/"+itoa(e.Site.ID)+"/oidc/clients",
			map[string]any{"name": "rp3", "redirectURIs": []string{"javascript:alert(1)"}}), 400)
		if m["errorCode"] != 400011.0 {
			t.Fatalf("bad redirect URI: %v", m)
		}
	})
}
