package sftp

import (
	"fmt"
	"syscall"

	"github.com/pkg/sftp"

	"github.com/skypanel/skypanel/daemon/files"
)

// vfsBlock is the block size StatVFS reports a disk limit in.
const vfsBlock = 4096

// StatVFS answers statvfs@openssh.com (OpenSSH's df): with a disk limit, the limit and what is
// left of it; without, the node's file system holding the volume.
func (h *handlers) StatVFS(r *sftp.Request) (*sftp.StatVFS, error) {
	vol, err := h.vol()
	if err != nil {
		return nil, h.fail("statvfs", err)
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(vol.Dir, &st); err != nil {
		return nil, h.fail("statvfs", fmt.Errorf("statfs of the volume of %s: %w", vol.ID, err))
	}
	out := &sftp.StatVFS{Bsize: uint64(st.Bsize), Frsize: uint64(st.Frsize), Blocks: st.Blocks,
		Bfree: st.Bfree, Bavail: st.Bavail, Files: st.Files, Ffree: st.Ffree, Favail: st.Ffree,
		Namemax: files.MaxNameBytes}
	if vol.LimitBytes > 0 {
		used, err := h.ss.s.opts.Files.Usage(vol)
		if err != nil {
			return nil, h.fail("statvfs", err)
		}
		free := uint64(max(vol.LimitBytes-used, 0)) / vfsBlock
		out.Bsize, out.Frsize, out.Blocks = vfsBlock, vfsBlock, uint64(vol.LimitBytes)/vfsBlock
		out.Bfree, out.Bavail = min(free, out.Blocks), min(free, out.Blocks)
	}
	return out, nil
}
