package server

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/skypanel/skypanel/ent"
	entserver "github.com/skypanel/skypanel/ent/server"
)

// scrapeTimeout bounds the database query of one scrape.
const scrapeTimeout = 2 * time.Second

// NodeCounter is what a node registry reports for the nodes gauge (node.Registry does).
type NodeCounter interface {
	// NodeCounts returns how many nodes currently answer (up) and how many do not (down).
	NodeCounts() (up, down int)
}

// stateCollector computes, at each scrape, the gauges of what the panel already knows:
// nodes up/down from the node registry, servers by suspended (one GROUP BY; a server's
// running state lives on its node, not in the panel's database).
type stateCollector struct {
	db    *ent.Client
	nodes NodeCounter // nil: no nodes gauge
	nodeD *prometheus.Desc
	srvD  *prometheus.Desc
	errD  *prometheus.Desc
}

func newStateCollector(db *ent.Client, nodes NodeCounter) *stateCollector {
	return &stateCollector{db: db, nodes: nodes,
		nodeD: prometheus.NewDesc(metricNamespace+"_nodes", "Nodes by state (up: answers its health polls; down: does not).",
			[]string{"state"}, nil),
		srvD: prometheus.NewDesc(metricNamespace+"_servers", "Servers in the panel's database, by suspended (true/false). "+
			"Running state is per node and not counted here.", []string{"suspended"}, nil),
		errD: prometheus.NewDesc(metricNamespace+"_servers_scrape_errors", "1 when counting servers failed at this scrape.", nil, nil),
	}
}

// Describe sends the collector's descriptors.
func (s *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- s.nodeD
	ch <- s.srvD
	ch <- s.errD
}

// Collect reads the registry's counts and runs one GROUP BY on servers.
func (s *stateCollector) Collect(ch chan<- prometheus.Metric) {
	if s.nodes != nil {
		up, down := s.nodes.NodeCounts()
		ch <- prometheus.MustNewConstMetric(s.nodeD, prometheus.GaugeValue, float64(up), "up")
		ch <- prometheus.MustNewConstMetric(s.nodeD, prometheus.GaugeValue, float64(down), "down")
	}
	if s.db == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	var rows []struct {
		Suspended bool `json:"suspended"`
		Count     int  `json:"count"`
	}
	err := s.db.Server.Query().GroupBy(entserver.FieldSuspended).Aggregate(ent.Count()).Scan(ctx, &rows)
	failed := 0.0
	if err != nil {
		failed = 1
	}
	ch <- prometheus.MustNewConstMetric(s.errD, prometheus.GaugeValue, failed)
	if err != nil {
		return
	}
	counts := map[bool]int{false: 0, true: 0}
	for _, r := range rows {
		counts[r.Suspended] += r.Count
	}
	for k, v := range counts {
		ch <- prometheus.MustNewConstMetric(s.srvD, prometheus.GaugeValue, float64(v), strconv.FormatBool(k))
	}
}

// registerState adds the database pool and state collectors to the App's registry.
func (m *metrics) registerState(db *sql.DB, client *ent.Client, nodes NodeCounter) {
	if db != nil {
		m.reg.MustRegister(collectors.NewDBStatsCollector(db, "panel"))
	}
	m.reg.MustRegister(newStateCollector(client, nodes))
}
