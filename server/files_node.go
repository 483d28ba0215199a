package server

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/backup"
	"github.com/skypanel/skypanel/daemon/files"
)

// NodeFiles is the part of NodeClient for the file manager of a server (issue 5); LocalNode
// implements it in this file. Paths are passed as the client sent them; the node checks them
// (files.Clean and os.Root) and answers files.ErrPathInvalid, ErrNotFound, ErrConflict or
// ErrDiskLimit.
type NodeFiles interface {
	// ReadFile opens the file at path, or lists one page of the folder at path.
	ReadFile(ctx context.Context, id, path string, page, limit int) (files.Result, error)
	// WriteFile stores body at path (size bytes, -1 when unknown), creating parent folders,
	// within the server's disk limit.
	WriteFile(ctx context.Context, id, path string, body io.Reader, size int64) error
	// MakeFolder creates the folder at path and its parents.
	MakeFolder(ctx context.Context, id, path string) error
	// DeleteFile removes a file or a folder with its content.
	DeleteFile(ctx context.Context, id, path string) error
}

// localServices are the file manager and backups of the local node, created at first use or
// by OpenServices.
type localServices struct {
	files   *files.Service
	backups *backup.Manager
}

// OpenServices starts the node's file manager and backups now instead of at the first file or
// backup request: backups a crash interrupted are marked failed and leftover restore folders
// removed at once. Call it after Manager.Load; CloseServices before Manager.Close.
func (l *LocalNode) OpenServices() error {
	_, _, err := l.services()
	return err
}

// CloseServices cancels running backups (they end failed) and waits for them and for the
// background disk-usage walks.
func (l *LocalNode) CloseServices() {
	l.svcMu.Lock()
	svc := l.svc
	l.svc = nil
	l.svcMu.Unlock()
	if svc != nil {
		svc.backups.Close()
		svc.files.Close()
	}
}

func (l *LocalNode) services() (*daemon.Manager, *localServices, error) {
	m, err := l.manager()
	if err != nil {
		return nil, nil, err
	}
	l.svcMu.Lock()
	defer l.svcMu.Unlock()
	if l.svc != nil {
		return m, l.svc, nil
	}
	log := l.Logger
	bm, err := backup.New(backup.Options{Dir: filepath.Join(m.DataDir(), "backups"), VolumesDir: m.VolumesDir(), Logger: log})
	if err != nil {
		return nil, nil, fmt.Errorf("start backups: %w", err)
	}
	svc := &localServices{files: m.Files(), backups: bm} // the daemon's disk watcher shares its usage
	l.svc = svc
	return m, svc, nil
}

// volume describes a server's volume and disk limit.
func (l *LocalNode) volume(id string) (*daemon.Manager, *localServices, files.Volume, error) {
	m, svc, err := l.services()
	if err != nil {
		return nil, nil, files.Volume{}, err
	}
	def, err := m.Get(id)
	if err != nil {
		return nil, nil, files.Volume{}, err
	}
	dir, err := m.VolumeDir(id)
	if err != nil {
		return nil, nil, files.Volume{}, err
	}
	return m, svc, files.Volume{ID: id, Dir: dir, LimitBytes: def.Limits.DiskMiB << 20}, nil
}

// ReadFile opens a file or lists a folder.
func (l *LocalNode) ReadFile(_ context.Context, id, path string, page, limit int) (files.Result, error) {
	_, svc, vol, err := l.volume(id)
	if err != nil {
		return files.Result{}, err
	}
	return svc.files.Read(vol, path, page, limit)
}

// WriteFile stores an upload.
func (l *LocalNode) WriteFile(_ context.Context, id, path string, body io.Reader, size int64) error {
	_, svc, vol, err := l.volume(id)
	if err != nil {
		return err
	}
	return svc.files.Write(vol, path, body, size)
}

// MakeFolder creates a folder.
func (l *LocalNode) MakeFolder(_ context.Context, id, path string) error {
	_, svc, vol, err := l.volume(id)
	if err != nil {
		return err
	}
	return svc.files.Mkdir(vol, path)
}

// DeleteFile removes a file or folder.
func (l *LocalNode) DeleteFile(_ context.Context, id, path string) error {
	_, svc, vol, err := l.volume(id)
	if err != nil {
		return err
	}
	return svc.files.Delete(vol, path)
}

// forgetServer removes a deleted server's backups and cached disk usage; LocalNode.DeleteServer
// calls it once the daemon deleted the server.
func (l *LocalNode) forgetServer(id string) error {
	_, svc, err := l.services()
	if err != nil {
		return err
	}
	svc.files.Forget(id)
	return svc.backups.DeleteAll(id)
}
