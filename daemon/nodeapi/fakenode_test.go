package nodeapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/files"
	"github.com/skypanel/skypanel/gen/daemonapi"
)

// fakeNode is a small in-memory Node for the handler's tests: servers in a map, files as
// byte slices, a controllable event stream. The real Service has its own tests and the
// contract suite (server/node/nodetest) runs it through this handler.
type fakeNode struct {
	mu       sync.Mutex
	servers  map[string]daemonapi.Definition
	files    map[string][]byte // path -> content, for every server
	modTime  time.Time
	commands []string
	installs []bool // the wipe argument of each Install
	power    []daemonapi.PowerRequestAction
	stream   *fakeStream
	bodies   []io.ReadSeekCloser // opened Content bodies, to check they were closed

	// uploadGate, when set, receives the byte count once WriteFile has read that many bytes
	// (proving the upload streams), before it reads the rest.
	uploadGate chan int
	writes     map[string]int64 // path -> size argument of WriteFile
	exportBody []byte
	exportFail bool // fail after writing half of exportBody
}

var _ Node = (*fakeNode)(nil)

func newFakeNode() *fakeNode {
	return &fakeNode{
		servers: map[string]daemonapi.Definition{},
		files:   map[string][]byte{},
		writes:  map[string]int64{},
		modTime: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	}
}

func (f *fakeNode) has(id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.servers[id]; !ok {
		return fmt.Errorf("server %q: %w", id, daemon.ErrNotFound)
	}
	return nil
}

func (f *fakeNode) Health(context.Context) (daemonapi.Health, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return daemonapi.Health{NodeId: 1, BootId: "boot-1", Time: time.Now().UnixMilli(), Version: "test", Servers: len(f.servers)}, nil
}

func (f *fakeNode) System(context.Context) (daemonapi.System, error) {
	var s daemonapi.System
	s.Cpu.Cores, s.Cpu.Threads, s.Cpu.Model = 2, 2, "fake"
	s.Memory = daemonapi.Usage{Total: 100, Used: 40, Free: 60}
	s.Disk = daemonapi.Usage{Total: 100, Used: 10, Free: 90}
	s.Os.Platform, s.Os.Family, s.Os.Version = "debian", "debian", "13"
	return s, nil
}

func (f *fakeNode) Features(context.Context) (daemonapi.Features, error) {
	reason := "no containerd"
	return daemonapi.Features{Standard: true, DockerReason: &reason,
		Environments: []daemonapi.Environment{daemonapi.EnvironmentStandard}}, nil
}

func (f *fakeNode) ListServers(context.Context) ([]daemonapi.ServerSummary, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []daemonapi.ServerSummary
	for id := range f.servers {
		out = append(out, daemonapi.ServerSummary{Id: id, State: daemonapi.StateStopped})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Id < out[j].Id })
	return out, nil
}

func (f *fakeNode) CreateServer(_ context.Context, def daemonapi.Definition) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.servers[def.Id]; ok {
		return fmt.Errorf("server %q: %w", def.Id, daemon.ErrExists)
	}
	f.servers[def.Id] = def
	return nil
}

func (f *fakeNode) UpdateServer(_ context.Context, def daemonapi.Definition) (daemonapi.UpdateResult, error) {
	if err := f.has(def.Id); err != nil {
		return daemonapi.UpdateResult{}, err
	}
	f.mu.Lock()
	f.servers[def.Id] = def
	running := len(f.power) > 0 && f.power[len(f.power)-1] == daemonapi.PowerRequestActionStart
	f.mu.Unlock()
	if running {
		return daemonapi.UpdateResult{Applied: daemonapi.UpdateResultAppliedLive}, nil
	}
	return daemonapi.UpdateResult{Applied: daemonapi.UpdateResultAppliedNextStart}, nil
}

func (f *fakeNode) DeleteServer(_ context.Context, id string) error {
	f.mu.Lock()
	delete(f.servers, id)
	f.mu.Unlock()
	return nil
}

