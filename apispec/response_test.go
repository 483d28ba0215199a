package apispec

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCheckResponse(t *testing.T) {
	spec := loadTiny(t, Options{})
	jsonH := http.Header{"Content-Type": {"application/json"}}
	withCount := http.Header{"Content-Type": {"application/json"}, "X-Count": {"1"}}
	envelope := []byte(`{"error":{"code":"NoSuchThing","msg":"no"}}`)
	cases := []struct {
		name, method, path string
		status             int
		header             http.Header
		body               []byte // nil: streamed
		ok                 bool
	}{
		{"matching body and header", "GET", "/things", 200, withCount, []byte(`[{"name":"a"}]`), true},
		{"required header missing", "GET", "/things", 200, jsonH, []byte(`[]`), false},
		{"header of wrong type", "GET", "/things", 200, http.Header{"Content-Type": {"application/json"}, "X-Count": {"many"}}, []byte(`[]`), false},
		{"body off schema", "GET", "/things", 200, withCount, []byte(`[{"name":""}]`), false},
		{"undeclared media type", "GET", "/things", 200, http.Header{"Content-Type": {"text/plain"}, "X-Count": {"1"}}, []byte(`[]`), false},
		{"error envelope by default", "GET", "/things/abc", 404, jsonH, envelope, true},
		{"error code outside the enum", "GET", "/things/abc", 404, jsonH, []byte(`{"error":{"code":"Other","msg":"no"}}`), false},
		{"undeclared status", "GET", "/things/special", 500, jsonH, envelope, false},
		{"declared stream", "GET", "/things/abc/blob", 200, http.Header{"Content-Type": {"application/octet-stream"}}, nil, true},
		{"undeclared stream type", "GET", "/things/abc/blob", 200, http.Header{"Content-Type": {"application/x-tar"}}, nil, false},
		{"unknown route 404 envelope", "GET", "/nope", 404, jsonH, envelope, true},
		{"unknown route 401 envelope", "GET", "/nope", 401, jsonH, envelope, true},
		{"unknown route answered 200", "GET", "/nope", 200, jsonH, []byte(`{}`), false},
		{"unknown route without envelope", "GET", "/nope", 404, jsonH, []byte(`not found`), false},
		{"wrong method 405 envelope", "PATCH", "/things", 405, jsonH, envelope, true},
		{"HEAD refused 405 without a body", "HEAD", "/things", 405, jsonH, []byte{}, true},
		{"HEAD of an unknown route answered 200", "HEAD", "/nope", 200, jsonH, []byte{}, false},
		{"GET refused 405 without a body", "GET", "/nope", 405, jsonH, []byte{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(c.method, c.path, nil)
			err := spec.CheckResponse(context.Background(), Response{Request: req, Status: c.status, Header: c.header, Body: c.body})
			if c.ok && err != nil {
				t.Fatalf("unexpected mismatch: %v", err)
			}
			if !c.ok && !errors.Is(err, ErrResponseMismatch) {
				t.Fatalf("err = %v, want ErrResponseMismatch", err)
			}
		})
	}
}

func TestStreamedResponse(t *testing.T) {
	for _, c := range []struct {
		status int
		ctype  string
		want   bool
	}{
		{101, "", true},
		{200, "application/octet-stream", true},
		{206, "application/x-tar", true},
		{200, "application/x-ndjson; charset=utf-8", true},
		{200, "application/json", false},
		{500, "application/octet-stream", false},
		{200, "", false},
	} {
		if got := StreamedResponse(c.status, http.Header{"Content-Type": {c.ctype}}); got != c.want {
			t.Errorf("StreamedResponse(%d, %q) = %v, want %v", c.status, c.ctype, got, c.want)
		}
	}
}

// TestTransport: the transport reports mismatches, leaves streamed bodies unread, restores
// buffered ones and counts operations.
func TestTransport(t *testing.T) {
	spec := loadTiny(t, Options{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /things", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`[{"name":"a"}]`)) // X-Count missing
	})
	mux.HandleFunc("GET /things/{id}/blob", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write([]byte("blob"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	var reported []error
	tr := NewTransport(spec, nil, func(err error) { reported = append(reported, err) })
	client := &http.Client{Transport: tr}
	for _, p := range []string{"/things", "/things/a/blob", "/things/b/blob"} {
		resp, err := client.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if len(b) == 0 {
			t.Errorf("%s: body lost", p)
		}
	}
	if len(reported) != 1 || !errors.Is(reported[0], ErrResponseMismatch) || !strings.Contains(reported[0].Error(), "GET /things -> 200") {
		t.Fatalf("reported = %v, want one mismatch for GET /things", reported)
	}
	if seen := tr.Seen(); seen["listThings"] != 1 || seen["getBlob"] != 2 {
		t.Fatalf("seen = %v", seen)
	}
}

// TestTransportGzip: a gzip-encoded body is checked as the content it encodes (a valid one
// passes, an invalid one is reported, a corrupt gzip is reported) and reaches the caller as sent.
func TestTransportGzip(t *testing.T) {
	spec := loadTiny(t, Options{})
	gz := func(s string) []byte {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		_, _ = w.Write([]byte(s))
		_ = w.Close()
		return b.Bytes()
	}
	for _, c := range []struct {
		name string
		body []byte
		bad  bool
	}{
		{"valid", gz(`[{"name":"a"}]`), false},
		{"invalid content", gz(`[{"name":1}]`), true},
		{"corrupt gzip", []byte("not gzip"), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Encoding", "gzip")
				w.Header().Set("X-Count", "1")
				_, _ = w.Write(c.body)
			}))
			defer srv.Close()
			var reported []error
			client := &http.Client{Transport: NewTransport(spec, nil, func(err error) { reported = append(reported, err) })}
			req, _ := http.NewRequest("GET", srv.URL+"/things", nil)
			req.Header.Set("Accept-Encoding", "gzip") // set by hand: the body stays compressed
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !bytes.Equal(got, c.body) {
				t.Errorf("the caller got %q, want the body as sent", got)
			}
			if bad := len(reported) > 0; bad != c.bad || bad && !errors.Is(reported[0], ErrResponseMismatch) {
				t.Errorf("reported %v, want a mismatch: %v", reported, c.bad)
			}
		})
	}
}
