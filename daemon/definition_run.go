package daemon

import (
	"fmt"
	"syscall"
)

// stopSignals are the signals Definition.StopSignal may name.
var stopSignals = map[string]syscall.Signal{
	"SIGTERM": syscall.SIGTERM, "SIGINT": syscall.SIGINT, "SIGQUIT": syscall.SIGQUIT, "SIGHUP": syscall.SIGHUP,
}

// stopSignal returns the signal that stops d's server when it has no stop command (SIGTERM
// for an empty or unknown StopSignal; Validate refuses unknown ones).
func (d Definition) stopSignal() (syscall.Signal, string) {
	if sig, ok := stopSignals[d.StopSignal]; ok {
		return sig, d.StopSignal
	}
	return syscall.SIGTERM, "SIGTERM"
}

// validateRun checks StopSignal, Ready and ConfigFiles (part of Validate).
func (d Definition) validateRun() error {
	if _, ok := stopSignals[d.StopSignal]; d.StopSignal != "" && !ok {
		return fmt.Errorf("%w: stopSignal: %q is not one of SIGTERM, SIGINT, SIGQUIT, SIGHUP",
			ErrInvalidDefinition, d.StopSignal)
	}
	if _, err := compileReady(d.Ready); err != nil {
		return err
	}
	return d.validateConfigFiles()
}
