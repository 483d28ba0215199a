package daemon

import "fmt"

// State is a server's lifecycle state as the API reports it.
type State string

// The states. starting and stopping are only seen by callers that do not wait for the power
// lock (Status, Subscribe, SendCommand, Kill).
const (
	StateInstalling    State = "installing"
	StateInstallFailed State = "install_failed"
	StateStopped       State = "stopped"
	StateStarting      State = "starting"
	StateRunning       State = "running"
	StateStopping      State = "stopping"
	StateCrashed       State = "crashed"
)

// Transitions, by action (each row: from state → result):
//
//	           | Start            | Stop             | Restart          | Kill             | Install          | SendCommand
//	installing | ErrBusy          | ErrBusy          | ErrBusy          | cancels install  | ErrInvalidState  | ErrNotRunning
//	inst_failed| ErrInvalidState  | no-op            | ErrInvalidState  | no-op            | → installing     | ErrNotRunning
//	stopped    | → starting→running| no-op           | → start          | no-op            | → installing     | ErrNotRunning
//	crashed    | → starting→running| → stopped       | → start          | → stopped        | → installing     | ErrNotRunning
//	running    | no-op            | → stopping→stopped| stop, then start| → stopping→stopped| ErrInvalidState | written to stdin
//	stopping   | (queued)         | (queued)         | (queued)         | SIGKILL now      | (queued)         | written to stdin
//
// ErrBusy is always wrapped with ErrInvalidState. A suspended server (Definition.Suspended)
// refuses Start and Restart with ErrSuspended in every state (checked before the table), and
// Install where the table allows it.
//
// A running server whose definition has ready patterns reports starting (Status, status
// events) until its console shows one; the row "running" applies to it meanwhile.
//
// Process exits the daemon did not ask for move running → crashed (and maybe → starting again,
// see the crash policy in watch.go); a failed start returns to stopped with the reason as the
// status message; installs end in stopped or install_failed.

// checkStart returns nil when a start is possible from st.
func checkStart(st State) error {
	switch st {
	case StateStopped, StateCrashed:
		return nil
	case StateInstallFailed:
		return fmt.Errorf("%w: the installation failed; reinstall the server first", ErrInvalidState)
	default:
		return invalid(st)
	}
}

// invalid describes why an action is not possible in st.
func invalid(st State) error {
	switch st {
	case StateInstalling, StateStarting, StateStopping:
		return fmt.Errorf("%w: %w: server is %s", ErrInvalidState, ErrBusy, st)
	case StateRunning:
		return fmt.Errorf("%w: server is already running", ErrInvalidState)
	default:
		return fmt.Errorf("%w: server is %s", ErrInvalidState, st)
	}
}

// StatusInfo is a server's state as Status and status events report it.
type StatusInfo struct {
	State   State  `json:"state"`
	Running bool   `json:"running"`           // a process exists (running or stopping)
	Message string `json:"message,omitempty"` // why it crashed, failed to start or install
}
