package handlers

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"portal/internal/store"
)

// Metrics holds the portal's Prometheus collectors.
type Metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	ispCalls    *prometheus.CounterVec
	ispErrors   *prometheus.CounterVec
	ispDuration *prometheus.HistogramVec
}

// NewMetrics registers the collectors on a fresh registry (plus Go and process collectors).
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "portal_http_requests_total", Help: "HTTP requests by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "portal_http_request_duration_seconds", Help: "HTTP request latency by method and route pattern.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route"}),
		ispCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "portal_ispconfig_calls_total", Help: "ISPConfig remote API calls by function.",
		}, []string{"function"}),
		ispErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "portal_ispconfig_errors_total", Help: "Failed ISPConfig remote API calls by function.",
		}, []string{"function"}),
		ispDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "portal_ispconfig_call_duration_seconds", Help: "ISPConfig remote API latency by function.",
			Buckets: prometheus.DefBuckets,
		}, []string{"function"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.ispCalls, m.ispErrors, m.ispDuration,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus' text format.
// A metric that can't be read (the backlogs, with Postgres down) is left out of the scrape, which still serves the
// others: an alert on the backlogs should also fire when they are absent.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// ObserveISP records one ISPConfig call; it fits ispapi's observe hook.
func (m *Metrics) ObserveISP(function string, d time.Duration, err error) {
	if m == nil {
		return
	}
	m.ispCalls.WithLabelValues(function).Inc()
	if err != nil {
		m.ispErrors.WithLabelValues(function).Inc()
	}
	m.ispDuration.WithLabelValues(function).Observe(d.Seconds())
}

func (m *Metrics) observeRequest(method, route string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(method, route).Observe(d.Seconds())
}

// WatchBacklogs reports, at each scrape, the work waiting on the background jobs that read returns
// (store.ReadBacklogs): a figure that keeps growing means that its job stopped, which nothing else would show.
func (m *Metrics) WatchBacklogs(read func(context.Context) (store.Backlogs, error)) {
	m.reg.MustRegister(&backlogs{read: read,
		sums: prometheus.NewDesc("portal_invoice_sum_changes_pending",
			"Changes to the invoice sums not folded in yet (the fold job runs every minute).", nil, nil),
		waiting: prometheus.NewDesc("portal_outbox_waiting", "Emails queued or waiting for a retry.", nil, nil),
		oldest: prometheus.NewDesc("portal_outbox_oldest_waiting_seconds",
			"Seconds since the waiting email touched longest ago was queued, tried or sent again (0 with none).", nil, nil),
		failed: prometheus.NewDesc("portal_outbox_failed", "Emails given up on, until an admin sends them again.", nil, nil),
	})
}

type backlogs struct {
	read                          func(context.Context) (store.Backlogs, error)
	sums, waiting, oldest, failed *prometheus.Desc
}

func (b *backlogs) Describe(ch chan<- *prometheus.Desc) {
	ch <- b.sums
	ch <- b.waiting
	ch <- b.oldest
	ch <- b.failed
}

func (b *backlogs) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	v, err := b.read(ctx)
	if err != nil { // the scrape reports the error rather than figures that look healthy; the others stay
		ch <- prometheus.NewInvalidMetric(b.sums, err)
		return
	}
	for _, x := range []struct {
		d *prometheus.Desc
		v float64
	}{{b.sums, float64(v.InvoiceSumChanges)}, {b.waiting, float64(v.OutboxWaiting)}, {b.oldest, v.OutboxOldest},
		{b.failed, float64(v.OutboxFailed)}} {
		ch <- prometheus.MustNewConstMetric(x.d, prometheus.GaugeValue, x.v)
	}
}
