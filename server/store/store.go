// Package store opens the panel database (SQLite through ent) in the data folder and holds
// the small security primitives the panel builds on: argon2id password hashing with a
// password policy, random secrets with a keyed hash, data-folder keys and AES-GCM sealing.
package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/mattn/go-sqlite3" // SQLite driver (cgo)

	"github.com/skypanel/skypanel/ent"
)

// DBFile is the name of the SQLite database inside the data folder.
const DBFile = "skypanel.db"

// Store is the opened panel database.
type Store struct {
	// Client is the ent client; it is safe for concurrent use.
	Client *ent.Client
	// DB is the underlying connection pool (for health checks and raw pragmas).
	DB *sql.DB
	// Dir is the data folder.
	Dir string
	// Keys are the data-folder keys (created on first start).
	Keys Keys
}

// DSN returns the go-sqlite3 connection string for a database file: foreign keys on (ent
// needs them for cascades), WAL so readers never block the writer and several processes
// (`serve` and CLI subcommands) share the file, a busy timeout instead of immediate
// SQLITE_BUSY, synchronous=NORMAL (durable across process crashes, fast in WAL), and
// immediate transactions so a read-then-write transaction cannot fail to upgrade its lock.
// Shared cache is not used: it serialises connections on table locks and does not help WAL.
func DSN(path string) string {
	return path + "?_fk=1&_journal_mode=WAL&_busy_timeout=5000&_synchronous=NORMAL&_txlock=immediate&_stmt_cache_size=64"
}

// Open opens (creating if needed) dataDir/skypanel.db, migrates the schema and loads the
// data-folder keys. dataDir is created with mode 0700. The caller closes the Store.
func Open(ctx context.Context, dataDir string, logger *slog.Logger) (*Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "store")
	if dataDir == "" {
		return nil, fmt.Errorf("%w: empty path", ErrInvalidDataDir)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidDataDir, err)
	}
	keys, err := LoadKeys(dataDir)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dataDir, DBFile)
	// Create the file 0600 first: SQLite gives its -wal and -shm files the database's mode.
	if f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidDataDir, err)
	} else {
		f.Close()
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidDataDir, err)
	}
	db, err := sql.Open("sqlite3", DSN(path))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	conns := max(4, 2*runtime.GOMAXPROCS(0))
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	client := ent.NewClient(ent.Driver(entsql.OpenDB(dialect.SQLite, db)))
	if err := migrate(ctx, client, dataDir); err != nil {
		_ = client.Close()
		return nil, err
	}
	logger.Debug("database opened", "path", path, "max_conns", conns)
	return &Store{Client: client, DB: db, Dir: dataDir, Keys: keys}, nil
}

// Close closes the ent client and the connection pool.
func (s *Store) Close() error {
	return s.Client.Close()
}

// migrateMu serialises migrations inside one process: ent's migration mutates the global
// table descriptors of ent/migrate.
var migrateMu sync.Mutex

// migrate runs the ent auto-migration under an exclusive lock on dataDir/migrate.lock, so
// processes opening the same fresh database at the same time do not race on CREATE TABLE.
func migrate(ctx context.Context, client *ent.Client, dataDir string) error {
	migrateMu.Lock()
	defer migrateMu.Unlock()
	lock, err := os.OpenFile(filepath.Join(dataDir, "migrate.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer func() { _ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) }()
	if err := client.Schema.Create(ctx); err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}
	return nil
}
