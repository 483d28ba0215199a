package nodeapi

import (
	"io"
	"time"

	"github.com/skypanel/skypanel/gen/daemonapi"
)

// Content is an open file or archive being read. Body seeks like a file (http.ServeContent
// serves it with Range and conditional requests); a remote node's Body issues a Range request
// at the offset of the first Read after a Seek, so nothing is buffered. The caller closes Body.
type Content struct {
	Body    io.ReadSeekCloser
	Size    int64
	ModTime time.Time
	ETag    string // strong validator, quoted
}

// FileResult is what a path names: a folder (Listing set) or a file (File set).
type FileResult struct {
	Listing *daemonapi.Listing
	File    *Content
}

// EventStream is one subscription to a server's events. C carries console lines, status
// changes and (while running) stats; a subscriber that falls behind loses events and then gets
// a console event with Dropped > 0. C is closed after Close, after a deleted event, and when
// the node goes away (Err then says why).
type EventStream interface {
	// Backlog returns the console lines retained when the stream was opened; C continues
	// right after them.
	Backlog() []daemonapi.ConsoleLine
	C() <-chan daemonapi.Event
	// Err is why C was closed: nil after Close or a deleted event, an error wrapping
	// ErrUnavailable when the connection to the node broke.
	Err() error
	// Close ends the stream; C is closed. Safe to call more than once.
	Close()
}
