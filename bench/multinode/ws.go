package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/coder/websocket"
)

// wsMsg is a message of the panel's WebSocket.
type wsMsg struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

func (m wsMsg) text() string {
	var s string
	_ = json.Unmarshal(m.Data, &s)
	return s
}

// state is the state of a status message ("" for other messages).
func (m wsMsg) state() string {
	if m.Type != "status" {
		return ""
	}
	var s struct {
		State string `json:"state"`
	}
	_ = json.Unmarshal(m.Data, &s)
	return s.State
}

// dial opens server id's WebSocket through the panel and reads past the replayed backlog
// (up to the status message sent after it).
func (e *env) dial(ctx context.Context, id string) (*websocket.Conn, error) {
	c, _, err := websocket.Dial(ctx, e.panel.URL+"/api/servers/"+id+"/socket", &websocket.DialOptions{
		HTTPClient: e.hc, HTTPHeader: http.Header{"Authorization": {"Bearer " + e.token}}})
	if err != nil {
		return nil, fmt.Errorf("WebSocket of %s: %w", id, err)
	}
	c.SetReadLimit(1 << 20)
	for {
		m, err := read(ctx, c)
		if err != nil {
			c.CloseNow()
			return nil, fmt.Errorf("WebSocket of %s: %w", id, err)
		}
		if m.Type == "status" {
			return c, nil
		}
	}
}

func read(ctx context.Context, c *websocket.Conn) (wsMsg, error) {
	_, b, err := c.Read(ctx)
	if err != nil {
		return wsMsg{}, err
	}
	var m wsMsg
	return m, json.Unmarshal(b, &m)
}

// waitState reads c until a status message names one of states.
func waitState(ctx context.Context, c *websocket.Conn, states ...string) error {
	for {
		m, err := read(ctx, c)
		if err != nil {
			return fmt.Errorf("waiting for state %s: %w", strings.Join(states, "/"), err)
		}
		for _, s := range states {
			if m.state() == s {
				return nil
			}
		}
	}
}
