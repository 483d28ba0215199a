// Package mysql provisions server databases on MySQL/MariaDB hosts: it connects with the
// host's administrator account, checks that account may create databases and users, creates
// a database with a user limited to it (GRANT ALL ON db.*), drops both, and rotates the
// user's password.
//
// Injection is ruled out twice: every database and user name is validated against
// [A-Za-z0-9_-] before any statement is built, and then quoted (database names with
// backticks, with GRANT's `_`/`%` wildcards escaped) or sent as a parameter (user names and
// passwords, interpolated by the driver as escaped string literals). Errors wrap the
// sentinels of errors.go; their causes may quote SQL and are for logs only.
package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"strconv"
	"time"

	driver "github.com/go-sql-driver/mysql"
)

// Timeouts of a host connection: DialTimeout bounds connecting and authenticating. Dropping a
// large database can take a while, hence the long I/O timeout; the request's context bounds
// every call as well.
const (
	DialTimeout    = 5 * time.Second
	IOTimeout      = 2 * time.Minute
	cleanupTimeout = 30 * time.Second
)

// userHost is the host part of the accounts the panel creates: game servers connect from
// their node, whose address the panel does not pin.
const userHost = "%"

// Host is how the panel reaches a database host's administrator account.
type Host struct {
	Host     string // IP or domain name
	Port     int
	User     string
	Password string
}

// Addr is host:port (IPv6 literals bracketed).
func (h Host) Addr() string { return net.JoinHostPort(h.Host, strconv.Itoa(h.Port)) }

// Client is an open connection pool to one host. Close it after use.
type Client struct{ db *sql.DB }

type nopLogger struct{}

func (nopLogger) Print(...any) {}

// Open connects to the host and checks the credentials (ErrUnreachable, ErrAccessDenied).
// TLS is used when the host offers it (without certificate verification, like the mysql
// command-line client's default).
func Open(ctx context.Context, h Host) (*Client, error) {
	cfg := driver.NewConfig()
	cfg.Net = "tcp"
	cfg.Addr = h.Addr()
	cfg.User = h.User
	cfg.Passwd = h.Password
	cfg.Timeout = DialTimeout
	cfg.ReadTimeout = IOTimeout
	cfg.WriteTimeout = IOTimeout
	cfg.InterpolateParams = true // parameters become escaped literals: works in CREATE USER/GRANT
	cfg.TLSConfig = "preferred"
	cfg.Logger = nopLogger{}
	conn, err := driver.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrHost, err)
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(2)
	db.SetMaxIdleConns(2)
	db.SetConnMaxLifetime(time.Minute)
	// One deadline for connecting and authenticating: database/sql retries a connection that
	// broke during the handshake, which would double the wait for an unresponsive host.
	pctx, cancel := context.WithTimeout(ctx, DialTimeout)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		_ = db.Close()
		return nil, classify(err)
	}
	return &Client{db: db}, nil
}

// Close closes the pool.
func (c *Client) Close() error { return c.db.Close() }

func (c *Client) exec(ctx context.Context, query string, args ...any) error {
	_, err := c.db.ExecContext(ctx, query, args...)
	return classify(err)
}

// CheckPrivileges proves the account can do what the panel needs, by doing it: create a
// scratch database and user, grant the user all privileges on the database, then drop both.
// A missing privilege is ErrPrivileges.
func (c *Client) CheckPrivileges(ctx context.Context) error {
	return c.checkPrivileges(ctx, "skypanel_check_"+randomString(lower+digits, 12),
		"skypanel_chk_"+randomString(lower+digits, 12))
}

func (c *Client) checkPrivileges(ctx context.Context, name, user string) error {
	if err := c.CreateDatabase(ctx, name, user, NewPassword()); err != nil {
		return err
	}
	return c.DropDatabase(ctx, name, user)
}

// CreateDatabase creates database name, user@'%' identified by password, and grants the user
// all privileges on that database only. It is all or nothing: when a later step fails, what
// the earlier steps created is dropped again (with a fresh context, so a cancelled request
// still cleans up). An existing database or user is ErrExists and is never touched.
func (c *Client) CreateDatabase(ctx context.Context, name, user, password string) (err error) {
	if err := ValidDatabase(name); err != nil {
		return err
	}
	if err := ValidUser(user); err != nil {
		return err
	}
	if err := c.exec(ctx, "CREATE DATABASE "+quoteIdent(name)+" CHARACTER SET utf8mb4"); err != nil {
		return err
	}
	createdUser := false
	defer func() {
		if err == nil {
			return
		}
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		if createdUser {
			if rerr := c.exec(cctx, "DROP USER IF EXISTS ?@?", user, userHost); rerr != nil {
				err = fmt.Errorf("%w (rollback: drop user: %v)", err, rerr)
			}
		}
		if rerr := c.exec(cctx, "DROP DATABASE IF EXISTS "+quoteIdent(name)); rerr != nil {
			err = fmt.Errorf("%w (rollback: drop database: %v)", err, rerr)
		}
	}()
	if err := c.exec(ctx, "CREATE USER ?@? IDENTIFIED BY ?", user, userHost, password); err != nil {
		if n, ok := ErrorNumber(err); ok && n == erCannotUser {
			return fmt.Errorf("%w: user %s: %w", ErrExists, user, err)
		}
		return err
	}
	createdUser = true
	return c.exec(ctx, "GRANT ALL PRIVILEGES ON "+grantDatabase(name)+".* TO ?@?", user, userHost)
}

// DropDatabase drops user@'%' (ending its open sessions) and database name. Either may already
// be gone: dropping twice succeeds.
func (c *Client) DropDatabase(ctx context.Context, name, user string) error {
	if err := ValidDatabase(name); err != nil {
		return err
	}
	if err := ValidUser(user); err != nil {
		return err
	}
	if err := c.exec(ctx, "DROP USER IF EXISTS ?@?", user, userHost); err != nil {
		return err
	}
	if err := c.killSessions(ctx, user); err != nil {
		return err
	}
	return c.exec(ctx, "DROP DATABASE IF EXISTS "+quoteIdent(name))
}

// killSessions ends the connections of user still open (dropping a user does not end them,
// and an open transaction would block DROP DATABASE). Best effort: sessions that end
// meanwhile, or an account without the privilege to see or kill them, do not fail the drop.
func (c *Client) killSessions(ctx context.Context, user string) error {
	rows, err := c.db.QueryContext(ctx, "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ?", user)
	if err != nil {
		return classify(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return classify(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Close(); err != nil {
		return classify(err)
	}
	for _, id := range ids {
		if err := c.exec(ctx, "KILL CONNECTION ?", id); err != nil {
			if n, ok := ErrorNumber(err); ok && (n == erUnknownThread || n == erKillDenied) {
				continue // ended meanwhile, or the account may not kill: the drop goes on
			}
			return err
		}
	}
	return nil
}

// SetPassword changes the password of user@'%'. ErrNoSuchUser when the user is gone.
func (c *Client) SetPassword(ctx context.Context, user, password string) error {
	if err := ValidUser(user); err != nil {
		return err
	}
	err := c.exec(ctx, "ALTER USER ?@? IDENTIFIED BY ?", user, userHost, password)
	if n, ok := ErrorNumber(err); ok && n == erCannotUser {
		return fmt.Errorf("%w: %s: %w", ErrNoSuchUser, user, err)
	}
	return err
}
