package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/admin"
	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
	"github.com/custos-id/custos/internal/token"
	"github.com/custos-id/custos/internal/token/tokentest"
)

// custos runs one command in-process and returns its stdout. Signing keys
// come from tokentest: no test generates RSA keys.
func custos(t testing.TB, args ...string) (string, error) {
	t.Helper()
	return custosWith(t, tokentest.KeyGen(), args...)
}

// custosWith is custos with its own key generator.
func custosWith(t testing.TB, keyGen token.KeyGen, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := runWith(context.Background(), args, deps{stdout: &out, stderr: &errOut, keyGen: keyGen})
	if err != nil {
		t.Logf("custos %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String(), err
}

func mustCustos(t testing.TB, args ...string) string {
	t.Helper()
	out, err := custos(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// startServe runs "custos serve" on a free port until the test ends and
// returns its base URL and stdout, once it listens.
func startServe(t *testing.T, args ...string) (string, *apitest.SyncBuffer) {
	t.Helper()
	base, stdout, _ := startServeLogs(t, args...)
	return base, stdout
}

// startServeLogs is startServe that also returns the log.
func startServeLogs(t *testing.T, args ...string) (base string, stdout, logs *apitest.SyncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, logs = &apitest.SyncBuffer{}, &apitest.SyncBuffer{}
	logR, logW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- runWith(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...),
			deps{stdout: stdout, stderr: logW, keyGen: tokentest.KeyGen()})
		logW.Close()
	}()
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(logR)
		for sc.Scan() {
			logs.Write(append(sc.Bytes(), '\n'))
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
				addr <- line.Addr
			}
		}
		close(addr)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve returned %v after SIGINT", err)
		}
	})
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatalf("serve stopped before listening: %v", <-done)
		}
		return "http://" + a, stdout, logs
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not listen within 30s")
	}
	return "", nil, nil
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// The README's first command: a new database, a default site printed once,
// /healthz answering.
func TestServeFirstStart(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "custos.db")
	base, stdout := startServe(t, "--db", db)
	if code, body := get(t, base+"/healthz"); code != 200 || !strings.Contains(body, "ok") {
		t.Fatalf("healthz: %d %s", code, body)
	}
	out := stdout.String()
	for _, want := range []string{`created the site "default"`, "siteId: 1", "apiKey: 3_", "secret: "} {
		if !strings.Contains(out, want) {
			t.Fatalf("stdout lacks %q:\n%s", want, out)
		}
	}
	fi, err := os.Stat(filepath.Join(dir, "custos.db.key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("master key: %v %v", fi, err)
	}
	// The owner of the console, with a password that logs in (to enroll).
	if field(out, "username:") != "admin" || len(field(out, "password:")) < admin.MinPasswordLen {
		t.Fatalf("no first owner printed:\n%s", out)
	}
	res, err := openAdmins(t, db, filepath.Join(dir, "custos.db.key")).Login(context.Background(), "admin", field(out, "password:"), "")
	if err != nil || res.Enroll == nil {
		t.Fatalf("the first owner's login: %+v, %v", res, err)
	}
	apiKey := field(out, "apiKey:")
	code, body := get(t, base+"/accounts.isAvailableLoginID?apiKey="+apiKey+"&loginID=a@b.c")
	if code != 200 || !strings.Contains(body, `"isAvailable":true`) {
		t.Fatalf("isAvailableLoginID: %d %s", code, body)
	}
}

func field(out, name string) string {
	for line := range strings.SplitSeq(out, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func TestServeSecondStartPrintsNothing(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "custos.db")
	mustCustos(t, "site", "create", "--db", db, "--name", "mine")
	mustCustos(t, "admin", "create", "--db", db, "--username", "me", "--role", "owner")
	_, stdout := startServe(t, "--db", db)
	if out := stdout.String(); out != "" {
		t.Fatalf("stdout on a database with sites and admins: %q", out)
	}
}

// A database of an earlier version, with sites and no admin, gets no admin
// by itself (and no new site): printing a password to an upgraded
// production server's logs would hand it to whoever reads them first.
// "custos admin create" adds the owner.
func TestServeNoOwnerOnOldDatabase(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "custos.db")
	mustCustos(t, "site", "create", "--db", db, "--name", "mine")
	_, stdout := startServe(t, "--db", db)
	if out := stdout.String(); out != "" {
		t.Fatalf("stdout on a database with sites and no admin: %q", out)
	}
	if out := mustCustos(t, "admin", "list", "--json", "--db", db); strings.TrimSpace(out) != "[]" {
		t.Fatalf("admins after serve on an old database: %s", out)
	}
}

