package netlab

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/skypanel/skypanel/api"
)

// Panel is `skypanel serve` in the root namespace, listening on the lab's panel address.
type Panel struct {
	*Proc
	Addr, URL        string
	ClientID, Secret string // the admin client printed on first start
	argv             []string
}

// PanelOptions configure StartPanel.
type PanelOptions struct {
	Bin        string   // the skypanel binary
	Dir        string   // --data (created)
	Containerd string   // --containerd of the embedded local node
	Namespace  string   // its --containerd-namespace
	Args       []string // more serve flags
}

var (
	clientIDLine = regexp.MustCompile(`(?m)^\s*client_id\s+(\S+)\s*$`)
	secretLine   = regexp.MustCompile(`(?m)^\s*client_secret\s+(\S+)\s*$`)
)

// StartPanel starts the panel on a fresh data folder and waits until it serves; Close stops it.
func (l *Lab) StartPanel(ctx context.Context, o PanelOptions) (*Panel, error) {
	addr, err := freePort(l.Panel)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.Dir, 0o711); err != nil {
		return nil, err
	}
	p := &Panel{Addr: addr, URL: "http://" + addr}
	p.argv = append([]string{o.Bin, "serve", "--data", o.Dir, "--listen", addr,
		"--containerd", o.Containerd, "--containerd-namespace", o.Namespace,
		"--volumes", filepath.Join(o.Dir, "volumes"),
		"--rate-limit-client", "1000000000", "--rate-limit-ip", "1000000000",
		"--sftp-listen", "127.0.0.1:0"}, o.Args...) // daemons keep the default: 0.0.0.0:5657 in their namespace
	if err := p.launch(ctx, l); err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := p.WaitOutput(wctx, 0, "client_secret"); err != nil { // printed once, on first start
		return nil, err
	}
	out := p.Output()
	id, sec := clientIDLine.FindStringSubmatch(out), secretLine.FindStringSubmatch(out)
	if id == nil || sec == nil {
		return nil, fmt.Errorf("no admin client in the panel's first-start output:\n%s", out)
	}
	p.ClientID, p.Secret = id[1], sec[1]
	return p, nil
}

// launch starts a run of the panel process and waits until it serves.
func (p *Panel) launch(ctx context.Context, l *Lab) error {
	proc, err := Start("panel", nil, p.argv)
	if err != nil {
		return err
	}
	p.Proc = proc
	l.Defer("stop panel", func() error { return proc.Stop(20 * time.Second) })
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := proc.WaitListening(ctx, p.Addr); err != nil {
		return fmt.Errorf("%w:\n%s", err, proc.Tail(60))
	}
	return nil
}

// Token gets an access token of client id/secret (client credentials) through hc.
func (p *Panel) Token(ctx context.Context, hc *http.Client, id, secret string, scope ...string) (string, error) {
	c, err := api.NewClientWithResponses(p.URL, api.WithHTTPClient(hc))
	if err != nil {
		return "", err
	}
	req := api.Oauth2TokenFormdataRequestBody{GrantType: "client_credentials", ClientId: &id, ClientSecret: &secret}
	if len(scope) > 0 {
		s := scope[0]
		for _, x := range scope[1:] {
			s += " " + x
		}
		req.Scope = &s
	}
	resp, err := c.Oauth2TokenWithFormdataBodyWithResponse(ctx, req)
	if err != nil {
		return "", fmt.Errorf("POST /oauth2/token: %w", err)
	}
	if resp.JSON200 == nil {
		return "", fmt.Errorf("POST /oauth2/token: %s %s", resp.Status(), resp.Body)
	}
	return resp.JSON200.AccessToken, nil
}

// Client is the generated client with bearer token tok, through hc.
func (p *Panel) Client(hc *http.Client, tok string) (*api.ClientWithResponses, error) {
	return api.NewClientWithResponses(p.URL, api.WithHTTPClient(hc),
		api.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+tok)
			return nil
		}))
}

