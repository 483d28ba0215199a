package netlab

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// deleteNetns kills whatever still runs in namespace name (a leaked server process), then
// deletes it; an absent namespace is fine.
func deleteNetns(name string) error {
	if _, err := os.Stat("/run/netns/" + name); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	var errs []error
	if pids := netnsPids(name); len(pids) > 0 {
		errs = append(errs, fmt.Errorf("processes %v were still running in %s (killed)", pids, name))
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		waitGone(pids, 10*time.Second)
	}
	if err := ip("netns", "del", name); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// netnsPids lists the processes in namespace name.
func netnsPids(name string) []int {
	out, err := exec.Command("ip", "netns", "pids", name).Output()
	if err != nil {
		return nil
	}
	var pids []int
	for _, f := range strings.Fields(string(out)) {
		if pid, err := strconv.Atoi(f); err == nil && pid != os.Getpid() {
			pids = append(pids, pid)
		}
	}
	return pids
}

// waitGone waits up to d for pids to exit (zombies of other parents count as gone).
func waitGone(pids []int, d time.Duration) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if !slices.ContainsFunc(pids, Alive) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Alive reports whether pid is a live process (not a zombie).
func Alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && len(s) > i+2 && s[i+2] != 'Z'
}

// deleteLink deletes a link of the root namespace; an absent one (gone with its peer's
// namespace) is fine.
func deleteLink(name string) error {
	if _, err := os.Stat("/sys/class/net/" + name); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return ip("link", "del", name)
}

// UnmountUnder detaches every mount point below dir (deepest first): the network namespace
// files of containers a killed daemon could not remove. It returns the mount points found.
func UnmountUnder(dir string) ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dir = filepath.Clean(dir) + "/"
	var found []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && strings.HasPrefix(unescape(fields[4])+"/", dir) {
			found = append(found, unescape(fields[4]))
		}
	}
	slices.SortFunc(found, func(a, b string) int { return len(b) - len(a) })
	var errs []error
	for _, m := range found {
		if err := syscall.Unmount(m, syscall.MNT_DETACH); err != nil && !errors.Is(err, syscall.EINVAL) {
			errs = append(errs, fmt.Errorf("unmount %s: %w", m, err))
		}
	}
	return found, errors.Join(errs...)
}

// unescape decodes mountinfo's octal escapes (\040 for a space).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// staleName matches the namespaces of this package: skp12-<pid>-<rand>-<letter>.
var staleName = regexp.MustCompile(`^` + prefix + `(\d+)-[a-z0-9]+-[a-z]$`)

// Sweep deletes the namespaces (with their processes and veths) of labs whose process is gone,
// and returns their names. Call it before creating labs.
func Sweep() ([]string, error) {
	entries, err := os.ReadDir("/run/netns")
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var swept []string
	var errs []error
	for _, e := range entries {
		m := staleName.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		if pid, _ := strconv.Atoi(m[1]); Alive(pid) {
			continue
		}
		swept = append(swept, e.Name())
		if err := deleteNetns(e.Name()); err != nil && len(netnsPids(e.Name())) > 0 {
			errs = append(errs, err)
		}
	}
	return swept, errors.Join(errs...)
}
