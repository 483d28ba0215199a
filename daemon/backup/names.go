package backup

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/skypanel/skypanel/daemon/files"
)

// maxEntryPath bounds the name of an archive entry: files.Walk descends at most 256 folders
// of at most 255 bytes each, so no name it yields is longer.
const maxEntryPath = 256 * (files.MaxNameBytes + 1)

// checkName is the one rule for entry names, applied by the writer (an entry it refuses fails
// the backup, naming it) and by the restore (an archive entry it refuses is ErrCorrupt), so a
// finished backup always restores. Names are stored byte-exact: Linux allows any byte but "/"
// and NUL in a name, and so do backups — newlines, backslashes, control characters, invalid
// UTF-8 and percent signs included (they are file names here, not client paths: files.Clean's
// stricter rules are for the HTTP API). Refused: empty names, absolute names, NUL bytes, empty,
// "." and ".." components, components longer than 255 bytes and names longer than maxEntryPath.
func checkName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty entry name")
	case name[0] == '/':
		return fmt.Errorf("entry %s is absolute", quote(name))
	case strings.IndexByte(name, 0) >= 0:
		return fmt.Errorf("entry %s contains a NUL byte", quote(name))
	case len(name) > maxEntryPath:
		return fmt.Errorf("entry %s is longer than %d bytes", quote(name), maxEntryPath)
	}
	for c := range strings.SplitSeq(name, "/") {
		switch {
		case c == "" || c == "." || c == "..":
			return fmt.Errorf("entry %s has an empty, . or .. component", quote(name))
		case len(c) > files.MaxNameBytes:
			return fmt.Errorf("entry %s has a component longer than %d bytes", quote(name), files.MaxNameBytes)
		}
	}
	return nil
}

// checkVolumeName is checkName for a file of the volume being archived (scan, then
// archiver.add for what appeared since): a name the restore would refuse fails the archive.
func checkVolumeName(rel string) error {
	if err := checkName(rel); err != nil {
		return fmt.Errorf("cannot back up this name (the restore would refuse it): %w", err)
	}
	return nil
}

// quote is a name for a message: Go-quoted (control characters and invalid UTF-8 escaped), and
// shortened in the middle when long, so the failure reason of a backup stays readable and
// within the API's 1024 characters.
func quote(name string) string {
	const head, tail = 120, 80
	if len(name) <= head+tail+3 {
		return strconv.Quote(name)
	}
	return strconv.Quote(name[:head]) + "…" + strconv.Quote(name[len(name)-tail:])
}
