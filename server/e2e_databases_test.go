package server_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	driver "github.com/go-sql-driver/mysql"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/ent/serverdatabase"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
	"github.com/skypanel/skypanel/server/store"
)

// envMySQLDSN names the administrator DSN of the test MariaDB (scripts/mariadb-start.sh).
const envMySQLDSN = "SKYPANEL_TEST_MYSQL_DSN"

// mariaDB is the test database server seen from outside the panel.
type mariaDB struct {
	host     string
	port     int
	user, pw string
	admin    *sql.DB // verification queries, as the administrator
}

func startMariaDB(t *testing.T) *mariaDB {
	t.Helper()
	dsn := os.Getenv(envMySQLDSN)
	if dsn == "" {
		t.Skipf("%s is not set: start a private MariaDB with `eval \"$(scripts/mariadb-start.sh /tmp/skypanel-mariadb)\"`", envMySQLDSN)
	}
	cfg, err := driver.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("%s: %v", envMySQLDSN, err)
	}
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	cfg.InterpolateParams = true
	conn, err := driver.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m := &mariaDB{host: host, port: p, user: cfg.User, pw: cfg.Passwd, admin: sql.OpenDB(conn)}
	t.Cleanup(func() { m.admin.Close() })
	return m
}

// column returns the values of a one-column query.
func (m *mariaDB) column(t *testing.T, query string, args ...any) []string {
	t.Helper()
	rows, err := m.admin.Query(query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// schemas lists the databases whose name starts with s<prefix>; users those starting with
// u<prefix> (prefix has no LIKE wildcards).
func (m *mariaDB) schemas(t *testing.T, prefix string) []string {
	return m.column(t, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ? ORDER BY 1", "s"+prefix+"%")
}

func (m *mariaDB) users(t *testing.T, prefix string) []string {
	return m.column(t, "SELECT User FROM mysql.user WHERE User LIKE ? ORDER BY 1", "u"+prefix+"%")
}

// dropPrefix drops, at cleanup, whatever of this test is left on the server.
func (m *mariaDB) dropPrefix(t *testing.T, prefix string) {
	t.Cleanup(func() {
		for _, db := range m.schemas(t, prefix) {
			_, _ = m.admin.Exec("DROP DATABASE IF EXISTS `" + db + "`")
		}
		for _, u := range m.users(t, prefix) {
			_, _ = m.admin.Exec("DROP USER IF EXISTS ?@'%'", u)
		}
	})
}

// connect opens one session as user (no default database).
func (m *mariaDB) connect(user, password string) (*sql.DB, error) {
	cfg := driver.NewConfig()
	cfg.Net, cfg.Addr, cfg.User, cfg.Passwd = "tcp", net.JoinHostPort(m.host, strconv.Itoa(m.port)), user, password
	conn, err := driver.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(conn)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// dbTest is the shared state of TestServerDatabases.
type dbTest struct {
	env    *apitest.Env
	m      *mariaDB
	admin  string // admin token
	prefix string // start of every server id of this run
	hostID int64
	port   int // next game port for serverRow
}

func (d *dbTest) createDB(t *testing.T, token, serverID string, body map[string]any) *apitest.Response {
	t.Helper()
	if _, ok := body["databaseHostId"]; !ok {
		body["databaseHostId"] = d.hostID
	}
	return d.env.DoJSON(t, http.MethodPost, "/api/servers/"+serverID+"/databases", token, body)
}

func (d *dbTest) mustCreateDB(t *testing.T, token, serverID string, body map[string]any) api.ServerDatabaseCreated {
	t.Helper()
	r := d.createDB(t, token, serverID, body)
	if r.Status != http.StatusCreated {
		t.Fatalf("create database on %s: %d %s", serverID, r.Status, r.Body)
	}
	var out api.ServerDatabaseCreated
	r.JSON(t, &out)
	return out
}

func (d *dbTest) rows(t *testing.T, serverID string) int {
	t.Helper()
	n, err := d.env.Store.Client.ServerDatabase.Query().Where(serverdatabase.ServerID(serverID)).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// serverRow creates a server definition owned by owner with a database limit.
func (d *dbTest) serverRow(t *testing.T, id string, owner, limit int) {
	t.Helper()
	err := d.env.Store.Client.Server.Create().SetID(id).SetName(id).SetOwnerID(owner).SetNodeID(d.env.LocalNode.ID).
		SetPort(30000 + d.port).SetFeatureDatabases(limit).Exec(context.Background())
	d.port++
	if err != nil {
		t.Fatal(err)
	}
}

func TestServerDatabases(t *testing.T) {
	m := startMariaDB(t)
	env := apitest.Start(t)
	d := &dbTest{env: env, m: m, admin: env.AdminToken(t), prefix: "E" + strings.ToUpper(store.RandomString(4))}
	d.prefix = strings.NewReplacer("-", "Q", "_", "Q").Replace(d.prefix)
	m.dropPrefix(t, d.prefix)
	scopes := []string{"server.view", "server.edit", "server.delete"}
	alice, aliceID := env.UserToken(t, "alice", false, scopes...)
	bob, bobID := env.UserToken(t, "bob", false, scopes...)
	// A grant on sA_a_b would match sAxa_b if GRANT's `_` wildcard were not escaped.
	srvA, srvB, srvLong := d.prefix, d.prefix+"xa", d.prefix+strings.Repeat("L", 32-len(d.prefix))
	d.serverRow(t, srvA, aliceID, 2)
	d.serverRow(t, srvB, bobID, 5)
	d.serverRow(t, srvLong, env.AdminID, 1)

	d.testHostCreate(t)
	a1 := d.mustCreateDB(t, alice, srvA, map[string]any{"databaseName": "a_b"})
	b1 := d.mustCreateDB(t, bob, srvB, map[string]any{"databaseName": "b"})

	t.Run("names and responses", func(t *testing.T) {
		if a1.Name != "s"+srvA+"_a_b" || b1.Name != "s"+srvB+"_b" {
			t.Fatalf("names %q, %q", a1.Name, b1.Name)
		}
		if len(a1.Username) > 32 || !strings.HasPrefix(a1.Username, "u"+srvA+"_") || a1.Password == "" {
			t.Fatalf("created = %+v", a1)
		}
		want := fmt.Sprintf("mysql://%s@%s/%s", a1.Username, net.JoinHostPort(m.host, strconv.Itoa(m.port)), a1.Name)
		if a1.ConnectionString != want || a1.Host != m.host || a1.Port != m.port || a1.DatabaseHostId != d.hostID {
			t.Fatalf("created = %+v, want connection string %s", a1, want)
		}
		r := env.Do(t, http.MethodGet, "/api/servers/"+srvA+"/databases", alice, nil, nil)
		var list api.ServerDatabaseList
		r.JSON(t, &list)
		if r.Status != http.StatusOK || len(list.Databases) != 1 || list.Databases[0].ConnectionString != want ||
			bytes.Contains(r.Body, []byte(a1.Password)) || bytes.Contains(r.Body, []byte("password")) {
			t.Fatalf("list: %d %s", r.Status, r.Body)
		}
	})
	t.Run("owners only", func(t *testing.T) {
		env.Do(t, http.MethodGet, "/api/servers/"+srvB+"/databases", alice, nil, nil).
			ExpectError(t, http.StatusNotFound, server.CodeServerNotFound)
		d.createDB(t, alice, srvB, map[string]any{}).ExpectError(t, http.StatusNotFound, server.CodeServerNotFound)
		path := fmt.Sprintf("/api/servers/%s/databases/%d", srvB, b1.Id)
		env.Do(t, http.MethodDelete, path, alice, nil, nil).ExpectError(t, http.StatusNotFound, server.CodeServerNotFound)
		env.Do(t, http.MethodPost, path+"/rotate-password", alice, nil, nil).ExpectError(t, http.StatusNotFound, server.CodeServerNotFound)
		// a database addressed through another server is not found, even for an admin
		path = fmt.Sprintf("/api/servers/%s/databases/%d", srvB, a1.Id)
		env.Do(t, http.MethodDelete, path, d.admin, nil, nil).ExpectError(t, http.StatusNotFound, server.CodeDatabaseNotFound)
		env.Do(t, http.MethodGet, "/api/databasehosts", alice, nil, nil).ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	})
	t.Run("credentials work and are isolated", func(t *testing.T) {
		d.checkIsolation(t, a1, b1)
		d.checkIsolation(t, b1, a1)
	})
	d.testCreateFailures(t, alice, srvA, srvLong)
	d.testLimits(t, alice, bob, srvA, srvB)
	d.testRotate(t, alice, srvA, a1)
	d.testHostUpdateDelete(t)
	d.testDeletes(t, alice, bob, srvA, srvB, a1)
}

// checkIsolation: own's credentials work on its database and nowhere else.
func (d *dbTest) checkIsolation(t *testing.T, own, other api.ServerDatabaseCreated) {
	t.Helper()
	conn, err := d.m.connect(own.Username, own.Password)
	if err != nil {
		t.Fatalf("connect as %s: %v", own.Username, err)
	}
	defer conn.Close()
	if _, err := conn.Exec("CREATE TABLE `" + own.Name + "`.t (id INT)"); err != nil {
		t.Fatalf("%s cannot use its database: %v", own.Username, err)
	}
	if _, err := conn.Exec("CREATE TABLE `" + other.Name + "`.t2 (id INT)"); err == nil {
		t.Fatalf("%s can create a table in %s", own.Username, other.Name)
	}
	if _, err := conn.Exec("SELECT * FROM `" + other.Name + "`.t"); err == nil {
		t.Fatalf("%s can read %s", own.Username, other.Name)
	}
	var seen []string
	rows, err := conn.Query("SHOW DATABASES")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		seen = append(seen, s)
	}
	if strings.Join(seen, ",") != "information_schema,"+own.Name {
		t.Fatalf("%s sees databases %v", own.Username, seen)
	}
}

// limitedAccount creates a MariaDB account that may create databases and users but not grant,
// dropped at cleanup.
func (d *dbTest) limitedAccount(t *testing.T) (user, password string) {
	t.Helper()
	user, password = "lim"+strings.ToLower(d.prefix), "Lim1ted-"+store.RandomString(9)
	for _, q := range []string{"CREATE USER ?@'%' IDENTIFIED BY ?", "GRANT CREATE, DROP, CREATE USER ON *.* TO ?@'%'"} {
		args := []any{user, password}
		if strings.HasPrefix(q, "GRANT") {
			args = args[:1]
		}
		if _, err := d.m.admin.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _, _ = d.m.admin.Exec("DROP USER IF EXISTS ?@'%'", user) })
	return user, password
}

func (d *dbTest) testHostCreate(t *testing.T) {
	env, m := d.env, d.m
	ctx := context.Background()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := l.Addr().(*net.TCPAddr).Port
	l.Close()
	limUser, limPW := d.limitedAccount(t)
	host := func(name, user, pw string, port int) map[string]any {
		return map[string]any{"name": name, "host": m.host, "port": port, "username": user, "password": pw, "maxDatabases": 3}
	}
	t.Run("bad hosts are refused and not stored", func(t *testing.T) {
		for _, tt := range []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"wrong password", host("h", m.user, m.pw+"x", m.port), "password"},
			{"unknown user", host("h", "nobody", m.pw, m.port), "password"},
			{"closed port", host("h", m.user, m.pw, closedPort), "host"},
			{"no GRANT OPTION", host("h", limUser, limPW, m.port), "username"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				r := env.DoJSON(t, http.MethodPost, "/api/databasehosts", d.admin, tt.body)
				e := r.ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
				if e.Metadata == nil || (*e.Metadata)["field"] != tt.field {
					t.Errorf("metadata %v, want field %s", e.Metadata, tt.field)
				}
				if bytes.Contains(r.Body, []byte(m.pw)) || bytes.Contains(r.Body, []byte("Error 1")) {
					t.Errorf("the error leaks the password or the driver's message: %s", r.Body)
				}
			})
		}
		if n, _ := env.Store.Client.DatabaseHost.Query().Count(ctx); n != 0 {
			t.Fatalf("%d hosts stored after refused creations", n)
		}
	})
	r := env.DoJSON(t, http.MethodPost, "/api/databasehosts", d.admin, host("maria", m.user, m.pw, m.port))
	if r.Status != http.StatusCreated {
		t.Fatalf("create host: %d %s", r.Status, r.Body)
	}
	var h api.DatabaseHost
	r.JSON(t, &h)
	d.hostID = h.Id
	t.Run("host stored sealed, never returned", func(t *testing.T) {
		if h.Name != "maria" || h.Port != m.port || h.Username != m.user || h.MaxDatabases == nil || *h.MaxDatabases != 3 ||
			h.NodeId != nil || h.Databases != 0 {
			t.Fatalf("created host %+v", h)
		}
		row, err := env.Store.Client.DatabaseHost.Get(ctx, int(h.Id))
		if err != nil {
			t.Fatal(err)
		}
		if len(row.PasswordEnc) < len(m.pw)+16 || bytes.Contains(row.PasswordEnc, []byte(m.pw)) {
			t.Fatalf("password_enc %x is not a sealed password", row.PasswordEnc)
		}
		for _, p := range []string{"/api/databasehosts", fmt.Sprintf("/api/databasehosts/%d", h.Id)} {
			r := env.Do(t, http.MethodGet, p, d.admin, nil, nil)
			if r.Status != http.StatusOK || bytes.Contains(r.Body, []byte(m.pw)) || bytes.Contains(r.Body, []byte("password")) {
				t.Fatalf("GET %s: %d %s", p, r.Status, r.Body)
			}
		}
		r := env.DoJSON(t, http.MethodPost, "/api/databasehosts", d.admin, host("maria", m.user, m.pw, m.port))
		r.ExpectError(t, http.StatusConflict, server.CodeConflict)
	})
}

