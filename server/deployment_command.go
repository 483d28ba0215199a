package server

import (
	"context"
	"net"
	"strconv"
	"strings"

	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/setting"
	"github.com/skypanel/skypanel/gen"
)

// DefaultNodeDataDir is the data folder in the deployment command line.
const DefaultNodeDataDir = "/var/lib/skypanel"

// deployment is the answer of the deployment operations: the credentials and the command
// line that starts the node's daemon with them.
func (h *Handlers) deployment(ctx context.Context, n *ent.Node, id, secret string) (gen.NodeDeployment, error) {
	master := settingDefaults[settingMasterURL]
	row, err := h.a.store.Client.Setting.Query().Where(setting.Key(settingMasterURL)).Only(ctx)
	switch {
	case err == nil:
		master = row.Value
	case !ent.IsNotFound(err):
		return gen.NodeDeployment{}, err
	}
	cmd := deployCommand(master, n, id, secret)
	return gen.NodeDeployment{ClientId: id, ClientSecret: secret, Command: &cmd}, nil
}

// deployCommand is `skypanel daemon --panel <masterUrl> --client-id <id> --client-secret
// <secret> --listen <privateHost>:<privatePort> --data /var/lib/skypanel`, plus
// `--sftp-listen 0.0.0.0:<sftpPort>` when the node's sftpPort is not the daemon's default
// 5657, each value shell-quoted where it needs to be.
func deployCommand(master string, n *ent.Node, id, secret string) string {
	listen := net.JoinHostPort(n.PrivateHost, strconv.Itoa(n.PrivatePort))
	args := []string{"skypanel", "daemon",
		"--panel", master, "--client-id", id, "--client-secret", secret,
		"--listen", listen, "--data", DefaultNodeDataDir}
	if n.SftpPort > 0 && n.SftpPort != nodeapi.DefaultSFTPPort {
		args = append(args, "--sftp-listen", net.JoinHostPort("0.0.0.0", strconv.Itoa(n.SftpPort)))
	}
	for i, a := range args {
		args[i] = shellQuote(a)
	}
	return strings.Join(args, " ")
}

// shellQuote returns s as one POSIX shell word: unchanged when it holds only characters the
// shell takes literally, else in single quotes (a single quote inside becomes: end quote,
// backslash-escaped quote, start quote).
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@%+=,", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
