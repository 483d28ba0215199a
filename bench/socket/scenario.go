package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/coder/websocket"
)

// scenario is one measured run against a fresh child process.
type scenario struct {
	name     string
	kind     string // serve (SkyPanel) or bare (baseline)
	duration time.Duration
	stalled  bool
	profile  string
	client   string // coder or raw
}

// result is what a scenario measured.
type result struct {
	name       string
	window     time.Duration
	emitted    int64   // lines written by the game within the window
	perSocket  []int64 // lines of the window each socket received
	hist       histogram
	notices    int64
	rss        []int64 // child RSS, one sample per second from the window's start
	childCPU   float64 // cores
	gameCPU    float64 // cores: the game's processes (below the child)
	clientCPU  float64 // cores
	machine    float64 // busy share of all CPUs
	loadBefore string  // /proc/loadavg before the run
	stalled    bool
	readerErrs int
}

// child is a running serve/bare process.
type child struct {
	cmd   *exec.Cmd
	ready ready
	done  chan error
}

func (s scenario) start(o options, dir, exe string) (*child, error) {
	data := filepath.Join(dir, s.kind+strconv.FormatInt(time.Now().UnixNano(), 36))
	if err := os.Mkdir(data, 0o755); err != nil {
		return nil, err
	}
	args := []string{s.kind, "-rate", strconv.Itoa(o.rate), "-bytes", strconv.Itoa(o.bytes)}
	if s.kind == "serve" {
		args = append(args, "-data", data, "-exe", exe, "-flush", o.flush.String())
		if s.profile != "" {
			args = append(args, "-cpuprofile", s.profile)
		}
	}
	cmd := exec.Command(exe, args...)
	logf, err := os.Create(filepath.Join(data, "child.log"))
	if err != nil {
		return nil, err
	}
	cmd.Stderr = logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, done: make(chan error, 1)}
	line, err := bufio.NewReader(out).ReadBytes('\n')
	if err == nil {
		err = json.Unmarshal(line, &c.ready)
	}
	go func() { c.done <- cmd.Wait(); logf.Close() }()
	if err != nil {
		_ = cmd.Process.Kill()
		log, _ := os.ReadFile(logf.Name())
		return nil, fmt.Errorf("child did not start: %v\n%s", err, log)
	}
	return c, nil
}

func (c *child) stop() error {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-c.done:
		return err
	case <-time.After(30 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done //nolint:errcheck // killed: the exit status is known
		return errors.New("child did not stop within 30s of SIGTERM")
	}
}

func (s scenario) run(o options, dir, exe string) (*result, error) {
	load, _ := os.ReadFile("/proc/loadavg")
	c, err := s.start(o, dir, exe)
	if err != nil {
		return nil, err
	}
	defer func() { _ = c.stop() }()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	windowFrom.Store(1<<63 - 1)
	windowTo.Store(0)
	readers := make([]*reader, o.sockets)
	var wg sync.WaitGroup
	for i := range readers {
		readers[i] = &reader{}
		var err error
		if s.client == "raw" {
			readers[i].raw, err = rawDial(ctx, c.ready.URL, c.ready.Server, c.ready.Token)
		} else {
			readers[i].conn, err = dial(ctx, c.ready.URL, c.ready.Server, c.ready.Token, 0)
		}
		if err != nil {
			return nil, fmt.Errorf("socket %d: %w", i, err)
		}
		wg.Add(1)
		go readers[i].run(&wg)
	}
	var stalled *websocket.Conn
	if s.stalled {
		if stalled, err = dial(ctx, c.ready.URL, c.ready.Server, c.ready.Token, 4096); err != nil {
			return nil, fmt.Errorf("stalled socket: %w", err)
		}
	}
	if s.kind == "serve" {
		if err := sendCommand(ctx, c.ready, "go"); err != nil {
			return nil, fmt.Errorf("start the game: %w", err)
		}
	}
	from := time.Now().Add(o.warmup)
	to := from.Add(s.duration)
	windowFrom.Store(from.UnixNano())
	windowTo.Store(to.UnixNano())
	r := &result{name: s.name, window: s.duration, stalled: s.stalled, loadBefore: strings.TrimSpace(string(load))}
	if err := r.sample(c.cmd.Process.Pid, from, to); err != nil {
		return nil, err
	}
	time.Sleep(time.Second) // lines written at the window's end are still arriving
	for _, rd := range readers {
		rd.close()
	}
	if stalled != nil {
		_ = stalled.CloseNow()
	}
	wg.Wait()
	r.collect(readers)
	return r, nil
}

// sample waits for the window, sampling the child's RSS every second and its CPU, this
// process's CPU and the machine's over the window.
func (r *result) sample(pid int, from, to time.Time) error {
	time.Sleep(time.Until(from))
	c0, err := cpuTime(pid)
	if err != nil {
		return err
	}
	s0, _ := cpuTime(os.Getpid())
	game := descendants(pid)
	g0 := treeCPU(game)
	b0, t0 := machineCPU()
	start := time.Now()
	for t := time.NewTicker(time.Second); ; <-t.C {
		rss, err := rssBytes(pid)
		if err != nil {
			return err
		}
		r.rss = append(r.rss, rss)
		if !time.Now().Before(to) {
			t.Stop()
			break
		}
	}
	el := time.Since(start).Seconds()
	c1, _ := cpuTime(pid)
	s1, _ := cpuTime(os.Getpid())
	g1 := treeCPU(game)
	b1, t1 := machineCPU()
	r.childCPU = (c1 - c0).Seconds() / el
	r.gameCPU = (g1 - g0).Seconds() / el
	r.clientCPU = (s1 - s0).Seconds() / el
	if t1 > t0 {
		r.machine = float64(b1-b0) / float64(t1-t0)
	}
	return nil
}

func (r *result) collect(readers []*reader) {
	minSeq, maxSeq := int64(1<<63-1), int64(-1)
	for _, rd := range readers {
		r.perSocket = append(r.perSocket, rd.lines)
		r.hist.merge(&rd.hist)
		r.notices += rd.notices
		if rd.err != nil {
			r.readerErrs++
		}
		if rd.lines > 0 {
			minSeq, maxSeq = min(minSeq, rd.minSeq), max(maxSeq, rd.maxSeq)
		}
	}
	if maxSeq >= minSeq {
		r.emitted = maxSeq - minSeq + 1
	}
}

// sendCommand sends a console command through a socket of its own.
func sendCommand(ctx context.Context, r ready, cmd string) error {
	c, err := dial(ctx, r.URL, r.Server, r.Token, 0)
	if err != nil {
		return err
	}
	defer c.CloseNow()
	b, _ := json.Marshal(map[string]string{"type": "console", "data": cmd})
	if err := c.Write(ctx, websocket.MessageText, b); err != nil {
		return err
	}
	return c.Close(websocket.StatusNormalClosure, "")
}
