package backup

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/skypanel/skypanel/daemon/internal/jsonfile"
)

// State of a backup.
type State string

// The states.
const (
	StateRunning State = "running"
	StateDone    State = "done"
	StateFailed  State = "failed"
)

// Info describes one backup (its metadata file).
type Info struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	Size    int64     `json:"size"`   // of the archive; 0 until done
	SHA256  string    `json:"sha256"` // hex of the archive; empty until done
	State   State     `json:"state"`
	Reason  string    `json:"reason"` // the trigger (manual, …) or, when failed, why
	Live    bool      `json:"live"`   // taken while the game ran without backup commands
}

// Commands are a server's backup commands: written to its console around a backup while it
// runs, so the game flushes and pauses its saves.
type Commands struct {
	Before []string      `json:"before,omitempty"` // e.g. save-off, save-all
	After  []string      `json:"after,omitempty"`  // e.g. save-on
	Wait   time.Duration `json:"wait,omitempty"`   // pause after Before so the game finishes writing
}

const (
	metaExt      = ".json"
	archiveExt   = ".tar.gz"
	partExt      = ".tar.gz.part"
	commandsFile = "commands.json"
	maxReason    = 1024
)

var (
	idPattern     = regexp.MustCompile(`^backup-[0-9]{8}-[0-9]{6}(-[0-9]+)?$`)
	serverPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)
	sha256Pattern = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// ValidID reports whether id has the form of a backup id.
func ValidID(id string) bool { return idPattern.MatchString(id) }

// ValidSHA256 reports whether s is a SHA-256 in lowercase hex (Info.SHA256 of a done backup).
func ValidSHA256(s string) bool { return sha256Pattern.MatchString(s) }

func checkServer(server string) error {
	if !serverPattern.MatchString(server) {
		return fmt.Errorf("%w: invalid server id %q", ErrNotFound, server)
	}
	return nil
}

func (m *Manager) serverDir(server string) string { return filepath.Join(m.opts.Dir, server) }

func (m *Manager) metaPath(server, id string) string {
	return filepath.Join(m.serverDir(server), id+metaExt)
}

func (m *Manager) archivePath(server, id string) string {
	return filepath.Join(m.serverDir(server), id+archiveExt)
}

func (m *Manager) partPath(server, id string) string {
	return filepath.Join(m.serverDir(server), id+partExt)
}

// readInfo reads one backup's metadata; ErrNotFound when absent or malformed id.
func (m *Manager) readInfo(server, id string) (Info, error) {
	if err := checkServer(server); err != nil {
		return Info{}, err
	}
	if !ValidID(id) {
		return Info{}, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	var in Info
	if err := jsonfile.Read(m.metaPath(server, id), &in); errors.Is(err, fs.ErrNotExist) {
		return Info{}, fmt.Errorf("%w: %q", ErrNotFound, id)
	} else if err != nil {
		return Info{}, err
	}
	return in, nil
}

// writeInfo replaces a backup's metadata atomically.
func (m *Manager) writeInfo(server string, in Info) error {
	if len(in.Reason) > maxReason {
		in.Reason = in.Reason[:maxReason-3] + "..."
	}
	return jsonfile.Write(m.metaPath(server, in.ID), in)
}

// list reads every backup of a server, newest first.
func (m *Manager) list(server string) ([]Info, error) {
	if err := checkServer(server); err != nil {
		return nil, err
	}
	des, err := os.ReadDir(m.serverDir(server))
	if errors.Is(err, fs.ErrNotExist) {
		return []Info{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list backups of %s: %w", server, err)
	}
	out := []Info{}
	for _, de := range des {
		id, ok := strings.CutSuffix(de.Name(), metaExt)
		if !ok || !ValidID(id) {
			continue
		}
		in, err := m.readInfo(server, id)
		if err != nil {
			m.log.Warn("unreadable backup metadata", "server", server, "backup", id, "err", err)
			continue
		}
		out = append(out, in)
	}
	slices.SortFunc(out, func(a, b Info) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return compareIDs(b.ID, a.ID)
	})
	return out, nil
}

// compareIDs orders ids by time, then by suffix (backup-…-10 after backup-…-9).
func compareIDs(a, b string) int {
	const baseLen = len("backup-20060102-150405")
	if c := cmp.Compare(a[:min(len(a), baseLen)], b[:min(len(b), baseLen)]); c != 0 {
		return c
	}
	return cmp.Compare(suffix(a, baseLen), suffix(b, baseLen))
}

func suffix(id string, baseLen int) int {
	if len(id) <= baseLen+1 {
		return 1
	}
	n, err := strconv.Atoi(id[baseLen+1:])
	if err != nil {
		return 1
	}
	return n
}

// newID returns a free id for the current second, never one this Manager gave before (a
// deleted backup's id is not reused); m.mu held.
func (m *Manager) newID(server string, now time.Time) string {
	base := "backup-" + now.UTC().Format("20060102-150405")
	for i := 1; ; i++ {
		id := base
		if i > 1 {
			id = fmt.Sprintf("%s-%d", base, i)
		}
		if last := m.issued[server]; strings.HasPrefix(last, base) && compareIDs(id, last) <= 0 {
			continue
		}
		if _, err := os.Lstat(m.metaPath(server, id)); errors.Is(err, fs.ErrNotExist) {
			m.issued[server] = id
			return id
		}
	}
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
