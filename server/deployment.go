package server

import (
	"context"
	"strconv"
	"sync"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/oauthclient"
	"github.com/skypanel/skypanel/gen"
	"github.com/skypanel/skypanel/server/oauth"
	"github.com/skypanel/skypanel/server/store"
)

// deployMu serialises issuing and rotating deployment credentials in this process, so two
// first GETs cannot each issue a secret and store the other's.
var deployMu sync.Mutex

// deploymentAAD binds a sealed deployment secret to its node row.
func deploymentAAD(nodeID int) []byte {
	return []byte("skypanel/node/" + strconv.Itoa(nodeID) + "/deployment")
}

// GetNodeDeployment returns the node's deployment credentials (client ".node_<id>"): the same
// on every call once issued; the first call (or one finding the stored secret no longer
// matching the client) issues them.
func (h *Handlers) GetNodeDeployment(ctx context.Context, req gen.GetNodeDeploymentRequestObject) (gen.GetNodeDeploymentResponseObject, error) {
	deployMu.Lock()
	defer deployMu.Unlock()
	n, err := h.nodeByID(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	id, secret, err := h.storedDeployment(ctx, n)
	if err != nil {
		return nil, err
	}
	if secret == "" {
		if id, secret, err = h.issueDeployment(ctx, n); err != nil {
			return nil, err
		}
	}
	d, err := h.deployment(ctx, n, id, secret)
	if err != nil {
		return nil, err
	}
	return gen.GetNodeDeployment200JSONResponse{Body: d}, nil
}

// RotateNodeDeployment issues a new deployment secret; the old one and its tokens stop working.
func (h *Handlers) RotateNodeDeployment(ctx context.Context, req gen.RotateNodeDeploymentRequestObject) (gen.RotateNodeDeploymentResponseObject, error) {
	deployMu.Lock()
	defer deployMu.Unlock()
	n, err := h.nodeByID(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	id, secret, err := h.issueDeployment(ctx, n)
	if err != nil {
		return nil, err
	}
	d, err := h.deployment(ctx, n, id, secret)
	if err != nil {
		return nil, err
	}
	return gen.RotateNodeDeployment200JSONResponse{Body: d}, nil
}

// storedDeployment opens the node's sealed secret; "" when none is stored or it no longer
// matches the client's hash (the client was recreated elsewhere).
func (h *Handlers) storedDeployment(ctx context.Context, n *ent.Node) (string, string, error) {
	id := oauth.NodeClientID(n.ID)
	if len(n.DeploymentSecretEnc) == 0 {
		return id, "", nil
	}
	s, err := h.sealer()
	if err != nil {
		return "", "", err
	}
	plain, err := s.Open(n.DeploymentSecretEnc, deploymentAAD(n.ID))
	if err != nil {
		return id, "", nil // unreadable (e.g. a copied row): new credentials are issued
	}
	c, err := h.a.store.Client.OAuthClient.Query().Where(oauthclient.ID(id)).Only(ctx)
	if ent.IsNotFound(err) {
		return id, "", nil
	} else if err != nil {
		return "", "", err
	}
	if !store.VerifySecret(h.a.store.Keys.SecretHash, c.SecretHash, string(plain)) {
		return id, "", nil
	}
	return id, string(plain), nil
}

// issueDeployment creates or rotates the node client (revoking its tokens) and stores the new
// secret sealed on the node row.
func (h *Handlers) issueDeployment(ctx context.Context, n *ent.Node) (string, string, error) {
	s, err := h.sealer()
	if err != nil {
		return "", "", err
	}
	id, secret, err := h.a.oauth.CreateNodeClient(ctx, n.ID)
	if err != nil {
		return "", "", err
	}
	if err := n.Update().SetDeploymentSecretEnc(s.Seal([]byte(secret), deploymentAAD(n.ID))).Exec(ctx); err != nil {
		return "", "", err
	}
	return id, secret, nil
}
