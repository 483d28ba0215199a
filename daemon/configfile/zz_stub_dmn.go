// Package configfile rewrites a server's configuration files before every start.
//
// TEMPORARY STUB (part A, branch t15-dmn): the signature part B implements for real. It handles
// only the "properties" parser and is deleted when B's package lands on t15-base.
package configfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
)

// File is one configuration file and the keys to set in it.
type File struct {
	Path, Parser string
	Set          []Set
}

// Set is one key and its value.
type Set struct{ Key, Value string }

// Owner is who a created file belongs to (-1 = leave).
type Owner struct{ UID, GID int }

// ErrInvalid: a File that cannot be applied by any server.
var ErrInvalid = errors.New("invalid config file")

// Validate checks f on its own.
func Validate(f File) error {
	if f.Path == "" || !slices.Contains([]string{"properties", "yaml", "json", "ini", "xml", "file"}, f.Parser) {
		return fmt.Errorf("%w: %q (%s)", ErrInvalid, f.Path, f.Parser)
	}
	return nil
}

// Apply sets f's keys in root (stub: properties only).
func Apply(root *os.Root, f File, owner Owner) error {
	if f.Parser != "properties" {
		return fmt.Errorf("%w: parser %q is not in the stub", ErrInvalid, f.Parser)
	}
	old, err := root.ReadFile(f.Path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	var out bytes.Buffer
	done := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(old))
	for sc.Scan() {
		line := sc.Text()
		k, _, _ := strings.Cut(line, "=")
		for _, s := range f.Set {
			if strings.TrimSpace(k) == s.Key && !strings.HasPrefix(line, "#") {
				line, done[s.Key] = s.Key+"="+s.Value, true
			}
		}
		out.WriteString(line + "\n")
	}
	for _, s := range f.Set {
		if !done[s.Key] {
			out.WriteString(s.Key + "=" + s.Value + "\n")
		}
	}
	if err := root.WriteFile(f.Path, out.Bytes(), 0o644); err != nil {
		return err
	}
	if owner.UID >= 0 {
		return root.Lchown(f.Path, owner.UID, owner.GID)
	}
	return nil
}
