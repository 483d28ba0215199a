package host

import (
	"errors"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// pollInterval is the fallback wake-up of a follower waiting for output (inotify wakes it
// immediately on writes; this covers missed events and filesystems without inotify).
const pollInterval = 250 * time.Millisecond

// follower reads output.log like `tail -f`: from an offset, waiting for appended data, until the
// process has exited and everything was read. Consumed bytes beyond maxKeep are punched out of
// the file. One follower per instance at a time (a second one would see holes punched by the
// first).
type follower struct {
	f       *os.File
	off     int64
	punched int64
	maxKeep int64
	exited  <-chan struct{}
	wake    chan struct{}
	closed  chan struct{}
	once    sync.Once
	inotify *os.File
	noPunch bool
}

// newFollower opens path read-write (punching needs a writable descriptor). fromEnd starts at
// the current end of the file instead of its beginning.
func newFollower(path string, fromEnd bool, maxKeep int64, exited <-chan struct{}) (*follower, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	fl := &follower{f: f, maxKeep: maxKeep, exited: exited, wake: make(chan struct{}, 1), closed: make(chan struct{})}
	if fromEnd {
		if fi, err := f.Stat(); err == nil {
			fl.off = fi.Size()
			fl.punch() // nobody will read what is before the attach point
		}
	}
	fl.watch(path)
	return fl, nil
}

// watch starts an inotify watch that signals fl.wake on every write (best effort).
func (fl *follower) watch(path string) {
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		return
	}
	if _, err := unix.InotifyAddWatch(fd, path, unix.IN_MODIFY); err != nil {
		unix.Close(fd)
		return
	}
	fl.inotify = os.NewFile(uintptr(fd), "inotify")
	go func() {
		buf := make([]byte, 4096)
		for {
			if _, err := fl.inotify.Read(buf); err != nil {
				return // closed
			}
			select {
			case fl.wake <- struct{}{}:
			default:
			}
		}
	}()
}

// Read returns appended output, blocking until there is some, the process exited (io.EOF
// after the last byte) or the follower is closed (io.EOF).
func (fl *follower) Read(p []byte) (int, error) {
	for {
		select {
		case <-fl.closed:
			return 0, io.EOF
		default:
		}
		n, err := fl.f.ReadAt(p, fl.off)
		if n > 0 {
			fl.off += int64(n)
			if fl.off-fl.punched >= fl.maxKeep {
				fl.punch()
			}
			return n, nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return 0, err
		}
		if fi, err := fl.f.Stat(); err == nil && fi.Size() < fl.off { // truncated (new start)
			fl.off, fl.punched = 0, 0
			continue
		}
		select {
		case <-fl.exited:
			// Output written just before the exit may still be unread: one more pass.
			if n, _ := fl.f.ReadAt(p, fl.off); n > 0 {
				fl.off += int64(n)
				return n, nil
			}
			return 0, io.EOF
		default:
		}
		t := time.NewTimer(pollInterval)
		select {
		case <-fl.wake:
		case <-fl.exited:
		case <-fl.closed:
		case <-t.C:
		}
		t.Stop()
	}
}

// punch frees the disk blocks of everything before the read offset; the file keeps its size
// (and the writer's O_APPEND offset), so nothing moves under the reader or the writer.
func (fl *follower) punch() {
	end := fl.off &^ 4095
	if fl.noPunch || end <= fl.punched {
		return
	}
	err := unix.Fallocate(int(fl.f.Fd()), unix.FALLOC_FL_PUNCH_HOLE|unix.FALLOC_FL_KEEP_SIZE, fl.punched, end-fl.punched)
	if err != nil {
		// No hole punching on this filesystem: truncate when caught up (output appended
		// between the last read and the truncation is lost; rare and bounded).
		fl.noPunch = true
		if fi, err := fl.f.Stat(); err == nil && fi.Size() == fl.off {
			if fl.f.Truncate(0) == nil {
				fl.off, fl.punched = 0, 0
			}
		}
		return
	}
	fl.punched = end
}

// Close stops the follower; a blocked Read returns io.EOF.
func (fl *follower) Close() error {
	fl.once.Do(func() {
		close(fl.closed)
		if fl.inotify != nil {
			fl.inotify.Close()
		}
		fl.f.Close()
	})
	return nil
}
