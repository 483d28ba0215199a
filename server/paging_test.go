package server

import "testing"

func TestLikePattern(t *testing.T) {
	cases := map[string]string{
		"minecraft*": `minecraft%`,
		"*craft*":    `%craft%`,
		"100%_x":     `100\%\_x`,
		`a\b*`:       `a\\b%`,
		"plain":      "plain",
	}
	for in, want := range cases {
		if got := likePattern(in); got != want {
			t.Errorf("likePattern(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGlobPattern(t *testing.T) {
	cases := map[string]string{"mine*": "mine*", "a?b*": "a[?]b*", "x[1]*": "x[[]1]*", "5%_*": "5%_*"}
	for in, want := range cases {
		if got := globPattern(in); got != want {
			t.Errorf("globPattern(%q) = %q, want %q", in, got, want)
		}
	}
}
