package install

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/daemon/install/installtest"
	"github.com/skypanel/skypanel/runtime"
)

// prepared runs steps in a folder holding the given files first.
func prepared(t *testing.T, have map[string]string, steps ...Step) (string, string, error) {
	t.Helper()
	dir := t.TempDir()
	for name, body := range have {
		p := filepath.Join(dir, name)
		must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		must(t, os.WriteFile(p, []byte(body), 0o640))
	}
	var c console
	err := New(Config{}, nil, logger(t)).Run(context.Background(), definition(t, runtime.EnvStandard,
		map[string]string{"greeting": "hello"}, steps...), dir, &c)
	return dir, c.String(), err
}

func TestFileSteps(t *testing.T) {
	cases := []struct {
		name  string
		have  map[string]string
		steps []Step
		want  map[string]string // file → content
		err   error
		parts []string
	}{
		{name: "writefile with placeholders", steps: []Step{{Type: "writefile", Target: "cfg/a.txt", Text: "{{greeting}} on {{SERVER_PORT}}\n"}},
			want: map[string]string{"cfg/a.txt": "hello on 25565\n"}},
		{name: "writefile replaces", have: map[string]string{"a.txt": "old"}, steps: []Step{{Type: "writefile", Target: "a.txt", Text: "new"}},
			want: map[string]string{"a.txt": "new"}},
		{name: "writefile onto a folder", have: map[string]string{"d/x": ""}, steps: []Step{{Type: "writefile", Target: "d", Text: "x"}},
			parts: []string{"folder"}},
		{name: "writefile outside", steps: []Step{{Type: "writefile", Target: "../../etc/x", Text: "x"}}, err: ErrUnsafePath},
		{name: "writefile absolute", steps: []Step{{Type: "writefile", Target: "/etc/x", Text: "x"}}, err: ErrUnsafePath},
		{name: "mkdir", steps: []Step{{Type: "mkdir", Files: []string{"a/b/c", "d"}}, {Type: "writefile", Target: "a/b/c/f", Text: "f"}},
			want: map[string]string{"a/b/c/f": "f"}},
		{name: "mkdir over a file", have: map[string]string{"a": "x"}, steps: []Step{{Type: "mkdir", Files: []string{"a/b"}}},
			parts: []string{"not a folder"}},
		{name: "move rename", have: map[string]string{"a.txt": "A"}, steps: []Step{{Type: "move", Source: "a.txt", Target: "b/c.txt"}},
			want: map[string]string{"b/c.txt": "A"}},
		{name: "move into folder", have: map[string]string{"a.txt": "A", "d/keep": "K"}, steps: []Step{{Type: "move", Source: "a.txt", Target: "d"}},
			want: map[string]string{"d/a.txt": "A", "d/keep": "K"}},
		{name: "move glob to root", have: map[string]string{"x/1449/Linux/bin": "B", "x/1449/Linux/lib/l.so": "L", "x/1449/Windows/w.exe": "W"},
			steps: []Step{{Type: "move", Source: "x/{{greeting}}/../1449/Linux/*", Target: "."}},
			want:  map[string]string{"bin": "B", "lib/l.so": "L", "x/1449/Windows/w.exe": "W"}},
		{name: "move merges folders", have: map[string]string{"new/cfg/a": "new-a", "new/cfg/b": "new-b", "cfg/a": "old-a", "cfg/c": "old-c"},
			steps: []Step{{Type: "move", Source: "new/cfg", Target: "."}},
			want:  map[string]string{"cfg/a": "new-a", "cfg/b": "new-b", "cfg/c": "old-c"}},
		{name: "move nothing matches", steps: []Step{{Type: "move", Source: "nope/*", Target: "."}}, parts: []string{"nothing matches"}},
		{name: "move missing", steps: []Step{{Type: "move", Source: "nope", Target: "x"}}, parts: []string{"nope"}},
		{name: "move out", have: map[string]string{"a": "A"}, steps: []Step{{Type: "move", Source: "a", Target: "../a"}}, err: ErrUnsafePath},
		{name: "move the folder", steps: []Step{{Type: "move", Source: ".", Target: "x"}}, err: ErrUnsafePath},
		{name: "alterfile literal", have: map[string]string{"eula.txt": "# x\neula=false\n"},
			steps: []Step{{Type: "alterfile", Target: "eula.txt", Search: "eula=false", Replace: "eula=true"}},
			want:  map[string]string{"eula.txt": "# x\neula=true\n"}},
		{name: "alterfile regex", have: map[string]string{"server.properties": "server-port=1\nmotd=hi\n"},
			steps: []Step{{Type: "alterfile", Target: "server.properties", Search: `(?m)^server-port=\d+$`, Replace: "server-port={{SERVER_PORT}}", Regex: true}},
			want:  map[string]string{"server.properties": "server-port=25565\nmotd=hi\n"}},
		{name: "alterfile no match", have: map[string]string{"a": "abc"}, steps: []Step{{Type: "alterfile", Target: "a", Search: "zzz", Replace: "y"}},
			want: map[string]string{"a": "abc"}},
		{name: "alterfile missing file", steps: []Step{{Type: "alterfile", Target: "a", Search: "x"}}, parts: []string{"alterfile a"}},
		{name: "alterfile bad regex", have: map[string]string{"a": "abc"}, steps: []Step{{Type: "alterfile", Target: "a", Search: "(", Regex: true}},
			err: ErrInvalidPlan},
		{name: "unknown placeholder fails first", steps: []Step{{Type: "writefile", Target: "a", Text: "x"}, {Type: "writefile", Target: "b", Text: "{{nope}}"}},
			err: ErrInvalidPlan, parts: []string{"step 2", "nope"}, want: map[string]string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, out, err := prepared(t, c.have, c.steps...)
			switch {
			case c.err != nil:
				expectErr(t, err, c.err, c.parts...)
			case len(c.parts) > 0:
				if err == nil || !strings.Contains(err.Error(), c.parts[0]) {
					t.Fatalf("err = %v, want it to mention %q", err, c.parts[0])
				}
			case err != nil:
				t.Fatalf("%v\n%s", err, out)
			}
			for name, body := range c.want {
				if got := read(t, dir, name); got != body {
					t.Errorf("%s = %q, want %q", name, got, body)
				}
			}
			if c.want != nil && len(files(t, dir)) != len(c.want) {
				t.Errorf("files = %v", files(t, dir))
			}
		})
	}
}