// freePort returns addr:port with a port that was free a moment ago.
func freePort(addr fmt.Stringer) (string, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(addr.String(), "0"))
	if err != nil {
		return "", fmt.Errorf("netlab: free port on %s: %w", addr, err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// NodePort is the port every daemon listens on inside its own namespace.
const NodePort = 8080

// RegisterNode creates node n on the panel (POST /api/nodes, private host = the node's
// address) with admin client c and returns its id and deployment credentials.
func RegisterNode(ctx context.Context, c *api.ClientWithResponses, n *Node) (int64, api.NodeDeployment, error) {
	host, port := n.Addr.String(), NodePort
	created, err := c.CreateNodeWithResponse(ctx, api.NodeCreate{Name: "node-" + n.Letter,
		PublicHost: host, PrivateHost: &host, PrivatePort: &port, PublicPort: &port})
	if err != nil {
		return 0, api.NodeDeployment{}, fmt.Errorf("POST /api/nodes: %w", err)
	}
	if created.JSON201 == nil {
		return 0, api.NodeDeployment{}, fmt.Errorf("POST /api/nodes: %s %s", created.Status(), created.Body)
	}
	id := created.JSON201.Id
	dep, err := c.GetNodeDeploymentWithResponse(ctx, id)
	if err != nil {
		return 0, api.NodeDeployment{}, fmt.Errorf("GET /api/nodes/%d/deployment: %w", id, err)
	}
	if dep.JSON200 == nil {
		return 0, api.NodeDeployment{}, fmt.Errorf("GET /api/nodes/%d/deployment: %s %s", id, dep.Status(), dep.Body)
	}
	return id, *dep.JSON200, nil
}

// Daemon is `skypanel daemon` inside a node's namespace.
type Daemon struct {
	*Proc
	Node   *Node
	NodeID int64
	Dir    string // --data
	Addr   string // where it listens: the node's address, NodePort
	argv   []string
	lab    *Lab
}

// DaemonOptions configure StartDaemon.
type DaemonOptions struct {
	Bin        string
	Dir        string // --data (created); volumes, CNI state live under it
	Containerd string
	Namespace  string // --containerd-namespace: one per daemon
	UIDs       string // --standard-uid-range: one per daemon
	Args       []string
}

// StartDaemon starts the daemon of node n (registered as id with deployment dep) against
// panel p and waits until it listens; Close kills it (servers are deleted through the panel).
func (l *Lab) StartDaemon(ctx context.Context, n *Node, p *Panel, id int64, dep api.NodeDeployment, o DaemonOptions) (*Daemon, error) {
	if err := os.MkdirAll(o.Dir, 0o711); err != nil {
		return nil, err
	}
	d := &Daemon{Node: n, NodeID: id, Dir: o.Dir, lab: l,
		Addr: net.JoinHostPort(n.Addr.String(), strconv.Itoa(NodePort))}
	d.argv = append([]string{o.Bin, "daemon", "--panel", p.URL, "--client-id", dep.ClientId,
		"--client-secret", dep.ClientSecret, "--listen", d.Addr, "--data", o.Dir, "--insecure-http",
		"--containerd", o.Containerd, "--containerd-namespace", o.Namespace,
		"--volumes", filepath.Join(o.Dir, "volumes"), "--cni-state-dir", filepath.Join(o.Dir, "cni"),
		"--standard-uid-range", o.UIDs}, o.Args...)
	return d, d.Restart(ctx)
}

// Restart starts a new run of the daemon (after Kill9 or Stop) and waits until it listens.
func (d *Daemon) Restart(ctx context.Context) error {
	proc, err := Start("daemon "+d.Node.Letter, d.Node, d.argv)
	if err != nil {
		return err
	}
	d.Proc = proc
	d.lab.Defer("stop daemon "+d.Node.Letter, func() error { return proc.Stop(20 * time.Second) })
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := proc.WaitListening(ctx, d.Addr); err != nil {
		return fmt.Errorf("%w:\n%s", err, proc.Tail(60))
	}
	return nil
}
