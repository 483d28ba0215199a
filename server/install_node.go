package server

// NodeInstall is the part of NodeClient for the template installs (issue 4); LocalNode implements it in this file.
type NodeInstall interface{}
