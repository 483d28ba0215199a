package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/skypanel/skypanel/bench/internal/benchpanel"
	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/server"
)

// startPanel starts the bench panel (benchpanel) with its local node's SFTP server on a
// loopback port, the panel deciding logins in process; it returns the SFTP server's address.
func startPanel(ctx context.Context, dir string) (*benchpanel.Panel, string, error) {
	p, err := benchpanel.Start(ctx, dir, func(cfg *server.Config) {
		cfg.Node.SFTP = nodeapi.SFTPOptions{Listen: "127.0.0.1:0"}
	})
	if err != nil {
		return nil, "", err
	}
	addr := p.Server.SFTPAddr()
	if addr == nil {
		p.Close()
		return nil, "", errors.New("the panel started no SFTP server")
	}
	return p, addr.String(), nil
}

// sftpUser prepares the admin's SFTP login to a new standard server (never started): it
// registers clientPub as the admin's SSH key and returns "<admin>.<server id>".
func sftpUser(p *benchpanel.Panel, id, clientPub string) (string, error) {
	const create = `{"name":"sftp bench","ownerId":1,"environmentType":"standard","startup":"sleep 3600"}`
	if _, err := p.JSON(http.MethodPut, "/api/servers/"+id, create, http.StatusCreated); err != nil {
		return "", err
	}
	key, _ := json.Marshal(map[string]string{"name": "bench", "publicKey": strings.TrimSpace(clientPub)})
	if _, err := p.JSON(http.MethodPost, "/api/self/ssh-keys", string(key), http.StatusCreated); err != nil {
		return "", err
	}
	raw, err := p.JSON(http.MethodGet, "/api/self", "", http.StatusOK)
	if err != nil {
		return "", err
	}
	var self struct {
		User struct {
			Username string `json:"username"`
		} `json:"user"`
	}
	if err := json.Unmarshal(raw, &self); err != nil || self.User.Username == "" {
		return "", fmt.Errorf("GET /api/self: %s %v", raw, err)
	}
	return self.User.Username + "." + id, nil
}
