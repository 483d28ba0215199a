package nodeapi

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/backup"
	"github.com/skypanel/skypanel/daemon/files"
)

// services are the file manager and backups of the node, created by Open or at first use.
type services struct {
	files   *files.Service
	backups *backup.Manager
}

// Open starts the node's file manager and backups now instead of at the first file or backup
// request: backups a crash interrupted are marked failed and leftover restore folders removed
// at once. Call it after Manager.Load.
func (s *Service) Open() error {
	_, _, err := s.services()
	return err
}

// Close cancels running backups (they end failed), cancels background power actions and
// installs and waits for them, then closes the file manager (background disk-usage walks).
// Call it before Manager.Close.
func (s *Service) Close() {
	s.svcMu.Lock()
	svc := s.svc
	s.svc = nil
	s.svcMu.Unlock()
	if svc != nil {
		svc.backups.Close()
	}
	s.cancel()
	s.wg.Wait()
	if svc != nil {
		svc.files.Close()
	}
}

func (s *Service) services() (*daemon.Manager, *services, error) {
	m, err := s.manager()
	if err != nil {
		return nil, nil, err
	}
	s.svcMu.Lock()
	defer s.svcMu.Unlock()
	if s.svc != nil {
		return m, s.svc, nil
	}
	bm, err := backup.New(backup.Options{Dir: filepath.Join(m.DataDir(), "backups"), VolumesDir: m.VolumesDir(), Logger: s.log})
	if err != nil {
		return nil, nil, fmt.Errorf("start backups: %w", err)
	}
	s.svc = &services{files: m.Files(), backups: bm} // the daemon's disk watcher shares its usage
	return m, s.svc, nil
}

// volume describes a server's volume and disk limit.
func (s *Service) volume(id string) (*daemon.Manager, *services, files.Volume, error) {
	m, svc, err := s.services()
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

// ReadFile opens a file (Body is the *os.File) or lists a folder.
func (s *Service) ReadFile(_ context.Context, id, path string, page, limit int) (FileResult, error) {
	_, svc, vol, err := s.volume(id)
	if err != nil {
		return FileResult{}, err
	}
	r, err := svc.files.Read(vol, path, page, limit)
	if err != nil {
		return FileResult{}, err
	}
	if r.File != nil {
		return FileResult{File: &Content{Body: r.File.File, Size: r.File.Size, ModTime: r.File.ModTime, ETag: r.File.ETag()}}, nil
	}
	l := ListingToAPI(*r.Listing)
	return FileResult{Listing: &l}, nil
}

// WriteFile stores an upload.
func (s *Service) WriteFile(_ context.Context, id, path string, body io.Reader, size int64) error {
	_, svc, vol, err := s.volume(id)
	if err != nil {
		return err
	}
	return svc.files.Write(vol, path, body, size)
}

// MakeFolder creates a folder.
func (s *Service) MakeFolder(_ context.Context, id, path string) error {
	_, svc, vol, err := s.volume(id)
	if err != nil {
		return err
	}
	return svc.files.Mkdir(vol, path)
}

// DeleteFile removes a file or folder.
func (s *Service) DeleteFile(_ context.Context, id, path string) error {
	_, svc, vol, err := s.volume(id)
	if err != nil {
		return err
	}
	return svc.files.Delete(vol, path)
}

// forgetServer removes a deleted server's backups and cached disk usage.
func (s *Service) forgetServer(id string) error {
	_, svc, err := s.services()
	if err != nil {
		return err
	}
	svc.files.Forget(id)
	return svc.backups.DeleteAll(id)
}
