package node_test

import (
	"testing"

	"github.com/skypanel/skypanel/server/node/nodetest"
)

// TestContractLocal runs the node contract against the in-process Service.
func TestContractLocal(t *testing.T) { nodetest.Run(t, nodetest.LocalEnv) }

// TestContractRemote runs the same contract against the panel's Remote talking HTTP to
// nodeapi.Handler(Service), with real panel tokens checked by the real Verifier and every
// response checked against daemon.yaml.
func TestContractRemote(t *testing.T) { nodetest.Run(t, nodetest.RemoteEnv) }
