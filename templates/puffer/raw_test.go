package puffer

import (
	"encoding/json"
	"testing"
)

// TestOpStr: an operation's string field reads strings, numbers and booleans as text (as
// PufferPanel's cast.ToString), absent and null as "", and refuses lists and objects.
func TestOpStr(t *testing.T) {
	var op rawOp
	if err := json.Unmarshal([]byte(`{"s":"a b","n":25565,"f":1.5,"b":true,"z":null,"l":["a"],"o":{"a":1}}`), &op); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"s": "a b", "n": "25565", "f": "1.5", "b": "true", "z": "", "absent": ""}
	for name, w := range want {
		if got, err := op.str(name); err != nil || got != w {
			t.Errorf("str(%q) = %q, %v; want %q", name, got, err, w)
		}
	}
	for _, name := range []string{"l", "o"} {
		if got, err := op.str(name); err == nil || err.Error() != "must be a string" {
			t.Errorf("str(%q) = %q, %v; want the error \"must be a string\"", name, got, err)
		}
	}
}