func TestServeRefusesWrongMasterKey(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "custos.db")
	mustCustos(t, "site", "create", "--db", db, "--name", "mine")
	other := filepath.Join(dir, "other.key")
	os.WriteFile(other, []byte(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32))), 0o600)
	_, err := custos(t, "serve", "--db", db, "--master-key-file", other, "--addr", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "master key") {
		t.Fatalf("err = %v", err)
	}
}

func TestSiteCommands(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			db := storetest.URL(t, engine)
			args := []string{"--db", db}
			if engine == store.Postgres {
				// Listing shows no secret and needs no master key; showing one does.
				if _, err := custos(t, append([]string{"site", "list"}, args...)...); err != nil {
					t.Fatalf("site list without a master key: %v", err)
				}
				if _, err := custos(t, append([]string{"site", "show", "--id", "1"}, args...)...); err == nil ||
					!strings.Contains(err.Error(), "--master-key-file") {
					t.Fatalf("site show on PostgreSQL without a master key: %v", err)
				}
				key := filepath.Join(t.TempDir(), "master.key")
				os.WriteFile(key, []byte(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{3}, 32))+"\n"), 0o600)
				args = append(args, "--master-key-file", key)
			}
			out := mustCustos(t, append([]string{"site", "create", "--name", "Shop", "--domain", "Shop.example.com", "--domain", "*.example.org", "--json"}, args...)...)
			var created map[string]any
			dec := json.NewDecoder(strings.NewReader(out))
			if err := dec.Decode(&created); err != nil || dec.More() {
				t.Fatalf("create --json printed %q (%v)", out, err)
			}
			if len(created) != 3 || created["siteId"] != 1.0 || !strings.HasPrefix(created["apiKey"].(string), "3_") {
				t.Fatalf("create --json = %v", created)
			}
			secret, err := base64.StdEncoding.DecodeString(created["secret"].(string))
			if err != nil || len(secret) != 32 {
				t.Fatalf("secret %q: %v", created["secret"], err)
			}

			list := mustCustos(t, append([]string{"site", "list", "--json"}, args...)...)
			if strings.Contains(list, created["secret"].(string)) || !strings.Contains(list, `"domains":["shop.example.com","*.example.org"]`) {
				t.Fatalf("list --json = %s", list)
			}
			if text := mustCustos(t, append([]string{"site", "list"}, args...)...); !strings.Contains(text, "Shop") {
				t.Fatalf("list = %s", text)
			}
			show := mustCustos(t, append([]string{"site", "show", "--id", "1", "--json"}, args...)...)
			if !strings.Contains(show, created["secret"].(string)) {
				t.Fatalf("show = %s", show)
			}
			rotated := mustCustos(t, append([]string{"site", "rotate-secret", "--id", "1", "--json"}, args...)...)
			var r map[string]any
			json.Unmarshal([]byte(rotated), &r)
			if r["secret"] == created["secret"] || r["apiKey"] != created["apiKey"] {
				t.Fatalf("rotate-secret = %s", rotated)
			}
			if show := mustCustos(t, append([]string{"site", "show", "--id", "1"}, args...)...); !strings.Contains(show, r["secret"].(string)) {
				t.Fatalf("show after rotate = %s", show)
			}

			upd := mustCustos(t, append([]string{"site", "update", "--id", "1", "--domain", "New.example.com", "--require-referrer"}, args...)...)
			if !strings.Contains(upd, "domains: new.example.com") || !strings.Contains(upd, "referrer required: true") {
				t.Fatalf("site update = %s", upd)
			}
			// The Web SDK configuration and screen-set scripts leave the domains as they are.
			conf := filepath.Join(t.TempDir(), "websdk.json")
			os.WriteFile(conf, []byte(`{ "lang": "de",  "sessionExpiration": -2 }`), 0o600)
			upd = mustCustos(t, append([]string{"site", "update", "--id", "1", "--web-sdk-config-file", conf, "--screen-set-scripts"}, args...)...)
			if !strings.Contains(upd, "domains: new.example.com") || !strings.Contains(upd, `web SDK config: {"lang":"de","sessionExpiration":-2}`) ||
				!strings.Contains(upd, "screen-set scripts: true") {
				t.Fatalf("site update --web-sdk-config-file --screen-set-scripts = %s", upd)
			}
			upd = mustCustos(t, append([]string{"site", "update", "--id", "1", "--screen-set-scripts=false"}, args...)...)
			if !strings.Contains(upd, "domains: new.example.com") || !strings.Contains(upd, "screen-set scripts: false") {
				t.Fatalf("site update --screen-set-scripts=false = %s", upd)
			}
			notObject := filepath.Join(t.TempDir(), "list.json")
			os.WriteFile(notObject, []byte(`["lang"]`), 0o600)
			tooLarge := filepath.Join(t.TempDir(), "large.json")
			os.WriteFile(tooLarge, []byte(`{"a":"`+strings.Repeat("x", 16<<10)+`"}`), 0o600)
			for _, bad := range [][]string{
				{"site", "update", "--id", "1", "--web-sdk-config-file", notObject},
				{"site", "update", "--id", "1", "--web-sdk-config-file", tooLarge},
				{"site", "update", "--id", "1", "--web-sdk-config-file", filepath.Join(t.TempDir(), "none.json")},
				{"site", "update", "--id", "1", "--domain", "not a domain"},
				{"site", "update"},
				{"site", "show", "--id", "99"},
				{"site", "show"},
				{"site", "create"},
				{"site", "create", "--name", "x", "--domain", "bad domain"},
				{"site", "create", "--name", strings.Repeat("n", 200)},
				{"site", "frobnicate"},
			} {
				if _, err := custos(t, append(bad, args...)...); err == nil {
					t.Errorf("%v succeeded", bad)
				}
			}
		})
	}
}

