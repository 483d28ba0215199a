package egg

import (
	"reflect"
	"strings"
	"testing"
)

func ptr(n int64) *int64 { return &n }

func TestParseRules(t *testing.T) {
	tests := []struct {
		in   string
		want Rules
	}{
		{"", Rules{}},
		{"required|string|max:20", Rules{Required: true, Kind: "string", Max: ptr(20)}},
		{"nullable|integer|between:1,100", Rules{Nullable: true, Kind: "integer", Min: ptr(1), Max: ptr(100)}},
		{"required|numeric|min:0", Rules{Required: true, Kind: "numeric", Min: ptr(0)}},
		{"boolean", Rules{Kind: "boolean"}},
		{"in:a,b,c", Rules{In: []string{"a", "b", "c"}}},
		{" required | string ", Rules{Required: true, Kind: "string"}},
		{"required|regex:/^[a-z]+$/", Rules{Required: true, Regex: "/^[a-z]+$/"}},
		{"regex:/^(a|b)$/i|max:1", Rules{Regex: "/^(a|b)$/i", Max: ptr(1)}},
		{"regex:/^a\\/|b$/", Rules{Regex: "/^a\\/|b$/"}},
		{"regex:#^x|y$#", Rules{Regex: "#^x|y$#"}},
		{"regex:/a/i|string", Rules{Regex: "/a/i", Kind: "string"}},
		{"required|alpha_dash|max:32", Rules{Required: true, Charset: "alpha_dash", Max: ptr(32)}},
		{"alpha_num", Rules{Charset: "alpha_num"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRules(tt.in)
			if err != nil {
				t.Fatalf("ParseRules: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseRulesErrors(t *testing.T) {
	tests := []struct{ in, rule string }{
		{"required|url", "url"},
		{"alpha|alpha_dash", "alpha_dash"},
		{"alpha_num:x", "alpha_num:x"},
		{"regex:/(?<!a)b/", "regex:/(?<!a)b/"},
		{"regex:(a)", "regex:(a)"},
		{"max:abc", "max:abc"},
		{"min:", "min:"},
		{"between:5,1", "between:5,1"},
		{"between:1", "between:1"},
		{"in:", "in:"},
		{"string|integer", "integer"},
		{"required:yes", "required:yes"},
		{"regex:/(/", "regex:/(/"},
		{"regex:/a/x", "regex:/a/x"},
		{"regex:/a", "regex:/a"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseRules(tt.in)
			if err == nil || !strings.Contains(err.Error(), `"`+tt.rule+`"`) {
				t.Errorf("error %v does not name the rule %q", err, tt.rule)
			}
		})
	}
}

func TestRulesAllows(t *testing.T) {
	r := Rules{Kind: "integer", Min: ptr(1), Max: ptr(10)}
	for v, want := range map[string]bool{"1": true, "10": true, "0": false, "11": false, "x": false} {
		if got := r.allows(v); got != want {
			t.Errorf("integer 1..10 allows(%q) = %v", v, got)
		}
	}
	s := Rules{Kind: "string", Max: ptr(3), Regex: "/^[a-zäöü]+$/"}
	for v, want := range map[string]bool{"abc": true, "abcd": false, "AB": false, "äöü": true} { // characters, as Laravel's mb_strlen
		if got := s.allows(v); got != want {
			t.Errorf("string max:3 regex allows(%q) = %v", v, got)
		}
	}
}

// TestTranslateRegex: PHP's /pattern/flags becomes the RE2 expression the template keeps.
func TestTranslateRegex(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"/^[a-z]+$/", "^[a-z]+$"},
		{"/^[a-z]+$/i", "(?i)^[a-z]+$"},
		{"/^a.b$/imsu", "(?ims)^a.b$"},
		{"/^a$/D", "^a$"},
		{`/^https?:\/\/x$/`, "^https?://x$"},
		{`#^https?://[^ ]+$#`, "^https?://[^ ]+$"},
		{`#^a\#b$#`, "^a#b$"},
		{`~^a\\~`, `^a\\`},
		{`+^a\+b$+`, `^a\+b$`},
		{`/^a\\\/b$/`, `^a\\/b$`},
	} {
		got, err := translateRegex(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("translateRegex(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// TestRulesPattern: character-class rules are Laravel's expressions and behave like them.
func TestRulesPattern(t *testing.T) {
	for _, tt := range []struct {
		charset string
		ok, bad []string
	}{
		{"alpha", []string{"abc", "Ünïcode"}, []string{"a1", "a-b", "a b"}},
		{"alpha_num", []string{"abc123", "x٣"}, []string{"a_b", "a-b"}},
		{"alpha_dash", []string{"my-world_2"}, []string{"a.b", "a b", "a/b"}},
	} {
		r := Rules{Charset: tt.charset}
		for _, v := range tt.ok {
			if !r.allows(v) {
				t.Errorf("%s refuses %q", tt.charset, v)
			}
		}
		for _, v := range tt.bad {
			if r.allows(v) {
				t.Errorf("%s allows %q", tt.charset, v)
			}
		}
	}
}
