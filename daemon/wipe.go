package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// wipeFirst returns fn preceded by emptying the server's folder. The file manager's cached
// usage of the folder is dropped (and no upload runs) while it is emptied.
func (m *Manager) wipeFirst(fn InstallFunc) InstallFunc {
	return func(ctx context.Context, def Definition, dir string, out io.Writer) error {
		_, _ = fmt.Fprintln(out, "emptying the server's folder")
		err := m.files.Exclusive(ctx, def.ID, func() error { return wipeFolder(dir) })
		if err != nil {
			return fmt.Errorf("empty the folder of %q: %w", def.ID, err)
		}
		return fn(ctx, def, dir, out)
	}
}

// wipeFolder removes everything inside dir, through an os.Root on it: a symlink is removed
// itself and never followed, nothing outside dir is touched. dir itself (its owner and mode)
// stays; a missing dir is not an error (there is nothing to empty).
func wipeFolder(dir string) error {
	r, err := os.OpenRoot(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	defer r.Close()
	f, err := r.Open(".")
	if err != nil {
		return err
	}
	names, err := f.Readdirnames(-1)
	_ = f.Close()
	if err != nil {
		return err
	}
	for _, name := range names {
		if err := r.RemoveAll(name); err != nil {
			return err
		}
	}
	return nil
}
