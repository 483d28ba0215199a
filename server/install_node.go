package server

import (
	"context"
	"fmt"
	"io"
	"sync"
	"unicode/utf8"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/install"
)

// NodeInstall is the part of NodeClient for the template installs (issue 4); LocalNode implements it in this file.
type NodeInstall interface {
	// Install starts the installation of a server from the install plan in its definition
	// (Definition.Install) and returns once it runs (state installing): the server must be
	// stopped, crashed or install_failed (daemon.ErrInvalidState otherwise). The installation
	// ends in stopped, or install_failed with the reason in the status message and console.
	Install(ctx context.Context, id string) error
}

// installConfigs holds the installer configuration of each LocalNode (set with
// SetInstallConfig); nodes without one use the default set with SetDefaultInstallConfig.
var installConfigs = struct {
	sync.Mutex
	byNode map[*LocalNode]install.Config
	def    *install.Config
}{byNode: map[*LocalNode]install.Config{}}

// SetDefaultInstallConfig sets the installer configuration of local nodes that have none of
// their own (`skypanel serve` flags).
func SetDefaultInstallConfig(c install.Config) {
	installConfigs.Lock()
	defer installConfigs.Unlock()
	installConfigs.def = &c
}

// SetInstallConfig sets this node's installer configuration (base URLs, mirrors, timeouts);
// it applies to installations started afterwards.
func (l *LocalNode) SetInstallConfig(c install.Config) {
	installConfigs.Lock()
	defer installConfigs.Unlock()
	installConfigs.byNode[l] = c
}

func (l *LocalNode) installConfig() install.Config {
	installConfigs.Lock()
	defer installConfigs.Unlock()
	if c, ok := installConfigs.byNode[l]; ok {
		return c
	}
	if installConfigs.def != nil {
		return *installConfigs.def
	}
	return install.Default()
}

// Install runs the installation in the background (owned by l; Wait waits for it).
func (l *LocalNode) Install(ctx context.Context, id string) error {
	m, err := l.manager()
	if err != nil {
		return err
	}
	st, err := m.Status(id)
	if err != nil {
		return err
	}
	switch st.State {
	case daemon.StateStopped, daemon.StateCrashed, daemon.StateInstallFailed:
	default:
		return fmt.Errorf("%w: server is %s", daemon.ErrInvalidState, st.State)
	}
	inst := install.New(l.installConfig(), l.Runtimes, l.Logger)
	started := make(chan struct{})
	result := make(chan error, 1)
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		err := m.Install(context.Background(), id, func(ctx context.Context, def daemon.Definition, dir string, out io.Writer) error {
			close(started)
			return bounded(inst.Run(ctx, def, dir, out))
		})
		if err != nil && l.Logger != nil {
			l.Logger.Warn("installation failed", "server", id, "err", err)
		}
		result <- err
	}()
	select {
	case <-started:
		return nil
	case err := <-result:
		select {
		case <-started: // it began (and already ended): its outcome is in the status
			return nil
		default: // refused before it began (state changed meanwhile, server deleted)
			return err
		}
	}
}

// maxInstallMessage keeps an installation error (the status message) within the API's limit.
const maxInstallMessage = 900

type boundedError struct {
	msg string
	err error
}

func (e *boundedError) Error() string { return e.msg }
func (e *boundedError) Unwrap() error { return e.err }

// bounded shortens the message of a long error, keeping it matchable with errors.Is.
func bounded(err error) error {
	if err == nil || len(err.Error()) <= maxInstallMessage {
		return err
	}
	msg, cut := err.Error(), maxInstallMessage
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return &boundedError{msg: msg[:cut] + "…", err: err}
}
