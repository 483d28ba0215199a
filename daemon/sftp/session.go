package sftp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
)

// maxChannels bounds the session channels of one connection (OpenSSH's MaxSessions).
const maxChannels = 10

// session is one logged-in SSH connection; it may carry several SFTP channels.
type session struct {
	s        *Server
	conn     *ssh.ServerConn
	serverID string
	readOnly atomic.Bool
	channels atomic.Int32 // open session channels
	done     chan struct{}
	once     sync.Once

	mu    sync.Mutex
	grant Grant
}

// idleConn closes a connection that read nothing for the idle timeout (once set: the
// handshake has its own deadline).
type idleConn struct {
	net.Conn
	idle atomic.Int64 // nanoseconds; 0 = not yet
}

func (c *idleConn) Read(b []byte) (int, error) {
	if d := time.Duration(c.idle.Load()); d > 0 {
		_ = c.Conn.SetReadDeadline(time.Now().Add(d))
	}
	return c.Conn.Read(b)
}

// serveConn runs one SSH connection: handshake and login, then its channels.
func (s *Server) serveConn(raw net.Conn) {
	nc := &idleConn{Conn: raw}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(s.opts.LoginTimeout))
	sc, chans, reqs, err := ssh.NewServerConn(nc, s.cfg)
	s.startups.Add(-1) // counted by Serve until the handshake and login are over
	if err != nil {
		s.log.Debug("ssh handshake", "remote", raw.RemoteAddr().String(), "err", err)
		return
	}
	defer sc.Close()
	// from now on every read must come within the idle timeout, the one pending too
	nc.idle.Store(int64(s.opts.IdleTimeout))
	_ = nc.SetWriteDeadline(time.Time{})
	_ = nc.SetReadDeadline(time.Now().Add(s.opts.IdleTimeout))
	go ssh.DiscardRequests(reqs) // global requests (port forwarding…) are all refused
	g, err := grantOf(sc.Permissions)
	if err != nil {
		return
	}
	ss := &session{s: s, conn: sc, serverID: g.ServerID, grant: g, done: make(chan struct{})}
	ss.readOnly.Store(g.ReadOnly)
	if err := s.register(ss); err != nil {
		// The client learns why when it opens its session channel.
		for nch := range chans {
			_ = nch.Reject(ssh.ResourceShortage, err.Error())
			break
		}
		return
	}
	defer s.unregister(ss)
	s.log.Info("sftp session opened", "user", g.Username, "server", g.ServerID, "remote", raw.RemoteAddr().String(), "readOnly", g.ReadOnly)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		ss.checkLoop()
	}()
	for nch := range chans {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ss.channel(nch)
		}()
	}
	ss.close("the client disconnected")
	wg.Wait()
}

// register adds a session to its server's, unless that one is full.
func (s *Server) register(ss *session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return ErrClosed
	case len(s.sessions[ss.serverID]) >= s.opts.MaxSessionsPerServer:
		return ErrTooManySessions
	}
	if s.sessions[ss.serverID] == nil {
		s.sessions[ss.serverID] = map[*session]struct{}{}
	}
	s.sessions[ss.serverID][ss] = struct{}{}
	return nil
}

func (s *Server) unregister(ss *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions[ss.serverID], ss)
	if len(s.sessions[ss.serverID]) == 0 {
		delete(s.sessions, ss.serverID)
	}
}

// count returns the open sessions of a server.
func (s *Server) count(serverID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions[serverID])
}

// Sessions returns the number of open sessions of a server.
func (s *Server) Sessions(serverID string) int { return s.count(serverID) }

// ServerChanged closes the sessions of a server that is no longer on this node or is
// suspended (daemon.Manager calls it on delete and suspension).
func (s *Server) ServerChanged(serverID string) {
	if t, ok := s.opts.Servers.SFTPTarget(serverID); ok && !t.Suspended {
		return
	}
	s.mu.Lock()
	var victims []*session
	for ss := range s.sessions[serverID] {
		victims = append(victims, ss)
	}
	s.mu.Unlock()
	for _, ss := range victims {
		ss.close("the server was deleted or suspended")
	}
}

// close ends the session (once), with the reason logged.
func (ss *session) close(reason string) {
	ss.once.Do(func() {
		close(ss.done)
		ss.s.log.Info("sftp session closed", "server", ss.serverID, "user", ss.user(), "reason", reason)
		_ = ss.conn.Close()
	})
}

func (ss *session) user() string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.grant.Username
}

// target returns the session's server, closing the session when it is gone or suspended.
func (ss *session) target() (Target, error) {
	t, ok := ss.s.opts.Servers.SFTPTarget(ss.serverID)
	if !ok || t.Suspended {
		go ss.close("the server was deleted or suspended")
		return Target{}, ErrDenied
	}
	return t, nil
}

// checkLoop re-asks the panel every CheckInterval; a refusal closes the session, and so do
// CheckFailures checks in a row that could not be answered.
func (ss *session) checkLoop() {
	t := time.NewTicker(ss.s.opts.CheckInterval)
	defer t.Stop()
	fails := 0
	for {
		select {
		case <-ss.done:
			return
		case <-t.C:
		}
		if _, err := ss.target(); err != nil {
			return
		}
		ss.mu.Lock()
		g := ss.grant
		ss.mu.Unlock()
		ctx, cancel := context.WithTimeout(ss.s.ctx, ss.s.opts.CheckInterval)
		ng, err := ss.s.opts.Auth.Check(ctx, g)
		cancel()
		switch {
		case errors.Is(err, ErrDenied), err == nil && ng.ServerID != g.ServerID:
			ss.close("the panel withdrew the access")
			return
		case err != nil:
			if fails++; fails >= ss.s.opts.CheckFailures {
				ss.close("the panel could not be asked: " + err.Error())
				return
			}
			ss.s.log.Warn("sftp session check failed", "server", ss.serverID, "err", err)
			continue
		}
		fails = 0
		ss.mu.Lock()
		ss.grant = ng
		ss.mu.Unlock()
		ss.readOnly.Store(ng.ReadOnly)
	}
}

// channel serves one channel: only "session" channels with the "sftp" subsystem.
func (ss *session) channel(nch ssh.NewChannel) {
	if nch.ChannelType() != "session" {
		_ = nch.Reject(ssh.Prohibited, "only SFTP is offered")
		return
	}
	if ss.channels.Add(1) > maxChannels {
		ss.channels.Add(-1)
		_ = nch.Reject(ssh.ResourceShortage, fmt.Sprintf("at most %d channels per connection", maxChannels))
		return
	}
	defer ss.channels.Add(-1)
	ch, reqs, err := nch.Accept()
	if err != nil {
		return
	}
	defer ch.Close()
	var wg sync.WaitGroup
	defer wg.Wait()
	started := false
	for req := range reqs {
		ok := !started && req.Type == "subsystem" && subsystem(req.Payload) == "sftp"
		_ = req.Reply(ok, nil)
		if ok {
			started = true
			wg.Add(1)
			go func() {
				defer wg.Done()
				ss.serveSFTP(ch)
				_ = ch.Close()
			}()
		}
	}
}

// subsystem decodes the payload of a "subsystem" request (one SSH string).
func subsystem(payload []byte) string {
	var p struct{ Name string }
	if err := ssh.Unmarshal(payload, &p); err != nil {
		return ""
	}
	return p.Name
}
