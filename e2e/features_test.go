package e2e

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/api"
)

// TestNodeFeatures: GET /api/nodes/{id}/features says whether the docker environment is
// available, and servers created without environmentType get docker only when it is.
func TestNodeFeatures(t *testing.T) {
	t.Parallel()
	const missing = "/nonexistent.sock"
	cases := []struct {
		name       string
		containerd string
		docker     bool
		envs       []api.EnvironmentType
	}{
		{"with containerd", suite.sock, true, []api.EnvironmentType{api.EnvironmentTypeStandard, api.EnvironmentTypeDocker}},
		{"without containerd", missing, false, []api.EnvironmentType{api.EnvironmentTypeStandard}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.containerd == "" {
				t.Skip("docker environment: " + suite.noDocker)
			}
			t.Parallel()
			p := startPanel(t, tc.containerd)
			c := p.client(t)
			ctx := context.Background()
			nodes, err := c.ListNodesWithResponse(ctx, nil)
			if err != nil || nodes.JSON200 == nil || len(nodes.JSON200.Nodes) != 1 {
				t.Fatalf("nodes: %v %s, want the local node", err, body(nodes))
			}
			node := nodes.JSON200.Nodes[0].Id
			resp, err := c.GetNodeFeaturesWithResponse(ctx, node)
			if err != nil || resp.JSON200 == nil {
				t.Fatalf("features: %v %s", err, body(resp))
			}
			f := *resp.JSON200
			if f.Docker != tc.docker || !slices.Equal(f.Environments, tc.envs) {
				t.Errorf("features = %s, want docker %v, environments %v", resp.Body, tc.docker, tc.envs)
			}
			switch reason := deref(f.DockerReason); {
			case tc.docker && reason != "":
				t.Errorf("dockerReason %q with docker available", reason)
			case !tc.docker && !strings.Contains(reason, missing):
				t.Errorf("dockerReason = %q, want the reason naming %s", reason, missing)
			}
			testDefaultEnvironment(t, p, tc.docker)
		})
	}
}

// testDefaultEnvironment: without environmentType a server gets docker when the node has it;
// on a node without docker it fails with 503 ErrNodeUnavailable naming the reason (never a
// silent host process) and nothing is created; asking for docker there → 400 naming
// environmentType.
func testDefaultEnvironment(t *testing.T, p *panel, docker bool) {
	e := environments[1]
	b := p.body(e, echoLoop)
	b.EnvironmentType = nil
	if !docker {
		id := serverID("default", e)
		resp, err := p.client(t).CreateServerWithResponse(context.Background(), id, b)
		if err != nil {
			t.Fatal(err)
		}
		d := expectError(t, resp, http.StatusServiceUnavailable, api.ErrorCodeErrNodeUnavailable)
		if !strings.Contains(d.Msg, "docker") || field(d) != "environmentType" {
			t.Errorf("error %+v, want the docker reason and metadata.field environmentType", d)
		}
		p.assertNoTrace(t, id)
		id = serverID("nodocker", e)
		b.EnvironmentType = ptr(api.EnvironmentTypeDocker)
		resp, err = p.client(t).CreateServerWithResponse(context.Background(), id, b)
		if err != nil {
			t.Fatal(err)
		}
		if f := field(expectError(t, resp, http.StatusBadRequest, api.ErrorCodeErrFieldInvalid)); f != "environmentType" {
			t.Errorf("metadata.field = %q, want environmentType", f)
		}
		p.assertNoTrace(t, id)
		return
	}
	s := p.create(t, serverID("default", e), e, b)
	got, err := s.c.GetServerWithResponse(context.Background(), s.id, nil)
	if err != nil || got.JSON200 == nil {
		t.Fatalf("get: %v %s", err, body(got))
	}
	if got.JSON200.EnvironmentType != api.EnvironmentTypeDocker {
		t.Errorf("environmentType = %s, want docker", got.JSON200.EnvironmentType)
	}
	s.remove(t, 0)
}