func (f *fakeNode) Power(_ context.Context, id string, a daemonapi.PowerRequestAction) error {
	if err := f.has(id); err != nil {
		return err
	}
	f.mu.Lock()
	f.power = append(f.power, a)
	f.mu.Unlock()
	return nil
}

func (f *fakeNode) Status(_ context.Context, id string) (daemonapi.Status, error) {
	return daemonapi.Status{State: daemonapi.StateStopped}, f.has(id)
}

func (f *fakeNode) Stats(_ context.Context, id string) (daemonapi.Stats, error) {
	return daemonapi.Stats{MemoryLimit: 1 << 20}, f.has(id)
}

func (f *fakeNode) Console(_ context.Context, id string, since int64) (daemonapi.ConsolePage, error) {
	if err := f.has(id); err != nil {
		return daemonapi.ConsolePage{}, err
	}
	return daemonapi.ConsolePage{Lines: []string{fmt.Sprintf("since %d", since)}, Cursor: since + 1}, nil
}

func (f *fakeNode) SendCommand(_ context.Context, id, command string) error {
	if err := f.has(id); err != nil {
		return err
	}
	f.mu.Lock()
	f.commands = append(f.commands, command)
	f.mu.Unlock()
	return nil
}

func (f *fakeNode) Events(_ context.Context, id string, buffer int) (EventStream, error) {
	if err := f.has(id); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stream = newFakeStream(buffer)
	return f.stream, nil
}

func (f *fakeNode) Install(_ context.Context, id string, wipe bool) error {
	f.mu.Lock()
	f.installs = append(f.installs, wipe)
	f.mu.Unlock()
	return f.has(id)
}

