package nodeapi

import (
	"context"

	"github.com/skypanel/skypanel/gen/daemonapi"
)

// The JSON operations: each calls the Node and wraps its answer in the generated response.
// Errors go to responseError (the envelope with CodeOf's code and status).

func (s *strictServer) GetHealth(ctx context.Context, _ daemonapi.GetHealthRequestObject) (daemonapi.GetHealthResponseObject, error) {
	h, err := s.node.Health(ctx)
	if err != nil {
		return nil, err
	}
	return daemonapi.GetHealth200JSONResponse(h), nil
}

func (s *strictServer) GetSystem(ctx context.Context, _ daemonapi.GetSystemRequestObject) (daemonapi.GetSystemResponseObject, error) {
	sys, err := s.node.System(ctx)
	if err != nil {
		return nil, err
	}
	return daemonapi.GetSystem200JSONResponse(sys), nil
}

func (s *strictServer) GetFeatures(ctx context.Context, _ daemonapi.GetFeaturesRequestObject) (daemonapi.GetFeaturesResponseObject, error) {
	f, err := s.node.Features(ctx)
	if err != nil {
		return nil, err
	}
	if f.Environments == nil {
		f.Environments = []daemonapi.Environment{}
	}
	return daemonapi.GetFeatures200JSONResponse(f), nil
}

func (s *strictServer) ListServers(ctx context.Context, _ daemonapi.ListServersRequestObject) (daemonapi.ListServersResponseObject, error) {
	list, err := s.node.ListServers(ctx)
	if err != nil {
		return nil, err
	}
	if list == nil {
		list = []daemonapi.ServerSummary{}
	}
	return daemonapi.ListServers200JSONResponse{Servers: list}, nil
}

func (s *strictServer) CreateServer(ctx context.Context, req daemonapi.CreateServerRequestObject) (daemonapi.CreateServerResponseObject, error) {
	if err := s.node.CreateServer(ctx, *req.Body); err != nil {
		return nil, err
	}
	return daemonapi.CreateServer204Response{}, nil
}

func (s *strictServer) UpdateServer(ctx context.Context, req daemonapi.UpdateServerRequestObject) (daemonapi.UpdateServerResponseObject, error) {
	if req.Body.Id != req.Id {
		return nil, errFieldf("definition id %q differs from the path id %q", req.Body.Id, req.Id)
	}
	res, err := s.node.UpdateServer(ctx, *req.Body)
	if err != nil {
		return nil, err
	}
	return daemonapi.UpdateServer200JSONResponse(res), nil
}

func (s *strictServer) DeleteServer(ctx context.Context, req daemonapi.DeleteServerRequestObject) (daemonapi.DeleteServerResponseObject, error) {
	if err := s.node.DeleteServer(ctx, req.Id); err != nil {
		return nil, err
	}
	return daemonapi.DeleteServer204Response{}, nil
}

func (s *strictServer) Power(ctx context.Context, req daemonapi.PowerRequestObject) (daemonapi.PowerResponseObject, error) {
	if !req.Body.Action.Valid() {
		return nil, errFieldf("unknown power action %q", req.Body.Action)
	}
	if err := s.node.Power(ctx, req.Id, req.Body.Action); err != nil {
		return nil, err
	}
	return daemonapi.Power204Response{}, nil
}

func (s *strictServer) GetStatus(ctx context.Context, req daemonapi.GetStatusRequestObject) (daemonapi.GetStatusResponseObject, error) {
	st, err := s.node.Status(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	return daemonapi.GetStatus200JSONResponse(st), nil
}

func (s *strictServer) GetStats(ctx context.Context, req daemonapi.GetStatsRequestObject) (daemonapi.GetStatsResponseObject, error) {
	st, err := s.node.Stats(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	return daemonapi.GetStats200JSONResponse(st), nil
}

func (s *strictServer) GetConsole(ctx context.Context, req daemonapi.GetConsoleRequestObject) (daemonapi.GetConsoleResponseObject, error) {
	var since int64
	if req.Params.Since != nil {
		since = *req.Params.Since
	}
	if since < 0 {
		return nil, errFieldf("since must be ≥ 0")
	}
	page, err := s.node.Console(ctx, req.Id, since)
	if err != nil {
		return nil, err
	}
	if page.Lines == nil {
		page.Lines = []string{}
	}
	return daemonapi.GetConsole200JSONResponse(page), nil
}

func (s *strictServer) SendCommand(ctx context.Context, req daemonapi.SendCommandRequestObject) (daemonapi.SendCommandResponseObject, error) {
	if req.Body.Command == "" {
		return nil, errFieldf("command is empty")
	}
	if err := s.node.SendCommand(ctx, req.Id, req.Body.Command); err != nil {
		return nil, err
	}
	return daemonapi.SendCommand204Response{}, nil
}

func (s *strictServer) Install(ctx context.Context, req daemonapi.InstallRequestObject) (daemonapi.InstallResponseObject, error) {
	wipe := req.Body != nil && req.Body.Wipe != nil && *req.Body.Wipe
	if err := s.node.Install(ctx, req.Id, wipe); err != nil {
		return nil, err
	}
	return daemonapi.Install204Response{}, nil
}

func (s *strictServer) MakeFolder(ctx context.Context, req daemonapi.MakeFolderRequestObject) (daemonapi.MakeFolderResponseObject, error) {
	if err := s.node.MakeFolder(ctx, req.Id, req.Params.Path); err != nil {
		return nil, err
	}
	return daemonapi.MakeFolder204Response{}, nil
}

func (s *strictServer) DeleteFile(ctx context.Context, req daemonapi.DeleteFileRequestObject) (daemonapi.DeleteFileResponseObject, error) {
	if err := s.node.DeleteFile(ctx, req.Id, req.Params.Path); err != nil {
		return nil, err
	}
	return daemonapi.DeleteFile204Response{}, nil
}
