package server

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
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

// ObserveLogDrops publishes dropped(), the log lines dropped because the
// log's writer fell behind (LogWriter.Dropped).
func (m *Metrics) ObserveLogDrops(dropped func() int64) {
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "custos_log_lines_dropped_total",
		Help: "Log lines dropped because the log's output fell behind.",
	}, func() float64 { return float64(dropped()) }))
}

// AuditWriteFailures registers custos_audit_write_failures_total and
// answers the function that counts one: an audit entry that could not be
// written after its change was committed.
func (m *Metrics) AuditWriteFailures() func() {
	c := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "custos_audit_write_failures_total",
		Help: "Audit entries that could not be written after their change was committed (each is logged at error level).",
	})
	m.reg.MustRegister(c)
	return c.Inc
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// MailMetrics count the outbox worker's deliveries; it implements
// outbox.Observer.
type MailMetrics struct {
	sent, failed, dropped *prometheus.CounterVec
	queued                *recount
}

// Mail registers the mail metrics: sent, failed attempts and given up, by
// kind, and queued, the messages waiting, which queued counts (bounded by
// the caller) at every scrape. The counters of kinds start at 0.
func (m *Metrics) Mail(queued func(context.Context) (int, error), kinds ...string) *MailMetrics {
	kind := []string{"kind"}
	mm := &MailMetrics{
		queued: &recount{count: queued, every: queuedEvery},
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "custos_mail_sent_total",
			Help: "Mails delivered to the SMTP relay, by kind.",
		}, kind),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "custos_mail_failed_total",
			Help: "Delivery attempts that failed, by kind; each retry counts.",
		}, kind),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "custos_mail_dropped_total",
			Help: "Mails given up on after their last attempt, by kind.",
		}, kind),
	}
	m.reg.MustRegister(mm.sent, mm.failed, mm.dropped, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "custos_mail_queued",
		Help: "Mails waiting to be sent (due now or retried later), counted in the database at each scrape; NaN when the count fails.",
	}, mm.queued.value))
	for _, k := range kinds {
		for _, c := range []*prometheus.CounterVec{mm.sent, mm.failed, mm.dropped} {
			c.WithLabelValues(k)
		}
	}
	return mm
}

// queuedEvery is how often the queued gauge counts again when nothing this
// process did changed the outbox (other processes may have): /metrics takes
// no credentials, and scrapes in a burst should not each query the database.
const queuedEvery = 30 * time.Second

// recount is a count asked of the database when this process changed what
// it counts (dirty), or at most once every every.
type recount struct {
	count func(context.Context) (int, error)
	every time.Duration
	dirty atomic.Bool

	mu   sync.Mutex
	at   time.Time
	last float64
}

func (r *recount) value() float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.dirty.Swap(false) && !r.at.IsZero() && time.Since(r.at) < r.every {
		return r.last
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n, err := r.count(ctx)
	r.at, r.last = time.Now(), float64(n)
	if err != nil {
		r.last = math.NaN()
	}
	return r.last
}

// Sent counts a delivered mail of kind.
func (mm *MailMetrics) Sent(kind string) {
	mm.sent.WithLabelValues(kindLabel(kind)).Inc()
	mm.queued.dirty.Store(true)
}

// Queued notes that a mail was queued: the gauge counts again.
func (mm *MailMetrics) Queued() { mm.queued.dirty.Store(true) }

// Failed counts a failed attempt, and a mail given up on when final.
func (mm *MailMetrics) Failed(kind string, final bool) {
	mm.queued.dirty.Store(true)
	mm.failed.WithLabelValues(kindLabel(kind)).Inc()
	if final {
		mm.dropped.WithLabelValues(kindLabel(kind)).Inc()
	}
}

func kindLabel(kind string) string {
	if kind == "" {
		return "unknown"
	}
	return kind
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
