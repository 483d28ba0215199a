package files

import "time"

// Delete removes the file p, or the folder p with everything in it. A symlink (that stays
// inside) is removed itself, not what it names. The root cannot be deleted.
func (s *Service) Delete(vol Volume, p string) error {
	rel, r, err := openPath(vol, p, "the root folder cannot be deleted")
	if err != nil {
		return err
	}
	defer r.Close()
	v := s.volume(vol.ID)
	v.rw.RLock()
	defer v.rw.RUnlock()
	real, err := resolve(r, p, rel, false)
	if err != nil {
		return err
	}
	fi, err := r.Lstat(real)
	if err != nil {
		return escaped(r, p, rel, err)
	}
	var freed int64
	switch {
	case fi.Mode().IsRegular():
		freed = fi.Size()
	case fi.IsDir() && v.tracking():
		sub, err := r.OpenRoot(real)
		if err != nil {
			return escaped(r, p, rel, err)
		}
		freed, err = size(sub, time.Time{})
		_ = sub.Close()
		if err != nil {
			return escaped(r, p, rel, err)
		}
	}
	if err := r.RemoveAll(real); err != nil {
		return escaped(r, p, rel, err)
	}
	v.add(-freed)
	return nil
}
