package configfile

import (
	"fmt"
	"path"
	"strings"
)

// File is one configuration file to rewrite: Path relative to the server folder, one of the
// parsers (Properties, INI, YAML, JSON, XML, Lines) and the keys to set, in order.
type File struct {
	Path   string
	Parser string
	Set    []Set
}

// Set is one key and the value it gets (already substituted).
type Set struct{ Key, Value string }

// Owner is the uid and gid given to created files and folders; -1 leaves either as is.
type Owner struct{ UID, GID int }

// Parser names (File.Parser).
const (
	Properties = "properties"
	INI        = "ini"
	YAML       = "yaml"
	JSON       = "json"
	XML        = "xml"
	Lines      = "file"
)

// parser checks keys and edits a file's content. edit gets nil for a missing file and
// returns the new content; its errors wrap ErrMalformed, ErrKey or ErrInvalid.
type parser struct {
	key  func(key string) string // "" when the key is well formed, else why not
	edit func(old []byte, sets []Set) ([]byte, error)
}

var parsers = map[string]parser{
	Properties: {key: propertiesKey, edit: editProperties},
	INI:        {key: iniKey, edit: editINI},
	YAML:       {key: treeKey, edit: editYAML},
	JSON:       {key: treeKey, edit: editJSON},
	XML:        {key: xmlKey, edit: editXML},
	Lines:      {key: linesKey, edit: editLines},
}

// Validate checks a File without touching the disk: the path is relative, clean and stays
// inside the folder, the parser is known and every key is well formed for it. Errors wrap
// ErrInvalid.
func Validate(f File) error {
	if reason := checkPath(f.Path); reason != "" {
		return fmt.Errorf("%w: file %q: %s", ErrInvalid, f.Path, reason)
	}
	p, ok := parsers[f.Parser]
	if !ok {
		return fmt.Errorf("%w: file %q: unknown parser %q", ErrInvalid, f.Path, f.Parser)
	}
	for i, s := range f.Set {
		reason := "empty key"
		if s.Key != "" {
			reason = p.key(s.Key)
		}
		if reason != "" {
			return fmt.Errorf("%w: file %q: set[%d] key %q: %s", ErrInvalid, f.Path, i, s.Key, reason)
		}
	}
	return nil
}

// checkPath returns why p is not a clean relative path inside the folder ("" when it is).
func checkPath(p string) string {
	switch {
	case p == "" || p == ".":
		return "empty path"
	case strings.ContainsRune(p, 0):
		return "NUL in the path"
	case path.IsAbs(p):
		return "the path must be relative to the server folder"
	case path.Clean(p) != p:
		return "the path is not clean (double or trailing slashes, . or ..)"
	case p == ".." || strings.HasPrefix(p, "../"):
		return "the path leaves the server folder"
	}
	return ""
}

// linesKey: a "file" key is any text without a line break.
func linesKey(k string) string {
	if strings.ContainsAny(k, "\r\n") {
		return "a line break in the key"
	}
	return ""
}

// treeKey checks a yaml/json dotted path: no empty part.
func treeKey(k string) string {
	if strings.ContainsAny(k, "\r\n") {
		return "a line break in the key"
	}
	for _, p := range strings.Split(k, ".") {
		if p == "" {
			return "an empty part in the dotted path"
		}
	}
	return ""
}
