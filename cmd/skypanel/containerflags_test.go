package main

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/skypanel/skypanel/runtime/containerd"
)

// TestRegistryFlags: --registry-config and --registry-auth are merged per host (the flag wins),
// and bad values are refused.
func TestRegistryFlags(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "config.json")
	auth := base64.StdEncoding.EncodeToString([]byte("file-user:file-pass"))
	body := `{"auths":{"ghcr.io":{"auth":"` + auth + `"},"quay.io":{"username":"q","password":"qp"}}}`
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := newServeCmd()
	if err := cmd.ParseFlags([]string{"--registry-config", cfg, "--registry-auth", "ghcr.io=flag-user:flag:pass",
		"--registry-auth", "registry.example.com:5000=u:p"}); err != nil {
		t.Fatal(err)
	}
	o := nodeOptions{}
	o.registryConfig, _ = cmd.Flags().GetString("registry-config")
	o.registryAuth, _ = cmd.Flags().GetStringArray("registry-auth")
	reg, err := o.registry()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]containerd.Credentials{
		"ghcr.io": {Username: "flag-user", Password: "flag:pass"}, "quay.io": {Username: "q", Password: "qp"},
		"registry.example.com:5000": {Username: "u", Password: "p"},
	}
	if len(reg.Auth) != len(want) {
		t.Fatalf("auth %v, want %v", reg.Auth, want)
	}
	for h, c := range want {
		if reg.Auth[h] != c {
			t.Errorf("%s: %+v, want %+v", h, reg.Auth[h], c)
		}
	}
	for _, bad := range []nodeOptions{{registryAuth: []string{"ghcr.io"}}, {registryConfig: filepath.Join(t.TempDir(), "none")}} {
		if _, err := bad.registry(); !errors.Is(err, containerd.ErrRegistryConfig) {
			t.Errorf("%+v: err = %v, want ErrRegistryConfig", bad, err)
		}
	}
}
