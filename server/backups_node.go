package server

// NodeBackups is the part of NodeClient for the backups of a server (issue 5); LocalNode implements it in this file.
type NodeBackups interface{}
