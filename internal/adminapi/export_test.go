package adminapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/custos-id/custos/internal/admin"
	"github.com/custos-id/custos/internal/apitest"
)

// A user's export needs the operator role and leaves the password hash
// out; only an owner who asks gets it. Every export is audited.
func TestExportUser(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		reg := e.Call(t, "accounts.register", apitest.Form("email", "carl@example.com", "password", "pass-word-1", "finalizeRegistration", "true"))
		apitest.ExpectRPC(t, reg, 0, "")
		p := "/sites/" + itoa(e.Site.ID) + "/users/" + reg["UID"].(string) + "/export"
		if m := decode(t, e.as(t, admin.ReadOnly, "GET", p, nil), 403); m["errorCode"] != 403007.0 {
			t.Fatalf("readonly: %v", m)
		}
		for _, role := range []admin.Role{admin.Operator, admin.Owner} {
			r := e.as(t, role, "GET", p, nil)
			if r.Status != 200 || strings.Contains(string(r.Body), "$argon2") || strings.Contains(string(r.Body), "compoundHashedPassword") {
				t.Fatalf("%s: %d %s", role, r.Status, r.Body)
			}
		}
		if m := decode(t, e.as(t, admin.Operator, "GET", p+"?includePassword=true", nil), 403); m["errorCode"] != 403007.0 {
			t.Fatalf("operator with includePassword: %v", m)
		}
		if r := e.as(t, admin.Owner, "GET", p+"?includePassword=true", nil); r.Status != 200 || !strings.Contains(string(r.Body), `"compoundHashedPassword":"$argon2`) {
			t.Fatalf("owner with includePassword: %d %s", r.Status, r.Body)
		}
		m := decode(t, e.as(t, admin.ReadOnly, "GET", "/audit?action=user.export", nil), 200)
		var got []string
		for _, x := range m["entries"].([]any) {
			en := x.(map[string]any)
			got = append(got, en["admin"].(map[string]any)["username"].(string)+":"+mustJSON(t, en["after"]))
		}
		want := `owner-admin:{"passwordIncluded":true} owner-admin:{"passwordIncluded":false} operator-admin:{"passwordIncluded":false}`
		if strings.Join(got, " ") != want {
			t.Fatalf("audit: %v, want %s", got, want)
		}
	})
}

// No answer a readonly admin can get carries a password hash.
func TestReadOnlySeesNoHash(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		reg := e.Call(t, "accounts.register", apitest.Form("email", "carl@example.com", "password", "pass-word-1", "finalizeRegistration", "true"))
		apitest.ExpectRPC(t, reg, 0, "")
		for _, rt := range e.AdminAPI.Routes() {
			if rt.Method != http.MethodGet {
				continue
			}
			r := e.as(t, admin.ReadOnly, "GET", strings.ReplaceAll(e.path(rt.Path), apitest.AnnUID, reg["UID"].(string)), nil)
			if strings.Contains(string(r.Body), "$argon2") {
				t.Errorf("GET %s as readonly answers a password hash: %s", rt.Path, r.Body)
			}
		}
	})
}
