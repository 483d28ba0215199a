package host

import (
	"fmt"
	"os/exec"
	goruntime "runtime"

	"golang.org/x/sys/unix"
)

// startNoNewPrivs starts cmd with no_new_privs set, so neither the command nor anything it
// runs can gain privileges through setuid/setgid binaries or file capabilities.
//
// Go's SysProcAttr has no such flag. no_new_privs is a per-thread attribute inherited by
// children, and os/exec forks from the calling thread, so a goroutine locked to a fresh OS
// thread sets it on that thread, starts the command and returns without unlocking: the Go
// runtime then ends the thread, and the flag never reaches another goroutine of the daemon.
// This needs no helper binary (setpriv) and no re-exec of the daemon, so it works the same
// from the skypanel binary and from test binaries; it costs one thread per start.
func startNoNewPrivs(cmd *exec.Cmd) error {
	errc := make(chan error, 1)
	go func() {
		goruntime.LockOSThread()
		// No UnlockOSThread: the thread carries no_new_privs and must die with this goroutine.
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			errc <- fmt.Errorf("set no_new_privs: %w", err)
			return
		}
		errc <- cmd.Start()
	}()
	return <-errc
}
