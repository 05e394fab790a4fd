package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/custos-id/custos/internal/bench"
	"github.com/custos-id/custos/internal/password"
)

const benchUsage = `
Measures custos on loopback: seeds a new database (SQLite in a temporary directory, or a schema of its own in
--postgres-url, dropped afterwards) with --accounts accounts, starts "custos serve" on 127.0.0.1 in its own
process, and runs each phase at each --concurrency for --duration (or --requests requests). It also measures
two limits with the same load generator: argon2id hashes/s at the configured parameters (hash) and a bare
net/http handler (bare-http); then prints login / hash, register / hash, session-rpc / bare-http and
session-rest / bare-http. With --expired N, each custos server starts with N expired sessions and N expired
tokens, which it purges as it starts: each phase runs while a purge does. Exits non-zero when any request failed. docs/benchmarks.md explains the columns.
`

// benchOptions are the flags of custos bench.
type benchOptions struct {
	accounts        int
	expired         int
	postgresURL     string
	concurrency     []int
	phases          []string
	duration        time.Duration
	requests        int64
	warmup          time.Duration
	timeout         time.Duration
	batch           int
	params          password.Params
	hashConcurrency int
	asJSON          bool
	keep            bool
}

// A benchPhase is one measured call. The limits run first, each against
// its own server; the rest against custos.
type benchPhase struct {
	name string
	call func(*caller) bench.Call
}

var benchPhases = []benchPhase{
	{"hash", nil},
	{"bare-http", func(c *caller) bench.Call { return c.bare }},
	{"login", func(c *caller) bench.Call { return c.login }},
	{"register", func(c *caller) bench.Call { return c.register }},
	{"session-rpc", func(c *caller) bench.Call { return c.sessionRPC }},
	{"session-rest", func(c *caller) bench.Call { return c.sessionREST }},
	{"server-read", func(c *caller) bench.Call { return c.serverRead }},
	{"signed-read", func(c *caller) bench.Call { return c.signedRead }},
	{"search", func(c *caller) bench.Call { return c.search }},
	{"oidc-token", func(c *caller) bench.Call { return c.oidcToken }},
}

// benchRatios are the calls and the limits they are compared with.
var benchRatios = [][2]string{{"login", "hash"}, {"register", "hash"}, {"session-rpc", "bare-http"}, {"session-rest", "bare-http"}}

// benchReport is the --json output.
type benchReport struct {
	Engine          string         `json:"engine"`
	Accounts        int            `json:"accounts"`
	Argon2          map[string]int `json:"argon2"`
	HashConcurrency int            `json:"hashConcurrency"`
	CPUs            int            `json:"cpus"`
	GoVersion       string         `json:"goVersion"`
	SeedSeconds     float64        `json:"seedSeconds"`
	Expired         int            `json:"expired"`
	Results         []bench.Result `json:"results"`
	// Purges are, with --expired, what each custos phase's server purged.
	Purges []benchPurge  `json:"purges,omitempty"`
	Ratios []bench.Ratio `json:"ratios"`
}

