package nodeapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	skypanel "github.com/skypanel/skypanel"
	"github.com/skypanel/skypanel/apispec"
	"github.com/skypanel/skypanel/gen/daemonapi"
)

// HandlerOptions configure Handler.
type HandlerOptions struct {
	// Verifier checks the panel's token on every request. When nil every request is refused
	// with 401, unless NoAuth.
	Verifier *Verifier
	// NoAuth serves without checking tokens. Only for tests of the handler itself; a listening
	// daemon always has a Verifier.
	NoAuth bool
	// Logger gets 5xx causes and broken streams; nil discards.
	Logger *slog.Logger
	// PingInterval is how long an event stream may stay silent before a ping (default 15 s).
	PingInterval time.Duration
	// MaxJSONBody bounds JSON request bodies (default 1 MiB); binary bodies (uploads, archives)
	// stream unbounded here, the node's disk limits bound them.
	MaxJSONBody int64
}

const (
	defaultPingInterval = 15 * time.Second
	defaultMaxJSONBody  = 1 << 20
	defaultEventBuffer  = 256
)

// Handler serves n over HTTP as daemon.yaml describes: token verification first, then unknown
// routes (404 ErrRouteNotFound) and methods (405 ErrMethodNotAllowed), then request
// validation against daemon.yaml (apispec: media types, JSON bodies bounded and checked,
// parameters), then the generated strict server (net/http); errors in the envelope with the
// codes of CodeOf; streams (files, backups, archives, events) passed through unbuffered.
func Handler(n Node, opts HandlerOptions) http.Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.PingInterval <= 0 {
		opts.PingInterval = defaultPingInterval
	}
	if opts.MaxJSONBody <= 0 {
		opts.MaxJSONBody = defaultMaxJSONBody
	}
	s := &strictServer{node: n, opts: opts, log: opts.Logger.With("component", "nodeapi")}
	strict := daemonapi.NewStrictHandlerWithOptions(s,
		[]daemonapi.StrictMiddlewareFunc{withRequest},
		daemonapi.StrictHTTPServerOptions{
			RequestErrorHandlerFunc:  s.requestError,
			ResponseErrorHandlerFunc: s.responseError,
		})
	mux := http.NewServeMux()
	mux.HandleFunc("/", writeRouteNotFound) // route answers first; this is the backstop
	h := daemonapi.HandlerWithOptions(strict, daemonapi.StdHTTPServerOptions{
		BaseRouter:       mux,
		ErrorHandlerFunc: s.requestError,
	})
	h = s.validate(h)
	h = s.route(h)
	h = s.authenticate(h)
	return s.accessLog(s.track(h)) // accesslog.go: one line per request
}

// strictServer implements the generated strict interface over a Node.
type strictServer struct {
	node Node
	opts HandlerOptions
	log  *slog.Logger
}

var _ daemonapi.StrictServerInterface = (*strictServer)(nil)

type requestKey struct{}

// withRequest puts the *http.Request in the context so response objects that need it
// (http.ServeContent, the request's Content-Length) can reach it.
func withRequest(f daemonapi.StrictHandlerFunc, _ string) daemonapi.StrictHandlerFunc {
	return func(ctx context.Context, w http.ResponseWriter, r *http.Request, req any) (any, error) {
		return f(context.WithValue(ctx, requestKey{}, r), w, r, req)
	}
}

// requestOf returns the request withRequest stored in ctx.
func requestOf(ctx context.Context) *http.Request {
	r, _ := ctx.Value(requestKey{}).(*http.Request)
	return r
}

