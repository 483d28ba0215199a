package configfile

import (
	"errors"
	"testing"
)

// editCase is one table row for a parser's edit function.
type editCase struct {
	name string
	old  string // "" with missing: the file does not exist
	sets []Set
	want string
	err  error // the sentinel the edit fails with (want ignored)
}

func runEdits(t *testing.T, parser string, cases []editCase) {
	t.Helper()
	p := parsers[parser]
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, s := range c.sets {
				if r := p.key(s.Key); r != "" {
					t.Fatalf("key %q refused: %s", s.Key, r)
				}
			}
			var old []byte
			if c.old != "" {
				old = []byte(c.old)
			}
			got, err := p.edit(old, c.sets)
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("err = %v, want %v", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Fatalf("got:\n%s\nwant:\n%s", got, c.want)
			}
			again, err := p.edit(got, c.sets)
			if err != nil {
				t.Fatalf("second edit: %v", err)
			}
			if string(again) != string(got) {
				t.Fatalf("not idempotent; second edit:\n%s", again)
			}
		})
	}
}

func s(k, v string) Set { return Set{Key: k, Value: v} }