func benchCmd(ctx context.Context, args []string, d deps) error {
	if len(args) > 0 && args[0] == "bare-server" {
		return bareServer(ctx, args[1:], d)
	}
	o, err := benchFlags(args, d)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "custos-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintf(d.stderr, "bench: the database and the servers' logs are in %s\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	db, err := newBenchDB(ctx, dir, o.postgresURL)
	if err != nil {
		return err
	}
	defer db.drop()
	rep := benchReport{Engine: "sqlite", Accounts: o.accounts, Expired: o.expired, HashConcurrency: o.hashConcurrency, CPUs: runtime.NumCPU(),
		GoVersion: runtime.Version(), Argon2: map[string]int{"memoryKiB": int(o.params.Memory), "time": int(o.params.Time),
			"threads": int(o.params.Threads)}}
	if o.postgresURL != "" {
		rep.Engine = "postgres"
	}
	start := time.Now()
	site, err := seed(ctx, db, o, d, d.stderr)
	if err != nil {
		return err
	}
	rep.SeedSeconds = time.Since(start).Seconds()
	if rep.Results, rep.Purges, err = runPhases(ctx, o, db, site, dir, d); err != nil {
		return err
	}
	rep.Ratios = bench.Ratios(rep.Results, benchRatios)
	if o.asJSON {
		enc := json.NewEncoder(d.stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	} else {
		expired := ""
		if o.expired > 0 {
			expired = fmt.Sprintf(", %d expired sessions and tokens before each phase", o.expired)
		}
		fmt.Fprintf(d.stdout, "custos bench: %s, %d accounts%s, argon2id m=%d KiB t=%d p=%d, hash concurrency %d, %d CPUs, %s\n\n",
			rep.Engine, rep.Accounts, expired, o.params.Memory, o.params.Time, o.params.Threads, o.hashConcurrency, rep.CPUs, rep.GoVersion)
		if err = bench.WriteTable(d.stdout, rep.Results, rep.Ratios); err == nil {
			writePurges(d.stdout, rep.Purges)
		}
	}
	if err != nil {
		return err
	}
	var failed int64
	for _, r := range rep.Results {
		failed += r.ErrorCount()
	}
	if failed > 0 {
		return fmt.Errorf("bench: %d requests failed", failed)
	}
	return nil
}

func benchFlags(args []string, d deps) (benchOptions, error) {
	o := benchOptions{params: password.DefaultParams(), hashConcurrency: runtime.GOMAXPROCS(0)}
	fs := newFlags("bench", d.stderr)
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		fmt.Fprint(d.stderr, benchUsage)
		var names []string
		for _, p := range benchPhases {
			names = append(names, p.name)
		}
		fmt.Fprintf(d.stderr, "\nphases: %s\n", strings.Join(names, ", "))
	}
	fs.IntVar(&o.accounts, "accounts", 10_000, "accounts to seed")
	fs.IntVar(&o.expired, "expired", 0, "expired sessions, and as many expired one-time tokens, to have in the database when each phase's server starts (and purges them)")
	fs.StringVar(&o.postgresURL, "postgres-url", "", "PostgreSQL to run on (a new schema, dropped afterwards), such as $CUSTOS_TEST_POSTGRES_URL under scripts/with-postgres.sh; empty: SQLite in a temporary directory")
	conc := fs.String("concurrency", "1,8,64", "concurrent requests of each phase, a comma list")
	phases := fs.String("phases", "", "the phases to run, a comma list (default all)")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "how long each phase runs at each concurrency")
	fs.Int64Var(&o.requests, "requests", 0, "requests of each phase at each concurrency, in place of --duration")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "calls before each measurement, not counted")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "time a request may take before it counts as failed")
	fs.IntVar(&o.batch, "batch", 1000, "accounts per seeding transaction")
	fs.Var((*uint32Value)(&o.params.Memory), "argon2-memory", "argon2id memory in KiB, of the server and of the hash limit")
	fs.Var((*uint32Value)(&o.params.Time), "argon2-time", "argon2id passes")
	fs.IntVar(&o.hashConcurrency, "hash-concurrency", o.hashConcurrency, "password hashes computed at once by the server and the hash limit (default the number of CPUs)")
	fs.BoolVar(&o.asJSON, "json", false, "print JSON")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory: the SQLite database and the servers' logs")
	if err := parse(fs, args); err != nil {
		return o, err
	}
	var errs []error
	for f := range strings.SplitSeq(*conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("--concurrency %q: want positive integers, comma-separated", *conc))
			break
		}
		o.concurrency = append(o.concurrency, n)
	}
	for f := range strings.SplitSeq(*phases, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if !slices.ContainsFunc(benchPhases, func(p benchPhase) bool { return p.name == f }) {
			errs = append(errs, fmt.Errorf("--phases: unknown phase %q", f))
		}
		o.phases = append(o.phases, f)
	}
	check := func(ok bool, msg string) {
		if !ok {
			errs = append(errs, errors.New(msg))
		}
	}
	check(o.accounts > 0, "--accounts must be positive")
	check(o.expired >= 0, "--expired must not be negative")
	check(o.requests > 0 || o.duration > 0, "--duration must be positive")
	check(o.requests >= 0 && o.warmup >= 0, "--requests and --warmup must not be negative")
	check(o.timeout > 0, "--timeout must be positive")
	check(o.batch > 0, "--batch must be positive")
	check(o.hashConcurrency > 0, "--hash-concurrency must be positive")
	return o, errors.Join(errs...)
}

