package containerd

import (
	"os"
	"path/filepath"
	"testing"
)

func TestResolvConf(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	stub := write("stub", "nameserver 127.0.0.53\noptions edns0\nsearch lan\n")
	upstream := write("upstream", "nameserver 192.0.2.53\nnameserver ::1\nsearch lan\n")
	mixed := write("mixed", "nameserver 127.0.0.1\nnameserver 10.0.0.2\n")
	cases := []struct {
		name    string
		sources []string
		want    string
	}{
		{"stub then upstream", []string{stub, upstream}, "nameserver 192.0.2.53\nsearch lan\n"},
		{"loopback dropped", []string{mixed}, "nameserver 10.0.0.2\n"},
		{"only loopback", []string{stub}, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n"},
		{"missing files", []string{filepath.Join(dir, "none")}, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := string(resolvConf(c.sources...)); got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}
