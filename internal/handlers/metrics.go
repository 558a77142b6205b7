package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
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
func (m *Metrics) Handler() http.Handler { return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}) }

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
