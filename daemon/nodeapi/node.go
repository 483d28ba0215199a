package nodeapi

import (
	"context"
	"io"

	"github.com/skypanel/skypanel/gen/daemonapi"
)

// Node is what a node does for the panel, in the wire types of daemon.yaml and io streams.
// *Service implements it in process (the panel's embedded local node); the panel's remote
// client (server/node.Remote) implements it over HTTP against Handler, which serves any Node.
// Both pass one contract suite. Errors are the sentinels of the daemon's packages
// (daemon.ErrNotFound, files.ErrDiskLimit, backup.ErrNotFound, …; see the code table in
// codes.go), or wrap ErrUnavailable when the node does not answer.
type Node interface {
	// Health says who the node is (bootId changes on each daemon start) and its clock.
	Health(ctx context.Context) (daemonapi.Health, error)
	System(ctx context.Context) (daemonapi.System, error)
	Features(ctx context.Context) (daemonapi.Features, error)
	// ListServers returns every server on the node, ordered by id.
	ListServers(ctx context.Context) ([]daemonapi.ServerSummary, error)

	// CreateServer creates the server's instance and folder; on error nothing is left.
	CreateServer(ctx context.Context, def daemonapi.Definition) error
	// UpdateServer replaces the definition: limits apply live when the server runs (Applied
	// live), else at its next start (next-start). suspended=true stops a running server (the
	// stop has begun when it returns).
	UpdateServer(ctx context.Context, def daemonapi.Definition) (daemonapi.UpdateResult, error)
	// DeleteServer stops and removes the instance, its files and backups; unknown ids are not an error.
	DeleteServer(ctx context.Context, id string) error
	// Power runs a power action. Start and kill finish before returning; stop and restart are
	// checked, then run in the background.
	Power(ctx context.Context, id string, action daemonapi.PowerRequestAction) error
	Status(ctx context.Context, id string) (daemonapi.Status, error)
	Stats(ctx context.Context, id string) (daemonapi.Stats, error)
	Console(ctx context.Context, id string, since int64) (daemonapi.ConsolePage, error)
	SendCommand(ctx context.Context, id, command string) error
	// Events subscribes to a server's events with a buffer of buffer events. The panel keeps
	// one stream per watched server and fans it out to its sockets itself.
	Events(ctx context.Context, id string, buffer int) (EventStream, error)
	// Install starts the install plan of the server's definition and returns once it runs;
	// wipe empties the server's folder first (backups are kept). A suspended server is refused
	// (daemon.ErrSuspended).
	Install(ctx context.Context, id string, wipe bool) error

	// ReadFile opens the file at path, or lists one page of the folder at path.
	ReadFile(ctx context.Context, id, path string, page, limit int) (FileResult, error)
	// WriteFile stores body at path (size bytes, -1 when unknown) within the disk limit.
	WriteFile(ctx context.Context, id, path string, body io.Reader, size int64) error
	MakeFolder(ctx context.Context, id, path string) error
	DeleteFile(ctx context.Context, id, path string) error

	ListBackups(ctx context.Context, id string) ([]daemonapi.Backup, error)
	// CreateBackup starts a backup (at most max kept) and returns it in state running.
	CreateBackup(ctx context.Context, id string, max int) (daemonapi.Backup, error)
	GetBackup(ctx context.Context, id, backupID string) (daemonapi.Backup, error)
	// OpenBackup opens a finished backup's archive; the caller closes its Body.
	OpenBackup(ctx context.Context, id, backupID string) (*Content, daemonapi.Backup, error)
	// RestoreBackup replaces the server's files with a backup; a running server is refused
	// (daemon.ErrInvalidState) unless stop.
	RestoreBackup(ctx context.Context, id, backupID string, stop bool) error
	DeleteBackup(ctx context.Context, id, backupID string) error
	SetBackupCommands(ctx context.Context, id string, c daemonapi.BackupCommands) error

	// Export writes a stopped server's folder and backups to w as a tar stream and returns
	// the stream's sha256 (hex).
	Export(ctx context.Context, id string, w io.Writer) (string, error)
	// Import fills a newly created, stopped, empty server from an Export stream. expectSHA
	// (hex, optional) is checked before anything is moved in place.
	Import(ctx context.Context, id string, r io.Reader, expectSHA string) (daemonapi.ImportResult, error)
}
