package daemon

import (
	"io"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/skypanel/skypanel/runtime"
)

// fakeProc is one fake process.
type fakeProc struct {
	rt      *fakeRT
	id, cmd string
	stdin   chan string
	sig     chan syscall.Signal
	crash   chan int
	done    chan struct{}

	mu      sync.Mutex
	out     *io.PipeWriter
	waiters []chan runtime.ExitStatus
	status  *runtime.ExitStatus
}

func newFakeProc(f *fakeRT, id, cmd string) *fakeProc {
	return &fakeProc{rt: f, id: id, cmd: cmd, stdin: make(chan string, 1024),
		sig: make(chan syscall.Signal, 1), crash: make(chan int, 1), done: make(chan struct{})}
}

func (p *fakeProc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// attach returns a new console; the previous one stops receiving output.
func (p *fakeProc) attach() runtime.Console {
	pr, pw := io.Pipe()
	p.mu.Lock()
	if p.out != nil {
		_ = p.out.Close()
	}
	p.out = pw
	if p.status != nil {
		_ = pw.Close()
	}
	p.mu.Unlock()
	return &fakeConsole{p: p, pr: pr}
}

func (p *fakeProc) print(line string) {
	p.mu.Lock()
	w := p.out
	p.mu.Unlock()
	_, _ = w.Write([]byte(line)) // blocks until the daemon reads it, like a pipe; fails when detached
}

func (p *fakeProc) exit(code int, oom bool) {
	p.rt.record("exit %s %d", p.id, code)
	st := runtime.ExitStatus{Code: code, OOMKilled: oom, At: time.Now()}
	p.mu.Lock()
	p.status = &st
	_ = p.out.Close()
	for _, w := range p.waiters {
		w <- st
	}
	p.waiters = nil
	p.mu.Unlock()
	close(p.done)
}

func (p *fakeProc) run() {
	mode, arg, _ := strings.Cut(p.cmd, ":")
	switch mode {
	case "crash":
		p.print("boom\n")
		code, _ := strconv.Atoi(arg)
		p.exit(code, false)
		return
	case "oom":
		p.print("eating memory\n")
		p.exit(137, true)
		return
	case "print":
		text, err := strconv.Unquote(`"` + arg + `"`)
		if err != nil {
			text = arg
		}
		p.print(text)
	}
	for {
		select {
		case line := <-p.stdin:
			if line == "stop" && mode != "ignore-stop" && mode != "ignore-term" {
				p.print("bye\n")
				p.exit(0, false)
				return
			}
			p.print(line + "\n")
		case sig := <-p.sig:
			if sig == syscall.SIGKILL {
				p.exit(137, false)
				return
			}
			if mode != "ignore-term" {
				p.exit(128+int(sig), false)
				return
			}
		case code := <-p.crash:
			p.exit(code, false)
			return
		}
	}
}

type fakeConsole struct {
	p  *fakeProc
	pr *io.PipeReader
}

func (c *fakeConsole) Output() io.Reader { return c.pr }
func (c *fakeConsole) Stdin() io.Writer  { return fakeStdin{c.p} }
func (c *fakeConsole) Close() error      { return c.pr.Close() }

type fakeStdin struct{ p *fakeProc }

func (s fakeStdin) Write(b []byte) (int, error) {
	if s.p.exited() {
		return 0, io.ErrClosedPipe
	}
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		s.p.rt.record("stdin %s %s", s.p.id, line)
		s.p.stdin <- line
	}
	return len(b), nil
}
