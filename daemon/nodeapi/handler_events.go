package nodeapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/skypanel/skypanel/gen/daemonapi"
)

// maxEventBatch bounds how many ready events are written before a flush.
const maxEventBatch = 64

func (s *strictServer) StreamEvents(ctx context.Context, req daemonapi.StreamEventsRequestObject) (daemonapi.StreamEventsResponseObject, error) {
	buffer := defaultEventBuffer
	if req.Params.Buffer != nil {
		buffer = *req.Params.Buffer
	}
	if buffer < 1 || buffer > 65536 {
		return nil, errFieldf("buffer must be within 1–65536")
	}
	st, err := s.node.Events(ctx, req.Id, buffer)
	if err != nil {
		return nil, err
	}
	return eventsResponse{ctx: ctx, st: st, ping: s.opts.PingInterval, log: s.log}, nil
}

// eventsResponse writes an EventStream as NDJSON: the backlog event first, then every event
// as it comes, flushed after each batch of ready events, a ping after each silent interval.
// It ends when the client goes away, after a deleted event, or when the stream closes.
type eventsResponse struct {
	ctx  context.Context
	st   EventStream
	ping time.Duration
	log  *slog.Logger
}

func (e eventsResponse) VisitStreamEventsResponse(w http.ResponseWriter) error {
	defer e.st.Close()
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	enc := json.NewEncoder(w)
	backlog := e.st.Backlog()
	if backlog == nil {
		backlog = []daemonapi.ConsoleLine{}
	}
	if enc.Encode(daemonapi.Event{Kind: daemonapi.EventKindBacklog, Backlog: &backlog}) != nil || rc.Flush() != nil {
		return nil
	}
	idle := time.NewTimer(e.ping)
	defer idle.Stop()
	for {
		select {
		case <-e.ctx.Done():
			return nil
		case <-idle.C:
			if enc.Encode(daemonapi.Event{Kind: daemonapi.EventKindPing}) != nil || rc.Flush() != nil {
				return nil
			}
		case ev, ok := <-e.st.C():
			if !ok {
				e.end()
				return nil
			}
			more, err := e.batch(enc, ev)
			if err != nil || rc.Flush() != nil || !more {
				return nil
			}
		}
		idle.Reset(e.ping)
	}
}

// batch writes ev and the events already waiting behind it (at most maxEventBatch). more is
// false after a deleted event or when the stream closed.
func (e eventsResponse) batch(enc *json.Encoder, ev daemonapi.Event) (more bool, err error) {
	for n := 0; ; n++ {
		if err := enc.Encode(ev); err != nil {
			return false, err
		}
		if ev.Kind == daemonapi.EventKindDeleted {
			return false, nil
		}
		if n+1 >= maxEventBatch {
			return true, nil
		}
		var ok bool
		select {
		case ev, ok = <-e.st.C():
			if !ok {
				e.end()
				return false, nil
			}
		default:
			return true, nil
		}
	}
}

// end logs why a stream closed on its own, when it says.
func (e eventsResponse) end() {
	if err := e.st.Err(); err != nil {
		e.log.Warn("event stream ended", "err", err)
	}
}
