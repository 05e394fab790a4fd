// Package nodetest helps the tests that run Node.js (test/browser, test/sdk):
// it installs their pinned npm modules and runs a command with its output
// streamed to the test log.
package nodetest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// NPMTimeout bounds `npm ci`.
const NPMTimeout = 5 * time.Minute

// InstallModules runs `npm ci` in dir when node_modules is missing or older
// than package-lock.json, or (marker not empty) lacks node_modules/marker.
func InstallModules(t testing.TB, dir, marker string) {
	t.Helper()
	lock, err := os.Stat(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	// npm ci writes node_modules/.package-lock.json last.
	installed, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json"))
	if err == nil && !installed.ModTime().Before(lock.ModTime()) {
		if marker == "" {
			return
		}
		if _, err := os.Stat(filepath.Join(dir, "node_modules", marker)); err == nil {
			return
		}
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Fatalf("node is installed but npm is not: it is needed once to install %s (npm ci)",
			filepath.Join(dir, "node_modules"))
	}
	ctx, cancel := context.WithTimeout(t.Context(), NPMTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "npm_config_update_notifier=false")
	if err := Run(t, cmd); err != nil {
		if ctx.Err() != nil {
			t.Fatalf("npm ci did not finish within %v: %v", NPMTimeout, err)
		}
		t.Fatalf("npm ci in %s: %v (its output is above)", dir, err)
	}
}

// Run runs cmd with its stdout and stderr streamed to the test log.
func Run(t testing.TB, cmd *exec.Cmd) error {
	t.Helper()
	out := t.Output()
	cmd.Stdout, cmd.Stderr = out, out
	// Should a killed command leave a child holding the pipe, stop waiting.
	cmd.WaitDelay = 5 * time.Second
	t.Logf("running %s in %s", cmd.String(), cmd.Dir)
	return cmd.Run()
}
