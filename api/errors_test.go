package api

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func response(status int, body string, h http.Header) *GetServerResponse {
	if h == nil {
		h = http.Header{}
	}
	return &GetServerResponse{Body: []byte(body),
		HTTPResponse: &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(body))}}
}

func TestCheck(t *testing.T) {
	cases := []struct {
		name     string
		status   int
		body     string
		header   http.Header
		is       []error // sentinels that must match
		isNot    []error
		code     ErrorCode
		metadata map[string]any
		retry    time.Duration
	}{
		{name: "server not found", status: 404,
			body: `{"error":{"code":"ErrServerNotFound","msg":"Server with ID X not found","metadata":{"id":"X"}}}`,
			is:   []error{ErrNotFound}, isNot: []error{ErrConflict, ErrRateLimited}, code: ErrorCodeErrServerNotFound,
			metadata: map[string]any{"id": "X"}},
		{name: "field invalid", status: 400,
			body: `{"error":{"code":"ErrFieldInvalid","msg":"bad","metadata":{"field":"limit"}}}`,
			is:   []error{ErrInvalidInput}, isNot: []error{ErrNotFound}, code: ErrorCodeErrFieldInvalid,
			metadata: map[string]any{"field": "limit"}},
		{name: "rate limited", status: 429, header: http.Header{"Retry-After": {"3"}},
			body: `{"error":{"code":"ErrRateLimited","msg":"slow down"}}`,
			is:   []error{ErrRateLimited}, code: ErrorCodeErrRateLimited, retry: 3 * time.Second},
		{name: "busy is a conflict", status: 409, body: `{"error":{"code":"ErrServerBusy","msg":"busy"}}`,
			is: []error{ErrConflict}, isNot: []error{ErrNotFound}, code: ErrorCodeErrServerBusy},
		{name: "not an envelope", status: 502, body: `<html>bad gateway</html>`, isNot: []error{ErrInternal, ErrNotFound}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Check(response(tc.status, tc.body, tc.header), nil)
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want *APIError", err)
			}
			if ae.Status != tc.status || ae.Code != tc.code || ae.RetryAfter != tc.retry || ae.Msg == "" {
				t.Fatalf("APIError = %+v", ae)
			}
			for k, v := range tc.metadata {
				if ae.Metadata[k] != v {
					t.Fatalf("metadata %s = %v, want %v", k, ae.Metadata[k], v)
				}
			}
			for _, s := range tc.is {
				if !errors.Is(err, s) {
					t.Errorf("errors.Is(%v, %v) = false", err, s)
				}
			}
			for _, s := range tc.isNot {
				if errors.Is(err, s) {
					t.Errorf("errors.Is(%v, %v) = true", err, s)
				}
			}
		})
	}
}

func TestCheckSuccessAndTransportError(t *testing.T) {
	r := response(200, `{}`, nil)
	if got, err := Check(r, nil); err != nil || got != r {
		t.Fatalf("Check(200) = %v, %v", got, err)
	}
	boom := errors.New("boom")
	if _, err := Check(r, boom); err != boom {
		t.Fatalf("Check(_, boom) = %v", err)
	}
	if _, err := Check[GetServerResponse](nil, nil); !errors.Is(err, ErrNoResponse) {
		t.Fatalf("Check(nil) = %v", err)
	}
}
