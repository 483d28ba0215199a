package server

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/skypanel/skypanel"
)

// TestAdminFieldsOfSpec: the fields the middleware enforces are read from openapi.yaml,
// following $ref siblings and nested objects, with their mode.
func TestAdminFieldsOfSpec(t *testing.T) {
	c, err := LoadContract(context.Background(), skypanel.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"createServer": {"dockerImage=true", "environment=true", "environmentType=true", "externalId=true", "featureLimits=quota",
			"ip=true", "limits=quota", "limits.pids=true", "nodeId=true", "ownerId=except-self", "port=true",
			"startup=true"},
		"editServerDefinition": {"externalId=true", "server.data=true", "server.run.command=true", "type=true"},
		"deleteServer":         {"skipNode=true"},
		"updateUser":           {"admin=true", "externalId=true", "quota=true"},
		"createUser":           {"admin=true", "externalId=true"},
		"setUserPerms":         nil, // user managers grant at most their own scopes (h_users.go)
	}
	for _, op := range c.Operations() {
		exp, ok := want[op.ID]
		if !ok {
			continue
		}
		var got []string
		for _, f := range op.AdminFields {
			got = append(got, f.Name()+"="+f.Mode)
		}
		if !slices.Equal(got, exp) {
			t.Errorf("%s: admin fields %v, want %v", op.ID, got, exp)
		}
	}
}

// TestAdminOnlyBadValue: an unknown x-admin-only value makes the contract fail to load.
func TestAdminOnlyBadValue(t *testing.T) {
	spec := strings.Replace(string(skypanel.OpenAPI), "x-admin-only: except-self", "x-admin-only: sometimes", 1)
	if _, err := LoadContract(context.Background(), []byte(spec)); !errors.Is(err, ErrBadExtension) {
		t.Fatalf("err = %v, want ErrBadExtension", err)
	}
}

func TestFirstLeaf(t *testing.T) {
	v := map[string]any{"run": map[string]any{"command": "x"}, "data": map[string]any{"memory": 0}}
	if got := firstLeaf("server", v); got != "server.data.memory" {
		t.Errorf("firstLeaf = %q", got)
	}
	if got := firstLeaf("environment", map[string]any{}); got != "environment" {
		t.Errorf("firstLeaf of {} = %q", got)
	}
}
