package server_test

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
)

// fieldErrors returns metadata.field and the fields of metadata.errors.
func fieldErrors(t *testing.T, r *apitest.Response, status int, code string) (string, []string) {
	t.Helper()
	d := r.ExpectError(t, status, code)
	if d.Metadata == nil {
		t.Fatalf("no metadata: %s", r.Body)
	}
	md := *d.Metadata
	field, _ := md["field"].(string)
	list, _ := md["errors"].([]any)
	var fields []string
	for _, e := range list {
		m, _ := e.(map[string]any)
		f, _ := m["field"].(string)
		fields = append(fields, f)
	}
	return field, fields
}

func TestRequestValidation(t *testing.T) {
	env := apitest.Start(t)
	admin := env.AdminToken(t)
	cases := []struct {
		name   string
		body   string
		code   string
		field  string   // metadata.field
		fields []string // all of these in metadata.errors
	}{
		{"missing required field", `{"username":"val1","email":"val1@example.com"}`, server.CodeFieldRequired, "password", []string{"password"}},
		{"all required missing", `{}`, server.CodeFieldRequired, "", []string{"username", "email", "password"}},
		{"bad value", `{"username":"x","email":"val2@example.com","password":"Passw0rd-long"}`, server.CodeFieldInvalid, "username", []string{"username"}},
		{"wrong type", `{"username":"val3","email":"val3@example.com","password":"Passw0rd-long","admin":"yes"}`, server.CodeFieldInvalid, "admin", []string{"admin"}},
		{"several failures", `{"username":"x","email":"val4@example.com","password":"short"}`, server.CodeFieldInvalid, "", []string{"username", "password"}},
		{"unknown field", `{"username":"val5","email":"val5@example.com","password":"Passw0rd-long","nickname":"v"}`, server.CodeFieldInvalid, "nickname", []string{"nickname"}},
		{"malformed JSON", `{"username":`, server.CodeFieldInvalid, "", nil},
		{"not an object", `[1,2]`, server.CodeFieldInvalid, "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := env.Do(t, http.MethodPost, "/api/users", admin, strings.NewReader(tc.body), nil)
			field, fields := fieldErrors(t, r, http.StatusBadRequest, tc.code)
			if tc.field != "" && field != tc.field {
				t.Errorf("metadata.field = %q, want %q", field, tc.field)
			}
			if tc.field == "" && len(tc.fields) > 0 && !slices.Contains(tc.fields, field) {
				t.Errorf("metadata.field = %q, want one of %v", field, tc.fields)
			}
			for _, f := range tc.fields {
				if !slices.Contains(fields, f) {
					t.Errorf("metadata.errors %v lacks %q (body %s)", fields, f, r.Body)
				}
			}
		})
	}
	t.Run("nested unknown field", func(t *testing.T) {
		r := env.Do(t, http.MethodPut, "/api/settings", admin, strings.NewReader(`{"companyName":"x","theme":{"a":1}}`), nil)
		if field, _ := fieldErrors(t, r, http.StatusBadRequest, server.CodeFieldInvalid); field != "theme" {
			t.Errorf("metadata.field = %q", field)
		}
	})
	t.Run("paging parameters", func(t *testing.T) {
		for _, q := range []struct{ query, field string }{
			{"limit=101", "limit"}, {"limit=0", "limit"}, {"page=0", "page"}, {"page=-1", "page"},
			{"limit=abc", "limit"}, {"page=1.5", "page"},
		} {
			for _, path := range []string{"/api/users", "/api/nodes", "/api/self/oauth2"} {
				r := env.Do(t, http.MethodGet, path+"?"+q.query, admin, nil, nil)
				if field, _ := fieldErrors(t, r, http.StatusBadRequest, server.CodeFieldInvalid); field != q.field {
					t.Errorf("%s?%s: metadata.field = %q, want %q", path, q.query, field, q.field)
				}
			}
		}
		if r := env.Do(t, http.MethodGet, "/api/users?limit=100&page=1", admin, nil, nil); r.Status != http.StatusOK {
			t.Errorf("limit=100: %d", r.Status)
		}
	})
	t.Run("bad path parameter", func(t *testing.T) {
		for _, p := range []string{"/api/users/0", "/api/users/abc", "/api/nodes/-1"} {
			r := env.Do(t, http.MethodGet, p, admin, nil, nil)
			if field, _ := fieldErrors(t, r, http.StatusBadRequest, server.CodeFieldInvalid); field != "id" {
				t.Errorf("%s: metadata.field = %q", p, field)
			}
		}
	})
	t.Run("body over 1 MiB", func(t *testing.T) {
		big := `{"companyName":"` + strings.Repeat("a", 1<<20) + `"}`
		r := env.Do(t, http.MethodPut, "/api/settings", admin, strings.NewReader(big), nil)
		r.ExpectError(t, http.StatusRequestEntityTooLarge, server.CodePayloadTooLarge)
	})
	t.Run("body just under the limit is read", func(t *testing.T) {
		name := strings.Repeat("a", 1<<19)
		r := env.Do(t, http.MethodPut, "/api/settings", admin, strings.NewReader(`{"companyName":"`+name+`"}`), nil)
		if r.Status == http.StatusRequestEntityTooLarge {
			t.Fatalf("512 KiB refused: %s", r.Body)
		}
	})
}

