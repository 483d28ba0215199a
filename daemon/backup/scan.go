package backup

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"

	"github.com/skypanel/skypanel/daemon/files"
)

// Sparse files are refused, not expanded: archive/tar writes every byte of a file, so a
// 100 GiB file of holes would cost hours of gzip CPU and a restore would write it out in full.
// A file is refused as sparse when its holes (apparent size - allocated blocks) pass
// sparseMinHoles and make up more than half of it; files with small holes (databases,
// preallocated logs) are stored like any other.
const sparseMinHoles = 64 << 20

// checkSparse refuses a regular file that is mostly holes.
func checkSparse(rel string, fi fs.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || !fi.Mode().IsRegular() {
		return nil
	}
	size, allocated := fi.Size(), st.Blocks*512
	if holes := size - allocated; holes > sparseMinHoles && holes > size/2 {
		return fmt.Errorf("%w: %s is %d MiB long but only %d MiB on disk; backups do not expand sparse files: delete it or copy it to a dense file",
			ErrSparse, quote(rel), size>>20, allocated>>20)
	}
	return nil
}

// scan checks a volume before its archive is written: every name must be one the restore
// accepts (checkName), no file may be sparse (checkSparse), and the files must fit the disk
// limit (limit > 0; counted like the file manager counts: apparent sizes), so such a backup
// fails at once, naming the offending file, instead of after hours of compression.
func scan(root *os.Root, limit int64) error {
	var total int64
	err := files.Walk(root, func(rel string, _ *os.Root, name string, fi fs.FileInfo) error {
		if err := checkVolumeName(rel); err != nil {
			return err
		}
		if !fi.Mode().IsRegular() || files.IsTemp(name) {
			return nil
		}
		if limit > 0 {
			if total += fi.Size(); total > limit {
				return fmt.Errorf("%w: the server's files hold more than its disk limit of %d MiB (at %s); a backup of them could not be restored",
					files.ErrDiskLimit, limit>>20, quote(rel))
			}
		}
		return checkSparse(rel, fi)
	})
	return err
}
