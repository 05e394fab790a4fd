package adminapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/custos-id/custos/internal/admin"
	"github.com/custos-id/custos/internal/adminapi"
)

// failingAudit is the admin service with an audit log that cannot be
// written.
type failingAudit struct{ admin.API }

func (failingAudit) Record(context.Context, admin.Admin, string, string, any, any) error {
	return errors.New("disk full")
}

// A failed audit write after a committed change does not turn its answer
// into an error: the new secret reaches the caller, the failure is logged
// with the entry (no secret) and counted.
func TestAuditWriteFails(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		var log bytes.Buffer
		var failures atomic.Int64
		h := adminapi.New(adminapi.Options{Admins: failingAudit{e.Admins}, Sites: e.Sites, Accounts: e.Accounts,
			OAuth: e.OAuth, ScreenSets: e.ScreenSets, Outbox: e.Outbox, Stats: e.DB,
			Log: slog.New(slog.NewJSONHandler(&log, nil)), Now: e.clock.Now, AuditFailed: func() { failures.Add(1) }})
		s := e.sessions[admin.Operator]
		send := func(method, path, body string) (int, map[string]any) {
			t.Helper()
			req := httptest.NewRequest(method, adminapi.Prefix+path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Cookie", adminapi.CookieName+"="+s.cookie)
			req.Header.Set(adminapi.CSRFHeader, s.csrf)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			var m map[string]any
			json.Unmarshal(rec.Body.Bytes(), &m)
			return rec.Code, m
		}
		code, m := send(http.MethodPost, "/sites/"+itoa(e.Site.ID)+"/rotate-secret", "")
		secret, _ := m["secret"].(string)
		if code != 200 || secret == "" {
			t.Fatalf("rotate-secret with the audit log failing: %d %v", code, m)
		}
		st, err := e.Sites.ByID(t.Context(), e.Site.ID)
		if err != nil || st.SecretBase64() != secret {
			t.Fatalf("the answered secret is not the site's: %v", err)
		}
		if code, m := send(http.MethodPost, "/sites/"+itoa(e.Site.ID)+"/keys", `{"name":"k"}`); code != 201 || m["secret"] == nil {
			t.Fatalf("create key with the audit log failing: %d %v", code, m)
		}
		if failures.Load() != 2 {
			t.Fatalf("counted %d failures, want 2", failures.Load())
		}
		out := log.String()
		if !strings.Contains(out, `"level":"ERROR"`) || !strings.Contains(out, `"action":"site.rotate_secret"`) ||
			!strings.Contains(out, `"action":"key.create"`) || !strings.Contains(out, `"admin":"operator-admin"`) ||
			!strings.Contains(out, "disk full") || strings.Contains(out, secret) {
			t.Fatalf("log: %s", out)
		}
		// An export hands out personal data: without its audit entry, none.
		if code, _ := send(http.MethodGet, e.path("/sites/{siteId}/users/{uid}/export"), ""); code != 500 {
			t.Fatalf("export with the audit log failing: %d", code)
		}
	})
}
