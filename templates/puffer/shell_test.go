package puffer

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestSplitArgs: PufferPanel's splitting (spaces; backslash escapes; double quotes group and stay).
func TestSplitArgs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"java -jar server.jar", []string{"java", "-jar", "server.jar"}},
		{"  a   b  ", []string{"a", "b"}},
		{`run -name "My Server" -x`, []string{"run", "-name", `"My Server"`, "-x"}},
		{`a\ b c\"d`, []string{"a b", `c"d`}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := splitArgs(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("splitArgs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestShellLineRunsSameArguments runs the converted line with /bin/sh and checks the program
// receives exactly the arguments PufferPanel would pass (and the environment variables).
func TestShellLineRunsSameArguments(t *testing.T) {
	dir := t.TempDir()
	prog := filepath.Join(dir, "args")
	script := "#!/bin/sh\nprintf 'GAME=%s\\n' \"$GAME\"\nfor a; do printf '%s\\n' \"$a\"; done\n"
	if err := os.WriteFile(prog, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	lines := []string{
		`-x 1 -name "My Server" -path ./a/b -eq=k=v`,
		`'single' $HOME ${HOME} * ; echo injected | cat & #c ~ (x) {y} <z> a\ b`,
		`--motd "it's \"quoted\"" back\\slash`,
	}
	for _, l := range lines {
		for _, replace := range []bool{false, true} {
			cmd := prog + " " + l
			line, err := shellLine(cmd, map[string]string{"GAME": "./g; echo $HOME"}, replace)
			if err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("/bin/sh", "-c", line).Output()
			if err != nil {
				t.Fatalf("sh -c %q: %v", line, err)
			}
			want := "GAME=./g; echo $HOME\n" + strings.Join(splitArgs(cmd)[1:], "\n") + "\n"
			if !bytes.Equal(out, []byte(want)) {
				t.Errorf("line %q\ngot:\n%s\nwant:\n%s", line, out, want)
			}
		}
	}
}

// TestShellWord: plain words and placeholders stay readable; the rest is quoted.
func TestShellWord(t *testing.T) {
	tests := []struct {
		in    string
		first bool
		want  string
	}{
		{"-Xmx{{memory}}M", false, "-Xmx{{memory}}M"},
		{"{{SERVER_PORT}}", false, "{{SERVER_PORT}}"},
		{"a=b", false, "a=b"},
		{"a=b", true, "'a=b'"},
		{`"x y"`, false, `'"x y"'`},
		{"it's", false, `'it'\''s'`},
		{"{{ bad }}", false, "'{{ bad }}'"},
	}
	for _, tt := range tests {
		if got := shellWord(tt.in, tt.first); got != tt.want {
			t.Errorf("shellWord(%q, %v) = %q, want %q", tt.in, tt.first, got, tt.want)
		}
	}
}