// exists reports whether database name and user exist on the server.
func (m *mariaDB) exists(t *testing.T, name, user string) (db, usr bool) {
	t.Helper()
	db = len(m.column(t, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", name)) > 0
	usr = len(m.column(t, "SELECT User FROM mysql.user WHERE User = ?", user)) > 0
	return db, usr
}

func (d *dbTest) testCreateFailures(t *testing.T, alice, srvA, srvLong string) {
	env, m := d.env, d.m
	before := m.schemas(t, srvA)
	usersBefore := m.users(t, d.prefix)
	unchanged := func(t *testing.T) {
		t.Helper()
		if n := d.rows(t, srvA); n != 1 {
			t.Fatalf("%d rows for %s, want 1", n, srvA)
		}
		if got := m.schemas(t, srvA); strings.Join(got, ",") != strings.Join(before, ",") {
			t.Fatalf("databases %v, want %v", got, before)
		}
		if got := m.users(t, d.prefix); strings.Join(got, ",") != strings.Join(usersBefore, ",") {
			t.Fatalf("users %v, want %v", got, usersBefore)
		}
	}
	t.Run("malicious names", func(t *testing.T) {
		for _, name := range []string{"x`; DROP DATABASE mysql; --", "a'b", `a"b`, "a;b", "a--", "a b", `a\b`, "a%", "ä",
			strings.Repeat("n", 49), ""} {
			r := d.createDB(t, alice, srvA, map[string]any{"databaseName": name})
			r.ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
		}
		unchanged(t)
	})
	t.Run("name too long for the server id", func(t *testing.T) {
		r := d.createDB(t, d.admin, srvLong, map[string]any{"databaseName": strings.Repeat("n", 31)})
		e := r.ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
		if !strings.Contains(e.Msg, "at most 30 characters") {
			t.Fatalf("msg %q", e.Msg)
		}
	})
	t.Run("unknown host", func(t *testing.T) {
		d.createDB(t, alice, srvA, map[string]any{"databaseHostId": 999}).
			ExpectError(t, http.StatusNotFound, server.CodeDatabaseHostNotFound)
	})
	t.Run("existing database on the host is left alone", func(t *testing.T) {
		taken := "s" + srvA + "_taken"
		for _, q := range []string{"CREATE DATABASE `" + taken + "`", "CREATE TABLE `" + taken + "`.keep (id INT)"} {
			if _, err := m.admin.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		before = append(before, taken)
		d.createDB(t, alice, srvA, map[string]any{"databaseName": "taken"}).ExpectError(t, http.StatusConflict, server.CodeConflict)
		unchanged(t)
		if len(m.column(t, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", taken)) != 1 {
			t.Fatal("the existing database lost its table")
		}
	})
	t.Run("failed GRANT rolls back", func(t *testing.T) {
		user, pw := "full"+strings.ToLower(d.prefix), "Fu11-"+store.RandomString(12)
		for _, q := range []string{"CREATE USER '" + user + "'@'%' IDENTIFIED BY '" + pw + "'",
			"GRANT ALL PRIVILEGES ON *.* TO '" + user + "'@'%' WITH GRANT OPTION"} {
			if _, err := m.admin.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		t.Cleanup(func() { _, _ = m.admin.Exec("DROP USER IF EXISTS ?@'%'", user) })
		r := env.DoJSON(t, http.MethodPost, "/api/databasehosts", d.admin, map[string]any{"name": "degraded",
			"host": m.host, "port": m.port, "username": user, "password": pw})
		if r.Status != http.StatusCreated {
			t.Fatalf("create host: %d %s", r.Status, r.Body)
		}
		var h api.DatabaseHost
		r.JSON(t, &h)
		if _, err := m.admin.Exec("REVOKE GRANT OPTION ON *.* FROM ?@'%'", user); err != nil {
			t.Fatal(err)
		}
		r = d.createDB(t, alice, srvA, map[string]any{"databaseHostId": h.Id, "databaseName": "rb"})
		e := r.ExpectError(t, http.StatusInternalServerError, server.CodeDatabaseError)
		if strings.Contains(e.Msg, "GRANT ALL") || strings.Contains(e.Msg, "Access denied") || strings.Contains(e.Msg, pw) {
			t.Fatalf("unsafe message %q", e.Msg)
		}
		unchanged(t)
		env.Do(t, http.MethodDelete, fmt.Sprintf("/api/databasehosts/%d", h.Id), d.admin, nil, nil)
	})
}

func (d *dbTest) testLimits(t *testing.T, alice, bob, srvA, srvB string) {
	env := d.env
	t.Run("featureLimits.databases", func(t *testing.T) {
		a2 := d.mustCreateDB(t, alice, srvA, map[string]any{})
		if !strings.HasPrefix(a2.Name, "s"+srvA+"_") || len(a2.Name) != len(srvA)+2+8 {
			t.Fatalf("generated name %q", a2.Name)
		}
		e := d.createDB(t, alice, srvA, map[string]any{}).ExpectError(t, http.StatusConflict, server.CodeDatabaseLimit)
		if !strings.Contains(e.Msg, "featureLimits.databases = 2") {
			t.Fatalf("msg %q", e.Msg)
		}
		if n := d.rows(t, srvA); n != 2 {
			t.Fatalf("%d rows for %s", n, srvA)
		}
	})
	t.Run("host maxDatabases", func(t *testing.T) {
		e := d.createDB(t, bob, srvB, map[string]any{}).ExpectError(t, http.StatusConflict, server.CodeDatabaseLimit)
		if !strings.Contains(e.Msg, "maxDatabases = 3") {
			t.Fatalf("msg %q", e.Msg)
		}
		var h api.DatabaseHost
		env.Do(t, http.MethodGet, fmt.Sprintf("/api/databasehosts/%d", d.hostID), d.admin, nil, nil).JSON(t, &h)
		if h.Databases != 3 {
			t.Fatalf("host reports %d databases, want 3", h.Databases)
		}
		r := env.DoJSON(t, http.MethodPut, fmt.Sprintf("/api/databasehosts/%d", d.hostID), d.admin, map[string]any{"maxDatabases": 0})
		if r.Status != http.StatusOK {
			t.Fatalf("lift the limit: %d %s", r.Status, r.Body)
		}
		r.JSON(t, &h)
		if h.MaxDatabases != nil || h.Port != d.m.port {
			t.Fatalf("after maxDatabases 0: %+v", h)
		}
		d.mustCreateDB(t, bob, srvB, map[string]any{"databaseName": "second"})
	})
	t.Run("concurrent creations respect the limit", func(t *testing.T) {
		srvC := srvB + "cc"
		d.serverRow(t, srvC, d.env.AdminID, 1)
		const n = 6
		status := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { status[i] = d.createDB(t, d.admin, srvC, map[string]any{}).Status })
		}
		wg.Wait()
		created := 0
		for _, st := range status {
			if st == http.StatusCreated {
				created++
			} else if st != http.StatusConflict {
				t.Fatalf("statuses %v", status)
			}
		}
		if created != 1 || d.rows(t, srvC) != 1 || len(d.m.schemas(t, srvC)) != 1 || len(d.m.users(t, srvC)) != 1 {
			t.Fatalf("statuses %v; rows %d, databases %v, users %v", status, d.rows(t, srvC),
				d.m.schemas(t, srvC), d.m.users(t, srvC))
		}
		if r := env.Do(t, http.MethodDelete, "/api/servers/"+srvC+"?skipNode=true", d.admin, nil, nil); r.Status != http.StatusNoContent {
			t.Fatalf("delete server: %d %s", r.Status, r.Body)
		}
	})
}

func (d *dbTest) testRotate(t *testing.T, alice, srvA string, a1 api.ServerDatabaseCreated) {
	t.Run("rotate password", func(t *testing.T) {
		r := d.env.Do(t, http.MethodPost, fmt.Sprintf("/api/servers/%s/databases/%d/rotate-password", srvA, a1.Id), alice, nil, nil)
		var pw api.DatabasePassword
		r.JSON(t, &pw)
		if r.Status != http.StatusOK || pw.Password == "" || pw.Password == a1.Password {
			t.Fatalf("rotate: %d %s", r.Status, r.Body)
		}
		if c, err := d.m.connect(a1.Username, a1.Password); err == nil {
			c.Close()
			t.Fatal("the old password still works")
		}
		c, err := d.m.connect(a1.Username, pw.Password)
		if err != nil {
			t.Fatalf("the new password does not work: %v", err)
		}
		c.Close()
	})
}

func (d *dbTest) testHostUpdateDelete(t *testing.T) {
	env, m := d.env, d.m
	path := fmt.Sprintf("/api/databasehosts/%d", d.hostID)
	t.Run("update", func(t *testing.T) {
		r := env.DoJSON(t, http.MethodPut, path, d.admin, map[string]any{"password": m.pw + "x"})
		if e := r.ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid); (*e.Metadata)["field"] != "password" {
			t.Fatalf("metadata %v", e.Metadata)
		}
		r = env.DoJSON(t, http.MethodPut, path, d.admin, map[string]any{"name": "maria-renamed", "password": m.pw})
		var h api.DatabaseHost
		r.JSON(t, &h)
		if r.Status != http.StatusOK || h.Name != "maria-renamed" || h.Port != m.port || h.Host != m.host {
			t.Fatalf("update: %d %s", r.Status, r.Body)
		}
	})
	t.Run("unreachable host", func(t *testing.T) {
		ctx := context.Background()
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		closed := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if err := env.Store.Client.DatabaseHost.UpdateOneID(int(d.hostID)).SetPort(closed).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		list := env.Do(t, http.MethodGet, "/api/servers/"+d.prefix+"/databases", d.admin, nil, nil)
		var dbs api.ServerDatabaseList
		list.JSON(t, &dbs)
		for _, r := range []*apitest.Response{
			env.Do(t, http.MethodPost, fmt.Sprintf("/api/servers/%s/databases/%d/rotate-password", d.prefix, dbs.Databases[0].Id), d.admin, nil, nil),
			env.Do(t, http.MethodDelete, "/api/servers/"+d.prefix+"?skipNode=true", d.admin, nil, nil),
		} {
			e := r.ExpectError(t, http.StatusServiceUnavailable, server.CodeDatabaseError)
			if !strings.Contains(e.Msg, "cannot be reached") || (*e.Metadata)["requestId"] == nil {
				t.Fatalf("error %+v", e)
			}
		}
		if n := d.rows(t, d.prefix); n != 2 {
			t.Fatalf("%d database rows after a failed server deletion, want 2", n)
		}
		if err := env.Store.Client.DatabaseHost.UpdateOneID(int(d.hostID)).SetPort(m.port).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("delete refused while in use", func(t *testing.T) {
		env.Do(t, http.MethodDelete, path, d.admin, nil, nil).ExpectError(t, http.StatusConflict, server.CodeConflict)
	})
}

func (d *dbTest) testDeletes(t *testing.T, alice, bob, srvA, srvB string, a1 api.ServerDatabaseCreated) {
	env, m := d.env, d.m
	t.Run("delete database", func(t *testing.T) {
		var list api.ServerDatabaseList
		env.Do(t, http.MethodGet, "/api/servers/"+srvA+"/databases", alice, nil, nil).JSON(t, &list)
		if len(list.Databases) != 2 || list.Databases[0].Id != a1.Id {
			t.Fatalf("list %+v", list)
		}
		a2 := list.Databases[1]
		r := env.Do(t, http.MethodDelete, fmt.Sprintf("/api/servers/%s/databases/%d", srvA, a2.Id), alice, nil, nil)
		if r.Status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		if db, usr := m.exists(t, a2.Name, a2.Username); db || usr || d.rows(t, srvA) != 1 {
			t.Fatalf("after delete: database %v, user %v, rows %d", db, usr, d.rows(t, srvA))
		}
	})
	t.Run("delete server drops its databases", func(t *testing.T) {
		var listB api.ServerDatabaseList
		env.Do(t, http.MethodGet, "/api/servers/"+srvB+"/databases", bob, nil, nil).JSON(t, &listB)
		// skipNode (no node in this test) is admin-only (x-admin-only)
		for _, s := range []struct{ id, token string }{{srvA, d.admin}, {srvB, d.admin}} {
			r := env.Do(t, http.MethodDelete, "/api/servers/"+s.id+"?skipNode=true", s.token, nil, nil)
			if r.Status != http.StatusNoContent {
				t.Fatalf("delete server %s: %d %s", s.id, r.Status, r.Body)
			}
			if n := d.rows(t, s.id); n != 0 {
				t.Fatalf("%d database rows left for %s", n, s.id)
			}
		}
		all := append(listB.Databases, api.ServerDatabase{Name: a1.Name, Username: a1.Username})
		for _, db := range all {
			if dbOK, usr := m.exists(t, db.Name, db.Username); dbOK || usr {
				t.Fatalf("%s: database exists %v, user exists %v", db.Name, dbOK, usr)
			}
		}
		if u := m.users(t, d.prefix); len(u) != 0 {
			t.Fatalf("users left: %v", u)
		}
	})
	t.Run("delete host", func(t *testing.T) {
		path := fmt.Sprintf("/api/databasehosts/%d", d.hostID)
		if r := env.Do(t, http.MethodDelete, path, d.admin, nil, nil); r.Status != http.StatusNoContent {
			t.Fatalf("delete host: %d %s", r.Status, r.Body)
		}
		env.Do(t, http.MethodGet, path, d.admin, nil, nil).ExpectError(t, http.StatusNotFound, server.CodeDatabaseHostNotFound)
	})
}
