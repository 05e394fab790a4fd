package adminapi_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/custos-id/custos/internal/admin"
	"github.com/custos-id/custos/internal/adminapi"
	"github.com/custos-id/custos/internal/outbox"
)

var outboxGiveUp = outbox.GiveUp

// TestEveryRoute calls every route with its least role: each answers its
// success, and each change adds its entry to the audit log.
func TestEveryRoute(t *testing.T) {
	// The audit action of each change (login and logout are tested apart).
	actions := map[string]string{
		"POST /sites":                                      "site.create",
		"PATCH /sites/{siteId}":                            "site.update",
		"POST /sites/{siteId}/rotate-secret":               "site.rotate_secret",
		"POST /sites/{siteId}/keys":                        "key.create",
		"DELETE /sites/{siteId}/keys/{userKey}":            "key.revoke",
		"PUT /sites/{siteId}/policies":                     "policies.set",
		"PUT /sites/{siteId}/schema":                       "schema.set",
		"POST /sites/{siteId}/schema/fields":               "schema.set",
		"PUT /sites/{siteId}/screen-sets/{screenSetId}":    "screenset.put",
		"DELETE /sites/{siteId}/screen-sets/{screenSetId}": "screenset.delete",
		"POST /sites/{siteId}/oidc/clients":                "oidc_client.create",
		"PATCH /sites/{siteId}/oidc/clients/{clientId}":    "oidc_client.rotate_secret",
		"DELETE /sites/{siteId}/oidc/clients/{clientId}":   "oidc_client.delete",
		"PUT /sites/{siteId}/providers/{name}":             "provider.set",
		"DELETE /sites/{siteId}/providers/{name}":          "provider.delete",
		"PUT /sites/{siteId}/social-redirect-uris":         "social_redirect_uris.set",
		"PATCH /sites/{siteId}/users/{uid}":                "user.update",
		"DELETE /sites/{siteId}/users/{uid}":               "user.delete",
		"POST /sites/{siteId}/users/{uid}/disable":         "user.disable",
		"POST /sites/{siteId}/users/{uid}/enable":          "user.enable",
		"POST /sites/{siteId}/users/{uid}/unlock":          "user.unlock",
		"POST /sites/{siteId}/users/{uid}/send-reset":      "user.send_reset",
		"POST /sites/{siteId}/users/{uid}/revoke-sessions": "user.revoke_sessions",
		"GET /sites/{siteId}/users/{uid}/export":           "user.export",
		"POST /admins":                                     "admin.create",
		"PATCH /admins/{adminId}":                          "admin.update",
		"DELETE /admins/{adminId}":                         "admin.delete",
	}
	// Routes that need an object of their own, or come last.
	skip := map[string]bool{"POST /session": true, "POST /session/totp": true, "DELETE /session": true,
		"POST /outbox/{id}/retry": true, "DELETE /sites/{siteId}/users/{uid}": true}
	forEachEngine(t, func(t *testing.T, e *env) {
		// The admin the admin routes change: not the caller.
		e.newAdmin(t, "victim", admin.ReadOnly)
		admins, err := e.Admins.List(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		victimID := admins[len(admins)-1].ID
		seen := map[string]bool{}
		run := func(rt adminapi.Route) {
			t.Helper()
			name := rt.Method + " " + rt.Path
			seen[name] = true
			role := rt.Role
			path := strings.ReplaceAll(e.path(rt.Path), "/admins/1", "/admins/"+itoa(victimID))
			body := bodies[name]
			if name == "PUT /sites/{siteId}/schema" {
				body = map[string]any{"dataSchema": map[string]any{"fields": map[string]any{"plan": map[string]any{"type": "string"}}}}
			}
			r := e.as(t, role, rt.Method, path, body)
			if r.Status < 200 || r.Status > 204 {
				t.Errorf("%s as %s: %d %s", name, role, r.Status, r.Body)
				return
			}
			if want, ok := actions[name]; ok {
				m := decode(t, e.as(t, admin.ReadOnly, "GET", "/audit?limit=1", nil), 200)
				if got := m["entries"].([]any)[0].(map[string]any)["action"]; got != want {
					t.Errorf("%s: last audit action %v, want %s", name, got, want)
				}
			}
		}
		var last []adminapi.Route
		for _, rt := range e.AdminAPI.Routes() {
			name := rt.Method + " " + rt.Path
			if skip[name] {
				if strings.HasPrefix(name, "DELETE /sites") {
					last = append(last, rt)
				}
				continue
			}
			if rt.Method == "DELETE" || strings.HasSuffix(rt.Path, "/disable") {
				last = append(last, rt)
				continue
			}
			run(rt)
		}
		// Disabling before deleting; deleting the user last.
		slices.SortStableFunc(last, func(a, b adminapi.Route) int { return rank(a) - rank(b) })
		for _, rt := range last {
			run(rt)
		}
		for name := range actions {
			if !seen[name] {
				t.Errorf("%s was not called", name)
			}
		}
	})
}

func rank(r adminapi.Route) int {
	switch {
	case strings.HasSuffix(r.Path, "/disable"):
		return 0
	case r.Path == "/sites/{siteId}/users/{uid}":
		return 2
	}
	return 1
}

// The outbox shows a queued mail's recipient and kind, never its body; a
// mail given up on is queued again by retry, and only such a mail.
func TestOutbox(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		users := "/sites/" + itoa(e.Site.ID) + "/users/"
		decode(t, e.as(t, admin.Operator, "POST", users+"ann-does-not-exist/send-reset", nil), 404)
		decode(t, e.as(t, admin.Operator, "POST", users+"0123456789abcdef0123456789abcdef/send-reset", nil), 204)
		r := e.as(t, admin.ReadOnly, "GET", "/outbox?status=queued", nil)
		m := decode(t, r, 200)
		entries := m["entries"].([]any)
		if len(entries) != 1 || strings.Contains(string(r.Body), "token") || strings.Contains(string(r.Body), "reset-password?") {
			t.Fatalf("outbox: %s", r.Body)
		}
		en := entries[0].(map[string]any)
		if en["to"] != "Ann@Example.com" || en["status"] != "queued" || en["kind"] == "" {
			t.Fatalf("entry: %v", en)
		}
		id := int64(en["id"].(float64))
		decode(t, e.as(t, admin.Operator, "POST", "/outbox/"+itoa(id)+"/retry", nil), 404)
		if err := e.DB.MarkMailFailed(t.Context(), id, 10, outboxGiveUp, "550 no such user"); err != nil {
			t.Fatal(err)
		}
		m = decode(t, e.as(t, admin.ReadOnly, "GET", "/outbox?status=failed", nil), 200)
		if en := m["entries"].([]any); len(en) != 1 || en[0].(map[string]any)["lastError"] != "550 no such user" {
			t.Fatalf("failed: %v", m)
		}
		if m = decode(t, e.as(t, admin.ReadOnly, "GET", "/overview", nil), 200); m["mail"].(map[string]any)["failed"] != 1.0 {
			t.Fatalf("overview: %v", m["mail"])
		}
		decode(t, e.as(t, admin.Operator, "POST", "/outbox/"+itoa(id)+"/retry", nil), 200)
		m = decode(t, e.as(t, admin.ReadOnly, "GET", "/outbox?status=queued", nil), 200)
		if en := m["entries"].([]any); len(en) != 1 || en[0].(map[string]any)["attempts"] != 0.0 {
			t.Fatalf("after retry: %v", m)
		}
		m = decode(t, e.as(t, admin.ReadOnly, "GET", "/audit?action=mail.", nil), 200)
		if en := m["entries"].([]any); len(en) != 1 || en[0].(map[string]any)["target"] != "mail:"+itoa(id) {
			t.Fatalf("audit: %v", m)
		}
	})
}
