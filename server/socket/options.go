// Package socket is the panel's WebSocket engine (GET /api/servers/{serverId}/socket): one
// upstream event stream per watched server fanned out to every socket as pre-encoded frames,
// bounded per-socket queues (a slow reader loses messages and is told), authentication by
// bearer token or first message, periodic re-validation, token expiry warnings and pings.
// Its dependencies (authenticator, store, node finder, error mapping, the message schema)
// are fields of Deps set at construction; the panel's handler is a thin adapter.
package socket

import "time"

// Options configure the server WebSockets (GET /api/servers/{id}/socket). Zero values
// take the defaults listed with each field.
type Options struct {
	// AllowedOrigins are the browser origins allowed besides the panel's own host (an Origin
	// whose host equals the request's Host is always allowed; requests without Origin are not
	// from browsers and always allowed). Patterns as in path.Match, matched against the
	// origin's host ("panel.example.com", "*.example.com") or, when the pattern contains
	// "://", against scheme://host ("https://panel.example.com"). "*" allows every origin.
	AllowedOrigins []string

	AuthTimeout   time.Duration // first-message authentication deadline, else close 4008 (10s)
	PingInterval  time.Duration // server ping period (25s)
	PongTimeout   time.Duration // a ping unanswered this long drops the peer (10s)
	WriteTimeout  time.Duration // a write blocked this long drops the peer (10s)
	ExpiryWarning time.Duration // token_expiring is sent this long before the token expires (60s)
	Revalidate    time.Duration // the token and the server are re-checked this often (30s)

	MaxMessageBytes int64   // largest client message; larger closes with 1009 (16 KiB)
	MessageRate     float64 // client messages per second allowed on average (10)
	MessageBurst    int     // client messages allowed in a burst (20)
	// AbuseLimit is how many throttled messages (forgiven at MessageRate per second) a socket
	// may send before it is closed with 4029 (50).
	AbuseLimit int

	MaxPerServer int // sockets per server; more are refused (429 / 4029) (500)
	Buffer       int // messages queued per socket; a slower reader loses messages (4096)
	Backlog      int // console lines replayed on connect, at most (1000)
	// FlushInterval is the shortest time between two writes to one socket: lines arriving
	// meanwhile go out in the same write. It trades at most this much latency for far fewer
	// system calls under heavy output (5ms; negative: no pause).
	FlushInterval time.Duration
	// UpstreamBuffer is the buffer of the panel's one event stream per watched server (4096).
	UpstreamBuffer int
	// SendBuffer is the kernel send buffer of each socket's TCP connection in bytes (256 KiB;
	// Linux doubles it; negative: the kernel's autotuning, up to net.ipv4.tcp_wmem). It
	// bounds the kernel memory a stalled reader holds and how soon it starts losing messages.
	SendBuffer int
}

// DefaultOptions returns the defaults.
func DefaultOptions() Options {
	return Options{
		AuthTimeout: 10 * time.Second, PingInterval: 25 * time.Second, PongTimeout: 10 * time.Second,
		WriteTimeout: 10 * time.Second, ExpiryWarning: 60 * time.Second, Revalidate: 30 * time.Second,
		MaxMessageBytes: 16 << 10, MessageRate: 10, MessageBurst: 20, AbuseLimit: 50,
		MaxPerServer: 500, Buffer: 4096, Backlog: 1000, FlushInterval: 5 * time.Millisecond,
		UpstreamBuffer: 4096, SendBuffer: 256 << 10,
	}
}

func (o Options) withDefaults() Options {
	d := DefaultOptions()
	orDefault(&o.AuthTimeout, d.AuthTimeout)
	orDefault(&o.PingInterval, d.PingInterval)
	orDefault(&o.PongTimeout, d.PongTimeout)
	orDefault(&o.WriteTimeout, d.WriteTimeout)
	orDefault(&o.ExpiryWarning, d.ExpiryWarning)
	orDefault(&o.Revalidate, d.Revalidate)
	if o.FlushInterval < 0 {
		o.FlushInterval = 0
	} else if o.FlushInterval == 0 {
		o.FlushInterval = d.FlushInterval
	}
	orDefault(&o.MaxMessageBytes, d.MaxMessageBytes)
	orDefault(&o.MessageRate, d.MessageRate)
	orDefault(&o.MessageBurst, d.MessageBurst)
	orDefault(&o.AbuseLimit, d.AbuseLimit)
	orDefault(&o.MaxPerServer, d.MaxPerServer)
	orDefault(&o.Buffer, d.Buffer)
	orDefault(&o.Backlog, d.Backlog)
	orDefault(&o.UpstreamBuffer, d.UpstreamBuffer)
	if o.SendBuffer == 0 {
		o.SendBuffer = d.SendBuffer
	}
	o.Buffer = max(o.Buffer, 16)
	return o
}

// orDefault sets *v to def when *v is zero or negative.
func orDefault[T int | int64 | float64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}
