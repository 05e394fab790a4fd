package bench

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A phase bounded by count makes exactly that many calls, spread over the
// workers, and counts failures by their text.
func TestRunCountsRequestsAndErrors(t *testing.T) {
	var calls atomic.Int64
	seen := make([]atomic.Bool, 4)
	call := func(ctx context.Context, worker int) error {
		seen[worker].Store(true)
		if calls.Add(1)%10 == 0 {
			return errors.New("errorCode 500001")
		}
		return nil
	}
	r := Run(context.Background(), Phase{Name: "p", Concurrency: 4, Requests: 100}, call, Self(), Self())
	if r.Requests != 100 || calls.Load() != 100 {
		t.Fatalf("requests %d, calls %d, want 100", r.Requests, calls.Load())
	}
	if len(r.Errors) != 1 || r.Errors["errorCode 500001"] != 10 || r.ErrorCount() != 10 {
		t.Fatalf("errors = %v", r.Errors)
	}
	if r.Phase != "p" || r.Concurrency != 4 || r.PerSecond <= 0 || r.P50 > r.P90 || r.P90 > r.P99 || r.P99 > r.Max {
		t.Fatalf("result = %+v", r)
	}
}

// A request that outlives the phase's timeout is counted as a timeout.
func TestRunTimeout(t *testing.T) {
	call := func(ctx context.Context, worker int) error {
		<-ctx.Done()
		return ctx.Err()
	}
	r := Run(context.Background(), Phase{Name: "slow", Requests: 2, Timeout: time.Millisecond}, call, nil, nil)
	if r.Requests != 2 || r.Errors[ErrTimeout.Error()] != 2 {
		t.Fatalf("result = %+v", r)
	}
}

// A phase bounded by time ends; the warm-up's calls are not counted.
func TestRunDuration(t *testing.T) {
	var calls atomic.Int64
	call := func(ctx context.Context, worker int) error { calls.Add(1); return nil }
	r := Run(context.Background(), Phase{Name: "d", Concurrency: 2, Duration: 20 * time.Millisecond,
		Warmup: 10 * time.Millisecond}, call, nil, nil)
	if r.Requests == 0 || r.Requests >= calls.Load() {
		t.Fatalf("measured %d of %d calls", r.Requests, calls.Load())
	}
}

func TestPercentile(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, time.Duration(i))
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 50}, {0.9, 90}, {0.99, 99}, {1, 100}} {
		if got := percentile(lat, c.q); got != c.want {
			t.Errorf("percentile(%v) = %d, want %d", c.q, got, c.want)
		}
	}
	if percentile(nil, 0.5) != 0 || percentile(lat[:1], 0.99) != 1 {
		t.Error("percentile of short lists")
	}
}

func TestRatios(t *testing.T) {
	results := []Result{{Phase: "login", Concurrency: 1, PerSecond: 45}, {Phase: "hash", Concurrency: 1, PerSecond: 50},
		{Phase: "login", Concurrency: 8, PerSecond: 90}, {Phase: "hash", Concurrency: 8, PerSecond: 0}}
	got := Ratios(results, [][2]string{{"login", "hash"}, {"register", "hash"}})
	if len(got) != 1 || got[0] != (Ratio{Name: "login / hash", Concurrency: 1, Value: 0.9}) {
		t.Fatalf("ratios = %+v", got)
	}
}

func TestWriteTable(t *testing.T) {
	var b bytes.Buffer
	results := []Result{{Phase: "login", Concurrency: 8, Requests: 3, Errors: map[string]int64{"errorCode 403042": 1}, Seconds: 1, Max: 9876.5}}
	if err := WriteTable(&b, results, []Ratio{{Name: "login / hash", Concurrency: 8, Value: 0.5}}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"req/s", "max ms", "9876.50", "login", "errors of login at c=8: errorCode 403042 ×1", "login / hash", "0.50"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}

// This process's CPU time and peak RSS read from /proc on Linux.
func TestProcSelf(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	p := Self()
	if p.PeakRSS() <= 0 {
		t.Fatal("no peak RSS")
	}
	// Burn CPU until the clock-tick counter moves (bounded).
	start := p.CPU()
	for i := 0; i < 5e9 && p.CPU() == start; i++ {
	}
	if p.CPU() <= start {
		t.Fatal("CPU time did not grow")
	}
	var nilProc *Proc
	if nilProc.CPU() != 0 || nilProc.PeakRSS() != 0 || nilProc.ResetPeak() != nil {
		t.Fatal("a nil Proc reads as zero")
	}
}
