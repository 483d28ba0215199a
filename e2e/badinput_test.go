package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/api"
)

// unknownImage is on a registry that refuses connections at once (localhost is plain HTTP):
// the pull fails the same way with or without network.
const unknownImage = "localhost:1/skypanel-e2e/absent:v1"

// testBadInput: each bad create is a clear 4xx error naming the field (or the id) and leaves
// nothing behind: no database row (GET → 404), no folder on the node, no container, snapshot
// or task.
func testBadInput(t *testing.T, p *panel) {
	std, docker := environments[0], environments[1]
	cases := []struct {
		name   string
		env    environment
		change func(*api.ServerCreate)
		status int
		code   api.ErrorCode
		field  string // metadata.field, when the error names a field
		msg    string // part of msg
	}{
		{"unknown image", docker, func(b *api.ServerCreate) { b.DockerImage = ptr(unknownImage) },
			400, api.ErrorCodeErrFieldInvalid, "dockerImage", unknownImage},
		{"malformed image", docker, func(b *api.ServerCreate) { b.DockerImage = ptr("Not An Image!") },
			400, api.ErrorCodeErrFieldInvalid, "dockerImage", "Not An Image!"},
		{"docker without image", docker, func(b *api.ServerCreate) { b.DockerImage = nil },
			400, api.ErrorCodeErrFieldRequired, "dockerImage", ""},
		{"negative memory", std, func(b *api.ServerCreate) { b.Limits.Memory = ptr[int64](-1) },
			400, api.ErrorCodeErrFieldInvalid, "limits.memory", ""},
		{"negative swap", std, func(b *api.ServerCreate) { b.Limits.Swap = ptr[int64](-2) },
			400, api.ErrorCodeErrFieldInvalid, "limits.swap", ""},
		{"negative cpu", std, func(b *api.ServerCreate) { b.Limits.Cpu = ptr(-100) },
			400, api.ErrorCodeErrFieldInvalid, "limits.cpu", ""},
		{"negative disk", std, func(b *api.ServerCreate) { b.Limits.Disk = ptr[int64](-1) },
			400, api.ErrorCodeErrFieldInvalid, "limits.disk", ""},
		{"absurd memory", std, func(b *api.ServerCreate) { b.Limits.Memory = ptr[int64](1 << 40) },
			400, api.ErrorCodeErrFieldInvalid, "limits.memory", ""},
		{"absurd swap", std, func(b *api.ServerCreate) { b.Limits.Swap = ptr[int64](1 << 40) },
			400, api.ErrorCodeErrFieldInvalid, "limits.swap", ""},
		{"absurd cpu", std, func(b *api.ServerCreate) { b.Limits.Cpu = ptr(1 << 30) },
			400, api.ErrorCodeErrFieldInvalid, "limits.cpu", ""},
		{"absurd io", std, func(b *api.ServerCreate) { b.Limits.Io = ptr(100000) },
			400, api.ErrorCodeErrFieldInvalid, "limits.io", ""},
		{"absurd disk", std, func(b *api.ServerCreate) { b.Limits.Disk = ptr[int64](1 << 50) },
			400, api.ErrorCodeErrFieldInvalid, "limits.disk", ""},
		{"unknown owner", std, func(b *api.ServerCreate) { b.OwnerId = 987654 },
			404, api.ErrorCodeErrUserNotFound, "", ""},
		{"unknown node", std, func(b *api.ServerCreate) { b.NodeId = ptr[int64](987) },
			404, api.ErrorCodeErrNodeNotFound, "", ""},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.env.require(t)
			t.Parallel()
			id := serverID(fmt.Sprintf("bad%d", i), tc.env)
			b := p.body(tc.env, echoLoop)
			tc.change(&b)
			c := p.client(t)
			ctx := context.Background()
			resp, err := c.CreateServerWithResponse(ctx, id, b)
			if err != nil {
				t.Fatal(err)
			}
			e := expectError(t, resp, tc.status, tc.code)
			if field(e) != tc.field {
				t.Errorf("metadata.field = %q, want %q (%s)", field(e), tc.field, body(resp))
			}
			if !strings.Contains(e.Msg, tc.msg) {
				t.Errorf("msg %q does not mention %q", e.Msg, tc.msg)
			}
			switch tc.code {
			case api.ErrorCodeErrUserNotFound:
				checkMetadataID(t, e, b.OwnerId)
			case api.ErrorCodeErrNodeNotFound:
				checkMetadataID(t, e, *b.NodeId)
			}
			get, err := c.GetServerWithResponse(ctx, id, nil)
			if err != nil {
				t.Fatal(err)
			}
			expectError(t, get, http.StatusNotFound, api.ErrorCodeErrServerNotFound)
			p.assertNoTrace(t, id)
		})
	}
}

// checkMetadataID checks metadata.id of a not-found error (JSON numbers decode as float64).
func checkMetadataID(t *testing.T, e api.ErrorDetail, want int64) {
	t.Helper()
	if e.Metadata == nil || (*e.Metadata)["id"] != float64(want) {
		t.Errorf("metadata = %v, want id %d", e.Metadata, want)
	}
}

// testDuplicatePort: a port already used on the node → 400 ErrFieldInvalid naming port, and
// nothing of the second server is created.
func testDuplicatePort(t *testing.T, p *panel) {
	e := environments[0]
	first := p.body(e, echoLoop)
	first.Port = ptr(30001)
	s := p.create(t, serverID("port1", e), e, first)
	id := serverID("port2", e)
	second := p.body(e, echoLoop)
	second.Port = ptr(30001)
	ctx := context.Background()
	resp, err := s.c.CreateServerWithResponse(ctx, id, second)
	if err != nil {
		t.Fatal(err)
	}
	if f := field(expectError(t, resp, http.StatusBadRequest, api.ErrorCodeErrFieldInvalid)); f != "port" {
		t.Errorf("metadata.field = %q, want port", f)
	}
	get, err := s.c.GetServerWithResponse(ctx, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	expectError(t, get, http.StatusNotFound, api.ErrorCodeErrServerNotFound)
	p.assertNoTrace(t, id)
	s.remove(t, 0)
}