func (o benchOptions) runs(phase string) bool {
	return len(o.phases) == 0 || slices.Contains(o.phases, phase)
}

func (o benchOptions) phase(name string, c int) bench.Phase {
	return bench.Phase{Name: name, Concurrency: c, Duration: o.duration, Requests: o.requests, Warmup: o.warmup, Timeout: o.timeout}
}

// runPhases runs the limits, then each of custos's phases against a server
// process of its own; with --expired, it tops the expired rows up before
// each of custos's servers starts, and reads what the server purged.
func runPhases(ctx context.Context, o benchOptions, db *benchDB, site *benchSite, dir string, d deps) ([]bench.Result, []benchPurge, error) {
	var (
		results []bench.Result
		purges  []benchPurge
	)
	self := bench.Self()
	measure := func(name string, call bench.Call, server *bench.Proc) {
		for _, c := range o.concurrency {
			fmt.Fprintf(d.stderr, "bench: %s at concurrency %d\n", name, c)
			results = append(results, bench.Run(ctx, o.phase(name, c), call, server, self))
		}
	}
	maxConns := slices.Max(o.concurrency)
	c := newCaller(site, maxConns)
	if o.runs("hash") {
		hasher, err := password.NewHasher(o.params, o.hashConcurrency)
		if err != nil {
			return nil, nil, err
		}
		measure("hash", func(ctx context.Context, _ int) error {
			_, err := hasher.Hash(ctx, benchPassword)
			return err
		}, self)
	}
	for _, p := range benchPhases[1:] {
		if !o.runs(p.name) {
			continue
		}
		var seeded int64
		if o.expired > 0 && p.name != "bare-http" {
			var err error
			if seeded, err = seedExpired(ctx, db, site, o, d.stderr); err != nil {
				return nil, nil, err
			}
		}
		srv, err := benchServer(ctx, p.name, o, db, dir)
		if err != nil {
			return nil, nil, err
		}
		c.base = srv.base
		if p.name == "session-rpc" {
			err = c.ensureSessions(ctx, maxConns)
		}
		if err == nil {
			measure(p.name, p.call(c), srv.proc)
		}
		c.close()
		if err := errors.Join(err, srv.stop()); err != nil {
			return nil, nil, err
		}
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		if o.expired > 0 && p.name != "bare-http" {
			rows, after, found := purgeOf(srv.log)
			purges = append(purges, benchPurge{Phase: p.name, Seeded: seeded, Rows: rows, Seconds: after.Seconds(),
				Finished: found && rows >= 2*int64(o.expired)})
		}
	}
	return results, purges, nil
}

// benchServer starts the server of a phase: the bare handler for
// bare-http, custos for the others. Each phase has a server process of its
// own, so that its CPU time and peak RSS are its own.
func benchServer(ctx context.Context, phase string, o benchOptions, db *benchDB, dir string) (*child, error) {
	args := []string{"bench", "bare-server"}
	if phase != "bare-http" {
		args = []string{"serve", "--db", db.url, "--master-key-file", db.keyFile, "--addr", "127.0.0.1:0", "--rate-limit", "0",
			"--argon2-memory", strconv.FormatUint(uint64(o.params.Memory), 10), "--argon2-time", strconv.FormatUint(uint64(o.params.Time), 10),
			"--hash-concurrency", strconv.Itoa(o.hashConcurrency)}
	}
	return startChild(ctx, filepath.Join(dir, phase+".log"), args...)
}
