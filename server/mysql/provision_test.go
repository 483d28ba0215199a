package mysql

import (
	"context"
	"errors"
	"testing"
)

func TestCreateUseDrop(t *testing.T) {
	h := newTestHost(t)
	c := h.open(t, h.Host)
	ctx := context.Background()
	db, user := h.names(t, "main")
	pw := NewPassword()
	if err := c.CreateDatabase(ctx, db, user, pw); err != nil {
		t.Fatal(err)
	}
	pool, err := connectAs(h.Host, user, pw)
	if err != nil {
		t.Fatalf("connect as the new user: %v", err)
	}
	defer pool.Close()
	conn, err := pool.Conn(ctx) // one pinned session: it must not survive the drop
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "CREATE TABLE "+quoteIdent(db)+".t (id INT PRIMARY KEY)"); err != nil {
		t.Fatalf("the user cannot create a table in its database: %v", err)
	}
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+quoteIdent(db+"x")); err == nil {
		h.dropAtCleanup(t, db+"x", user)
		t.Fatal("the user can create other databases")
	}
	if err := c.CreateDatabase(ctx, db, ServerUserName(h.prefix), pw); !errors.Is(err, ErrExists) {
		t.Fatalf("second CreateDatabase of %s = %v, want ErrExists", db, err)
	}
	if dbOK, _ := h.exists(t, db, user); !dbOK {
		t.Fatal("a failed second create dropped the existing database")
	}
	for i := range 2 { // dropping twice succeeds
		if err := c.DropDatabase(ctx, db, user); err != nil {
			t.Fatalf("drop %d: %v", i+1, err)
		}
	}
	if dbOK, userOK := h.exists(t, db, user); dbOK || userOK {
		t.Fatalf("after drop: database exists=%v, user exists=%v", dbOK, userOK)
	}
	if _, err := conn.ExecContext(ctx, "SELECT 1"); err == nil {
		t.Fatal("the dropped user's open session still works")
	}
}

// A grant on s<id>_a_b must not match s<id>xa_b: `_` is a wildcard in GRANT.
func TestGrantDoesNotMatchOtherDatabases(t *testing.T) {
	h := newTestHost(t)
	c := h.open(t, h.Host)
	ctx := context.Background()
	db1, err := ServerDatabaseName(h.prefix, "a_b")
	if err != nil {
		t.Fatal(err)
	}
	db2, err := ServerDatabaseName(h.prefix+"xa", "b") // same length, differs where db1 has `_`
	if err != nil {
		t.Fatal(err)
	}
	user1, user2 := ServerUserName(h.prefix), ServerUserName(h.prefix+"xa")
	h.dropAtCleanup(t, db1, user1)
	h.dropAtCleanup(t, db2, user2)
	pw := NewPassword()
	for _, d := range [][2]string{{db1, user1}, {db2, user2}} {
		if err := c.CreateDatabase(ctx, d[0], d[1], pw); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := connectAs(h.Host, user1, pw)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Exec("CREATE TABLE " + quoteIdent(db2) + ".t (id INT)"); err == nil {
		t.Fatalf("%s can create a table in %s", user1, db2)
	}
	var n int
	if err := conn.QueryRow("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", db2).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%s sees %s", user1, db2)
	}
}

// A failure after CREATE DATABASE leaves nothing behind.
func TestCreateRollback(t *testing.T) {
	h := newTestHost(t)
	ctx := context.Background()
	t.Run("user exists", func(t *testing.T) {
		db, user := h.names(t, "dupuser")
		if _, err := h.admin.Exec("CREATE USER ?@'%' IDENTIFIED BY ?", user, NewPassword()); err != nil {
			t.Fatal(err)
		}
		if err := h.open(t, h.Host).CreateDatabase(ctx, db, user, NewPassword()); !errors.Is(err, ErrExists) {
			t.Fatalf("CreateDatabase = %v, want ErrExists", err)
		}
		if dbOK, userOK := h.exists(t, db, user); dbOK || !userOK {
			t.Fatalf("database exists=%v (want false), existing user kept=%v (want true)", dbOK, userOK)
		}
	})
	t.Run("grant refused", func(t *testing.T) {
		db, user := h.names(t, "nogrant")
		err := h.open(t, h.limitedAdmin(t)).CreateDatabase(ctx, db, user, NewPassword())
		if !errors.Is(err, ErrPrivileges) {
			t.Fatalf("CreateDatabase = %v, want ErrPrivileges", err)
		}
		if dbOK, userOK := h.exists(t, db, user); dbOK || userOK {
			t.Fatalf("left behind: database=%v user=%v", dbOK, userOK)
		}
	})
}

func TestSetPassword(t *testing.T) {
	h := newTestHost(t)
	c := h.open(t, h.Host)
	ctx := context.Background()
	db, user := h.names(t, "rotate")
	oldPW, newPW := NewPassword(), NewPassword()
	if err := c.CreateDatabase(ctx, db, user, oldPW); err != nil {
		t.Fatal(err)
	}
	if err := c.SetPassword(ctx, user, newPW); err != nil {
		t.Fatal(err)
	}
	if conn, err := connectAs(h.Host, user, oldPW); err == nil {
		conn.Close()
		t.Fatal("the old password still works")
	}
	conn, err := connectAs(h.Host, user, newPW)
	if err != nil {
		t.Fatalf("the new password does not work: %v", err)
	}
	conn.Close()
	if err := c.SetPassword(ctx, ServerUserName(h.prefix), newPW); !errors.Is(err, ErrNoSuchUser) {
		t.Fatalf("SetPassword of a missing user = %v, want ErrNoSuchUser", err)
	}
}

// Malicious names never reach the host: every entry point validates them.
func TestInjectedNamesRefused(t *testing.T) {
	h := newTestHost(t)
	c := h.open(t, h.Host)
	ctx := context.Background()
	evil := []string{"x`; DROP DATABASE mysql; --", "x' OR '1'='1", "x;", "x -- ", "x\\", "x%", "x.y", ""}
	for _, name := range evil {
		t.Run(name, func(t *testing.T) {
			calls := map[string]error{
				"create db":    c.CreateDatabase(ctx, name, "uok", "pw"),
				"create user":  c.CreateDatabase(ctx, "sok", name, "pw"),
				"drop db":      c.DropDatabase(ctx, name, "uok"),
				"drop user":    c.DropDatabase(ctx, "sok", name),
				"set password": c.SetPassword(ctx, name, "pw"),
			}
			for call, err := range calls {
				if !errors.Is(err, ErrInvalidName) {
					t.Errorf("%s with %q = %v, want ErrInvalidName", call, name, err)
				}
			}
		})
	}
	var n int
	if err := h.admin.QueryRow("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'mysql'").Scan(&n); err != nil || n != 1 {
		t.Fatalf("the mysql schema: count %d, %v", n, err)
	}
}

// A password is a parameter: quotes and backslashes in it are data, not SQL.
func TestPasswordWithQuotes(t *testing.T) {
	h := newTestHost(t)
	c := h.open(t, h.Host)
	ctx := context.Background()
	db, user := h.names(t, "quotes")
	pw := `it's a "pass\word"; DROP USER x --`
	if err := c.CreateDatabase(ctx, db, user, pw); err != nil {
		t.Fatal(err)
	}
	conn, err := connectAs(h.Host, user, pw)
	if err != nil {
		t.Fatalf("connect with the quoted password: %v", err)
	}
	conn.Close()
}
