package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
)

// oidcArgs are the database flags of a test's custos commands on engine.
func oidcArgs(t *testing.T, engine store.Engine) []string {
	args := []string{"--db", storetest.URL(t, engine)}
	if engine == store.Postgres {
		key := filepath.Join(t.TempDir(), "master.key")
		os.WriteFile(key, []byte(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{3}, 32))+"\n"), 0o600)
		args = append(args, "--master-key-file", key)
	}
	return args
}

// The clients of custos oidc: the secret printed at create and rotation
// only, updates that change what they are given, errors that name the flag.
func TestOIDCClientCommands(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			db := oidcArgs(t, engine)
			oidc := func(args ...string) (string, error) {
				return custos(t, append(append([]string{"oidc"}, args...), db...)...)
			}
			mustOIDC := func(args ...string) string {
				t.Helper()
				out, err := oidc(args...)
				if err != nil {
					t.Fatal(err)
				}
				return out
			}
			var st struct{ APIKey string }
			json.Unmarshal([]byte(mustCustos(t, append([]string{"site", "create", "--name", "shop", "--json"}, db...)...)), &st)

			var created clientJSON
			out := mustOIDC("client", "create", "--site", "1", "--name", "Web shop", "--redirect-uri", "https://shop.example.com/cb",
				"--redirect-uri", "https://shop.example.com/cb2", "--scope", "email", "--require-consent", "--json")
			if err := json.Unmarshal([]byte(out), &created); err != nil || created.ClientID == "" || created.Secret == "" ||
				created.ClientType != "confidential" || len(created.RedirectURIs) != 2 || !created.RequireConsent ||
				strings.Join(created.Scopes, ",") != "email" {
				t.Fatalf("create --json: %s (%v)", out, err)
			}
			id := created.ClientID

			// list and show, by siteId or apiKey: never the secret.
			for _, args := range [][]string{{"client", "list", "--site", st.APIKey, "--json"}, {"client", "list", "--site", "1"},
				{"client", "show", "--site", "1", "--client-id", id}, {"client", "show", "--site", st.APIKey, "--client-id", id, "--json"}} {
				out := mustOIDC(args...)
				if !strings.Contains(out, id) || strings.Contains(out, created.Secret) || strings.Contains(out, "clientSecret") {
					t.Errorf("%v: %s", args, out)
				}
			}

			var shown clientJSON
			json.Unmarshal([]byte(mustOIDC("client", "update", "--site", "1", "--client-id", id, "--name", "Shop", "--json")), &shown)
			if shown.Name != "Shop" || len(shown.RedirectURIs) != 2 || !shown.RequireConsent || shown.Secret != "" {
				t.Errorf("update --name changed more than the name: %+v", shown)
			}

			env := mustOIDC("client", "rotate-secret", "--site", "1", "--client-id", id, "--env")
			if !strings.HasPrefix(env, "CLIENT_ID='"+id+"'\nCLIENT_SECRET='") || strings.Contains(env, created.Secret) {
				t.Errorf("rotate-secret --env: %q", env)
			}
			text := mustOIDC("client", "rotate-secret", "--site", "1", "--client-id", id)
			if !strings.Contains(text, "clientSecret:") || !strings.Contains(text, "shown once") {
				t.Errorf("rotate-secret: %s", text)
			}

			var moved clientJSON
			json.Unmarshal([]byte(mustOIDC("client", "create", "--site", "1", "--client-id", "moved.1", "--client-type", "public",
				"--redirect-uri", "com.example.app:/cb", "--json")), &moved)
			if moved.ClientID != "moved.1" || moved.ClientType != "public" || moved.Secret != "" {
				t.Errorf("create --client-id --client-type public: %+v", moved)
			}

			// A client moved with its secret: the file's first line, never printed.
			const movedSecret = "Gq3xV9tLr2WmZ8yKp4NcB7sHd1JfE6uA"
			secretFile := filepath.Join(t.TempDir(), "secret")
			os.WriteFile(secretFile, []byte(movedSecret+"\n"), 0o600)
			short := filepath.Join(t.TempDir(), "short")
			os.WriteFile(short, []byte("short\n"), 0o600)
			plus := filepath.Join(t.TempDir(), "plus")
			os.WriteFile(plus, []byte(movedSecret[:20]+"+"+movedSecret[21:]+"\n"), 0o600)
			out = mustOIDC("client", "create", "--site", "1", "--client-id", "moved.2", "--client-secret-file", secretFile,
				"--redirect-uri", "https://moved.example.com/cb")
			if !strings.Contains(out, "moved.2") || strings.Contains(out, movedSecret) || strings.Contains(out, "clientSecret") {
				t.Errorf("create --client-secret-file: %s", out)
			}

			for _, bad := range []struct {
				args []string
				want string
			}{
				{[]string{"client", "create", "--site", "1", "--client-secret-file", short}, "--client-secret-file: an imported secret has 32 to 512 characters"},
				{[]string{"client", "create", "--site", "1", "--client-secret-file", plus}, "--client-secret-file: an imported secret has no '%' or '+'"},
				{[]string{"client", "create", "--site", "1", "--client-secret-file", secretFile, "--client-type", "public"},
					"--client-secret-file: a public client has no secret"},
				{[]string{"client", "create", "--site", "1", "--client-secret-file", filepath.Join(t.TempDir(), "none")}, "--client-secret-file: open "},
				{[]string{"client", "create", "--name", "x"}, "--site is required"},
				{[]string{"client", "create", "--site", "99", "--name", "x"}, `no site "99"`},
				{[]string{"client", "create", "--site", "3_nope", "--name", "x"}, `no site "3_nope"`},
				{[]string{"client", "create", "--site", "1", "--client-type", "secret"}, "--client-type: want confidential or public"},
				{[]string{"client", "create", "--site", "1", "--redirect-uri", "javascript:alert(1)"},
					`oidc client create: --redirect-uri: "javascript:alert(1)": want https`},
				{[]string{"client", "update", "--site", "1", "--client-id", id, "--grant-type", "password"}, "oidc client update: --grant-type: "},
				{[]string{"client", "show", "--site", "1"}, "--client-id is required"},
				{[]string{"client", "update", "--site", "1", "--client-id", id, "--client-type", "public"}, "a client's type does not change"},
				{[]string{"client", "rotate-secret", "--site", "1", "--client-id", "moved.1"}, `client "moved.1" is public: it has no secret`},
				{[]string{"client", "create", "--site", "1", "--client-id", "moved.1", "--redirect-uri", "https://x.example/cb"},
					`the site has a client "moved.1" already`},
				{[]string{"client", "show", "--site", "1", "--client-id", "nope"}, `no client "nope" in this site`},
				{[]string{"client", "create", "--site", "1", "--json", "--env"}, "--json and --env exclude each other"},
				{[]string{"client", "frobnicate"}, `unknown subcommand "frobnicate"`},
				{[]string{"nothing"}, `unknown subcommand "nothing"`},
			} {
				if _, err := oidc(bad.args...); err == nil || !strings.Contains(err.Error(), bad.want) {
					t.Errorf("%v: %v, want an error with %q", bad.args, err, bad.want)
				}
			}

			if out := mustOIDC("client", "delete", "--site", "1", "--client-id", id); out != "deleted client "+id+"\n" {
				t.Errorf("delete: %q", out)
			}
			if _, err := oidc("client", "delete", "--site", "1", "--client-id", id); err == nil {
				t.Error("a second delete succeeded")
			}
			if out := mustOIDC("client", "list", "--site", "1", "--json"); strings.Contains(out, id) || !strings.Contains(out, "moved.1") ||
				!strings.Contains(out, "moved.2") {
				t.Errorf("list after delete: %s", out)
			}
		})
	}
}

