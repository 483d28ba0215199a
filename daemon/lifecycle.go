package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/skypanel/skypanel/runtime"
)

// cleanupTimeout bounds the runtime calls that undo a failed create.
const cleanupTimeout = 30 * time.Second

// Create adds a server: its folders, definition.json and runtime instance; the server is then
// stopped. On any failure everything it created is removed again (no orphan folder or instance).
// Creating an id that exists with an identical definition returns nil (a retried create); with a
// different one, ErrExists. A standard server gets its own uid (Options.StandardUIDs); def.UID
// is ignored. A runtime that refuses new servers (standard servers off, or not root without
// unisolated) fails the create with ErrInvalidDefinition naming the environment.
func (m *Manager) Create(ctx context.Context, def Definition) error {
	def = def.Clone()
	def.UID = 0
	if err := def.Validate(); err != nil {
		return err
	}
	rt, err := m.runtimeFor(def.Environment)
	if err != nil {
		return err
	}
	if err := refusalOf(rt); err != nil {
		return fmt.Errorf("%w: environment: %w", ErrInvalidDefinition, err)
	}
	if err := m.reserve(&def); errors.Is(err, errSameDefinition) {
		return nil
	} else if err != nil {
		return err
	}
	defer func() {
		m.mu.Lock()
		delete(m.creating, def.ID)
		delete(m.uidsCreating, def.ID)
		m.mu.Unlock()
	}()
	rec, err := m.create(ctx, rt, def)
	if err != nil {
		return fmt.Errorf("create server %q: %w", def.ID, err)
	}
	s := m.newServer(def, rec)
	m.openConsole(s)
	m.mu.Lock()
	m.servers[def.ID] = s
	m.mu.Unlock()
	m.log.Info("server created", "server", def.ID, "environment", def.Environment)
	return nil
}

// refuser is implemented by runtimes that may refuse to run instances (runtime/host: standard
// servers off, or not root without unisolated).
type refuser interface{ Refusal() error }

// refusalOf says why rt refuses to create or start instances, or returns nil.
func refusalOf(rt runtime.Runtime) error {
	if r, ok := rt.(refuser); ok {
		return r.Refusal()
	}
	return nil
}

// reserve claims def.ID for a create in progress, and a uid when def needs one.
func (m *Manager) reserve(def *Definition) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	if s, ok := m.servers[def.ID]; ok {
		s.mu.Lock()
		cmp := *def
		cmp.UID = s.def.UID // the node's own field
		same := sameDefinition(s.def, cmp)
		s.mu.Unlock()
		if same {
			return errSameDefinition
		}
		return fmt.Errorf("%w: %q", ErrExists, def.ID)
	}
	if m.creating[def.ID] {
		return fmt.Errorf("%w: %q is being created", ErrExists, def.ID)
	}
	if m.wantsUID(*def) {
		uid, err := m.allocUID(def.ID)
		if err != nil {
			return err
		}
		def.UID = uid
	}
	m.creating[def.ID] = true
	return nil
}

// sameDefinition compares definitions as stored (nil and empty maps are equal).
func sameDefinition(a, b Definition) bool {
	ja, erra := json.Marshal(a)
	jb, errb := json.Marshal(b)
	return erra == nil && errb == nil && bytes.Equal(ja, jb)
}

// errSameDefinition turns a repeated identical Create into success.
var errSameDefinition = errors.New("same definition")

// create makes the folders, files and instance of a new server, undoing them on failure.
func (m *Manager) create(ctx context.Context, rt runtime.Runtime, def Definition) (rec record, err error) {
	sdir, vdir := m.st.serverDir(def.ID), m.st.volumeDir(def.ID)
	var undo []func()
	defer func() {
		if err != nil {
			for i := len(undo) - 1; i >= 0; i-- {
				undo[i]()
			}
		}
	}()
	if _, err := os.Stat(sdir); err == nil {
		return rec, fmt.Errorf("%w: %s already exists on disk", ErrExists, sdir)
	}
	// Files of a server this node does not know: another install sharing the volumes folder
	// (the same id there), or a leftover. Never hand them to a new server.
	if entries, err := os.ReadDir(vdir); err == nil && len(entries) > 0 {
		return rec, fmt.Errorf("%w: %w: %s already holds files (another install using the same volumes folder, or a leftover): remove it or pick another id",
			ErrExists, ErrInvalidState, vdir)
	}
	for _, dir := range []string{sdir, vdir} {
		perm := os.FileMode(0o700) // definitions and state: the daemon's only
		if dir == vdir {
			perm = volumePermOf(def) // game files: given to the server's user below
		}
		created, err := mkdirNew(dir, perm)
		if err != nil {
			return rec, err
		}
		if created {
			undo = append(undo, func() { _ = os.RemoveAll(dir) })
		}
	}
	if err := chownVolume(rt, def, vdir); err != nil {
		return rec, err
	}
	spec, err := def.Spec(vdir)
	if err != nil {
		return rec, err
	}
	if err := m.st.writeDefinition(def); err != nil {
		return rec, err
	}
	if err := m.createInstance(ctx, rt, spec); err != nil {
		return rec, err
	}
	undo = append(undo, func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		if derr := rt.Delete(cctx, def.ID); derr != nil {
			m.log.Error("undo create: delete instance", "server", def.ID, "err", derr)
		}
	})
	rec = record{State: StateStopped, SpecHash: specHash(spec), Limits: spec.Limits}
	if err := m.st.writeRecord(def.ID, rec); err != nil {
		return rec, err
	}
	return rec, nil
}

