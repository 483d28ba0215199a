package server

import (
	"testing"

	"github.com/skypanel/skypanel/ent"
)

// TestDeployCommandSFTP: the daemon's command line names the node's sftpPort unless it is
// the daemon's default (5657).
func TestDeployCommandSFTP(t *testing.T) {
	for port, want := range map[int]string{5657: "", 0: "", 2022: " --sftp-listen 0.0.0.0:2022"} {
		n := &ent.Node{PrivateHost: "10.0.0.2", PrivatePort: 8080, SftpPort: port}
		got := deployCommand("https://panel.example.com", n, ".node_2", "s3cret")
		base := "skypanel daemon --panel https://panel.example.com --client-id .node_2 --client-secret s3cret " +
			"--listen 10.0.0.2:8080 --data /var/lib/skypanel"
		if got != base+want {
			t.Errorf("sftpPort %d: %s", port, got)
		}
	}
}