// authenticate refuses a request without a valid panel token before anything else runs.
func (s *strictServer) authenticate(next http.Handler) http.Handler {
	if s.opts.NoAuth {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.opts.Verifier == nil {
			writeError(w, http.StatusUnauthorized, daemonapi.DaemonErrorCodeErrUnauthorized, "no token verifier configured")
			return
		}
		if err := s.opts.Verifier.VerifyRequest(r); err != nil {
			s.log.Debug("token refused", "path", r.URL.Path, "err", err)
			writeError(w, http.StatusUnauthorized, daemonapi.DaemonErrorCodeErrUnauthorized, "invalid or missing panel token")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// daemonSpec is daemon.yaml, loaded once (it is embedded, so it loads or the build is broken).
var daemonSpec = sync.OnceValues(func() (*apispec.Spec, error) {
	return apispec.Load(context.Background(), skypanel.DaemonAPI, apispec.Options{})
})

// validationCodes are the DaemonErrorCode values request validation answers with.
var validationCodes = apispec.Codes{
	FieldInvalid:         string(daemonapi.DaemonErrorCodeErrFieldInvalid),
	FieldRequired:        string(daemonapi.DaemonErrorCodeErrFieldInvalid),
	UnsupportedMediaType: string(daemonapi.DaemonErrorCodeErrUnsupportedMediaType),
	PayloadTooLarge:      string(daemonapi.DaemonErrorCodeErrFieldInvalid),
}

// validate checks each request against daemon.yaml before the generated server sees it.
func (s *strictServer) validate(next http.Handler) http.Handler {
	spec, err := daemonSpec()
	if err != nil { // the embedded document is broken: refuse everything, loudly
		s.log.Error("daemon.yaml does not load", "err", err)
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			writeError(w, http.StatusInternalServerError, daemonapi.DaemonErrorCodeErrInternal, "internal error")
		})
	}
	v := apispec.NewValidator(spec, apispec.ValidatorOptions{Codes: validationCodes, MaxBody: s.opts.MaxJSONBody})
	return v.Middleware(next)
}

// requestError answers a request the generated server could not bind (parameters, JSON body).
func (s *strictServer) requestError(w http.ResponseWriter, _ *http.Request, err error) {
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		writeError(w, http.StatusRequestEntityTooLarge, daemonapi.DaemonErrorCodeErrFieldInvalid, "request body too large")
		return
	}
	writeError(w, http.StatusBadRequest, daemonapi.DaemonErrorCodeErrFieldInvalid, err.Error())
}

// responseError answers an operation's error in the envelope, or, when a stream already
// started, logs it (the client sees the stream end early).
func (s *strictServer) responseError(w http.ResponseWriter, r *http.Request, err error) {
	if tw, ok := r.Context().Value(trackKey{}).(*trackingWriter); ok && tw.wrote {
		s.log.Warn("stream broken", "method", r.Method, "path", r.URL.Path, "err", err)
		return
	}
	code, status := CodeOf(err)
	msg := err.Error()
	if status == http.StatusInternalServerError {
		s.log.Error("node operation failed", "method", r.Method, "path", r.URL.Path, "err", err)
		msg = "internal error"
	}
	writeError(w, status, code, msg)
}

// errFieldf is ErrFieldInvalid (400) with a formatted message: bad input the generated
// server does not check.
func errFieldf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrFieldInvalid}, args...)...)
}

// writeError writes the error envelope.
func writeError(w http.ResponseWriter, status int, code daemonapi.DaemonErrorCode, msg string) {
	var body daemonapi.Error
	body.Error.Code = code
	body.Error.Msg = msg
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// track wraps the ResponseWriter so responseError knows whether a response started.
func (s *strictServer) track(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tw := &trackingWriter{ResponseWriter: w}
		next.ServeHTTP(tw, r.WithContext(context.WithValue(r.Context(), trackKey{}, tw)))
	})
}

type trackKey struct{}

// trackingWriter records whether the status line was written. It flushes and unwraps so
// streams and http.ResponseController work through it.
type trackingWriter struct {
	http.ResponseWriter
	wrote bool
}

func (t *trackingWriter) WriteHeader(status int) {
	if status >= 200 {
		t.wrote = true
	}
	t.ResponseWriter.WriteHeader(status)
}

func (t *trackingWriter) Write(p []byte) (int, error) {
	t.wrote = true
	return t.ResponseWriter.Write(p)
}

func (t *trackingWriter) Flush() {
	t.wrote = true
	if f, ok := t.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (t *trackingWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }
