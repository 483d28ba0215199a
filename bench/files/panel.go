package main

import (
	"net/http"
	"path/filepath"

	"github.com/skypanel/skypanel/bench/internal/benchpanel"
)

// createServer creates a standard server (never started) and returns its volume folder.
func createServer(p *benchpanel.Panel, id string) (string, error) {
	const body = `{"name":"bench","ownerId":1,"environmentType":"standard","startup":"sleep 3600",` +
		`"featureLimits":{"databases":0,"backups":100}}`
	if _, err := p.JSON(http.MethodPut, "/api/servers/"+id, body, http.StatusCreated); err != nil {
		return "", err
	}
	return filepath.Join(p.NodeDir, "volumes", id), nil
}
