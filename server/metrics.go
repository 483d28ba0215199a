package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metric names and label values of the panel (served by Panel on Config.MetricsListen).
const (
	metricNamespace = "skypanel"
	// opUnmatched is the operation label of a request no route of the spec matched (404/405):
	// the raw path is never a label value.
	opUnmatched = "unmatched"
	// Rate-limit kinds (label "kind" of skypanel_rate_limited_total).
	limitClient = "client"
	limitIP     = "ip"
	// opTokens is the operation whose 200 responses are issued tokens.
	opTokens = "oauth2Token"
)

// metrics holds the panel's Prometheus collectors in a private registry (never the global
// one: several panels in one test process each have their own).
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	limited  *prometheus.CounterVec
	tokens   prometheus.Counter
}

// newMetrics builds the registry with the Go runtime and process collectors and the
// panel's request, rate-limit and token metrics.
func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: metricNamespace, Subsystem: "http", Name: "requests_total",
		Help: "HTTP requests answered, by operation id of openapi.yaml (\"unmatched\": no route) and status code.",
	}, []string{"operation", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: metricNamespace, Subsystem: "http", Name: "request_duration_seconds",
		Help:    "Time to answer an HTTP request (WebSocket sessions excluded), by operation id and status code.",
		Buckets: prometheus.DefBuckets,
	}, []string{"operation", "code"})
	m.limited = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: metricNamespace, Name: "rate_limited_total",
		Help: "Requests refused with 429 by a rate limit, by kind (client: per OAuth2 client; ip: per IP, unauthenticated).",
	}, []string{"kind"})
	m.tokens = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: metricNamespace, Subsystem: "oauth2", Name: "tokens_issued_total",
		Help: "Access tokens issued by POST /oauth2/token (its 200 responses).",
	})
	m.reg.MustRegister(m.requests, m.latency, m.limited, m.tokens,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in the Prometheus text (or OpenMetrics) format.
func (m *metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, ErrorHandling: promhttp.ContinueOnError})
}

// rateLimited counts one request refused by the limit of kind.
func (m *metrics) rateLimited(kind string) {
	if m != nil {
		m.limited.WithLabelValues(kind).Inc()
	}
}

// observe is the first middleware: it counts every answered request by operation id (the
// spec's operationId of the matched gin route) and status, and times it.
func (a *App) observe() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		opID, socket := opUnmatched, false
		if op := a.contract.Lookup(c.Request.Method, c.FullPath()); op != nil {
			opID, socket = op.ID, op.WebSocket
		}
		status := c.Writer.Status()
		code := strconv.Itoa(status)
		a.metrics.requests.WithLabelValues(opID, code).Inc()
		if !socket {
			a.metrics.latency.WithLabelValues(opID, code).Observe(time.Since(start).Seconds())
		}
		if opID == opTokens && status == http.StatusOK {
			a.metrics.tokens.Inc()
		}
	}
}
