package server

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

var quiet = slog.New(slog.DiscardHandler)

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// A request in flight when the signal comes finishes; then Serve returns nil.
func TestGracefulShutdown(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "done")
	})
	ctx, cancel := context.WithCancel(context.Background())
	ln := listen(t)
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, ln, h, DefaultConfig(), quiet) }()

	got := make(chan string, 1)
	go func() {
		res, err := http.Get("http://" + ln.Addr().String())
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		got <- string(b)
	}()
	<-started
	cancel()
	close(release)
	if body := <-got; body != "done" {
		t.Fatalf("in-flight request got %q", body)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve = %v", err)
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Fatal("still accepting after shutdown")
	}
}

// A request that outlives the shutdown timeout has its connection cut, and
// Serve does not return before that.
func TestShutdownTimeout(t *testing.T) {
	started := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done() // ends when the connection is closed
	})
	cfg := DefaultConfig()
	cfg.ShutdownTimeout = 10 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	ln := listen(t)
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, ln, h, cfg, quiet) }()
	clientErr := make(chan error, 1)
	go func() {
		_, err := http.Get("http://" + ln.Addr().String())
		clientErr <- err
	}()
	<-started
	cancel()
	if err := <-served; err == nil || !strings.Contains(err.Error(), "shutdown") {
		t.Fatalf("Serve = %v", err)
	}
	if err := <-clientErr; err == nil {
		t.Fatal("the stuck request was not cut")
	}
}

func TestMiddleware(t *testing.T) {
	m := NewMetrics()
	cfg := DefaultConfig()
	cfg.MaxBodyBytes = 10
	h := Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/panic":
			panic("outside the adapters")
		case "/body":
			if _, err := io.ReadAll(r.Body); err == nil {
				t.Error("body over the limit was read whole")
			}
		}
	}), cfg, quiet, m)

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/panic", nil))
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "outside the adapters") {
		t.Fatalf("panic: %d %q", rec.Code, rec.Body)
	}
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(rec.Header().Get("X-Call-Id")) ||
		rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("headers %v", rec.Header())
	}
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/body", strings.NewReader(strings.Repeat("x", 11))))

	rec = httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(rec.Body.String(), `custos_requests_total{dialect="none",error_code="0",method="unknown"} 2`) {
		t.Fatalf("metrics: %s", rec.Body)
	}
}
