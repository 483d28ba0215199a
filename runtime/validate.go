package runtime

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// Bounds of Limits accepted by Validate.
const (
	MaxMemoryMiB  = 1 << 24 // 16 TiB
	MaxCPUPercent = 100 * 1024
	MaxPids       = 1 << 22 // the kernel's pid_max ceiling
	MinIOWeight   = 10
	MaxIOWeight   = 1000
)

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// ValidID reports whether id can name an instance (letters, digits, '_', '.', '-'; 1-64 chars,
// starting with a letter or digit).
func ValidID(id string) bool { return idPattern.MatchString(id) }

// Validate checks the limits; errors wrap ErrInvalidSpec.
func (l Limits) Validate() error {
	switch {
	case l.MemoryMiB < 0 || l.MemoryMiB > MaxMemoryMiB:
		return fmt.Errorf("%w: memory %d MiB out of range 0..%d", ErrInvalidSpec, l.MemoryMiB, MaxMemoryMiB)
	case l.SwapMiB < -1 || l.SwapMiB > MaxMemoryMiB:
		return fmt.Errorf("%w: swap %d MiB out of range -1..%d", ErrInvalidSpec, l.SwapMiB, MaxMemoryMiB)
	case l.CPUPercent < 0 || l.CPUPercent > MaxCPUPercent:
		return fmt.Errorf("%w: cpu %d%% out of range 0..%d", ErrInvalidSpec, l.CPUPercent, MaxCPUPercent)
	case l.IOWeight != 0 && (l.IOWeight < MinIOWeight || l.IOWeight > MaxIOWeight):
		return fmt.Errorf("%w: io weight %d out of range %d..%d", ErrInvalidSpec, l.IOWeight, MinIOWeight, MaxIOWeight)
	case l.Pids < 0 || l.Pids > MaxPids:
		return fmt.Errorf("%w: pids %d out of range 0..%d", ErrInvalidSpec, l.Pids, MaxPids)
	}
	return nil
}

// Validate checks what every runtime needs: a valid id, a command, an existing absolute data
// folder, a valid mount point (see ValidateMount) and valid limits. Errors wrap ErrInvalidSpec. (Images are checked by the runtimes that
// use them.)
func (s Spec) Validate() error {
	if !ValidID(s.ID) {
		return fmt.Errorf("%w: bad id %q", ErrInvalidSpec, s.ID)
	}
	if s.Command == "" {
		return fmt.Errorf("%w: empty command", ErrInvalidSpec)
	}
	if !filepath.IsAbs(s.Dir) {
		return fmt.Errorf("%w: data folder %q is not an absolute path", ErrInvalidSpec, s.Dir)
	}
	if fi, err := os.Stat(s.Dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("%w: data folder %q is not a folder", ErrInvalidSpec, s.Dir)
	}
	if err := ValidateMount(s.Mount); err != nil {
		return err
	}
	return s.Limits.Validate()
}
