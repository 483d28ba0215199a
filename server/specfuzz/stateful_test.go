package specfuzz

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"testing"

	"pgregory.net/rapid"

	"github.com/skypanel/skypanel/server/apitest"
)

// userModel is what the panel should hold for the users the sequence created.
type userModel struct {
	env   *apitest.Env
	tb    *recTB
	admin string
	users map[int]string // id -> username
	seq   int
}

// TestUserLifecycle runs random create → get → edit → list → delete sequences of users against
// the panel, every response validated against the spec, and checks the panel agrees with a
// model of what was done.
func TestUserLifecycle(t *testing.T) {
	env := apitest.Start(t)
	admin := env.AdminToken(t)
	rapid.Check(t, func(rt *rapid.T) {
		m := &userModel{env: env, tb: &recTB{TB: t}, admin: admin, users: map[int]string{}}
		rt.Repeat(map[string]func(*rapid.T){
			"create": m.create,
			"get":    m.get,
			"edit":   m.edit,
			"delete": m.delete,
			"":       m.invariants,
		})
		for id := range m.users { // leave the store as found for the next sequence
			m.do(rt, http.MethodDelete, "/api/users/"+strconv.Itoa(id), nil)
		}
	})
}

// do sends one admin request through the validating transport and fails on spec mismatches.
func (m *userModel) do(rt *rapid.T, method, path string, body any) *apitest.Response {
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	req := &fuzzRequest{Method: method, Path: path, Body: b, ContentType: "application/json", Who: "admin"}
	if b == nil {
		req.ContentType = ""
	}
	hr, err := req.httpRequest(rt.Context(), m.env.URL, m.admin)
	if err != nil {
		rt.Fatalf("%v", err)
	}
	m.tb.errs = nil
	r := m.env.Do(m.tb, hr.Method, path, m.admin, bodyReader(b), hr.Header)
	for _, e := range m.tb.errs {
		rt.Fatalf("%s: %s", req, e)
	}
	if r.Status >= 500 {
		rt.Fatalf("%s -> %d %s", req, r.Status, r.Body)
	}
	return r
}

func (m *userModel) pick(rt *rapid.T) (int, bool) {
	if len(m.users) == 0 {
		return 0, false
	}
	ids := make([]int, 0, len(m.users))
	for id := range m.users {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	return rapid.SampledFrom(ids).Draw(rt, "user"), true
}

func (m *userModel) create(rt *rapid.T) {
	m.seq++
	name := fmt.Sprintf("%s%d", rapid.StringMatching(`[a-z]{3,10}`).Draw(rt, "name"), m.seq)
	r := m.do(rt, http.MethodPost, "/api/users", map[string]any{"username": name,
		"email": name + "@example.com", "password": "Passw0rd-" + name})
	if r.Status != http.StatusCreated {
		rt.Fatalf("create %s: %d %s", name, r.Status, r.Body)
	}
	var u struct {
		ID       int    `json:"id"`
		Username string `json:"username"`
	}
	if err := json.Unmarshal(r.Body, &u); err != nil || u.Username != name {
		rt.Fatalf("create %s answered %s (%v)", name, r.Body, err)
	}
	m.users[u.ID] = name
}

func (m *userModel) get(rt *rapid.T) {
	id, ok := m.pick(rt)
	if !ok {
		rt.Skip("no user yet")
	}
	r := m.do(rt, http.MethodGet, "/api/users/"+strconv.Itoa(id), nil)
	var u struct {
		Username string `json:"username"`
	}
	if r.Status != http.StatusOK || json.Unmarshal(r.Body, &u) != nil || u.Username != m.users[id] {
		rt.Fatalf("get %d (%s): %d %s", id, m.users[id], r.Status, r.Body)
	}
}

func (m *userModel) edit(rt *rapid.T) {
	id, ok := m.pick(rt)
	if !ok {
		rt.Skip("no user yet")
	}
	m.seq++
	name := fmt.Sprintf("ed%d_%s", m.seq, rapid.StringMatching(`[a-z]{1,8}`).Draw(rt, "newName"))
	r := m.do(rt, http.MethodPost, "/api/users/"+strconv.Itoa(id), map[string]any{"username": name})
	if r.Status/100 != 2 {
		rt.Fatalf("rename %d to %s: %d %s", id, name, r.Status, r.Body)
	}
	m.users[id] = name
}

func (m *userModel) delete(rt *rapid.T) {
	id, ok := m.pick(rt)
	if !ok {
		rt.Skip("no user yet")
	}
	if r := m.do(rt, http.MethodDelete, "/api/users/"+strconv.Itoa(id), nil); r.Status/100 != 2 {
		rt.Fatalf("delete %d: %d %s", id, r.Status, r.Body)
	}
	delete(m.users, id)
	if r := m.do(rt, http.MethodGet, "/api/users/"+strconv.Itoa(id), nil); r.Status != http.StatusNotFound {
		rt.Fatalf("deleted user %d still answers %d %s", id, r.Status, r.Body)
	}
}

// invariants: every modelled user is listed under its current name.
func (m *userModel) invariants(rt *rapid.T) {
	for id, name := range m.users {
		r := m.do(rt, http.MethodGet, "/api/users?username="+name, nil)
		if r.Status != http.StatusOK || !containsID(r.Body, id) {
			rt.Fatalf("user %d (%s) not listed: %d %s", id, name, r.Status, r.Body)
		}
	}
}

// containsID reports whether a UserList body lists the user id.
func containsID(body []byte, id int) bool {
	var l struct {
		Users []struct {
			ID int `json:"id"`
		} `json:"users"`
	}
	if json.Unmarshal(body, &l) != nil {
		return false
	}
	for _, u := range l.Users {
		if u.ID == id {
			return true
		}
	}
	return false
}

func bodyReader(b []byte) io.Reader {
	if b == nil {
		return nil
	}
	return bytes.NewReader(b)
}
