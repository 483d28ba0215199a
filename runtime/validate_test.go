package runtime

import (
	"errors"
	"strings"
	"testing"
)

func TestSpecValidate(t *testing.T) {
	dir := t.TempDir()
	good := Spec{ID: "ABC12345", Command: "echo hi", Dir: dir}
	cases := []struct {
		name   string
		mutate func(s *Spec)
		ok     bool
	}{
		{"Good", func(*Spec) {}, true},
		{"AllLimits", func(s *Spec) {
			s.Limits = Limits{MemoryMiB: 1024, SwapMiB: -1, CPUPercent: 250, IOWeight: 500, Pids: 256}
		}, true},
		{"EmptyID", func(s *Spec) { s.ID = "" }, false},
		{"DotDotID", func(s *Spec) { s.ID = ".." }, false},
		{"LongID", func(s *Spec) { s.ID = string(make([]byte, 65)) }, false},
		{"NoCommand", func(s *Spec) { s.Command = "" }, false},
		{"RelativeDir", func(s *Spec) { s.Dir = "x" }, false},
		{"MissingDir", func(s *Spec) { s.Dir = dir + "/nope" }, false},
		{"Memory", func(s *Spec) { s.Limits.MemoryMiB = MaxMemoryMiB + 1 }, false},
		{"Swap", func(s *Spec) { s.Limits.SwapMiB = -2 }, false},
		{"CPU", func(s *Spec) { s.Limits.CPUPercent = -1 }, false},
		{"IOWeight", func(s *Spec) { s.Limits.IOWeight = 9 }, false},
		{"Pids", func(s *Spec) { s.Limits.Pids = MaxPids + 1 }, false},
		{"MountEgg", func(s *Spec) { s.Mount = "/mnt/server" }, true},
		{"MountDefault", func(s *Spec) { s.Mount = DefaultMount }, true},
		{"MountRootFolder", func(s *Spec) { s.Mount = "/srv" }, true},
		{"MountDeep", func(s *Spec) { s.Mount = "/opt/game/data" }, true},
		{"MountPufferPanel", func(s *Spec) { s.Mount = "/pufferpanel" }, true},
		{"MountRelative", func(s *Spec) { s.Mount = "mnt/server" }, false},
		{"MountNotClean", func(s *Spec) { s.Mount = "/mnt/server/" }, false},
		{"MountDotDot", func(s *Spec) { s.Mount = "/mnt/../etc" }, false},
		{"MountSlash", func(s *Spec) { s.Mount = "/" }, false},
		{"MountEtc", func(s *Spec) { s.Mount = "/etc" }, false},
		{"MountProc", func(s *Spec) { s.Mount = "/proc/self" }, false},
		{"MountSys", func(s *Spec) { s.Mount = "/sys/fs" }, false},
		{"MountDev", func(s *Spec) { s.Mount = "/dev/shm" }, false},
		{"MountRun", func(s *Spec) { s.Mount = "/run/skypanel" }, false},
		{"MountUsr", func(s *Spec) { s.Mount = "/usr/local" }, false},
		{"MountPrefixOnly", func(s *Spec) { s.Mount = "/homework" }, false},
		{"MountComma", func(s *Spec) { s.Mount = "/mnt/a,b" }, false},
		{"MountColon", func(s *Spec) { s.Mount = "/mnt/a:b" }, false},
		{"MountNUL", func(s *Spec) { s.Mount = "/mnt/a\x00" }, false},
		{"MountLong", func(s *Spec) { s.Mount = "/mnt/" + strings.Repeat("a", MaxMountLen) }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := good
			c.mutate(&s)
			err := s.Validate()
			if c.ok != (err == nil) || (err != nil && !errors.Is(err, ErrInvalidSpec)) {
				t.Fatalf("Validate() = %v, want ok=%v", err, c.ok)
			}
		})
	}
}

func TestMountPoint(t *testing.T) {
	if got := (Spec{}).MountPoint(); got != DefaultMount {
		t.Errorf("empty mount: %q", got)
	}
	if got := (Spec{Mount: "/mnt/server"}).MountPoint(); got != "/mnt/server" {
		t.Errorf("mount: %q", got)
	}
}
