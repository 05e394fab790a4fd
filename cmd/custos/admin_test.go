package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custos-id/custos/internal/admin"
	"github.com/custos-id/custos/internal/password"
	"github.com/custos-id/custos/internal/secretbox"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
)

// custos admin create prints a drawn password once, or takes one from a
// file; list shows the admins without secrets; the passwords log in.
func TestAdminCommands(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			dir := t.TempDir()
			url := storetest.URL(t, engine)
			keyFile := filepath.Join(dir, "master.key")
			os.WriteFile(keyFile, []byte(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{3}, 32))+"\n"), 0o600)
			args := []string{"--db", url, "--master-key-file", keyFile}

			out := mustCustos(t, append([]string{"admin", "create", "--username", "Root", "--role", "owner"}, args...)...)
			pw := field(out, "password:")
			if field(out, "username:") != "root" || field(out, "role:") != "owner" || len(pw) < admin.MinPasswordLen {
				t.Fatalf("admin create printed:\n%s", out)
			}
			pwFile := filepath.Join(dir, "pw")
			os.WriteFile(pwFile, []byte("a long enough password\n"), 0o600)
			out = mustCustos(t, append([]string{"admin", "create", "--username", "ops", "--role", "readonly", "--password-file", pwFile, "--json"}, args...)...)
			var created adminJSON
			if err := json.Unmarshal([]byte(out), &created); err != nil || created.Username != "ops" || created.Role != admin.ReadOnly ||
				created.Password != "" || created.TOTPEnrolled {
				t.Fatalf("admin create --json: %s (%v)", out, err)
			}
			for _, bad := range [][]string{
				{"--username", "ops", "--role", "operator"},
				{"--username", "x", "--role", "root"},
				{"--username", "x"},
				{"--role", "owner"},
			} {
				if _, err := custos(t, append(append([]string{"admin", "create"}, bad...), args...)...); err == nil {
					t.Fatalf("admin create %v succeeded", bad)
				}
			}
			out = mustCustos(t, "admin", "list", "--db", url)
			if !strings.Contains(out, "root") || !strings.Contains(out, "ops") || strings.Contains(out, pw) {
				t.Fatalf("admin list:\n%s", out)
			}
			var list []adminJSON
			if err := json.Unmarshal([]byte(mustCustos(t, "admin", "list", "--json", "--db", url)), &list); err != nil ||
				len(list) != 2 || list[0].Username != "ops" || list[1].Role != admin.Owner {
				t.Fatalf("admin list --json: %+v, %v", list, err)
			}

			svc := openAdmins(t, url, keyFile)
			for name, p := range map[string]string{"root": pw, "ops": "a long enough password"} {
				if res, err := svc.Login(context.Background(), name, p, ""); err != nil || res.Enroll == nil {
					t.Fatalf("login of %s: %+v, %v", name, res, err)
				}
			}

			// Someone keeps ops locked out; admin unlock lets it in again.
			for range 5 {
				svc.Login(context.Background(), "ops", "wrong password here", "")
			}
			if _, err := svc.Login(context.Background(), "ops", "a long enough password", ""); !errors.Is(err, admin.ErrLocked) {
				t.Fatalf("after 5 failures: %v", err)
			}
			if out := mustCustos(t, append([]string{"admin", "unlock", "--username", "ops"}, args...)...); !strings.Contains(out, "unlocked ops") {
				t.Fatalf("admin unlock: %s", out)
			}
			if res, err := svc.Login(context.Background(), "ops", "a long enough password", ""); err != nil || res.Enroll == nil {
				t.Fatalf("login after unlock: %+v, %v", res, err)
			}
			// Break-glass: a new password (drawn), a reset second factor.
			out = mustCustos(t, append([]string{"admin", "set-password", "--username", "ops"}, args...)...)
			newPw := field(out, "password:")
			if _, err := svc.Login(context.Background(), "ops", "a long enough password", ""); !errors.Is(err, admin.ErrInvalidCredentials) {
				t.Fatalf("the old password after set-password: %v\n%s", err, out)
			}
			if res, err := svc.Login(context.Background(), "ops", newPw, ""); err != nil || res.Enroll == nil {
				t.Fatalf("the new password: %+v, %v", res, err)
			}
			if out := mustCustos(t, append([]string{"admin", "reset-totp", "--username", "ops"}, args...)...); !strings.Contains(out, "reset the second factor of ops") {
				t.Fatalf("admin reset-totp: %s", out)
			}
			if _, err := custos(t, append([]string{"admin", "reset-totp", "--username", "nobody"}, args...)...); err == nil {
				t.Fatal("admin reset-totp of an unknown admin succeeded")
			}
			if p, err := svc.Audit(context.Background(), admin.AuditFilter{Action: "admin.update"}, admin.Page{}); err != nil ||
				len(p.Entries) != 2 || p.Entries[0].Username != "cli" || !strings.Contains(string(p.Entries[1].After), `"passwordChanged":true`) {
				t.Fatalf("audit of set-password and reset-totp: %+v, %v", p, err)
			}
			if p, err := svc.Audit(context.Background(), admin.AuditFilter{Action: "admin.unlock"}, admin.Page{}); err != nil ||
				len(p.Entries) != 1 || p.Entries[0].Username != "cli" || p.Entries[0].Target != "username:ops" {
				t.Fatalf("audit of the unlock: %+v, %v", p, err)
			}
		})
	}
}

// openAdmins is the admin service over the database at url.
func openAdmins(t *testing.T, url, keyFile string) *admin.Service {
	t.Helper()
	db, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	key, _, err := secretbox.LoadKeyFile(keyFile, false)
	if err != nil {
		t.Fatal(err)
	}
	box, err := secretbox.New(key)
	if err != nil {
		t.Fatal(err)
	}
	h, err := password.NewHasher(password.DefaultParams(), 1)
	if err != nil {
		t.Fatal(err)
	}
	return admin.New(db, box, h, admin.Options{})
}
