package templates

import (
	"errors"
	"testing"
)

// TestFieldError: every refusal of Parse names the field as a *FieldError wrapping
// ErrInvalidTemplate, with the message the loader always gave.
func TestFieldError(t *testing.T) {
	cases := []struct{ body, field string }{
		{`{"name":"x","display":"X","type":"t","environments":["standard"],"run":{"command":""}}`, "run.command"},
		{`{"name":"x","display":"X","type":"t","environments":["standard"],"run":{"command":"a {{b}}"}}`, "run.command"},
		{`{"name":"x","display":"X","type":"t","environments":["standard"],"run":{"command":"a"},
		  "variables":{"n":{"type":"integer","default":"many"}}}`, "variables.n.default"},
		{`{"name":"x","display":"X","type":"t","environments":["standard"],"run":{"command":"a {{s}}"},
		  "variables":{"s":{"type":"string","userEditable":true}}}`, "variables.s"},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.body))
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != c.field || !errors.Is(err, ErrInvalidTemplate) {
			t.Errorf("Parse(%s) = %v, want a FieldError on %s", c.body, err, c.field)
			continue
		}
		if want := "invalid template: x: " + c.field + ": " + fe.Reason; err.Error() != want {
			t.Errorf("message %q, want %q", err.Error(), want)
		}
	}
}
