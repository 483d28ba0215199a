package nodeapi

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/files"
	"github.com/skypanel/skypanel/gen/daemonapi"
)

// TestCodesRoundTrip: every DaemonErrorCode of daemon.yaml has one entry; ErrorFor(code)
// keeps the message, matches the code's sentinel and maps back to the same code.
func TestCodesRoundTrip(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromFile("../../daemon.yaml")
	if err != nil {
		t.Fatal(err)
	}
	enum := doc.Components.Schemas["DaemonErrorCode"].Value.Enum
	if len(enum) == 0 {
		t.Fatal("no DaemonErrorCode enum in daemon.yaml")
	}
	seen := map[daemonapi.DaemonErrorCode]int{}
	for _, e := range codes {
		seen[e.code]++
		if !e.code.Valid() {
			t.Errorf("table code %q is not in the enum", e.code)
		}
	}
	for _, v := range enum {
		code := daemonapi.DaemonErrorCode(v.(string))
		t.Run(string(code), func(t *testing.T) {
			if seen[code] != 1 {
				t.Fatalf("%d table entries for %s, want 1", seen[code], code)
			}
			err := ErrorFor(code, "the node said so")
			if err.Error() != "the node said so" {
				t.Errorf("Error() = %q", err.Error())
			}
			got, status := CodeOf(fmt.Errorf("wrapped: %w", err))
			if got != code {
				t.Errorf("CodeOf(ErrorFor(%s)) = %s", code, got)
			}
			if status < 400 || status > 599 {
				t.Errorf("status %d", status)
			}
			for _, e := range codes {
				if e.code == code && !errors.Is(err, e.errs[0]) {
					t.Errorf("ErrorFor(%s) does not match %v", code, e.errs[0])
				}
			}
		})
	}
}

// TestCodeOfSentinels: every sentinel of the table, wrapped, maps to its entry's code.
func TestCodeOfSentinels(t *testing.T) {
	for _, e := range codes {
		for _, s := range e.errs {
			if got, status := CodeOf(fmt.Errorf("ctx: %w", s)); got != e.code || status != e.status {
				t.Errorf("CodeOf(%v) = %s %d, want %s %d", s, got, status, e.code, e.status)
			}
		}
	}
	cases := []struct {
		err    error
		code   daemonapi.DaemonErrorCode
		status int
	}{
		{fmt.Errorf("%w: %w: installing", daemon.ErrInvalidState, daemon.ErrBusy), daemonapi.DaemonErrorCodeErrBusy, http.StatusConflict},
		{&files.PathError{Path: "../x", Err: files.ErrPathInvalid}, daemonapi.DaemonErrorCodeErrPathInvalid, http.StatusBadRequest},
		{errors.New("something else"), daemonapi.DaemonErrorCodeErrInternal, http.StatusInternalServerError},
		{fmt.Errorf("x: %w", ErrUnavailable), daemonapi.DaemonErrorCodeErrInternal, http.StatusInternalServerError},
	}
	for _, c := range cases {
		if got, status := CodeOf(c.err); got != c.code || status != c.status {
			t.Errorf("CodeOf(%v) = %s %d, want %s %d", c.err, got, status, c.code, c.status)
		}
	}
	busy := ErrorFor(daemonapi.DaemonErrorCodeErrBusy, "busy")
	if !errors.Is(busy, daemon.ErrBusy) || !errors.Is(busy, daemon.ErrInvalidState) {
		t.Error("ErrBusy from the wire must match daemon.ErrBusy and daemon.ErrInvalidState")
	}
	if !errors.Is(ErrorFor("ErrSomethingNew", "x"), ErrInternal) {
		t.Error("an unknown code must match ErrInternal")
	}
}
