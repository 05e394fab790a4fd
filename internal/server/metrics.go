package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/custos-id/custos/internal/callctx"
)

// Metrics are the Prometheus metrics of one server, in a registry of its own.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// NewMetrics returns the request metrics plus the Go and process collectors.
func NewMetrics() *Metrics {
	labels := []string{"dialect", "method", "error_code"}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "custos_requests_total",
			Help: "Requests served, by dialect, method and errorCode.",
		}, labels),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "custos_request_duration_seconds",
			Help:    "Time to serve a request, by dialect, method and errorCode.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, labels),
	}
	m.reg.MustRegister(m.requests, m.latency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Registerer lets other packages add their own metrics.
func (m *Metrics) Registerer() prometheus.Registerer { return m.reg }

func (m *Metrics) observe(info *callctx.Info, d time.Duration) {
	dialect, method := info.Dialect, info.Method
	if dialect == "" {
		dialect = "none"
	}
	if method == "" {
		method = "unknown"
	}
	code := strconv.Itoa(int(info.ErrorCode))
	m.requests.WithLabelValues(dialect, method, code).Inc()
	m.latency.WithLabelValues(dialect, method, code).Observe(d.Seconds())
}
