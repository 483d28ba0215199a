package files

import (
	"os"
	"time"
)

// Measure walks the volume now and returns the bytes its regular files use, replacing the
// cached figure that writes and the background refresh keep (the disk watcher of the daemon
// calls it once per interval for every server with a limit).
func (s *Service) Measure(vol Volume) (int64, error) {
	r, err := openRoot(vol)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	v := s.volume(vol.ID)
	v.walk.Lock()
	defer v.walk.Unlock()
	return s.walkNow(v, r, vol.ID)
}

// overLimit refuses any write to a volume whose usage is above its limit (the game wrote past
// it): nothing may be added until files are deleted. p is the path of the refused write.
func (s *Service) overLimit(v *volume, r *os.Root, vol Volume, p string) error {
	if vol.LimitBytes <= 0 {
		return nil
	}
	if err := s.ensureUsage(v, r, vol, true); err != nil {
		return err
	}
	if used, _ := v.snapshot(); used > vol.LimitBytes {
		return limitError(p, vol.LimitBytes, used)
	}
	return nil
}

// Size returns the apparent size of the regular files under r: the figure the disk limit
// counts (a sparse file counts its full length). Nothing is removed on the way.
func Size(r *os.Root) (int64, error) { return size(r, time.Time{}) }
