package multinode

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/pkg/namespaces"

	"github.com/skypanel/skypanel/e2e/multinode/netlab"
	"github.com/skypanel/skypanel/runtime/containerd"
)

// gamePid is the game process of server s: the standard server's wrapper (pid file) or the
// container's task.
func (cl *cluster) gamePid(t *testing.T, s *server) int {
	t.Helper()
	if envType() != "docker" {
		return standardPid(t, s)
	}
	c, err := client.New(suite.sock, client.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := namespaces.WithNamespace(context.Background(), cl.ns(s.node.Node.Letter))
	ctr, err := c.LoadContainer(ctx, containerd.ContainerID(s.id))
	if err != nil {
		t.Fatalf("container of %s: %v", s, err)
	}
	task, err := ctr.Task(ctx, nil)
	if err != nil {
		t.Fatalf("task of %s: %v", s, err)
	}
	return int(task.Pid())
}

// definitionFile finds the stored definition of server id in daemon d's data folder.
func definitionFile(d *netlab.Daemon, id string) string {
	for _, pattern := range []string{"servers", "*/servers"} {
		m, _ := filepath.Glob(filepath.Join(d.Dir, pattern, id, "definition.json"))
		if len(m) == 1 {
			return m[0]
		}
	}
	return ""
}

// storedDefinition is the part of the node's copy of a definition the tests read.
type storedDef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func storedDefinition(d *netlab.Daemon, id string) (storedDef, error) {
	var def storedDef
	f := definitionFile(d, id)
	if f == "" {
		return def, os.ErrNotExist
	}
	b, err := os.ReadFile(f)
	if err != nil {
		return def, err
	}
	return def, json.Unmarshal(b, &def)
}

func definitionExists(d *netlab.Daemon, id string) bool { return definitionFile(d, id) != "" }
