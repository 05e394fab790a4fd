package oidcop

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/custos-id/custos/internal/oauth"
)

// TestAuthRequestLogValue: the op package logs requests through
// LogValue; the id, a bearer value, and the personal data stay out.
func TestAuthRequestLogValue(t *testing.T) {
	a := oauth.AuthRequest{ID: "the-context-id", ClientID: "client-1", ResponseType: "code", State: "the-state",
		Nonce: "the-nonce", LoginHint: "ann@example.com", Subject: "uid-1"}
	var b bytes.Buffer
	slog.New(slog.NewTextHandler(&b, nil)).Warn("auth request", "auth_request", authRequest{a})
	out := b.String()
	for _, secret := range []string{a.ID, a.State, a.Nonce, a.LoginHint, a.Subject} {
		if strings.Contains(out, secret) {
			t.Errorf("the log has %q: %s", secret, out)
		}
	}
	if !strings.Contains(out, "client-1") {
		t.Errorf("the log lacks the client: %s", out)
	}
}