func TestVersionHeaderAndMediaTypes(t *testing.T) {
	env := apitest.Start(t)
	admin := env.AdminToken(t)
	cases := []struct {
		name, method, path, token string
		status                    int
		code                      string
	}{
		{"success", http.MethodGet, "/api/self", admin, http.StatusOK, ""},
		{"error", http.MethodGet, "/api/self", "", http.StatusUnauthorized, server.CodeUnauthorized},
		{"unknown /api route", http.MethodGet, "/api/nothing-here", admin, http.StatusNotFound, server.CodeNotFound},
		{"unknown route", http.MethodGet, "/nothing/here", "", http.StatusNotFound, server.CodeNotFound},
		{"trailing slash", http.MethodGet, "/api/self/", admin, http.StatusNotFound, server.CodeNotFound},
		{"wrong method", http.MethodDelete, "/api/settings", admin, http.StatusMethodNotAllowed, server.CodeMethodNotAllowed},
		{"wrong method, no token", http.MethodPatch, "/api/users", "", http.StatusMethodNotAllowed, server.CodeMethodNotAllowed},
	}
	for _, tc := range cases {
		for _, accept := range []string{"", "application/json", "application/vnd.aether.v1+json"} {
			t.Run(tc.name+" Accept "+accept, func(t *testing.T) {
				h := http.Header{}
				if accept != "" {
					h.Set("Accept", accept)
				}
				r := env.Do(t, tc.method, tc.path, tc.token, nil, h)
				if got := r.Header.Get("X-API-Version"); got != "v1" {
					t.Errorf("X-API-Version = %q", got)
				}
				if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
					t.Errorf("Content-Type = %q", r.Header.Get("Content-Type"))
				}
				if tc.code != "" {
					r.ExpectError(t, tc.status, tc.code)
				} else if r.Status != tc.status {
					t.Errorf("status = %d, want %d: %s", r.Status, tc.status, r.Body)
				}
			})
		}
	}
	t.Run("vendor media type on a request body", func(t *testing.T) {
		h := http.Header{"Accept": {"application/vnd.aether.v1+json"}, "Content-Type": {"application/json"}}
		r := env.Do(t, http.MethodPut, "/api/settings", admin, bytes.NewReader([]byte(`{"companyName":"Vendor"}`)), h)
		if r.Status != http.StatusNoContent || r.Header.Get("X-API-Version") != "v1" {
			t.Errorf("status %d, X-API-Version %q", r.Status, r.Header.Get("X-API-Version"))
		}
	})
	t.Run("oauth2 errors carry the version too", func(t *testing.T) {
		r := env.Do(t, http.MethodPost, "/oauth2/token", "", strings.NewReader("grant_type=client_credentials"),
			http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
		if r.Status < 400 || r.Header.Get("X-API-Version") != "v1" {
			t.Errorf("status %d, X-API-Version %q", r.Status, r.Header.Get("X-API-Version"))
		}
	})
}