func TestEnvironmentVariables(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CUSTOS_DB", "sqlite:"+filepath.Join(dir, "env.db"))
	t.Setenv("CUSTOS_SITE_NAME", "from-env")
	t.Setenv("CUSTOS_SITE_DOMAIN", "a.example.com, b.example.com")
	t.Setenv("CUSTOS_ID", "1") // not a variable of any command
	mustCustos(t, "site", "create", "--json")
	if _, err := os.Stat(filepath.Join(dir, "env.db")); err != nil {
		t.Fatal("CUSTOS_DB ignored")
	}
	list := mustCustos(t, "site", "list", "--json")
	if !strings.Contains(list, `"name":"from-env"`) || !strings.Contains(list, `["a.example.com","b.example.com"]`) {
		t.Fatalf("list = %s", list)
	}
	// A flag on the command line wins over the environment.
	mustCustos(t, "site", "create", "--name", "from-flag")
	if list := mustCustos(t, "site", "list"); !strings.Contains(list, "from-flag") {
		t.Fatalf("list = %s", list)
	}
	if _, err := custos(t, "site", "rotate-secret"); err == nil {
		t.Fatal("rotate-secret took its --id from CUSTOS_ID")
	}
	t.Setenv("CUSTOS_SITE_ID", "1")
	mustCustos(t, "site", "show")
	t.Setenv("CUSTOS_MAX_BODY_BYTES", "lots")
	if _, err := custos(t, "serve"); err == nil || !strings.Contains(err.Error(), "CUSTOS_MAX_BODY_BYTES") {
		t.Fatalf("bad env value: %v", err)
	}
}

func TestMigrate(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "m.db")
	for range 2 {
		mustCustos(t, "migrate", "--db", db)
	}
	if _, err := custos(t, "migrate", "--db", "mysql://nope"); err == nil {
		t.Fatal("unsupported URL accepted")
	}
}

func TestErrorsAndVersion(t *testing.T) {
	var codes []map[string]any
	if err := json.Unmarshal([]byte(mustCustos(t, "errors", "--json")), &codes); err != nil {
		t.Fatal(err)
	}
	seed := 0
	for _, c := range codes {
		if c["origin"] == "seed" {
			seed++
		}
	}
	if seed != 108 {
		t.Fatalf("%d seed codes", seed)
	}
	if out := mustCustos(t, "errors"); !strings.Contains(out, "403042") {
		t.Fatalf("errors = %s", out)
	}
	if out := mustCustos(t, "version"); !strings.HasPrefix(out, "custos ") {
		t.Fatalf("version = %q", out)
	}
	for _, bad := range [][]string{{}, {"nope"}, {"errors", "extra"}} {
		if _, err := custos(t, bad...); err == nil {
			t.Errorf("%v succeeded", bad)
		}
	}
}

