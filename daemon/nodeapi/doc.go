// Package nodeapi is the node's API: Service is what a node does for the panel, in the wire
// types of daemon.yaml (gen/daemonapi) and io streams, and Handler serves it over HTTP with the
// generated strict server (net/http, no gin), request validation against daemon.yaml and
// panel-signed token verification. The panel's embedded local node calls a Service in process;
// a remote node (`skypanel daemon`) serves one over HTTP. Both pass one contract suite.
package nodeapi
