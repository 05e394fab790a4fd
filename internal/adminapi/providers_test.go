package adminapi_test

import (
	"strings"
	"testing"

	"github.com/custos-id/custos/internal/admin"
)

// A provider's client secret is taken, kept when a replacement leaves it
// out, and never answered or audited; a bad configuration is 400, an
// unknown provider 404.
func TestProviders(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		base := "/sites/" + itoa(e.Site.ID)
		r := e.as(t, admin.Operator, "PUT", base+"/providers/acme", map[string]any{"kind": "oauth2", "clientID": "acme-id",
			"clientSecret": "s3cret-acme", "authURL": "https://acme.example/auth", "tokenURL": "https://acme.example/token",
			"userInfoURL": "https://acme.example/me", "scopes": []string{"profile"}, "enabled": false})
		m := decode(t, r, 201)
		if m["hasSecret"] != true || m["enabled"] != false || m["kind"] != "oauth2" || strings.Contains(string(r.Body), "s3cret") {
			t.Fatalf("create: %s", r.Body)
		}
		rec, err := e.DB.SocialProvider(t.Context(), e.Site.ID, "acme")
		if err != nil || len(rec.SecretSealed) == 0 {
			t.Fatalf("stored: %v", err)
		}
		r = e.as(t, admin.Operator, "PUT", base+"/providers/acme", map[string]any{"kind": "oauth2", "clientID": "acme-id2",
			"authURL": "https://acme.example/auth", "tokenURL": "https://acme.example/token", "userInfoURL": "https://acme.example/me"})
		if m = decode(t, r, 200); m["hasSecret"] != true || m["clientID"] != "acme-id2" || m["enabled"] != true {
			t.Fatalf("replace: %s", r.Body)
		}
		if again, err := e.DB.SocialProvider(t.Context(), e.Site.ID, "acme"); err != nil || string(again.SecretSealed) != string(rec.SecretSealed) {
			t.Fatalf("the secret was not kept: %v", err)
		}
		r = e.as(t, admin.ReadOnly, "GET", base+"/providers", nil)
		m = decode(t, r, 200)
		if l := m["providers"].([]any); len(l) != 2 || strings.Contains(string(r.Body), "s3cret") || strings.Contains(string(r.Body), "google-secret") {
			t.Fatalf("list: %s", r.Body)
		}
		audit := e.as(t, admin.ReadOnly, "GET", "/audit?action=provider.", nil)
		if m = decode(t, audit, 200); len(m["entries"].([]any)) != 2 || strings.Contains(string(audit.Body), "s3cret") {
			t.Fatalf("audit: %s", audit.Body)
		}
		if m = decode(t, e.as(t, admin.Operator, "PUT", base+"/providers/acme", map[string]any{"kind": "oidc"}), 400); m["errorCode"] != 400006.0 {
			t.Fatalf("invalid: %v", m)
		}
		decode(t, e.as(t, admin.Operator, "DELETE", base+"/providers/nope", nil), 404)
		decode(t, e.as(t, admin.Operator, "DELETE", base+"/providers/acme", nil), 204)
		if m = decode(t, e.as(t, admin.Operator, "PUT", base+"/social-redirect-uris", map[string]any{"redirectURIs": []string{"http://evil.example/"}}), 400); m["errorCode"] != 400006.0 {
			t.Fatalf("bad redirect URI: %v", m)
		}
		m = decode(t, e.as(t, admin.Operator, "PUT", base+"/social-redirect-uris", map[string]any{"redirectURIs": []string{}}), 200)
		if l := m["redirectURIs"].([]any); len(l) != 0 {
			t.Fatalf("cleared: %v", m)
		}
	})
}
