package runtime

import (
	"fmt"
	"path"
	"strings"
)

// DefaultMount is where a container sees its data folder (and starts) when Spec.Mount is "".
const DefaultMount = "/home/container"

// MaxMountLen bounds Spec.Mount.
const MaxMountLen = 256

// MountRoots are the folders a Spec.Mount may be, or be inside of. The rule is an allow-list
// on purpose: the data folder never covers the image's system folders (/, /bin, /etc, /usr,
// /lib, ...), the kernel's (/proc, /sys, /dev) or the runtime's own mounts (/run/skypanel,
// /etc/resolv.conf, /etc/hosts), and eggs' /mnt/server, yolks' /home/container and imported
// PufferPanel templates' /pufferpanel fit. templates.MountRoots mirrors it.
var MountRoots = []string{"/home", "/mnt", "/srv", "/opt", "/data", "/tmp", "/pufferpanel"}

// MountPoint is where the data folder is mounted and the command starts: Mount, or
// DefaultMount when it is empty.
func (s Spec) MountPoint() string {
	if s.Mount == "" {
		return DefaultMount
	}
	return s.Mount
}

// ValidateMount checks a Spec.Mount (template validation may check install steps with it):
// "" or an absolute, clean path of at most MaxMountLen bytes, without NUL, ',' or ':', that
// is one of MountRoots or inside one. Errors wrap ErrInvalidSpec.
func ValidateMount(m string) error {
	switch {
	case m == "":
		return nil
	case len(m) > MaxMountLen:
		return fmt.Errorf("%w: mount %.40q... is longer than %d bytes", ErrInvalidSpec, m, MaxMountLen)
	case !path.IsAbs(m) || path.Clean(m) != m:
		return fmt.Errorf("%w: mount %q is not a clean absolute path", ErrInvalidSpec, m)
	case strings.ContainsAny(m, "\x00,:"):
		return fmt.Errorf("%w: mount %q has a NUL, ',' or ':'", ErrInvalidSpec, m)
	}
	for _, r := range MountRoots {
		if m == r || strings.HasPrefix(m, r+"/") {
			return nil
		}
	}
	return fmt.Errorf("%w: mount %q is not in one of %s", ErrInvalidSpec, m, strings.Join(MountRoots, ", "))
}
