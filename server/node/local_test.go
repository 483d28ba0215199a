package node

import (
	"errors"
	"testing"

	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/ent"
)

func TestLocalOnly(t *testing.T) {
	svc, err := nodeapi.New(nodeapi.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	f := LocalOnly{Local: svc}
	if c, err := f.Client(t.Context(), &ent.Node{ID: 1, Local: true}); err != nil || c != Client(svc) {
		t.Errorf("local node: %v, %v", c, err)
	}
	_, err = f.Client(t.Context(), &ent.Node{ID: 7})
	if id, ok := NodeIDOf(err); !errors.Is(err, ErrUnavailable) || !ok || id != 7 {
		t.Errorf("remote node: %v (node %d)", err, id)
	}
	_, err = LocalOnly{}.Client(t.Context(), &ent.Node{ID: 1, Local: true})
	if id, _ := NodeIDOf(err); !errors.Is(err, ErrUnavailable) || id != 1 {
		t.Errorf("no local client: %v", err)
	}
}
