package server

// NodeEvents is the part of NodeClient for the live console/stats/status events for WebSockets (issue 6); LocalNode implements it in this file.
type NodeEvents interface{}
