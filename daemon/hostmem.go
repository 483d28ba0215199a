package daemon

import (
	"sync"

	"golang.org/x/sys/unix"
)

// hostMemory is the machine's physical memory in bytes (0 when the kernel does not say): what
// a server without a memory limit may use, reported as its memory total. Read once.
var hostMemory = sync.OnceValue(func() uint64 {
	var si unix.Sysinfo_t
	if err := unix.Sysinfo(&si); err != nil {
		return 0
	}
	return uint64(si.Totalram) * uint64(si.Unit)
})