func (f *fakeNode) ReadFile(_ context.Context, id, path string, page, limit int) (FileResult, error) {
	if err := f.has(id); err != nil {
		return FileResult{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if path == "/" || path == "" {
		l := daemonapi.Listing{Total: len(f.files)}
		for name, b := range f.files {
			l.Entries = append(l.Entries, daemonapi.Entry{Name: name, Size: int64(len(b)), Modified: f.modTime, IsFile: true})
		}
		return FileResult{Listing: &l}, nil
	}
	b, ok := f.files[path]
	if !ok {
		return FileResult{}, fmt.Errorf("%s: %w", path, files.ErrNotFound)
	}
	body := &countingBody{Reader: bytes.NewReader(b), done: make(chan struct{})}
	f.bodies = append(f.bodies, body)
	return FileResult{File: &Content{Body: body, Size: int64(len(b)), ModTime: f.modTime,
		ETag: fmt.Sprintf(`"%x-%x"`, f.modTime.UnixNano(), len(b))}}, nil
}

func (f *fakeNode) WriteFile(_ context.Context, id, path string, body io.Reader, size int64) error {
	if err := f.has(id); err != nil {
		return err
	}
	var buf bytes.Buffer
	if f.uploadGate != nil {
		n, err := io.CopyN(&buf, body, 64<<10)
		if err != nil {
			return err
		}
		f.uploadGate <- int(n)
	}
	if _, err := io.Copy(&buf, body); err != nil {
		return err
	}
	f.mu.Lock()
	f.files[path] = buf.Bytes()
	f.writes[path] = size
	f.mu.Unlock()
	return nil
}

func (f *fakeNode) MakeFolder(_ context.Context, id, _ string) error { return f.has(id) }

func (f *fakeNode) DeleteFile(_ context.Context, id, path string) error {
	if err := f.has(id); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.files[path]; !ok {
		return fmt.Errorf("%s: %w", path, files.ErrNotFound)
	}
	delete(f.files, path)
	return nil
}

func (f *fakeNode) ListBackups(_ context.Context, id string) ([]daemonapi.Backup, error) {
	return nil, f.has(id)
}

func (f *fakeNode) CreateBackup(_ context.Context, id string, _ int) (daemonapi.Backup, error) {
	return daemonapi.Backup{Id: "b1", Created: f.modTime, State: daemonapi.BackupStateRunning}, f.has(id)
}

func (f *fakeNode) GetBackup(_ context.Context, id, _ string) (daemonapi.Backup, error) {
	return daemonapi.Backup{}, f.has(id)
}

func (f *fakeNode) OpenBackup(ctx context.Context, id, backupID string) (*Content, daemonapi.Backup, error) {
	res, err := f.ReadFile(ctx, id, "backup-"+backupID, 1, 1)
	if err != nil {
		return nil, daemonapi.Backup{}, err
	}
	return res.File, daemonapi.Backup{Id: backupID}, nil
}

func (f *fakeNode) RestoreBackup(_ context.Context, id, _ string, _ bool) error { return f.has(id) }
func (f *fakeNode) DeleteBackup(_ context.Context, id, _ string) error          { return f.has(id) }
func (f *fakeNode) SetBackupCommands(_ context.Context, id string, _ daemonapi.BackupCommands) error {
	return f.has(id)
}

func (f *fakeNode) Export(_ context.Context, id string, w io.Writer) (string, error) {
	if err := f.has(id); err != nil {
		return "", err
	}
	if f.servers[id].Port != nil && *f.servers[id].Port == 1 { // "running" in these tests
		return "", fmt.Errorf("server %q is running: %w", id, daemon.ErrInvalidState)
	}
	h := sha256.New()
	out := io.MultiWriter(w, h)
	if f.exportFail {
		_, _ = out.Write(f.exportBody[:len(f.exportBody)/2])
		return "", errors.New("disk read error")
	}
	if _, err := out.Write(f.exportBody); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (f *fakeNode) Import(_ context.Context, id string, r io.Reader, expectSHA string) (daemonapi.ImportResult, error) {
	if err := f.has(id); err != nil {
		return daemonapi.ImportResult{}, err
	}
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return daemonapi.ImportResult{}, err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if expectSHA != "" && sum != expectSHA {
		return daemonapi.ImportResult{}, fmt.Errorf("import: %w", ErrChecksumMismatch)
	}
	return daemonapi.ImportResult{Sha256: sum, Bytes: n}, nil
}

// body returns the i-th Content body opened.
func (f *fakeNode) body(i int) *countingBody {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.bodies[i].(*countingBody)
}

// opened is how many Content bodies were opened.
func (f *fakeNode) opened() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.bodies)
}

// bytesRead is how many bytes were read from the body.
func (c *countingBody) bytesRead() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.read
}

// countingBody is a Content body that records bytes read and whether it was closed.
type countingBody struct {
	*bytes.Reader
	mu     sync.Mutex
	read   int64
	closed bool
	done   chan struct{} // closed by Close
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.Reader.Read(p)
	c.mu.Lock()
	c.read += int64(n)
	c.mu.Unlock()
	return n, err
}

func (c *countingBody) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.closed = true
		close(c.done)
	}
	return nil
}

// fakeStream is an EventStream the test feeds.
type fakeStream struct {
	backlog []daemonapi.ConsoleLine
	ch      chan daemonapi.Event
	once    sync.Once
	closed  chan struct{}
}

func newFakeStream(buffer int) *fakeStream {
	return &fakeStream{
		backlog: []daemonapi.ConsoleLine{{Cursor: 1, Time: 1, Text: "old line"}},
		ch:      make(chan daemonapi.Event, buffer),
		closed:  make(chan struct{}),
	}
}

func (s *fakeStream) Backlog() []daemonapi.ConsoleLine { return s.backlog }
func (s *fakeStream) C() <-chan daemonapi.Event        { return s.ch }
func (s *fakeStream) Err() error                       { return nil }
func (s *fakeStream) Close()                           { s.once.Do(func() { close(s.closed) }) }
