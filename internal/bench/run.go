// Package bench is the load generator of "custos bench": it runs one call
// at a fixed concurrency for a bounded time or number of requests, and
// reports requests per second, latency percentiles, failures by kind, and
// the CPU time and peak memory of the process that served them.
//
// It knows nothing of custos: a phase is a function that makes one request
// and says how it went.
package bench

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// A Call makes one request. A nil error is a success; any other error is
// counted under its text, which should name a kind ("errorCode 403042",
// "status 500"), not an instance. worker is 0..Concurrency-1.
type Call func(ctx context.Context, worker int) error

// Phase bounds a run of one call.
type Phase struct {
	Name        string
	Concurrency int
	// Duration bounds the phase by time: no request starts after it, and
	// those in flight finish. Requests, when positive, bounds it by count
	// instead.
	Duration time.Duration
	Requests int64
	// Warmup runs the call this long before measuring, and discards it.
	Warmup time.Duration
	// Timeout bounds each request (default 30 s).
	Timeout time.Duration
}

// Result is what one phase measured. Durations are in milliseconds and
// seconds, for the JSON output.
type Result struct {
	Phase       string           `json:"phase"`
	Concurrency int              `json:"concurrency"`
	Requests    int64            `json:"requests"`
	Errors      map[string]int64 `json:"errors"`
	Seconds     float64          `json:"seconds"`
	PerSecond   float64          `json:"requestsPerSecond"`
	P50         float64          `json:"p50Ms"`
	P90         float64          `json:"p90Ms"`
	P99         float64          `json:"p99Ms"`
	// Max is the longest request: one stall (a writer held, a pause)
	// shows here when too rare for p99.
	Max float64 `json:"maxMs"`
	// Server is the CPU time and peak resident memory of the serving
	// process over the phase; Generator the CPU time of the load generator.
	ServerCPU     float64 `json:"serverCpuSeconds"`
	ServerPeakRSS int64   `json:"serverPeakRssBytes"`
	GeneratorCPU  float64 `json:"generatorCpuSeconds"`
	// CPUPerRequest is the server's CPU time per request in milliseconds:
	// what a call costs, less sensitive than req/s to other work on the
	// machine.
	CPUPerRequest float64 `json:"serverCpuMsPerRequest"`
}

// ErrorCount is the number of failed requests.
func (r Result) ErrorCount() int64 {
	var n int64
	for _, c := range r.Errors {
		n += c
	}
	return n
}

// Cores is the server's CPU time over the phase's wall time: 1.0 is one
// core busy the whole phase.
func (r Result) Cores() float64 {
	if r.Seconds == 0 {
		return 0
	}
	return r.ServerCPU / r.Seconds
}

// ErrTimeout is the failure of a request that outlived Phase.Timeout.
var ErrTimeout = errors.New("timeout")

// Run runs p with call. server is the process serving the calls, whose CPU
// time and peak RSS the result reports; generator is this process. Either
// may be nil. Run returns early, with what it measured, when ctx ends.
func Run(ctx context.Context, p Phase, call Call, server, generator *Proc) Result {
	if p.Concurrency < 1 {
		p.Concurrency = 1
	}
	if p.Timeout <= 0 {
		p.Timeout = 30 * time.Second
	}
	if p.Warmup > 0 {
		run(ctx, p.Concurrency, p.Timeout, deadline(p.Warmup, 0), call)
	}
	server.ResetPeak()
	srv0, gen0 := server.CPU(), generator.CPU()
	start := time.Now()
	w := run(ctx, p.Concurrency, p.Timeout, deadline(p.Duration, p.Requests), call)
	elapsed := time.Since(start)
	r := Result{Phase: p.Name, Concurrency: p.Concurrency, Errors: map[string]int64{}, Seconds: elapsed.Seconds(),
		ServerCPU: (server.CPU() - srv0).Seconds(), ServerPeakRSS: server.PeakRSS(),
		GeneratorCPU: (generator.CPU() - gen0).Seconds()}
	var lat []time.Duration
	for _, w := range w {
		r.Requests += int64(len(w.latencies))
		lat = append(lat, w.latencies...)
		for k, n := range w.errors {
			r.Errors[k] += n
		}
	}
	if r.Requests > 0 {
		r.CPUPerRequest = r.ServerCPU * 1000 / float64(r.Requests)
	}
	slices.Sort(lat)
	r.PerSecond = float64(r.Requests) / elapsed.Seconds()
	r.P50, r.P90, r.P99 = ms(percentile(lat, 0.50)), ms(percentile(lat, 0.90)), ms(percentile(lat, 0.99))
	r.Max = ms(percentile(lat, 1))
	return r
}

// stop tells a worker whether to start another request.
type stop func() bool

// deadline stops after d, or after n requests when n is positive.
func deadline(d time.Duration, n int64) stop {
	if n > 0 {
		var taken atomic.Int64
		return func() bool { return taken.Add(1) > n }
	}
	end := time.Now().Add(d)
	return func() bool { return !time.Now().Before(end) }
}

// worker is one goroutine's share of a phase: every latency, successes
// and failures alike, and the failures by kind.
type worker struct {
	latencies []time.Duration
	errors    map[string]int64
}

func run(ctx context.Context, n int, timeout time.Duration, done stop, call Call) []*worker {
	ws := make([]*worker, n)
	var wg sync.WaitGroup
	for i := range ws {
		w := &worker{errors: map[string]int64{}}
		ws[i] = w
		wg.Go(func() {
			for ctx.Err() == nil && !done() {
				t0 := time.Now()
				err := one(ctx, timeout, i, call)
				w.latencies = append(w.latencies, time.Since(t0))
				if err != nil && ctx.Err() == nil {
					w.errors[err.Error()]++
				}
			}
		})
	}
	wg.Wait()
	return ws
}

func one(ctx context.Context, timeout time.Duration, i int, call Call) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := call(ctx, i)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return ErrTimeout
	}
	return err
}

// percentile is the nearest-rank q-quantile of sorted.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