// Listing and revoking keys decrypt nothing: on PostgreSQL they need no
// master key, so a leaked key can be revoked without the key file.
func TestKeyCommands(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			db := []string{"--db", storetest.URL(t, engine)}
			withKey := db
			if engine == store.Postgres {
				key := filepath.Join(t.TempDir(), "master.key")
				os.WriteFile(key, []byte(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{3}, 32))+"\n"), 0o600)
				withKey = append(slices.Clone(db), "--master-key-file", key)
			}
			mustCustos(t, append([]string{"site", "create", "--name", "s"}, withKey...)...)
			out := mustCustos(t, append([]string{"key", "create", "--site", "1", "--name", "backend", "--scope", "accounts.*", "--json"}, withKey...)...)
			var k map[string]string
			if err := json.Unmarshal([]byte(out), &k); err != nil || !strings.HasPrefix(k["userKey"], "AK") || len(k["secret"]) != 44 {
				t.Fatalf("key create --json = %q (%v)", out, err)
			}
			list := mustCustos(t, append([]string{"key", "list", "--site", "1", "--json"}, db...)...)
			if !strings.Contains(list, k["userKey"]) || strings.Contains(list, k["secret"]) || !strings.Contains(list, `"scopes":["accounts.*"]`) ||
				strings.Contains(list, `"revoked"`) {
				t.Fatalf("key list = %s", list)
			}
			mustCustos(t, append([]string{"key", "revoke", "--site", "1", "--user-key", k["userKey"]}, db...)...)
			if list := mustCustos(t, append([]string{"key", "list", "--site", "1"}, db...)...); !strings.Contains(list, "backend") {
				t.Fatalf("key list = %s", list)
			}
			if list := mustCustos(t, append([]string{"key", "list", "--site", "1", "--json"}, db...)...); !strings.Contains(list, `"revoked":true`) {
				t.Fatalf("key list after revoke = %s", list)
			}
			// The changes are in the audit log, by the CLI, without secrets.
			sdb := storetest.OpenURL(t, db[1])
			page, err := admin.New(sdb, nil, nil, admin.Options{}).Audit(context.Background(), admin.AuditFilter{}, admin.Page{})
			var got []string
			for _, e := range page.Entries {
				got = append(got, e.Username+" "+e.Action+" "+e.Target)
				if strings.Contains(string(e.After), k["secret"]) {
					t.Errorf("%s shows the key's secret", e.Action)
				}
			}
			if want := []string{"cli key.revoke site:1/key:" + k["userKey"], "cli key.create site:1/key:" + k["userKey"], "cli site.create site:1"}; err != nil || !slices.Equal(got, want) {
				t.Fatalf("audit log = %q, %v; want %q", got, err, want)
			}
			for _, bad := range [][]string{
				{"key", "create", "--site", "1"},                                        // no name
				{"key", "create", "--site", "9", "--name", "x"},                         // no such site
				{"key", "create", "--site", "1", "--name", "x", "--scope", "bad scope"}, // not a method
				{"key", "create", "--site", "1", "--name", "x", "--public-key", "/nonexistent"},
				{"key", "revoke", "--site", "1", "--user-key", k["userKey"]}, // revoked already
				{"key", "revoke", "--site", "2", "--user-key", k["userKey"]}, // another site's
				{"key", "revoke", "--site", "1"},
				{"key", "list"},
				{"key", "rotate"},
			} {
				if _, err := custos(t, append(bad, withKey...)...); err == nil {
					t.Errorf("%v succeeded", bad)
				}
			}
		})
	}
}

// With --addr 127.0.0.1:0, the default public URL names the port bound: the
// Location of a new REST user is reachable.
func TestServePublicURLOfAFreePort(t *testing.T) {
	dir := t.TempDir()
	base, stdout := startServe(t, "--db", "sqlite:"+filepath.Join(dir, "custos.db"))
	out := stdout.String()
	req, err := http.NewRequest("POST", base+"/v1/marketing/login/users",
		strings.NewReader(`{"user":{"email_address":"ann@example.com","password":"correct-Horse-9"}}`))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(field(out, "siteId:"), field(out, "secret:"))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if loc := res.Header.Get("Location"); res.StatusCode != 201 || loc != base+"/v1/marketing/login/users/1" {
		t.Fatalf("POST /users: %d, Location %q, want %s/…", res.StatusCode, loc, base)
	}
}