func TestWriteFileKeepsMode(t *testing.T) {
	dir, _, err := prepared(t, map[string]string{"run.sh": "old"},
		Step{Type: "alterfile", Target: "run.sh", Search: "old", Replace: "new"})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "run.sh"))
	if err != nil || fi.Mode().Perm() != 0o640 {
		t.Fatalf("mode = %v, %v", fi.Mode(), err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*"))
	if len(left) != 0 {
		t.Fatalf("temp files left: %v", left)
	}
}

func TestPlanParsing(t *testing.T) {
	cases := []struct{ raw, want string }{
		{``, ""},
		{`null`, ""},
		{`{"steps":[{"type":"mkdir","files":["a"]}]}`, ""},
		{`{"steps":[{"type":"teleport"}]}`, "teleport"},
		{`{"steps":[{"type":"mkdir"}]}`, "needs files"},
		{`{"steps":[],"colour":"red"}`, "unknown field"},
		{`[`, "invalid install plan"},
	}
	for _, c := range cases {
		_, err := ParsePlan([]byte(c.raw))
		if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("ParsePlan(%s) = %v, want %q", c.raw, err, c.want)
		}
	}
}

func TestOwnership(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("giving files away needs root")
	}
	const uid, gid = 65534, 65534
	fx := installtest.Start(t, installtest.Options{})
	dir := t.TempDir()
	must(t, os.Chown(dir, uid, gid))
	var c console
	err := New(config(fx), nil, logger(t)).Run(context.Background(), definition(t, runtime.EnvStandard, nil,
		Step{Type: "download", Files: []string{fx.URL + "/files/archive.tar.gz"}, Target: "dl/a.tgz"},
		Step{Type: "extract", Source: "dl/a.tgz", Target: "x/y"},
		Step{Type: "mojangdl", Version: "latest", Target: "jars/server.jar"},
		Step{Type: "mkdir", Files: []string{"a/b"}},
		Step{Type: "writefile", Target: "a/b/f.txt", Text: "x"},
		Step{Type: "writefile", Target: "c/g.txt", Text: "y"},
		Step{Type: "move", Source: "c", Target: "a"}), dir, &c)
	if err != nil {
		t.Fatal(err)
	}
	expectOwned(t, dir, uid)
}

// expectOwned asserts everything under dir belongs to uid.
func expectOwned(t *testing.T, dir string, uid int) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		if got := ownerUID(fi); got != uid {
			t.Errorf("%s is owned by %d, want %d", p, got, uid)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
