package nodeapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/backup"
	"github.com/skypanel/skypanel/daemon/transfer"
	"github.com/skypanel/skypanel/gen/daemonapi"
)

// progressEvery is how often a transfer writes its byte count to the server's console.
const progressEvery = 5 * time.Second

// Noticer is implemented by nodes that can write a daemon line to a server's console for the
// panel (the panel's transfer writes its start and outcome that way): *Service, and Handler
// serves it as noticeServer for the panel's remote client.
type Noticer interface {
	Notice(ctx context.Context, id, text string) error
}

var _ Noticer = (*Service)(nil)

// Notice writes a daemon line to the server's console.
func (s *Service) Notice(_ context.Context, id, text string) error {
	m, err := s.manager()
	if err != nil {
		return err
	}
	return m.Notice(id, text)
}

// Export streams a stopped server's folder and finished backups (daemon/transfer) while holding
// its power lock (nothing starts it) with its uploads paused and no backup running. A running,
// starting, stopping or installing server is refused with daemon.ErrInvalidState. Progress is
// written to the server's console.
func (s *Service) Export(ctx context.Context, id string, w io.Writer) (string, error) {
	m, svc, _, err := s.volume(id)
	if err != nil {
		return "", err
	}
	var sum string
	err = m.WithVolumeExclusive(ctx, id, false, func(dir string) error {
		return svc.files.Exclusive(ctx, id, func() error {
			if err := svc.backups.Wait(ctx, id); err != nil {
				return err
			}
			say := func(format string, args ...any) { _ = m.Notice(id, fmt.Sprintf(format, args...)) }
			say("Transfer: sending the server's files and backups to another node")
			p := &transfer.Progress{Every: progressEvery, Report: func(n int64) { say("Transfer: %s sent", transfer.Size(n)) }}
			var err error
			sum, err = transfer.Export(ctx, p.Writer(w), transfer.Source{Server: id, Volume: dir, Backups: svc.backups, Log: s.log})
			if err != nil {
				say("Transfer: sending failed after %s: %v", transfer.Size(p.Bytes()), err)
				return err
			}
			say("Transfer: %s sent (sha256 %s)", transfer.Size(p.Bytes()), sum)
			return nil
		})
	})
	return sum, transferError(err)
}

// Import fills a newly created, stopped server with an empty folder and no backups from an
// Export stream (daemon/transfer), holding its power lock with uploads paused. A running
// server is refused with daemon.ErrInvalidState, one holding files or backups too; a broken
// or hostile stream with ErrArchiveInvalid, a sha256 other than expectSHA with
// ErrChecksumMismatch; on any error nothing of the stream is left.
func (s *Service) Import(ctx context.Context, id string, r io.Reader, expectSHA string) (daemonapi.ImportResult, error) {
	if expectSHA != "" && !backup.ValidSHA256(expectSHA) {
		return daemonapi.ImportResult{}, fmt.Errorf("%w: X-Archive-Sha256 must be 64 lowercase hex digits", ErrFieldInvalid)
	}
	m, svc, vol, err := s.volume(id)
	if err != nil {
		return daemonapi.ImportResult{}, err
	}
	var res transfer.Result
	err = m.WithVolumeExclusive(ctx, id, false, func(dir string) error {
		return svc.files.Exclusive(ctx, id, func() error {
			say := func(format string, args ...any) { _ = m.Notice(id, fmt.Sprintf(format, args...)) }
			say("Transfer: receiving the server's files and backups from another node")
			p := &transfer.Progress{Every: progressEvery, Report: func(n int64) { say("Transfer: %s received", transfer.Size(n)) }}
			var err error
			res, err = transfer.Import(ctx, p.Reader(r), transfer.Dest{Server: id, Volume: dir, Backups: svc.backups,
				LimitBytes: vol.LimitBytes, ExpectSHA: expectSHA})
			if err != nil {
				say("Transfer: receiving failed after %s: %v", transfer.Size(p.Bytes()), err)
				return err
			}
			say("Transfer: %s received, %d files and folders, %d backups (sha256 %s)",
				transfer.Size(res.Bytes), res.Entries, res.Backups, res.SHA256)
			return nil
		})
	})
	if err != nil {
		return daemonapi.ImportResult{}, transferError(err)
	}
	return daemonapi.ImportResult{Sha256: res.SHA256, Bytes: res.Bytes}, nil
}

// transferError makes daemon/transfer's sentinels match the node API's (same message).
func transferError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, transfer.ErrArchiveInvalid):
		return &alsoError{err: err, also: ErrArchiveInvalid}
	case errors.Is(err, transfer.ErrChecksumMismatch):
		return &alsoError{err: err, also: ErrChecksumMismatch}
	case errors.Is(err, transfer.ErrNotEmpty):
		return &alsoError{err: err, also: daemon.ErrInvalidState}
	}
	return err
}

// alsoError is err, matching also too.
type alsoError struct{ err, also error }

func (e *alsoError) Error() string   { return e.err.Error() }
func (e *alsoError) Unwrap() []error { return []error{e.also, e.err} }
