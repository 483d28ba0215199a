package files

import (
	"cmp"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"syscall"
	"time"
)

// Entry is one entry of a folder listing.
type Entry struct {
	Name     string
	Size     int64 // 0 for folders
	Modified time.Time
	IsFile   bool
}

// Listing is one page of a folder: folders first, then files, each by name (bytewise).
type Listing struct {
	Entries []Entry
	Total   int // entries in the whole folder
}

// File is an open regular file. The caller closes it.
type File struct {
	*os.File
	Size    int64
	ModTime time.Time
}

// ETag is a strong validator of the file's content: modification time and size.
func (f *File) ETag() string { return fmt.Sprintf(`"%x-%x"`, f.ModTime.UnixNano(), f.Size) }

// Result is what a path names: a folder (Listing set) or a file (File set).
type Result struct {
	Listing *Listing
	File    *File
}

// Read opens what p names: a regular file is returned open; a folder is listed, page by
// page (page ≥ 1, limit ≥ 1). Anything else is ErrPathInvalid.
func (s *Service) Read(vol Volume, p string, page, limit int) (Result, error) {
	o, err := s.begin(vol, p, access{})
	if err != nil {
		return Result{}, err
	}
	defer o.end()
	r, real := o.r, o.real
	fi, err := r.Stat(real)
	if err != nil {
		return Result{}, o.escaped(err)
	}
	if !fi.IsDir() && !fi.Mode().IsRegular() {
		return Result{}, invalidPath(p, "not a regular file or folder")
	}
	// O_NONBLOCK: a FIFO swapped in since the Stat must not block the open.
	f, err := r.OpenFile(real, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return Result{}, o.escaped(err)
	}
	if fi, err = f.Stat(); err != nil {
		f.Close()
		return Result{}, err
	}
	switch {
	case fi.Mode().IsRegular():
		return Result{File: &File{File: f, Size: fi.Size(), ModTime: fi.ModTime()}}, nil
	case fi.IsDir():
		defer f.Close()
		l, err := list(r, real, f, page, limit)
		if err != nil {
			return Result{}, o.escaped(err)
		}
		return Result{Listing: l}, nil
	}
	f.Close()
	return Result{}, invalidPath(p, "not a regular file or folder")
}

// item is a folder entry before paging.
type item struct {
	name  string
	isDir bool
}

// list reads the open folder f (path real in r) and returns one page.
func list(r *os.Root, real string, f *os.File, page, limit int) (*Listing, error) {
	des, err := f.ReadDir(-1)
	if err != nil {
		return nil, fmt.Errorf("read folder: %w", err)
	}
	items := make([]item, 0, len(des))
	for _, de := range des {
		if IsTemp(de.Name()) {
			continue
		}
		isDir := de.IsDir()
		if de.Type()&fs.ModeSymlink != 0 {
			// a link is listed as what it names when that stays inside, else as a file
			if fi, err := r.Stat(join(real, de.Name())); err == nil {
				isDir = fi.IsDir()
			}
		}
		items = append(items, item{name: de.Name(), isDir: isDir})
	}
	slices.SortFunc(items, func(a, b item) int {
		if a.isDir != b.isDir {
			if a.isDir {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.name, b.name)
	})
	out := &Listing{Total: len(items), Entries: []Entry{}}
	start := min((page-1)*limit, len(items))
	end := min(start+limit, len(items))
	for _, it := range items[start:end] {
		out.Entries = append(out.Entries, entry(r, join(real, it.name), it))
	}
	return out, nil
}

// entry describes one listed name; one that vanished meanwhile is reported with zero values.
func entry(r *os.Root, p string, it item) Entry {
	e := Entry{Name: it.name, IsFile: !it.isDir}
	fi, err := r.Lstat(p)
	if err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		if t, serr := r.Stat(p); serr == nil {
			fi = t
		} else {
			e.Modified = fi.ModTime().UTC()
			return e // a link leading outside: size 0
		}
	}
	if err != nil {
		return e
	}
	e.Modified = fi.ModTime().UTC()
	if fi.Mode().IsRegular() {
		e.Size = fi.Size()
	}
	return e
}

func join(dir, name string) string {
	if dir == "." {
		return name
	}
	return dir + "/" + name
}
