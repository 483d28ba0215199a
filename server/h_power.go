package server

import (
	"context"

	"github.com/skypanel/skypanel/gen"
	"github.com/skypanel/skypanel/gen/daemonapi"
)

// power runs a power action on the caller's server.
func (h *Handlers) power(ctx context.Context, id string, action daemonapi.PowerRequestAction) error {
	s, nc, err := h.serverOnNode(ctx, id)
	if err != nil {
		return err
	}
	return nc.Power(ctx, s.ID, action)
}

// StartServer starts the server.
func (h *Handlers) StartServer(ctx context.Context, req gen.StartServerRequestObject) (gen.StartServerResponseObject, error) {
	if err := h.power(ctx, req.ServerId, daemonapi.PowerRequestActionStart); err != nil {
		return nil, err
	}
	return gen.StartServer204Response{}, nil
}

// StopServer sends the stop command, escalating to SIGTERM then SIGKILL.
func (h *Handlers) StopServer(ctx context.Context, req gen.StopServerRequestObject) (gen.StopServerResponseObject, error) {
	if err := h.power(ctx, req.ServerId, daemonapi.PowerRequestActionStop); err != nil {
		return nil, err
	}
	return gen.StopServer204Response{}, nil
}

// RestartServer stops then starts the server.
func (h *Handlers) RestartServer(ctx context.Context, req gen.RestartServerRequestObject) (gen.RestartServerResponseObject, error) {
	if err := h.power(ctx, req.ServerId, daemonapi.PowerRequestActionRestart); err != nil {
		return nil, err
	}
	return gen.RestartServer204Response{}, nil
}

// KillServer sends SIGKILL now.
func (h *Handlers) KillServer(ctx context.Context, req gen.KillServerRequestObject) (gen.KillServerResponseObject, error) {
	if err := h.power(ctx, req.ServerId, daemonapi.PowerRequestActionKill); err != nil {
		return nil, err
	}
	return gen.KillServer204Response{}, nil
}

// GetServerStatus reports running and the state.
func (h *Handlers) GetServerStatus(ctx context.Context, req gen.GetServerStatusRequestObject) (gen.GetServerStatusResponseObject, error) {
	s, nc, err := h.serverOnNode(ctx, req.ServerId)
	if err != nil {
		return nil, err
	}
	st, err := nc.Status(ctx, s.ID)
	if err != nil {
		return nil, err
	}
	out := gen.ServerStatus{Running: st.Running, State: gen.ServerState(st.State), Suspended: s.Suspended}
	if st.Message != nil && *st.Message != "" {
		out.Message = st.Message
	}
	return gen.GetServerStatus200JSONResponse{Body: out}, nil
}

// GetServerStats samples CPU and memory (memory excludes page cache).
func (h *Handlers) GetServerStats(ctx context.Context, req gen.GetServerStatsRequestObject) (gen.GetServerStatsResponseObject, error) {
	s, nc, err := h.serverOnNode(ctx, req.ServerId)
	if err != nil {
		return nil, err
	}
	st, err := nc.Stats(ctx, s.ID)
	if err != nil {
		return nil, err
	}
	total := int64(st.MemoryLimit)
	if total == 0 && s.Memory > 0 {
		total = s.Memory << 20
	}
	return gen.GetServerStats200JSONResponse{Body: gen.ServerStats{Cpu: float64(st.CpuPercent), Memory: st.MemoryBytes,
		MemoryTotal: total}}, nil
}

// GetServerConsole returns console lines after the cursor `time`.
func (h *Handlers) GetServerConsole(ctx context.Context, req gen.GetServerConsoleRequestObject) (gen.GetServerConsoleResponseObject, error) {
	s, nc, err := h.serverOnNode(ctx, req.ServerId)
	if err != nil {
		return nil, err
	}
	var since int64
	if req.Params.Time != nil {
		since = consoleCursor(*req.Params.Time) // console_time.go: seconds/ms = "since that time"
	}
	page, err := nc.Console(ctx, s.ID, since)
	if err != nil {
		return nil, err
	}
	if page.Lines == nil {
		page.Lines = []string{}
	}
	return gen.GetServerConsole200JSONResponse{Body: gen.ConsoleLogs{Logs: page.Lines, Time: page.Cursor}}, nil
}

// SendServerCommand writes a command line to the server's stdin.
func (h *Handlers) SendServerCommand(ctx context.Context, req gen.SendServerCommandRequestObject) (gen.SendServerCommandResponseObject, error) {
	s, nc, err := h.serverOnNode(ctx, req.ServerId)
	if err != nil {
		return nil, err
	}
	if err := nc.SendCommand(ctx, s.ID, req.Body.Command); err != nil {
		return nil, err
	}
	return gen.SendServerCommand204Response{}, nil
}
