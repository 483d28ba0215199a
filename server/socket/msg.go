package socket

import (
	"encoding/json"
	"fmt"

	"github.com/coder/websocket"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/gen"
	"github.com/skypanel/skypanel/gen/daemonapi"
)

// Close codes of the socket (openapi.yaml, operation serverSocket).
const (
	closeGoingAway    = websocket.StatusGoingAway      // 1001: the panel shuts down
	closeInternal     = websocket.StatusInternalError  // 1011: the event stream failed
	closeMoved        = websocket.StatusServiceRestart // 1012: the server moved to another node
	closeUnauthorized = websocket.StatusCode(4001)     // unauthorized or token expired
	closeForbidden    = websocket.StatusCode(4003)     // the token may not view this server
	closeDeleted      = websocket.StatusCode(4004)     // the server was deleted
	closeAuthTimeout  = websocket.StatusCode(4008)     // no auth message in time
	closeSuspended    = websocket.StatusCode(4009)     // the server was suspended
	closeRateLimited  = websocket.StatusCode(4029)     // too many messages or sockets
)

// frameKind says which scope a server message needs.
type frameKind uint8

const (
	kindConsole frameKind = iota // server.console
	kindStats                    // server.stats
	kindStatus                   // server.status
	kindOther                    // error, token_expiring: always delivered
)

// frame is one server message encoded as a complete WebSocket frame; immutable, shared by
// every socket that receives it.
type frame struct {
	kind frameKind
	b    []byte
}

// consoleFrame encodes {"type":"console","data":line} in one allocation: the payload is
// written after room for the longest header, which is then filled in front of it.
func consoleFrame(line string) *frame {
	const head = `{"type":"console","data":`
	b := make([]byte, maxHeader, maxHeader+len(head)+len(line)+len(line)/8+8)
	b = append(b, head...)
	b = appendJSONString(b, line)
	b = append(b, '}')
	var hdr [maxHeader]byte
	h := appendHeader(hdr[:0], len(b)-maxHeader)
	start := maxHeader - len(h)
	copy(b[start:], h)
	return &frame{kind: kindConsole, b: b[start:]}
}

func jsonFrame(kind frameKind, typ string, data any) *frame {
	p, err := json.Marshal(struct {
		Type string `json:"type"`
		Data any    `json:"data"`
	}{typ, data})
	if err != nil { // the data types below always marshal
		panic(fmt.Sprintf("socket message %s: %v", typ, err))
	}
	return &frame{kind: kind, b: appendTextFrame(make([]byte, 0, len(p)+10), p)}
}

// statusFrame encodes a status message: the node's status and whether the server is suspended.
func statusFrame(st daemonapi.Status, suspended bool) *frame {
	out := gen.ServerStatus{Running: st.Running, State: gen.ServerState(st.State), Suspended: suspended}
	if st.Message != nil && *st.Message != "" {
		msg := *st.Message
		if r := []rune(msg); len(r) > 1024 {
			msg = string(r[:1024])
		}
		out.Message = &msg
	}
	return jsonFrame(kindStatus, "status", out)
}

func statsFrame(st daemonapi.Stats) *frame {
	return jsonFrame(kindStats, "stats", gen.ServerStats{Cpu: max(float64(st.CpuPercent), 0), Memory: st.MemoryBytes,
		MemoryTotal: st.MemoryLimit})
}

func errorFrame(code, msg string) *frame {
	return jsonFrame(kindOther, "error", gen.WsError{Code: gen.ErrorCode(code), Msg: msg})
}

func expiringFrame(seconds int) *frame {
	return jsonFrame(kindOther, "token_expiring", gen.WsTokenExpiring{ExpiresIn: max(seconds, 0)})
}

// droppedFrames tells a slow socket how many messages it lost: a console notice (when it may
// read the console) and an ErrRateLimited error.
func droppedFrames(n int, console bool) []*frame {
	msg := fmt.Sprintf("%d messages were dropped because this connection reads too slowly", n)
	out := make([]*frame, 0, 2)
	if console {
		out = append(out, consoleFrame(daemon.DaemonPrefix+msg))
	}
	return append(out, errorFrame(CodeRateLimited, msg))
}
