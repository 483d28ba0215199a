package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	skypanel "github.com/skypanel/skypanel"
	"github.com/skypanel/skypanel/server"
)

// TestPagingRange, for every paged operation of the spec: page and limit values that are out
// of range, not integers or overflow 64 bits get 400 ErrFieldInvalid naming the parameter
// (never a 500 or a wrapped-around offset); the largest page answers an empty page.
func TestPagingRange(t *testing.T) {
	env := startFilesEnv(t) // a real local node: backups and folder listings are paged too
	admin := env.admin
	srv := env.createServer(t, 0, 1)
	createHook(t, env.Env, admin, "http://127.0.0.1:9/hook", "server.deleted") // webhook 1: its delivery log is paged
	c, err := server.LoadContract(context.Background(), skypanel.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	bad := []struct{ field, query string }{
		{"page", "page=9223372036854775807"},
		{"page", "page=9223372036854775808"},
		{"page", "page=99999999999999999999"},
		{"page", "page=2147483648"},
		{"page", "page=0"},
		{"page", "page=-1"},
		{"page", "page=-9223372036854775808"},
		{"page", "page=1.5"},
		{"page", "page=1e3"},
		{"page", "page=abc"},
		{"page", "page=1&page=9223372036854775807"},
		{"limit", "limit=99999999999999999999"},
		{"limit", "limit=9223372036854775807"},
		{"limit", "limit=101"},
		{"limit", "limit=0"},
		{"limit", "limit=-5"},
		{"limit", "page=2&limit=1e1"},
	}
	paged := 0
	for _, op := range c.Operations() {
		if !op.Paged {
			continue
		}
		paged++
		path := strings.NewReplacer("{serverId}", srv, "{path}", "").Replace(op.Path)
		path = pathParam.ReplaceAllString(path, "1")
		for _, b := range bad {
			t.Run(op.ID+" "+b.query, func(t *testing.T) {
				r := env.Do(t, op.Method, path+"?"+b.query, admin, nil, nil)
				d := r.ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
				if d.Metadata == nil || (*d.Metadata)["field"] != b.field {
					t.Errorf("metadata = %v, want field %s", d.Metadata, b.field)
				}
			})
		}
		t.Run(op.ID+" last page", func(t *testing.T) {
			r := env.Do(t, op.Method, path+"?page=2147483647&limit=100", admin, nil, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			var l struct {
				Metadata struct{ Paging struct{ Page, Size int64 } }
			}
			if err := json.Unmarshal(r.Body, &l); err != nil || l.Metadata.Paging.Page != 2147483647 || l.Metadata.Paging.Size != 100 {
				t.Errorf("paging of the last page: %s (%v)", r.Body, err)
			}
		})
	}
	if paged < 8 {
		t.Errorf("only %d paged operations found in the spec", paged)
	}
}
