package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/password"
)

// newSiteDB creates a SQLite database with a site and returns its --db
// value and the site's id and apiKey.
func newSiteDB(t testing.TB, path string) (db, id, apiKey string) {
	t.Helper()
	db = "sqlite:" + path
	var s struct {
		SiteID int64
		APIKey string
	}
	if err := json.Unmarshal([]byte(mustCustos(t, "site", "create", "--db", db, "--name", "import", "--json")), &s); err != nil {
		t.Fatal(err)
	}
	return db, fmt.Sprint(s.SiteID), s.APIKey
}

// importLines are n import documents, user i with password "pw-i", then a
// line that is not JSON and one whose login email is user 0's.
func importLines(t *testing.T, n int) string {
	t.Helper()
	h, err := password.NewHasher(apitest.CheapHashing, 1)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for i := range n {
		hash, err := h.Hash(context.Background(), fmt.Sprintf("pw-%d", i))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, `{"UID":"u%d","created":"2020-01-02T03:04:05.000Z","loginIDs":{"emails":["User%d@Example.com"],"username":"user%d"},`+
			`"profile":{"firstName":"U%d"},"data":{"n":%d},"password":{"compoundHashedPassword":%q}}`+"\n", i, i, i, i, i, hash)
	}
	b.WriteString("{not json\n\n")
	b.WriteString(`{"UID":"dup","loginIDs":{"emails":["user0@example.com"]}}` + "\n")
	return b.String()
}

func loginRPC(t *testing.T, base, apiKey, loginID, pw string) map[string]any {
	t.Helper()
	res, err := http.PostForm(base+"/accounts.login", url.Values{"apiKey": {apiKey}, "loginID": {loginID}, "password": {pw}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %s", err, b)
	}
	return m
}

// Import in batches with failures reported, resume, export, import the
// export into a fresh database, and every user logs in there with the
// original password.
func TestImportExportRoundTrip(t *testing.T) {
	const n = 20
	dir := t.TempDir()
	dbA, siteA, _ := newSiteDB(t, filepath.Join(dir, "a.db"))
	file := filepath.Join(dir, "users.jsonl")
	if err := os.WriteFile(file, []byte(importLines(t, n)), 0o600); err != nil {
		t.Fatal(err)
	}
	failures := filepath.Join(dir, "failures.jsonl")
	out, err := custos(t, "import", "--db", dbA, "--site", siteA, "--batch", "7", "--failures", failures, file)
	if err == nil || err.Error() != "import: 2 lines failed" {
		t.Errorf("import: %v", err)
	}
	if out != "imported 20, updated 0, failed 2\n" {
		t.Errorf("summary %q", out)
	}
	b, _ := os.ReadFile(failures)
	want := `{"line":21,"errorCode":400004,"error":"400004 Invalid parameter format: line: not a JSON object"}
{"line":23,"UID":"dup","errorCode":400009,"error":"400009 Validation error: email has already been taken"}
`
	if string(b) != want {
		t.Errorf("failures:\n%s\nwant:\n%s", b, want)
	}
	if s, _ := os.ReadFile(file + ".state"); string(s) != "23\n" {
		t.Errorf("state %q", s)
	}
	// Everything was committed: a resumed run has nothing left to do.
	if out := mustCustos(t, "import", "--db", dbA, "--site", siteA, "--resume", file); out != "imported 0, updated 0, failed 0\n" {
		t.Errorf("resumed: %q", out)
	}

	exported := filepath.Join(dir, "export.jsonl")
	mustCustos(t, "export", "--db", dbA, "--site", siteA, "--out", exported)
	b, _ = os.ReadFile(exported)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != n {
		t.Fatalf("%d lines exported, want %d", len(lines), n)
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if first["UID"] != "u0" || first["created"] != "2020-01-02T03:04:05.000Z" ||
		!apitest.JSONEqual(first["loginIDs"], map[string]any{"emails": []any{"User0@Example.com"}, "unverifiedEmails": []any{}, "username": "user0"}) {
		t.Errorf("exported %s", lines[0])
	}

	dbB, siteB, keyB := newSiteDB(t, filepath.Join(dir, "b.db"))
	if out := mustCustos(t, "import", "--db", dbB, "--site", siteB, exported); out != fmt.Sprintf("imported %d, updated 0, failed 0\n", n) {
		t.Errorf("import of the export: %q", out)
	}
	// Importing the export again replaces (importPolicy upsert).
	if out := mustCustos(t, "import", "--db", dbB, "--api-key", keyB, exported); out != fmt.Sprintf("imported 0, updated %d, failed 0\n", n) {
		t.Errorf("second import of the export: %q", out)
	}
	base, _ := startServe(t, "--db", dbB)
	for i := range n {
		if m := loginRPC(t, base, keyB, fmt.Sprintf("user%d@example.com", i), fmt.Sprintf("pw-%d", i)); m["errorCode"] != 0.0 || m["UID"] != fmt.Sprintf("u%d", i) {
			t.Errorf("login of user %d: %s", i, apitest.Dump(m))
		}
	}
}

func TestProgressBar(t *testing.T) {
	for _, c := range []struct {
		lines, total, failed int
		want                 string
	}{
		{0, 100, 0, "import [..............................] 0/100 lines, 0 failed"},
		{50, 100, 2, "import [###############...............] 50/100 lines, 2 failed"},
		{100, 100, 0, "import [##############################] 100/100 lines, 0 failed"},
		{5, 0, 0, "import [##############################] 5/0 lines, 0 failed"},
	} {
		if got := progressBar(c.lines, c.total, c.failed); got != c.want {
			t.Errorf("progressBar(%d, %d) = %q, want %q", c.lines, c.total, got, c.want)
		}
	}
	dir := t.TempDir()
	name := filepath.Join(dir, "f")
	if err := os.WriteFile(name, []byte("a\nb\nc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if n, err := countLines(name); n != 3 || err != nil {
		t.Errorf("countLines = %d, %v", n, err)
	}
	if isTerminal(&strings.Builder{}) {
		t.Error("a builder is a terminal")
	}
}
