// Package node is the panel's side of the node boundary: Client (what the panel asks of a
// node, in daemon.yaml's wire types), Local (the embedded node, a nodeapi.Service in process),
// Remote (a `skypanel daemon` over HTTP, with the generated client and panel-signed tokens) and
// the Registry that finds a node's client and watches whether it answers.
package node
