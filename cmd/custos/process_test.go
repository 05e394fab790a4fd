package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/authn"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
)

// TestMain lets a test start this binary as "custos": a real, separate
// server process.
func TestMain(m *testing.M) {
	if os.Getenv("CUSTOS_TEST_RUN_MAIN") == "1" {
		runMain()
		return
	}
	os.Exit(m.Run())
}

// runMain is main, with a pause of import jobs when the test asks for one
// (CUSTOS_TEST_JOB_PAUSE_AFTER, see TestJobResumesAfterKill).
func runMain() {
	n, _ := strconv.ParseInt(os.Getenv("CUSTOS_TEST_JOB_PAUSE_AFTER"), 10, 64)
	if n == 0 {
		main()
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := runWith(ctx, os.Args[1:], deps{stdout: os.Stdout, stderr: os.Stderr, jobPauseAfter: n}); err != nil {
		fmt.Fprintln(os.Stderr, "custos:", err)
		os.Exit(2)
	}
}

// startProcess runs "custos serve" in its own process until the test ends
// and returns its base URL once it listens.
func startProcess(t *testing.T, args ...string) string {
	t.Helper()
	base, _ := startProcessCmd(t, args...)
	return base
}

// startProcessCmd is startProcess that also returns the process.
func startProcessCmd(t *testing.T, args ...string) (string, *exec.Cmd) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, os.Args[0], append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "CUSTOS_TEST_RUN_MAIN=1")
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
				addr <- line.Addr
			}
		}
		close(addr)
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatal("the server process stopped before listening")
		}
		return "http://" + a, cmd
	case <-time.After(60 * time.Second):
		t.Fatal("the server process did not listen within 60s")
	}
	return "", nil
}

// A signed request accepted by one server process is refused (403004) by
// another on the same database: the nonce is in the database.
func TestReplayAcrossProcesses(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			db := storetest.URL(t, engine)
			args := []string{"--db", db}
			if engine == store.Postgres {
				key := filepath.Join(t.TempDir(), "master.key")
				os.WriteFile(key, []byte(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{5}, 32))), 0o600)
				args = append(args, "--master-key-file", key)
			}
			var site struct {
				SiteID         int64
				APIKey, Secret string
			}
			if err := json.Unmarshal([]byte(mustCustos(t, append([]string{"site", "create", "--name", "p", "--json"}, args...)...)), &site); err != nil {
				t.Fatal(err)
			}
			a, b := startProcess(t, args...), startProcess(t, args...)

			params := url.Values{"apiKey": {site.APIKey}, "loginID": {"x@example.com"}, "format": {"json"},
				"timestamp": {strconv.FormatInt(time.Now().Unix(), 10)}, "nonce": {fmt.Sprint(time.Now().UnixNano())}}
			key, _ := base64.StdEncoding.DecodeString(site.Secret)
			params.Set("sig", authn.Sign(key, "POST", "https://accounts.us1.gigya.com/accounts.isAvailableLoginID", params))
			for i, base := range []string{a, b} {
				res, err := http.PostForm(base+"/accounts.isAvailableLoginID", params)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				want := []string{`"errorCode":0`, `"errorCode":403004`}[i]
				if !strings.Contains(string(body), want) {
					t.Fatalf("process %d: %s, want %s", i+1, body, want)
				}
			}
		})
	}
}
