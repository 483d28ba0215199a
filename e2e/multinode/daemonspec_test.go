package multinode

import (
	"context"
	"io"
	"net/http"
	"sync"
	"testing"

	skypanel "github.com/skypanel/skypanel"
	"github.com/skypanel/skypanel/apispec"
)

var daemonSpec = sync.OnceValues(func() (*apispec.Spec, error) {
	return apispec.Load(context.Background(), skypanel.DaemonAPI, apispec.Options{})
})

// daemonClient talks to daemons directly; every response is checked against daemon.yaml.
func daemonClient(t *testing.T) *http.Client {
	t.Helper()
	spec, err := daemonSpec()
	if err != nil {
		t.Fatal(err)
	}
	report := func(err error) { t.Errorf("response does not match daemon.yaml: %v", err) }
	return &http.Client{Transport: apispec.NewTransport(spec, nil, report), Timeout: waitTimeout}
}

// daemonRequest sends req to a daemon directly (response checked against daemon.yaml) and
// returns the response with its body read.
func daemonRequest(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := daemonClient(t).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	return resp, b
}
