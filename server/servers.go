package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/schema"
	"github.com/skypanel/skypanel/ent/server"
	"github.com/skypanel/skypanel/gen"
	"github.com/skypanel/skypanel/gen/daemonapi"
	"github.com/skypanel/skypanel/server/node"
)

// firstGamePort is where automatic port allocation starts on a node.
const firstGamePort = 25565

// serverByID loads a server the caller may see: admins see every server, others their own.
// Anything else is reported as not found (no existence oracle). A suspended server the caller
// sees is refused as the current operation's x-suspended mark says (checkSuspended).
func (h *Handlers) serverByID(ctx context.Context, id string) (*ent.Server, error) {
	s, err := h.a.store.Client.Server.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, errServerNotFound(id)
	}
	if err != nil {
		return nil, err
	}
	if p := PrincipalFrom(ctx); !p.Admin && s.OwnerID != p.UserID {
		return nil, errServerNotFound(id)
	}
	if err := checkSuspended(ctx, s); err != nil {
		return nil, err
	}
	return s, nil
}

// serverOnNode loads a server the caller may see (see serverByID) and the client of its node.
func (h *Handlers) serverOnNode(ctx context.Context, id string) (*ent.Server, node.Client, error) {
	s, err := h.serverByID(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	nc, err := h.serverNode(ctx, s)
	if err != nil {
		return nil, nil, err
	}
	return s, nc, nil
}

// variableString renders a template variable value as the string substituted into commands.
func variableString(v gen.VariableValue) string {
	raw, err := v.MarshalJSON()
	if err != nil {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// definitionOf builds the node's definition of a server row (what createServer, updateServer,
// suspend and the reconcile send; a suspended server's node keeps it stopped). A server made
// from a template takes its stop command, stop timeout, install plan and backup commands from
// it; others stop with "stop".
func definitionOf(ctx context.Context, db *ent.Client, s *ent.Server) (daemonapi.Definition, error) {
	vars := map[string]string{}
	for k, v := range s.Environment {
		vars[k] = v
	}
	for k, v := range s.Variables {
		switch x := v.(type) {
		case string:
			vars[k] = x
		case float64:
			vars[k] = strconv.FormatFloat(x, 'f', -1, 64)
		default:
			b, _ := json.Marshal(x)
			vars[k] = string(b)
		}
	}
	d := daemon.Definition{
		ID: s.ID, Name: s.Name, Environment: s.EnvironmentType, Image: s.Image, Startup: s.Startup,
		Variables: vars, IP: s.IP, Port: s.Port, AutoRestart: s.AutoRestart, StopCommand: "stop", Suspended: s.Suspended,
		Limits: daemon.Limits{MemoryMiB: s.Memory, SwapMiB: s.Swap, CPUPercent: s.CPU, IOWeight: uint16(s.Io),
			DiskMiB: s.Disk, Pids: s.Pids},
	}
	// stop command and timeout, install plan, backup commands (h_templates.go)
	cmds, err := templateDefinition(ctx, newTemplateStore(db), &d, s)
	if err != nil {
		return daemonapi.Definition{}, err
	}
	out, err := nodeapi.DefinitionToAPI(d, cmds)
	if err != nil { // an install plan that is not a JSON object: the node gets none
		d.Install = nil
		out, _ = nodeapi.DefinitionToAPI(d, cmds)
	}
	return out, nil
}

// createHash fingerprints a create request so an identical retry is recognised.
func createHash(id string, b *gen.ServerCreate) string {
	raw, _ := json.Marshal(struct {
		ID   string
		Body *gen.ServerCreate
	}{id, b})
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// newServerID generates an unused 8-character id of [A-Z0-9] (the spec's shape), checked
// against the database; the insert's primary key still catches a race.
func (h *Handlers) newServerID(ctx context.Context) (string, error) {
	for range 8 {
		id := schema.NewServerID()
		taken, err := h.a.store.Client.Server.Query().Where(server.ID(id)).Exist(ctx)
		if err != nil {
			return "", fmt.Errorf("check generated server id: %w", err)
		}
		if !taken {
			return id, nil
		}
	}
	return "", errConflict("no free server id found; choose one", nil)
}

// freePort returns the first unused game port on a node, starting at firstGamePort.
func freePort(ctx context.Context, db *ent.Client, nodeID int) (int, error) {
	used, err := db.Server.Query().Where(server.NodeID(nodeID), server.PortGTE(firstGamePort)).
		Order(ent.Asc(server.FieldPort)).Select(server.FieldPort).Ints(ctx)
	if err != nil {
		return 0, err
	}
	p := firstGamePort
	for _, u := range used {
		if u > p {
			break
		}
		if u == p {
			p++
		}
	}
	if p > 65535 {
		return 0, errFieldInvalid("port", "no free port left on this node")
	}
	return p, nil
}

func portTaken(port int) *APIError {
	return newAPIError(http.StatusBadRequest, CodeFieldInvalid, fmt.Sprintf("port %d is already used on this node", port),
		map[string]any{"field": "port"})
}
