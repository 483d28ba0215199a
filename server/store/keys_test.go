package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestLoadOrCreateKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	k1, err := LoadOrCreateKey(dir, "test", 32)
	if err != nil {
		t.Fatal(err)
	}
	if len(k1) != 32 || bytes.Equal(k1, make([]byte, 32)) {
		t.Fatalf("key %x is not 32 random bytes", k1)
	}
	st, err := os.Stat(filepath.Join(dir, "test.key"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", st.Mode().Perm())
	}
	k2, err := LoadOrCreateKey(dir, "test", 32)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k1, k2) {
		t.Fatal("the key changed between two loads")
	}
	if _, err := LoadOrCreateKey(dir, "test", 64); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("size mismatch: err = %v, want ErrInvalidKey", err)
	}
	if _, err := LoadOrCreateKey(dir, "../escape", 32); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("path in name: err = %v, want ErrInvalidKey", err)
	}
}

// Processes starting together must agree on one key.
func TestLoadOrCreateKeyConcurrent(t *testing.T) {
	dir := t.TempDir()
	const n = 16
	keys := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { keys[i], errs[i] = LoadOrCreateKey(dir, "race", 32) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !bytes.Equal(keys[i], keys[0]) {
			t.Fatalf("caller %d got a different key", i)
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".race.key.*"))
	if len(leftovers) != 0 {
		t.Fatalf("temporary files left: %v", leftovers)
	}
}

func TestSealer(t *testing.T) {
	key, err := LoadOrCreateKey(t.TempDir(), KeySeal, KeySize)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte("mysql-password")
	sealed := s.Seal(plain, []byte("host-1"))
	if bytes.Contains(sealed, plain) {
		t.Fatal("the plaintext is visible in the sealed data")
	}
	if again := s.Seal(plain, []byte("host-1")); bytes.Equal(again, sealed) {
		t.Fatal("sealing twice gives the same bytes: the nonce is not random")
	}
	other, _ := NewSealer(bytes.Repeat([]byte{7}, 32))
	tampered := append([]byte(nil), sealed...)
	tampered[len(tampered)-1] ^= 1
	tests := []struct {
		name   string
		s      *Sealer
		sealed []byte
		aad    string
		ok     bool
	}{
		{"round trip", s, sealed, "host-1", true},
		{"other row", s, sealed, "host-2", false},
		{"wrong key", other, sealed, "host-1", false},
		{"tampered", s, tampered, "host-1", false},
		{"truncated", s, sealed[:10], "host-1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.s.Open(tt.sealed, []byte(tt.aad))
			if tt.ok && (err != nil || !bytes.Equal(got, plain)) {
				t.Fatalf("Open = %q, %v; want %q", got, err, plain)
			}
			if !tt.ok && !errors.Is(err, ErrDecrypt) {
				t.Fatalf("Open err = %v, want ErrDecrypt", err)
			}
		})
	}
	if _, err := NewSealer([]byte("short")); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("NewSealer(short) = %v, want ErrInvalidKey", err)
	}
}
