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
	"github.com/custos-id/custos/internal/nodetest"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
	"github.com/custos-id/custos/internal/token"
)

const (
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
	nodetest.InstallModules(t, dir, "gigya/package.json")

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
	if err := nodetest.Run(t, cmd); err != nil {
		if ctx.Err() != nil {
			t.Fatalf("node --test gigya.test.mjs did not finish within %v: %v", nodeTimeout, err)
		}
		t.Fatalf("node --test gigya.test.mjs: %v (its output is above)", err)
	}
}
