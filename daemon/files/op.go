package files

import "os"

// access says how an operation uses its path (Service.begin).
type access struct {
	root  string    // when set, the root folder itself is refused with this reason
	write bool      // the operation changes the volume: it holds it against Exclusive
	usage usageNeed // what a write needs of the cached disk usage before it starts
	link  bool      // a final symlink is the operation's object: checked, not followed
}

// usageNeed is what a write needs of the cached disk usage.
type usageNeed int

const (
	usageNone  usageNeed = iota // nothing
	usageKnown                  // ensureUsage: walked now under a disk limit, else refreshed
	usageUnder                  // overLimit: a volume above its limit refuses the write
)

// op is the path of one operation: the volume's root open, the path cleaned and resolved.
type op struct {
	r    *os.Root
	v    *volume // writes only: held (shared with other writes) until end
	p    string  // as the client sent it
	rel  string  // cleaned
	real string  // resolved inside r: no symlink left (but a final one with access.link)
}

// begin opens p for one operation as a says; the caller ends the op. Writes take the volume
// (Exclusive waits) before the usage check and the resolution.
func (s *Service) begin(vol Volume, p string, a access) (_ *op, err error) {
	rel, err := Clean(p)
	if err != nil {
		return nil, err
	}
	if rel == "." && a.root != "" {
		return nil, invalidPath(p, a.root)
	}
	r, err := openRoot(vol)
	if err != nil {
		return nil, err
	}
	o := &op{r: r, p: p, rel: rel}
	defer func() {
		if err != nil {
			o.end()
		}
	}()
	if a.write {
		o.v = s.volume(vol.ID)
		o.v.rw.RLock()
		switch a.usage {
		case usageKnown:
			err = s.ensureUsage(o.v, r, vol, vol.LimitBytes > 0)
		case usageUnder:
			err = s.overLimit(o.v, r, vol, p)
		}
		if err != nil {
			return nil, err
		}
	}
	if o.real, err = resolve(r, p, rel, !a.link); err != nil {
		return nil, err
	}
	return o, nil
}

// end releases the volume and closes the root, unless an Upload took it over (o.r nil).
func (o *op) end() {
	if o.v != nil {
		o.v.rw.RUnlock()
	}
	if o.r != nil {
		_ = o.r.Close()
	}
}

// escaped maps an error of the operation on its path (see escaped).
func (o *op) escaped(err error) error { return escaped(o.r, o.p, o.rel, err) }
