package main

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// metricsAddr is a --metrics-listen address (a loopback port free a moment ago) and its URL.
func metricsAddr(t *testing.T) (listen, url string) {
	listen = net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t)))
	return listen, "http://" + listen + "/metrics"
}

// checkServeMetrics scrapes serve's --metrics-listen after one token was issued.
func checkServeMetrics(t *testing.T, url string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("scrape %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape %s: %d %v", url, resp.StatusCode, err)
	}
	for _, want := range []string{"\nskypanel_oauth2_tokens_issued_total 1\n",
		`skypanel_http_requests_total{code="200",operation="oauth2Token"} 1`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
