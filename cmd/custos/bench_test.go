package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
)

// tinyBench are settings that make custos bench take a second or two:
// cheap hashing, a few accounts, a few requests a phase.
var tinyBench = []string{"--accounts", "5", "--concurrency", "2", "--requests", "4", "--warmup", "0",
	"--argon2-memory", "64", "--argon2-time", "1"}

// benchEnv makes the server processes custos bench starts run this test
// binary's main (TestMain) without the race detector's pause at exit, and gives the run a temporary directory that
// the test can check is removed.
func benchEnv(t *testing.T) string {
	t.Setenv("CUSTOS_TEST_RUN_MAIN", "1")
	// Under -race, a process waits a second at exit unless told not to;
	// a run stops ten servers.
	t.Setenv("GORACE", strings.TrimSpace("atexit_sleep_ms=0 "+os.Getenv("GORACE")))
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	return tmp
}

// A smoke run of every phase on each engine: the report's structure and
// no failed request. Nothing here asserts a timing.
func TestBenchSmoke(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			args := append([]string{"bench", "--json"}, tinyBench...)
			if engine == store.Postgres {
				storetest.URL(t, engine) // skips without PostgreSQL
				args = append(args, "--postgres-url", os.Getenv(storetest.PostgresEnv))
			}
			tmp := benchEnv(t)
			out := mustCustos(t, args...)
			var rep benchReport
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("--json printed %q: %v", out, err)
			}
			if rep.Engine != string(engine) || rep.Accounts != 5 || rep.Argon2["memoryKiB"] != 64 {
				t.Errorf("report settings = %+v", rep)
			}
			var phases []string
			for _, r := range rep.Results {
				phases = append(phases, r.Phase)
				if r.Concurrency != 2 || r.Requests != 4 || len(r.Errors) != 0 || r.PerSecond <= 0 {
					t.Errorf("%s: %+v", r.Phase, r)
				}
			}
			var want []string
			for _, p := range benchPhases {
				want = append(want, p.name)
			}
			if strings.Join(phases, ",") != strings.Join(want, ",") {
				t.Errorf("phases %v, want %v", phases, want)
			}
			var ratios []string
			for _, r := range rep.Ratios {
				ratios = append(ratios, r.Name)
			}
			if got := strings.Join(ratios, ","); got != "login / hash,register / hash,session-rpc / bare-http,session-rest / bare-http" {
				t.Errorf("ratios %s", got)
			}
			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Errorf("the run left %v behind", left)
			}
		})
	}
}

// The session check logs in by itself when the login phase is not run;
// the table names the phase.
func TestBenchTableOnePhase(t *testing.T) {
	benchEnv(t)
	out := mustCustos(t, append([]string{"bench", "--phases", "session-rpc"}, tinyBench...)...)
	for _, want := range []string{"custos bench: sqlite, 5 accounts", "req/s", "session-rpc  2         4"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "ratio") {
		t.Errorf("a ratio without its limit:\n%s", out)
	}
}

func TestBenchFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--phases", "login,nope"}, `unknown phase "nope"`},
		{[]string{"--concurrency", "1,x"}, "--concurrency"},
		{[]string{"--concurrency", "0"}, "--concurrency"},
		{[]string{"--accounts", "0"}, "--accounts must be positive"},
		{[]string{"--expired", "-1"}, "--expired must not be negative"},
		{[]string{"--duration", "0s"}, "--duration must be positive"},
		{[]string{"--timeout", "0s"}, "--timeout must be positive"},
	} {
		_, err := custos(t, append([]string{"bench"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("bench %v: %v, want %q", c.args, err, c.want)
		}
	}
}

// A server that cannot start is reported with its log, not waited for.
func TestBenchChildFailsToStart(t *testing.T) {
	tmp := benchEnv(t)
	log := filepath.Join(tmp, "serve.log")
	_, err := startChild(context.Background(), log, "serve", "--db", "nope", "--addr", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "stopped before listening") || !strings.Contains(err.Error(), log) {
		t.Fatalf("err = %v", err)
	}
	if b, _ := os.ReadFile(log); !strings.Contains(string(b), "--db") {
		t.Fatalf("the log holds %q", b)
	}
}

// With --expired, every custos phase's server starts with expired sessions
// and tokens to purge: the run reports each phase's purge and serves every
// request meanwhile. Nothing here asserts a timing; whether a purge ends
// before its phase does is the machine's affair.
func TestBenchExpired(t *testing.T) {
	const expired = 300
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			args := append([]string{"bench", "--json", "--expired", "300", "--phases", "bare-http,login,session-rpc,session-rest"}, tinyBench...)
			if engine == store.Postgres {
				storetest.URL(t, engine) // skips without PostgreSQL
				args = append(args, "--postgres-url", os.Getenv(storetest.PostgresEnv))
			}
			benchEnv(t)
			out := mustCustos(t, args...)
			var rep benchReport
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("--json printed %q: %v", out, err)
			}
			if rep.Expired != expired || len(rep.Results) != 4 {
				t.Fatalf("report = %+v", rep)
			}
			for _, r := range rep.Results {
				if r.Requests != 4 || len(r.Errors) != 0 || r.Max < r.P99 {
					t.Errorf("%s: %+v", r.Phase, r)
				}
			}
			var phases []string
			for i, p := range rep.Purges {
				phases = append(phases, p.Phase)
				// The first server finds every row seeded; the next ones
				// what the purge before left, topped up.
				if (i == 0 && p.Seeded != 2*expired) || p.Seeded < 0 || p.Seeded > 2*expired ||
					p.Rows < 0 || p.Finished != (p.Rows >= 2*expired) {
					t.Errorf("purge %+v", p)
				}
			}
			if got := strings.Join(phases, ","); got != "login,session-rpc,session-rest" {
				t.Errorf("purges of %s, want one a custos phase", got)
			}
		})
	}
}

// The table of a run with --expired has its purges under it.
func TestBenchExpiredTable(t *testing.T) {
	benchEnv(t)
	out := mustCustos(t, append([]string{"bench", "--expired", "50", "--phases", "server-read"}, tinyBench...)...)
	// Whether the server logged its purge before the phase's few requests
	// ended depends on the machine's load: the line names the rows seeded
	// either way.
	for _, want := range []string{"50 expired sessions and tokens before each phase", "max ms", "purge during server-read: ", "100 ", "seeded before it"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