// createInstance creates the runtime instance, replacing a leftover one with the same id (no
// definition refers to it: it is an orphan of an interrupted delete).
func (m *Manager) createInstance(ctx context.Context, rt runtime.Runtime, spec runtime.Spec) error {
	err := rt.Create(ctx, spec)
	if errors.Is(err, runtime.ErrExists) {
		m.log.Warn("replacing orphan runtime instance", "server", spec.ID)
		if err := rt.Delete(ctx, spec.ID); err != nil {
			return fmt.Errorf("delete orphan instance: %w", err)
		}
		err = rt.Create(ctx, spec)
	}
	if err != nil {
		return fmt.Errorf("create instance: %w", err)
	}
	return nil
}

// owner is implemented by runtimes whose processes run as a given user (runtime/host): the
// server's folder must be theirs.
type owner interface {
	Owner() (uid, gid uint32)
}

// volumePerm is the mode of the volume of a server with its own uid: nobody else may enter.
const volumePerm os.FileMode = 0o700

// volumePermOf is the mode of def's volume folder: 0700 with its own uid, else 0750 (the
// runtime's shared user owns it; its group may read).
func volumePermOf(def Definition) os.FileMode {
	if def.UID != 0 {
		return volumePerm
	}
	return 0o750
}

// chownVolume gives the volume folder to the server's own uid, or else to the runtime's process
// user when it has one. Files the daemon writes there later (file manager, installer, backup
// restores) take the folder's owner.
func chownVolume(rt runtime.Runtime, def Definition, dir string) error {
	var uid, gid uint32
	if u := def.RuntimeUser(); u != nil {
		uid, gid = u.UID, u.GID
	} else if o, ok := rt.(owner); ok {
		uid, gid = o.Owner()
	} else {
		return nil
	}
	if err := os.Chown(dir, int(uid), int(gid)); err != nil {
		return fmt.Errorf("give the server folder to uid %d: %w", uid, err)
	}
	return nil
}

// mkdirNew creates dir with perm (parents 0711: traversable by the unprivileged user that
// runs standard servers, not listable); created is false when dir already existed.
func mkdirNew(dir string, perm os.FileMode) (created bool, err error) {
	if err := os.MkdirAll(filepath.Dir(dir), 0o711); err != nil {
		return false, fmt.Errorf("create folder: %w", err)
	}
	err = os.Mkdir(dir, perm)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create folder: %w", err)
	}
	return true, nil
}

// Delete stops (kills) a server, deletes its runtime instance and removes its folders. Its
// subscriptions receive EventDeleted and are closed.
func (m *Manager) Delete(ctx context.Context, id string) error {
	s, err := m.locked(ctx, id)
	if err != nil {
		return err
	}
	defer s.unlock()
	if err := m.cancelInstall(ctx, s); err != nil {
		return err
	}
	if err := m.killLocked(ctx, s, "the server is being deleted"); err != nil {
		return err
	}
	if s.rt != nil {
		if err := s.rt.Delete(ctx, id); err != nil {
			return fmt.Errorf("delete instance of %q: %w", id, err)
		}
		if err := s.rt.Delete(ctx, id+InstallInstanceSuffix); err != nil {
			return fmt.Errorf("delete install instance of %q: %w", id, err)
		}
	}
	if err := os.RemoveAll(m.st.volumeDir(id)); err != nil {
		return fmt.Errorf("delete files of %q: %w", id, err)
	}
	s.ring.closeLog() // the console goes on in memory until the server is gone
	if err := os.RemoveAll(m.st.serverDir(id)); err != nil {
		return fmt.Errorf("delete state of %q: %w", id, err)
	}
	s.mu.Lock()
	s.deleted = true
	s.mu.Unlock()
	m.mu.Lock()
	delete(m.servers, id)
	m.mu.Unlock()
	s.hub.closeAll(Event{Kind: EventDeleted})
	m.notifyAccessLost(id)
	m.log.Info("server deleted", "server", id)
	return nil
}
