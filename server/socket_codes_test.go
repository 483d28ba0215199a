package server_test

import (
	"slices"
	"testing"

	"github.com/skypanel/skypanel/server/apitest"
	"github.com/skypanel/skypanel/server/socket"
)

// TestSocketCodesInSpec: the codes the WebSocket engine sends are values of the spec's
// ErrorCode enum.
func TestSocketCodesInSpec(t *testing.T) {
	doc, err := apitest.Spec()
	if err != nil {
		t.Fatal(err)
	}
	enum := doc.Components.Schemas["ErrorCode"].Value.Enum
	for _, c := range []string{socket.CodeFieldRequired, socket.CodeFieldInvalid, socket.CodePermissionDenied,
		socket.CodeUnauthorized, socket.CodeRateLimited, socket.CodeNodeUnavailable} {
		if !slices.Contains(enum, any(c)) {
			t.Errorf("%s is not in the ErrorCode enum", c)
		}
	}
}
