package server

// NodeFiles is the part of NodeClient for the file manager of a server (issue 5); LocalNode implements it in this file.
type NodeFiles interface{}
