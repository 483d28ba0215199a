package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sftpHostile plants links in the server folder as its game server could (to /etc, to a secret
// file beside the folder, to the folder's parent) and replays hostile paths through OpenSSH's
// client: every get and put is refused or stays inside the folder, no secret comes back and
// the secret is unchanged. Writes aim only at the secret, never at /etc, so that even a broken
// server cannot harm the machine.
func sftpHostile(t *testing.T, l sftpLogin, s *server) {
	t.Helper()
	vol := s.p.volumeDir(s.id)
	secret := filepath.Join(filepath.Dir(vol), "sftp-secret-"+s.id)
	const secretText = "outside secret"
	if err := os.WriteFile(secret, []byte(secretText), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Remove(secret) })
	links := map[string]string{"etclink": "/etc", "secretlink": secret, "uplink": ".."}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(vol, name)); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.Remove(filepath.Join(vol, name)) })
	}
	base := filepath.Base(secret)
	toSecret := []string{"secretlink", "uplink/" + base, "../" + base, "/../" + base, "a/../../" + base,
		"./../" + base, "../../" + filepath.Base(filepath.Dir(vol)) + "/" + base}
	toEtc := []string{"etclink/passwd", "../../../../../../etc/passwd", "/etc/passwd", "uplink/../../etc/passwd"}
	local := filepath.Join(t.TempDir(), "got")
	for _, p := range append(toSecret, toEtc...) {
		if out, err := l.run(t, "get "+p+" "+local); err == nil {
			got, _ := os.ReadFile(local)
			if strings.Contains(string(got), secretText) || strings.Contains(string(got), "root:") {
				t.Errorf("get %s returned what lies outside the server folder:\n%s", p, out)
			}
		}
		_ = os.Remove(local)
	}
	small := filepath.Join(t.TempDir(), "small.txt")
	if err := os.WriteFile(small, []byte("pwned"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range toSecret {
		_, _ = l.run(t, "put "+small+" "+p)
		_, _ = l.run(t, "rm "+p)
		_, _ = l.run(t, "rename "+p+" moved")
		_, _ = l.run(t, "rm moved")
	}
	if got, err := os.ReadFile(secret); err != nil || string(got) != secretText {
		t.Fatalf("the secret beside the server folder is now %q, %v", got, err)
	}
}
