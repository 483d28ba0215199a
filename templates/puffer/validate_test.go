package puffer

import (
	"strings"
	"testing"
)

// TestConvertInvalidResult: what only the template format's own validation refuses is
// reported on "$", naming the template's field and the reason.
func TestConvertInvalidResult(t *testing.T) {
	_, _, err := Convert(mutate(t, "paper", func(d doc) { data(d, "motd")["value"] = strings.Repeat("x", 5000) }))
	assertField(t, err, "$", ErrUnsupported)
	if err == nil || !strings.Contains(err.Error(), "variables.motd") || !strings.Contains(err.Error(), "4096") {
		t.Errorf("error %v does not name variables.motd and the bound", err)
	}
}
