package netlab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Proc is one run of a process, its output kept in memory.
type Proc struct {
	Name string // for messages ("panel", "daemon a")

	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited

	mu  sync.Mutex
	out bytes.Buffer
	cnd *sync.Cond // signalled on output and on exit
}

// Start starts argv (in namespace node unless nil) with its output collected.
func Start(name string, node *Node, argv []string) (*Proc, error) {
	if node != nil {
		argv = append([]string{"nsenter", "--net=" + node.NetnsPath(), "--"}, argv...)
	}
	p := &Proc{Name: name, cmd: exec.Command(argv[0], argv[1:]...), done: make(chan struct{})}
	p.cnd = sync.NewCond(&p.mu)
	p.cmd.Stdout, p.cmd.Stderr = (*procWriter)(p), (*procWriter)(p)
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
		p.mu.Lock()
		p.cnd.Broadcast()
		p.mu.Unlock()
	}()
	return p, nil
}

type procWriter Proc

func (w *procWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.out.Write(b)
	w.cnd.Broadcast()
	return len(b), nil
}

// Pid is the process id (nsenter execs the command: it is the command's pid).
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Output is everything the process wrote so far.
func (p *Proc) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// Exited reports whether the process has exited.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// WaitOutput waits until the output contains s (counting from byte offset from).
func (p *Proc) WaitOutput(ctx context.Context, from int, s string) error {
	stop := context.AfterFunc(ctx, func() {
		p.mu.Lock()
		p.cnd.Broadcast()
		p.mu.Unlock()
	})
	defer stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		if b := p.out.Bytes(); from <= len(b) && bytes.Contains(b[from:], []byte(s)) {
			return nil
		}
		if p.Exited() {
			return fmt.Errorf("%s exited (%v) before writing %q", p.Name, p.cmd.ProcessState, s)
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s did not write %q: %w", p.Name, s, ctx.Err())
		}
		p.cnd.Wait()
	}
}

// Len is the number of output bytes so far (an offset for WaitOutput).
func (p *Proc) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Len()
}

// WaitListening waits until addr accepts TCP connections (from the root namespace).
func (p *Proc) WaitListening(ctx context.Context, addr string) error {
	for {
		d := net.Dialer{Timeout: time.Second}
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			c.Close()
			return nil
		}
		if p.Exited() {
			return fmt.Errorf("%s exited (%v) before listening on %s", p.Name, p.cmd.ProcessState, addr)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s is not listening on %s: %w", p.Name, addr, errors.Join(ctx.Err(), err))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Kill9 sends SIGKILL and waits for the process to be gone.
func (p *Proc) Kill9() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// Stop sends SIGTERM and waits up to grace for the exit, then kills. It reports an exit that
// was not clean.
func (p *Proc) Stop(grace time.Duration) error {
	if p.Exited() {
		return nil
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		if !p.cmd.ProcessState.Success() {
			return fmt.Errorf("%s exited with %v after SIGTERM", p.Name, p.cmd.ProcessState)
		}
		return nil
	case <-time.After(grace):
		p.Kill9()
		return fmt.Errorf("%s did not exit within %s of SIGTERM (killed)", p.Name, grace)
	}
}

// Tail returns the last n lines of the output.
func (p *Proc) Tail(n int) string {
	lines := strings.Split(p.Output(), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
