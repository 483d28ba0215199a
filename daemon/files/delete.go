package files

import "time"

// Delete removes the file p, or the folder p with everything in it. A symlink (that stays
// inside) is removed itself, not what it names. The root cannot be deleted.
func (s *Service) Delete(vol Volume, p string) error {
	o, err := s.begin(vol, p, access{root: "the root folder cannot be deleted", write: true, link: true})
	if err != nil {
		return err
	}
	defer o.end()
	r, real := o.r, o.real
	fi, err := r.Lstat(real)
	if err != nil {
		return o.escaped(err)
	}
	var freed int64
	switch {
	case fi.Mode().IsRegular():
		freed = fi.Size()
	case fi.IsDir() && o.v.tracking():
		sub, err := r.OpenRoot(real)
		if err != nil {
			return o.escaped(err)
		}
		freed, err = size(sub, time.Time{})
		_ = sub.Close()
		if err != nil {
			return o.escaped(err)
		}
	}
	if err := r.RemoveAll(real); err != nil {
		return o.escaped(err)
	}
	o.v.add(-freed)
	return nil
}
