package socket

import (
	"testing"

	"github.com/skypanel/skypanel/gen/daemonapi"
)

// TestCloseSuspendedLast: the suspended status is the last message before the 4009 close, also
// when the socket's queue is full and messages were dropped, and also when the socket may not
// read statuses (server.status).
func TestCloseSuspendedLast(t *testing.T) {
	for _, fill := range []int{0, 3, 4, 9} {
		st, err := New(Deps{})
		if err != nil {
			t.Fatal(err)
		}
		opts := DefaultOptions()
		opts.Buffer = 4
		s := newSocket(st, opts, nil, nil, "S1")
		s.perms = socketPerms{console: true} // no server.status
		for range fill {
			s.push([]*frame{consoleFrame("line")})
		}
		f := statusFrame(daemonapi.Status{State: "running", Running: true}, true)
		s.closeSuspended(f)
		s.push([]*frame{consoleFrame("after the close")})
		var all []*frame
		for {
			got, code, _, abort := s.take(nil)
			if abort {
				t.Fatal("aborted")
			}
			all = append(all, got...)
			if len(got) == 0 {
				if code != closeSuspended {
					t.Fatalf("fill %d: close code %v, want 4009", fill, code)
				}
				break
			}
		}
		if len(all) == 0 || all[len(all)-1] != f {
			t.Errorf("fill %d: %d frames, the suspended status is not last", fill, len(all))
		}
		for _, x := range all {
			if string(x.b) == string(consoleFrame("after the close").b) {
				t.Errorf("fill %d: a frame pushed after the close was delivered", fill)
			}
		}
	}
}
