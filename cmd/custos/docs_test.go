//go:build unix

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/doctest"
)

// blockTimeout bounds one example; the examples of all documents together
// take a few seconds.
const blockTimeout = 30 * time.Second

// TestDocs runs the shell examples of README.md and docs/*.md and checks the
// output they show (package doctest; the conventions are in docs/README.md).
//
// Each document is a terminal session of its own: a new server with a new
// SQLite database, and its examples in order, each by bash with
// "set -euo pipefail" in the directory of the database (custos.db), so that
// "custos site show --id 1" finds it. Variables an example sets are there in
// the next ones; nothing else of the caller's environment is. custos on the
// PATH is this test binary running main; the server runs in this process,
// and 127.0.0.1:8080 in the examples and outputs is its address. One
// document: go test ./cmd/custos -run 'TestDocs/docs/rest.md' -v
func TestDocs(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the documents' examples need bash, curl and jq: %v", err)
		}
	}
	root := filepath.Join("..", "..")
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(docs)
	for _, path := range append([]string{filepath.Join(root, "README.md")}, docs...) {
		name, _ := filepath.Rel(root, path)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			text, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			runDoc(t, doctest.Parse(string(text)))
		})
	}
}

func runDoc(t *testing.T, blocks []doctest.Block) {
	if !slices.ContainsFunc(blocks, func(b doctest.Block) bool { return b.NotRun == "" }) {
		return
	}
	start := time.Now()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// Under -race, a process waits a second at exit unless told not to.
	gorace := strings.TrimSpace("atexit_sleep_ms=0 " + os.Getenv("GORACE"))
	wrapper := fmt.Sprintf("#!/bin/sh\nGORACE=%s CUSTOS_TEST_RUN_MAIN=1 exec %s \"$@\"\n", shellQuote(gorace), shellQuote(self))
	if err := os.WriteFile(filepath.Join(bin, "custos"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	base, _ := startServe(t, "--db", "sqlite:"+filepath.Join(dir, "custos.db"))
	addr := strings.TrimPrefix(base, "http://")
	state := filepath.Join(dir, "state.sh")
	if err := os.WriteFile(state, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + bin + ":" + os.Getenv("PATH"), "HOME=" + dir, "LANG=C.UTF-8", "LC_ALL=C.UTF-8"}
	ran, checked := 0, 0
	for _, b := range blocks {
		if b.NotRun != "" {
			continue
		}
		ran, checked = ran+1, checked+len(b.Outputs)
		script := strings.ReplaceAll(b.Script, "127.0.0.1:8080", addr)
		stdout, stderr, err := runBlock(t, dir, env, state, script, b.Line)
		if err == nil {
			outputs := append([]doctest.Output(nil), b.Outputs...)
			for i := range outputs {
				outputs[i].Text = strings.ReplaceAll(outputs[i].Text, "127.0.0.1:8080", addr)
			}
			err = doctest.Check(outputs, stdout)
		}
		if err != nil {
			t.Fatalf("the example at line %d:\n%s\n--- fails: %v\n--- stdout:\n%s\n--- stderr:\n%s", b.Line, b.Script, err, stdout, stderr)
		}
	}
	t.Logf("%d of %d examples ran, %d outputs matched, in %v", ran, len(blocks), checked, time.Since(start).Round(time.Millisecond))
}

// runBlock runs one example with bash. The variables of the examples before
// it come from the file state, and its own go back there. What it prints
// goes to files, not pipes, so that a process it leaves running in the
// background does not hold it up; such processes end with the document.
func runBlock(t *testing.T, dir string, env []string, state, script string, line int) (string, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), blockTimeout)
	defer cancel()
	// One line before the example: bash's line n is the example's line n-1.
	prelude := fmt.Sprintf("set -euo pipefail; . %[1]s; set -a; trap 'export -p >%[1]s' EXIT\n", shellQuote(state))
	cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-c", prelude+script)
	cmd.Dir, cmd.Env = dir, env
	var files [2]*os.File
	for i, name := range []string{"stdout", "stderr"} {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("line%d.%s", line, name)))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		files[i] = f
	}
	cmd.Stdout, cmd.Stderr = files[0], files[1]
	// The example and whatever it starts form one process group, ended as one.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	err := cmd.Start()
	if err == nil {
		t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
		err = cmd.Wait()
	}
	if ctx.Err() != nil {
		err = fmt.Errorf("still running after %v", blockTimeout)
	}
	stdout, _ := os.ReadFile(files[0].Name())
	stderr, _ := os.ReadFile(files[1].Name())
	return string(stdout), string(stderr), err
}

// The session TestDocs gives a document: variables carry from one example to
// the next and nothing else does, custos on the PATH reads the server's
// database, 127.0.0.1:8080 is the server, and a process left running in the
// background holds nothing up.
func TestDocsSession(t *testing.T) {
	t.Setenv("DOCS_SESSION_LEAK", "1")
	doc := "```sh\n" + `eval "$(custos site show --id 1 --env)"; GREETING=hello; tail -f /dev/null &` + "\n```\n" +
		"```sh\n" + `echo "$GREETING ${DOCS_SESSION_LEAK:-unset} $SITE_ID"` + "\n```\n" +
		"```text\nhello unset 1\n```\n" +
		"```sh\ncurl -s http://127.0.0.1:8080/accounts.isAvailableLoginID -d apiKey=$API_KEY -d loginID=a@example.com\n```\n" +
		"```json\n{\"isAvailable\":true, …}\n```\n" +
		"<!-- not run: it would fail -->\n```sh\nfalse\n```\n"
	runDoc(t, doctest.Parse(doc))
}
