package daemon

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/skypanel/skypanel/runtime"
)

// UIDRange is the range of uids given to standard servers, one per server; each server's gid
// is the number of its uid. Both ends are included.
type UIDRange struct{ First, Last uint32 }

// DefaultUIDRange is serve's default --standard-uid-range.
var DefaultUIDRange = UIDRange{First: 200000, Last: 299999}

// ParseUIDRange reads "FIRST-LAST" (FIRST > 0, FIRST <= LAST); errors wrap ErrInvalidDefinition.
func ParseUIDRange(s string) (UIDRange, error) {
	a, b, ok := strings.Cut(s, "-")
	first, err1 := strconv.ParseUint(strings.TrimSpace(a), 10, 32)
	last, err2 := strconv.ParseUint(strings.TrimSpace(b), 10, 32)
	if !ok || err1 != nil || err2 != nil || first == 0 || first > last || last >= 1<<32-1 {
		return UIDRange{}, fmt.Errorf("%w: uid range %q must be FIRST-LAST with 0 < FIRST <= LAST < 4294967295",
			ErrInvalidDefinition, s)
	}
	return UIDRange{First: uint32(first), Last: uint32(last)}, nil
}

// String formats the range as ParseUIDRange reads it.
func (r UIDRange) String() string { return fmt.Sprintf("%d-%d", r.First, r.Last) }

func (r UIDRange) contains(uid uint32) bool { return uid >= r.First && uid <= r.Last }

// RuntimeUser is the uid:gid the server's processes run as (nil: the runtime's default user).
func (d Definition) RuntimeUser() *runtime.User {
	if d.UID == 0 {
		return nil
	}
	return &runtime.User{UID: d.UID, GID: d.UID}
}

// wantsUID reports whether def gets its own uid on this node.
func (m *Manager) wantsUID(def Definition) bool {
	return def.Environment == runtime.EnvStandard && m.opts.StandardUIDs.First != 0
}

// allocUID picks a uid for server id (m.mu held): the one after the highest in use, wrapping
// around to the lowest free one, so a deleted server's uid is reused as late as possible. A uid
// in use by an existing server (or one being created), or by an account of the machine, is
// never handed out.
func (m *Manager) allocUID(id string) (uint32, error) {
	for {
		uid, err := m.nextUID(id)
		if err != nil || !isAccount(uid) {
			return uid, err
		}
		m.log.Warn("skipping a uid of the standard server range: an account of this machine has it", "uid", uid)
		m.uidsCreating[accountKey(uid)] = uid // taken for this allocation only
		defer delete(m.uidsCreating, accountKey(uid))
	}
}

// accountKey marks, in uidsCreating, a uid found to belong to an account (not a server id:
// ids never contain ':').
func accountKey(uid uint32) string { return "account:" + strconv.FormatUint(uint64(uid), 10) }

// isAccount reports whether uid names a user of this machine (passwd, or any NSS source).
func isAccount(uid uint32) bool {
	_, err := user.LookupId(strconv.FormatUint(uint64(uid), 10))
	return err == nil
}

// nextUID is allocUID without the account check.
func (m *Manager) nextUID(id string) (uint32, error) {
	rng := m.opts.StandardUIDs
	used := map[uint32]bool{}
	for _, uid := range m.uidsCreating {
		used[uid] = true
	}
	for _, s := range m.servers {
		s.mu.Lock()
		used[s.def.UID] = true
		s.mu.Unlock()
	}
	next := rng.First
	for uid := range used {
		if rng.contains(uid) && uid >= next {
			next = uid + 1
		}
	}
	if !rng.contains(next) || used[next] {
		for next = rng.First; used[next]; next++ {
			if next == rng.Last {
				return 0, fmt.Errorf("%w: %w: server %q: every uid of %s is in use", ErrInvalidState, ErrNoUID, id, rng)
			}
		}
	}
	m.uidsCreating[id] = next
	return next, nil
}

// seedUIDs marks the uids recorded in defs (by server folder) as taken while they load; the
// returned function releases them.
func (m *Manager) seedUIDs(defs map[string]Definition) (release func()) {
	seeded := map[string]bool{}
	for id, def := range defs {
		if def.UID != 0 {
			seeded[id] = true
			m.mu.Lock()
			m.uidsCreating[id] = def.UID
			m.mu.Unlock()
		}
	}
	return func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		for id := range seeded {
			delete(m.uidsCreating, id)
		}
	}
}

// migrateUID gives a loaded standard server without a uid (created before uids were per
// server) its own, unless its process runs now (it would lose access to its files; the next
// daemon start while it is stopped migrates it).
func (m *Manager) migrateUID(ctx context.Context, def *Definition) error {
	if def.UID != 0 || !m.wantsUID(*def) {
		return nil
	}
	if rt := m.opts.Runtimes[def.Environment]; rt != nil {
		if st, err := rt.State(ctx, def.ID); err == nil && st == runtime.StateRunning {
			m.log.Warn("running standard server keeps the shared uid until it is stopped and the daemon restarts",
				"server", def.ID)
			return nil
		}
	}
	return m.assignUID(def)
}

// assignUID gives def its own uid: it is recorded in the definition and the server's files are
// given to it.
func (m *Manager) assignUID(def *Definition) error {
	m.mu.Lock()
	uid, err := m.allocUID(def.ID)
	m.mu.Unlock()
	if err != nil {
		return err
	}
	defer func() {
		m.mu.Lock()
		delete(m.uidsCreating, def.ID)
		m.mu.Unlock()
	}()
	vdir := m.st.volumeDir(def.ID)
	if err := chownTree(vdir, int(uid)); err != nil {
		return fmt.Errorf("give the files of %q to uid %d: %w", def.ID, uid, err)
	}
	if err := os.Chmod(vdir, volumePerm); err != nil && !os.IsNotExist(err) {
		return err
	}
	def.UID = uid
	if err := m.st.writeDefinition(*def); err != nil {
		return err
	}
	m.log.Info("standard server now runs as its own uid", "server", def.ID, "uid", uid)
	return nil
}

// chownTree gives dir and everything in it (symlinks themselves, not their targets) to uid:uid;
// a missing dir is fine.
func chownTree(dir string, uid int) error {
	err := filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, uid)
	})
	if os.IsNotExist(err) {
		return nil
	}
	return err
}
