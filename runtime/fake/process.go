package fake

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/skypanel/skypanel/runtime"
)

// process is one run of an instance's command.
type process struct {
	w      *world
	in     *instance
	lines  chan string   // stdin lines
	done   chan struct{} // closed on exit
	once   sync.Once
	status runtime.ExitStatus

	mu  sync.Mutex
	out *io.PipeWriter // attached console, nil when detached
}

func newProcess(w *world, in *instance) *process {
	return &process{w: w, in: in, lines: make(chan string, 1024), done: make(chan struct{})}
}

// attach replaces the console: the previous one's output ends.
func (p *process) attach() runtime.Console {
	pr, pw := io.Pipe()
	p.mu.Lock()
	if p.out != nil {
		p.out.Close()
	}
	p.out = pw
	select {
	case <-p.done:
		pw.Close()
	default:
	}
	p.mu.Unlock()
	return &console{p: p, pr: pr, pw: pw, in: &stdinWriter{p: p}}
}

// println writes a line to the attached console (dropped when none is attached).
func (p *process) println(s string) {
	p.mu.Lock()
	out := p.out
	p.mu.Unlock()
	if out != nil {
		_, _ = io.WriteString(out, s+"\n")
	}
}

// exit ends the process once.
func (p *process) exit(code int, oom bool) {
	p.once.Do(func() {
		p.status = runtime.ExitStatus{Code: code, OOMKilled: oom, At: time.Now()}
		p.w.mu.Lock()
		if p.in.proc == p {
			p.in.proc = nil
			st := p.status
			p.in.last = &st
		}
		p.w.mu.Unlock()
		close(p.done)
		p.mu.Lock()
		if p.out != nil {
			p.out.Close()
		}
		p.mu.Unlock()
	})
}

var (
	exitRe  = regexp.MustCompile(`^exit\s+(\d+)$`)
	sleepRe = regexp.MustCompile(`^sleep\s+(\d+)$`)
	varRe   = regexp.MustCompile(`\$\(pwd\)|\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?`)
)

// run interprets the command (see the package comment).
func (p *process) run() {
	for _, stmt := range statements(p.in.spec.Command) {
		if code, done := p.step(stmt); done {
			p.exit(code, code == 128+int(syscall.SIGKILL) && strings.Contains(stmt, "/dev/zero"))
			return
		}
		select {
		case <-p.done:
			return
		default:
		}
	}
	p.exit(0, false)
}

// step runs one statement; done reports that the process ends with code.
func (p *process) step(stmt string) (code int, done bool) {
	switch {
	case exitRe.MatchString(stmt):
		n, _ := strconv.Atoi(exitRe.FindStringSubmatch(stmt)[1])
		return n, true
	case strings.HasPrefix(stmt, "echo "):
		p.println(p.expand(unquote(strings.TrimPrefix(stmt, "echo "))))
	case sleepRe.MatchString(stmt):
		n, _ := strconv.Atoi(sleepRe.FindStringSubmatch(stmt)[1])
		select {
		case <-time.After(time.Duration(n) * time.Second):
		case <-p.done:
		}
	case strings.Contains(stmt, "/dev/zero"):
		p.w.mu.Lock()
		limited := p.in.spec.Limits.MemoryMiB > 0
		p.w.mu.Unlock()
		if limited {
			return 128 + int(syscall.SIGKILL), true
		}
		<-p.done
	case strings.Contains(stmt, "read"):
		return p.echoLoop()
	}
	return 0, false
}

func (p *process) echoLoop() (int, bool) {
	for {
		select {
		case line := <-p.lines:
			if p.w.opts.ExitOnLine != "" && line == p.w.opts.ExitOnLine {
				return 0, true
			}
			p.println(p.w.opts.EchoPrefix + line)
		case <-p.done:
			return 0, false
		}
	}
}

func (p *process) expand(s string) string {
	p.w.mu.Lock()
	env, dir := p.in.spec.Env, p.in.spec.Dir
	p.w.mu.Unlock()
	wd := p.w.opts.WorkDir
	if wd == "dir" {
		wd = dir
	}
	return varRe.ReplaceAllStringFunc(s, func(m string) string {
		if m == "$(pwd)" {
			return wd
		}
		return env[varRe.FindStringSubmatch(m)[1]]
	})
}

// statements splits a command on ';' and newlines, keeping `while ...; do ...; done` whole.
func statements(cmd string) []string {
	var out []string
	depth := 0
	var cur strings.Builder
	for _, part := range strings.FieldsFunc(cmd, func(r rune) bool { return r == ';' || r == '\n' }) {
		part = strings.TrimSpace(part)
		if strings.HasPrefix(part, "while ") || strings.HasPrefix(part, "for ") {
			depth++
		}
		if cur.Len() > 0 {
			cur.WriteString("; ")
		}
		cur.WriteString(part)
		if part == "done" && depth > 0 {
			depth--
		}
		if depth == 0 && cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

func unquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// console is a fake runtime.Console.
type console struct {
	p    *process
	pr   *io.PipeReader
	pw   *io.PipeWriter
	in   *stdinWriter
	once sync.Once
}

func (c *console) Output() io.Reader { return c.pr }
func (c *console) Stdin() io.Writer  { return c.in }

func (c *console) Close() error {
	c.once.Do(func() {
		c.p.mu.Lock()
		if c.p.out == c.pw {
			c.p.out = nil
		}
		c.p.mu.Unlock()
		c.pw.Close()
		c.pr.Close()
	})
	return nil
}

// stdinWriter splits writes into lines for the process.
type stdinWriter struct {
	p   *process
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *stdinWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf.Write(b)
	for {
		line, err := s.buf.ReadString('\n')
		if err != nil { // incomplete line: keep it
			s.buf.Reset()
			s.buf.WriteString(line)
			return len(b), nil
		}
		line = strings.TrimSuffix(line, "\n")
		s.p.w.mu.Lock()
		s.p.in.stdin = append(s.p.in.stdin, line)
		s.p.w.mu.Unlock()
		select {
		case s.p.lines <- line:
		case <-s.p.done:
		default:
			return len(b), fmt.Errorf("fake stdin full: %w", os.ErrDeadlineExceeded)
		}
	}
}
