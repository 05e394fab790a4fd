// Package sdk_test runs third-party client SDKs against an in-process custos.
//
// TestGigyaNodeSDK drives the npm `gigya` package (pinned in package.json and
// package-lock.json) with gigya.test.mjs. It needs Node.js 20 or later and,
// the first time, npm with access to its registry.
package sdk_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/app"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
	"github.com/custos-id/custos/internal/token"
)

const (
	npmTimeout  = 5 * time.Minute
	nodeTimeout = 3 * time.Minute
)

func TestGigyaNodeSDK(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the npm gigya SDK test needs Node.js 20 or later and npm")
	}
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	installModules(t, dir)

	db := storetest.Open(t, store.SQLite)
	// Gigya's issuer: gigya.test.mjs validates tokens as the Java SDK does.
	a, err := app.New(app.Options{DB: db, MasterKey: bytes.Repeat([]byte{1}, 32), PublicURL: "http://custos.test",
		Issuer: token.GigyaIssuer})
	if err != nil {
		t.Fatal(err)
	}
	st, err := a.Sites.Create(context.Background(), "sdk", []string{"example.com"})
	if err != nil {
		t.Fatal(err)
	}
	// An application key of the site for every method (no scopes) and no
	// public key: the SDK signs with its secret (userKey, timestamp, nonce,
	// sig).
	key, err := a.Sites.CreateKey(context.Background(), st.ID, "sdk-signed", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)

	ctx, cancel := context.WithTimeout(t.Context(), nodeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", "gigya.test.mjs")
	cmd.Dir = dir
	// Later entries win: these replace any CUSTOS_* of the caller's
	// environment. CUSTOS_SDK_ONLY_AVAILABLE passes through.
	cmd.Env = append(os.Environ(),
		"CUSTOS_URL="+srv.URL,
		"CUSTOS_API_KEY="+st.APIKey,
		"CUSTOS_SECRET="+st.SecretBase64(),
		"CUSTOS_USER_KEY="+key.UserKey,
		"CUSTOS_USER_SECRET="+key.SecretBase64(),
		"CUSTOS_JWT_ISSUER="+token.GigyaIssuer,
		"NO_COLOR=1",
	)
	if err := run(t, cmd); err != nil {
		if ctx.Err() != nil {
			t.Fatalf("node --test gigya.test.mjs did not finish within %v: %v", nodeTimeout, err)
		}
		t.Fatalf("node --test gigya.test.mjs: %v (its output is above)", err)
	}
}

// installModules runs `npm ci` when node_modules is missing or older than
// package-lock.json.
func installModules(t *testing.T, dir string) {
	t.Helper()
	lock, err := os.Stat(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	// npm ci writes node_modules/.package-lock.json last.
	installed, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json"))
	if err == nil && !installed.ModTime().Before(lock.ModTime()) {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", "gigya", "package.json")); err == nil {
			return
		}
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Fatal("node is installed but npm is not: it is needed once to install test/sdk/node_modules (npm ci)")
	}
	ctx, cancel := context.WithTimeout(t.Context(), npmTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "npm_config_update_notifier=false")
	if err := run(t, cmd); err != nil {
		if ctx.Err() != nil {
			t.Fatalf("npm ci did not finish within %v: %v", npmTimeout, err)
		}
		t.Fatalf("npm ci in %s: %v (its output is above)", dir, err)
	}
}

// run runs cmd with its stdout and stderr streamed, line by line, to the test
// log.
func run(t *testing.T, cmd *exec.Cmd) error {
	t.Helper()
	out := t.Output()
	cmd.Stdout, cmd.Stderr = out, out
	// Should a killed command leave a child holding the pipe, stop waiting.
	cmd.WaitDelay = 5 * time.Second
	t.Logf("running %s in %s", cmd.String(), cmd.Dir)
	return cmd.Run()
}
