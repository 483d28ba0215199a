package multinode

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

var daemonDoc = sync.OnceValues(func() (*openapi3.T, error) {
	b, err := os.ReadFile("../../daemon.yaml")
	if err != nil {
		return nil, err
	}
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err == nil {
		err = doc.Validate(context.Background())
	}
	return doc, err
})

// daemonRequest sends req to a daemon directly and validates the response against operation
// template (a path of daemon.yaml, e.g. "/v1/health") of daemon.yaml. The body is returned
// (read in full; octet-stream bodies are not validated).
func daemonRequest(t *testing.T, req *http.Request, template string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	if err := checkDaemon(req, template, resp, b); err != nil {
		t.Errorf("response does not match daemon.yaml: %s %s -> %d: %v", req.Method, req.URL.Path, resp.StatusCode, err)
	}
	return resp, b
}

// checkDaemon validates one daemon response.
func checkDaemon(req *http.Request, template string, resp *http.Response, b []byte) error {
	doc, err := daemonDoc()
	if err != nil {
		return err
	}
	item := doc.Paths.Value(template)
	if item == nil || item.GetOperation(req.Method) == nil {
		return fmt.Errorf("daemon.yaml has no %s %s", req.Method, template)
	}
	route := &routers.Route{Spec: doc, Path: template, PathItem: item, Method: req.Method, Operation: item.GetOperation(req.Method)}
	params := map[string]string{}
	tmpl, segs := strings.Split(template, "/"), strings.Split(req.URL.Path, "/")
	for i := range min(len(tmpl), len(segs)) {
		if strings.HasPrefix(tmpl[i], "{") {
			params[strings.Trim(tmpl[i], "{}")] = segs[i]
		}
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}
	if ct := resp.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/octet-stream") || strings.HasPrefix(ct, "application/x-tar") {
		opts.ExcludeResponseBody = true
	}
	return openapi3filter.ValidateResponse(req.Context(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(b)), Options: opts})
}
