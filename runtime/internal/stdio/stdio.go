// Package stdio holds the console plumbing shared by the runtimes: the stdin FIFO (which the
// instance's process holds open read-write, so it never sees end-of-file when the daemon goes
// away) and the Console value handed to the daemon.
package stdio

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// WriteTimeout bounds one write to stdin: a process that stops reading its stdin makes writes
// fail after this long instead of blocking the daemon.
const WriteTimeout = 5 * time.Second

// PipeSize is the pipe buffer requested for FIFOs (the kernel caps it at
// /proc/sys/fs/pipe-max-size, 1 MiB by default): output keeps flowing this long while no
// daemon reads it.
const PipeSize = 1 << 20

// MakeFIFO creates a FIFO at path with mode perm unless one is already there (anything else at
// path is replaced).
func MakeFIFO(path string, perm os.FileMode) error {
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&os.ModeNamedPipe != 0 {
			return nil
		}
		if err := os.RemoveAll(path); err != nil {
			return err
		}
	}
	if err := unix.Mkfifo(path, uint32(perm.Perm())); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("mkfifo %s: %w", path, err)
	}
	return os.Chmod(path, perm.Perm()) // umask
}

// OpenRW opens a FIFO read-write: the open never blocks and the FIFO never reports end-of-file
// to readers while this descriptor lives.
func OpenRW(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	GrowPipe(f)
	return f, nil
}

// GrowPipe asks for a PipeSize buffer (best effort).
func GrowPipe(f *os.File) {
	if sc, err := f.SyscallConn(); err == nil {
		_ = sc.Control(func(fd uintptr) { _, _ = unix.FcntlInt(fd, unix.F_SETPIPE_SZ, PipeSize) })
	}
}

// Stdin writes to a stdin FIFO with a deadline per write.
type Stdin struct {
	f *os.File
}

// OpenStdin opens the FIFO at path for writing (read-write, so the open never blocks).
func OpenStdin(path string) (*Stdin, error) {
	f, err := OpenRW(path)
	if err != nil {
		return nil, fmt.Errorf("open stdin: %w", err)
	}
	return &Stdin{f: f}, nil
}

// Write writes p, failing with os.ErrDeadlineExceeded when the process does not read its stdin
// for WriteTimeout.
func (s *Stdin) Write(p []byte) (int, error) {
	if err := s.f.SetWriteDeadline(time.Now().Add(WriteTimeout)); err != nil {
		return 0, err
	}
	n, err := s.f.Write(p)
	if err != nil {
		return n, fmt.Errorf("write stdin: %w", err)
	}
	return n, nil
}

// Close closes the descriptor.
func (s *Stdin) Close() error { return s.f.Close() }

// Console is a runtime.Console made of an output reader and a stdin writer.
type Console struct {
	out    io.Reader
	in     io.Writer
	once   sync.Once
	closer []io.Closer
	err    error
}

// NewConsole returns a console; Close closes the closers in order (once).
func NewConsole(out io.Reader, in io.Writer, closers ...io.Closer) *Console {
	return &Console{out: eofOnClose{out}, in: in, closer: closers}
}

// Output returns stdout and stderr merged. It ends with io.EOF when the process has exited
// (and everything was read) or when the console is closed.
func (c *Console) Output() io.Reader { return c.out }

// Stdin returns the process's stdin.
func (c *Console) Stdin() io.Writer { return c.in }

// Close detaches; the process keeps running.
func (c *Console) Close() error {
	c.once.Do(func() {
		var errs []error
		for _, cl := range c.closer {
			if err := cl.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
				errs = append(errs, err)
			}
		}
		c.err = errors.Join(errs...)
	})
	return c.err
}

// eofOnClose turns "file already closed" into io.EOF so readers stop cleanly after Close.
type eofOnClose struct{ r io.Reader }

func (e eofOnClose) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && (errors.Is(err, os.ErrClosed) || errors.Is(err, syscall.EBADF)) {
		err = io.EOF
	}
	return n, err
}
