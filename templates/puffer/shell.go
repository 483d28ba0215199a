package puffer

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

var (
	ourPlaceholder = regexp.MustCompile(`\{\{[A-Za-z0-9_]+\}\}`)
	envVarName     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// splitArgs splits a command line as PufferPanel does before executing it without a shell:
// at spaces; a backslash adds the next character as is; double quotes group words and are
// kept in the argument; empty arguments are dropped.
func splitArgs(line string) []string {
	var out []string
	var cur strings.Builder
	skip, inQuote := false, false
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
		}
		cur.Reset()
	}
	for _, r := range line {
		switch {
		case skip:
			skip = false
			cur.WriteRune(r)
		case r == '\\':
			skip = true
		case r == '"':
			inQuote = !inQuote
			cur.WriteRune(r)
		case r == ' ' && !inQuote:
			flush()
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return out
}

// shellWord returns arg as one POSIX shell word: unchanged when the shell takes it literally
// (placeholders {{name}} included, so a value with spaces splits as in PufferPanel), else in
// single quotes. first marks the command word, where '=' would make an assignment.
func shellWord(arg string, first bool) string {
	rest := ourPlaceholder.ReplaceAllString(arg, "")
	safe := !(first && strings.Contains(rest, "="))
	for _, r := range rest {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@%+=,", r)) {
			safe = false
			break
		}
	}
	if safe {
		return arg
	}
	return "'" + strings.ReplaceAll(arg, "'", `'\''`) + "'"
}

// shellLine turns a PufferPanel command (placeholders already ours) into a shell line that
// runs the same program with the same arguments, with env as VAR=value assignments in front.
// With replace, the program replaces the shell (exec), as PufferPanel runs it without one: it
// is then the server's process and gets its signals. An empty command is an error.
func shellLine(command string, env map[string]string, replace bool) (string, error) {
	args := splitArgs(command)
	if len(args) == 0 {
		return "", fmt.Errorf("the command is empty")
	}
	words := make([]string, 0, len(env)+len(args))
	for _, k := range sortedKeys(env) {
		words = append(words, k+"="+shellWord(env[k], false))
	}
	if replace {
		words = append(words, "exec")
	}
	for i, a := range args {
		words = append(words, shellWord(a, i == 0))
	}
	return strings.Join(words, " "), nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