func TestOIDCConfigCommands(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			db := oidcArgs(t, engine)
			oidc := func(args ...string) (string, error) {
				return custos(t, append(append([]string{"oidc", "config"}, args...), db...)...)
			}
			mustCustos(t, append([]string{"site", "create", "--name", "shop"}, db...)...)
			show := func() configJSON {
				t.Helper()
				out, err := oidc("show", "--site", "1", "--json")
				var c configJSON
				if err != nil || json.Unmarshal([]byte(out), &c) != nil {
					t.Fatalf("config show: %s (%v)", out, err)
				}
				return c
			}
			defaults := configJSON{CustomClaims: map[string]claimJSON{}, CustomScopes: map[string][]string{},
				AccessTokenLifetime: seconds(oauth.DefaultAccessTokenLifetime), IDTokenLifetime: seconds(oauth.DefaultIDTokenLifetime),
				RefreshTokenLifetime: seconds(oauth.DefaultRefreshTokenLifetime), CodeLifetime: seconds(oauth.DefaultCodeLifetime)}
			if got := show(); !sameConfig(got, defaults) {
				t.Fatalf("defaults: %+v", got)
			}
			if _, err := oidc("set", "--site", "1", "--proxy-page", "https://shop.example.com/login",
				"--custom-claims", `{"tier":{"fieldName":"data.tier"}}`, "--custom-scopes", `{"loyalty":["tier"]}`,
				"--access-token-lifetime", "15m", "--code-lifetime", "30s"); err != nil {
				t.Fatal(err)
			}
			want := defaults
			want.ProxyPage, want.AccessTokenLifetime, want.CodeLifetime = "https://shop.example.com/login", 900, 30
			want.CustomClaims = map[string]claimJSON{"tier": {"data.tier"}}
			want.CustomScopes = map[string][]string{"loyalty": {"tier"}}
			if got := show(); !sameConfig(got, want) {
				t.Fatalf("after set: %+v", got)
			}
			text, err := oidc("show", "--site", "1")
			if err != nil || !strings.Contains(text, "customClaims:         tier=data.tier") || !strings.Contains(text, "accessTokenLifetime:  15m0s") {
				t.Errorf("config show: %s", text)
			}
			css := filepath.Join(t.TempDir(), "theme.css")
			os.WriteFile(css, []byte(":root { --custos-accent: #6b2fb3; }\n"), 0o600)
			if _, err := oidc("set", "--site", "1", "--stylesheet-file", css); err != nil {
				t.Fatal(err)
			}
			want.Stylesheet = ":root { --custos-accent: #6b2fb3; }\n"
			if got := show(); !sameConfig(got, want) {
				t.Fatalf("after --stylesheet-file: %+v", got)
			}
			big := filepath.Join(t.TempDir(), "big.css")
			os.WriteFile(big, bytes.Repeat([]byte("a"), oauth.MaxStylesheetLen+1), 0o600)
			if _, err := oidc("set", "--site", "1", "--stylesheet-file", big); err == nil || !strings.Contains(err.Error(), "--stylesheet-file: at most 32768 bytes") {
				t.Errorf("a stylesheet too large: %v", err)
			}
			for _, bad := range []struct {
				args []string
				want string
			}{
				{[]string{"set", "--site", "1"}, "nothing to set"},
				{[]string{"set", "--site", "1", "--custom-claims", `{"tier":"data.tier"}`}, "--custom-claims: want"},
				{[]string{"set", "--site", "1", "--custom-scopes", `[]`}, "--custom-scopes: want"},
				{[]string{"set", "--site", "1", "--code-lifetime", "-1s"}, "--code-lifetime: a lifetime is not negative"},
				{[]string{"set", "--site", "1", "--proxy-page", "ftp://x"}, "oidc config set: --proxy-page: want an https URL"},
				{[]string{"set", "--site", "1", "--access-token-lifetime", "48h"}, "oidc config set: --access-token-lifetime: want whole seconds"},
				{[]string{"show"}, "--site is required"},
			} {
				if _, err := oidc(bad.args...); err == nil || !strings.Contains(err.Error(), bad.want) {
					t.Errorf("%v: %v, want an error with %q", bad.args, err, bad.want)
				}
			}
			if got := show(); !sameConfig(got, want) {
				t.Fatalf("a refused set changed the configuration: %+v", got)
			}
			if _, err := oidc("clear", "--site", "1"); err != nil {
				t.Fatal(err)
			}
			if got := show(); !sameConfig(got, defaults) {
				t.Fatalf("after clear: %+v", got)
			}
		})
	}
}

func sameConfig(a, b configJSON) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}
