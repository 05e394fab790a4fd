package main

import (
	"context"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/password"
	"golang.org/x/crypto/bcrypt"
)

// legacyPassword is the password object of user i, made by one of the
// algorithms a site moving to custos brings, as its export would hold it.
func legacyPassword(t testing.TB, i int, argon *password.Hasher) string {
	t.Helper()
	pw := fmt.Sprintf("pw-%d", i)
	salt := fmt.Sprintf("salt%d", i)
	b64 := base64.StdEncoding.EncodeToString
	sum := func(h hash.Hash, b ...[]byte) string {
		for _, x := range b {
			h.Write(x)
		}
		return b64(h.Sum(nil))
	}
	var p map[string]any
	switch i % 8 {
	case 0: // md5 of a template with the salt in clear
		p = map[string]any{"hashedPassword": sum(md5.New(), []byte(salt+pw)),
			"hashSettings": map[string]any{"algorithm": "md5", "salt": salt, "format": "$salt$password"}}
	case 1:
		p = map[string]any{"hashedPassword": sum(sha1.New(), []byte(pw)), "hashSettings": map[string]any{"algorithm": "sha1"}}
	case 2: // sha256 of binary tokens: "_", the password, the salt's bytes
		p = map[string]any{"hashedPassword": sum(sha256.New(), []byte("_"+pw), []byte(salt)),
			"hashSettings": map[string]any{"algorithm": "sha256", "salt": b64([]byte(salt)), "binaryFormat": "$0x5F$password:utf8$salt:base64"}}
	case 3:
		p = map[string]any{"hashedPassword": sum(sha512.New(), []byte(pw+salt)),
			"hashSettings": map[string]any{"algorithm": "sha512", "salt": salt, "format": "$password$salt"}}
	case 4, 5: // PBKDF2, with SHA-256 and with SHA-1 (Gigya's pbkdf2)
		alg, h, n := "pbkdf2_sha256", sha256.New, 32
		if i%8 == 5 {
			alg, h, n = "pbkdf2", sha1.New, 20
		}
		key, err := pbkdf2.Key(h, pw, []byte(salt), 1000, n)
		if err != nil {
			t.Fatal(err)
		}
		p = map[string]any{"hashedPassword": b64(key), "hashSettings": map[string]any{"algorithm": alg, "salt": b64([]byte(salt)), "rounds": 1000}}
	case 6:
		h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		p = map[string]any{"compoundHashedPassword": string(h)}
	default: // another custos's argon2id
		h, err := argon.Hash(context.Background(), pw)
		if err != nil {
			t.Fatal(err)
		}
		p = map[string]any{"compoundHashedPassword": h}
	}
	b, _ := json.Marshal(p)
	return string(b)
}

// The round trip of a site moving to custos, then to another custos: its
// users, with their legacy hashes, are imported, exported and imported into
// a fresh database; every user logs in there with the original password,
// and after that login the stored hash is argon2id.
func TestLegacyHashesRoundTrip(t *testing.T) {
	// 10,000 users; with -race, 1,000 (make test runs the 10,000 again
	// without it).
	n := 10000
	if testing.Short() || raceDetector {
		n = 1000
	}
	argon, err := password.NewHasher(apitest.CheapHashing, 2)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var lines strings.Builder
	for i := range n {
		fmt.Fprintf(&lines, `{"UID":"u%d","loginIDs":{"emails":["u%d@example.com"]},"password":%s}`+"\n", i, i, legacyPassword(t, i, argon))
	}
	file := filepath.Join(dir, "legacy.jsonl")
	if err := os.WriteFile(file, []byte(lines.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	dbA, siteA, _ := newSiteDB(t, filepath.Join(dir, "a.db"))
	if out := mustCustos(t, "import", "--db", dbA, "--site", siteA, file); out != fmt.Sprintf("imported %d, updated 0, failed 0\n", n) {
		t.Fatalf("import: %q", out)
	}
	exported := filepath.Join(dir, "export.jsonl")
	mustCustos(t, "export", "--db", dbA, "--site", siteA, "--out", exported)
	dbB, siteB, keyB := newSiteDB(t, filepath.Join(dir, "b.db"))
	if out := mustCustos(t, "import", "--db", dbB, "--site", siteB, exported); out != fmt.Sprintf("imported %d, updated 0, failed 0\n", n) {
		t.Fatalf("import of the export: %q", out)
	}

	base, _ := startServe(t, "--db", dbB, "--rate-limit", "0", "--argon2-memory", "64", "--argon2-time", "1")
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed []int
		next   = make(chan int)
	)
	for range 4 {
		wg.Go(func() {
			for i := range next {
				if m := loginRPC(t, base, keyB, fmt.Sprintf("u%d@example.com", i), fmt.Sprintf("pw-%d", i)); m["errorCode"] != 0.0 {
					mu.Lock()
					failed = append(failed, i)
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if len(failed) > 0 {
		t.Fatalf("%d users could not log in with their password, e.g. user %d (algorithm %d)", len(failed), failed[0], failed[0]%8)
	}

	// Every login re-hashed its password: the export holds argon2id only.
	again := filepath.Join(dir, "again.jsonl")
	mustCustos(t, "export", "--db", dbB, "--site", siteB, "--out", again)
	b, err := os.ReadFile(again)
	if err != nil {
		t.Fatal(err)
	}
	count := 0
	for line := range strings.SplitSeq(strings.TrimSpace(string(b)), "\n") {
		var d struct {
			Password struct{ CompoundHashedPassword string }
		}
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(d.Password.CompoundHashedPassword, "$argon2id$") {
			t.Fatalf("after the login: %.60s…", d.Password.CompoundHashedPassword)
		}
		count++
	}
	if count != n {
		t.Errorf("%d accounts exported, want %d", count, n)
	}
}
