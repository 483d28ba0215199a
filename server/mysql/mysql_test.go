package mysql

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"os"
	"strconv"
	"testing"

	driver "github.com/go-sql-driver/mysql"
)

// EnvDSN names the administrator DSN of a test MariaDB/MySQL (scripts/mariadb-start.sh
// prints it); without it the tests that need a host skip.
const EnvDSN = "SKYPANEL_TEST_MYSQL_DSN"

// testHost is a live host for one test: the admin's Host, a verification pool, and a name
// prefix unique to the test so reruns and parallel runs never collide.
type testHost struct {
	Host
	admin  *sql.DB
	prefix string
}

func newTestHost(t *testing.T) *testHost {
	t.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn == "" {
		t.Skipf("%s is not set: start a private MariaDB with `eval \"$(scripts/mariadb-start.sh /tmp/skypanel-mariadb)\"`", EnvDSN)
	}
	cfg, err := driver.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("%s: %v", EnvDSN, err)
	}
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		t.Fatalf("%s address %q: %v", EnvDSN, cfg.Addr, err)
	}
	p, _ := strconv.Atoi(port)
	cfg.InterpolateParams = true
	connector, err := driver.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	admin := sql.OpenDB(connector)
	t.Cleanup(func() { admin.Close() })
	return &testHost{Host: Host{Host: host, Port: p, User: cfg.User, Password: cfg.Passwd}, admin: admin,
		prefix: "T" + randomString(lower+digits, 6)}
}

func (h *testHost) open(t *testing.T, hst Host) *Client {
	t.Helper()
	c, err := Open(context.Background(), hst)
	if err != nil {
		t.Fatalf("open %s as %s: %v", hst.Addr(), hst.User, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// names returns a fresh database and user name of this test and drops both at cleanup.
func (h *testHost) names(t *testing.T, part string) (db, user string) {
	t.Helper()
	db, err := ServerDatabaseName(h.prefix, part)
	if err != nil {
		t.Fatal(err)
	}
	user = ServerUserName(h.prefix)
	h.dropAtCleanup(t, db, user)
	return db, user
}

func (h *testHost) dropAtCleanup(t *testing.T, db, user string) {
	t.Cleanup(func() {
		_, _ = h.admin.Exec("DROP USER IF EXISTS ?@'%'", user)
		_, _ = h.admin.Exec("DROP DATABASE IF EXISTS " + quoteIdent(db))
	})
}

// exists reports whether the database and the user exist on the host.
func (h *testHost) exists(t *testing.T, db, user string) (dbExists, userExists bool) {
	t.Helper()
	var n int
	if err := h.admin.QueryRow("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", db).Scan(&n); err != nil {
		t.Fatal(err)
	}
	dbExists = n > 0
	if err := h.admin.QueryRow("SELECT COUNT(*) FROM mysql.user WHERE User = ?", user).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return dbExists, n > 0
}

// connectAs opens a pool as user (no default database) and pings it.
func connectAs(hst Host, user, password string) (*sql.DB, error) {
	cfg := driver.NewConfig()
	cfg.Net, cfg.Addr, cfg.User, cfg.Passwd = "tcp", hst.Addr(), user, password
	cfg.Logger = nopLogger{}
	connector, err := driver.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(connector)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// limitedAdmin creates an account that may create and drop databases and users but has no
// GRANT OPTION, and returns its Host.
func (h *testHost) limitedAdmin(t *testing.T) Host {
	t.Helper()
	user, pw := ServerUserName(h.prefix+"L"), NewPassword()
	if _, err := h.admin.Exec("CREATE USER ?@'%' IDENTIFIED BY ?", user, pw); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = h.admin.Exec("DROP USER IF EXISTS ?@'%'", user) })
	if _, err := h.admin.Exec("GRANT CREATE, DROP, CREATE USER ON *.* TO ?@'%'", user); err != nil {
		t.Fatal(err)
	}
	lim := h.Host
	lim.User, lim.Password = user, pw
	return lim
}

func TestOpenErrors(t *testing.T) {
	h := newTestHost(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := l.Addr().(*net.TCPAddr).Port
	l.Close()
	wrongPassword, closed, unknownUser := h.Host, h.Host, h.Host
	wrongPassword.Password += "x"
	closed.Host, closed.Port = "127.0.0.1", closedPort
	unknownUser.User = "nobody_" + h.prefix
	tests := []struct {
		name string
		host Host
		want error
	}{
		{"wrong password", wrongPassword, ErrAccessDenied},
		{"unknown user", unknownUser, ErrAccessDenied},
		{"closed port", closed, ErrUnreachable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Open(context.Background(), tt.host)
			if err == nil {
				c.Close()
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Open = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestCheckPrivileges(t *testing.T) {
	h := newTestHost(t)
	limited := h.limitedAdmin(t)
	tests := []struct {
		name string
		host Host
		want error
	}{
		{"administrator", h.Host, nil},
		{"no GRANT OPTION", limited, ErrPrivileges},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, user := h.names(t, "check")
			err := h.open(t, tt.host).checkPrivileges(context.Background(), db, user)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("checkPrivileges = %v, want %v", err, tt.want)
			}
			if dbOK, userOK := h.exists(t, db, user); dbOK || userOK {
				t.Fatalf("the check left database=%v user=%v behind", dbOK, userOK)
			}
		})
	}
}
