package sftp

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/crypto/ssh"
)

// LoadHostKey reads the host key at path, creating an ed25519 key there (mode 0600, OpenSSH
// format) when there is none. The creation is atomic: a temporary file is linked into place,
// so a crash never leaves a partial key and two starts racing agree on one key.
func LoadHostKey(path string) (ssh.Signer, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := createHostKey(path); err != nil {
			return nil, err
		}
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("sftp: read the host key: %w", err)
	}
	signer, err := ssh.ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("sftp: parse the host key %s: %w", path, err)
	}
	return signer, nil
}

func createHostKey(path string) error {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("sftp: generate the host key: %w", err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "skypanel sftp host key")
	if err != nil {
		return fmt.Errorf("sftp: encode the host key: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".sftp_host_key-*.tmp")
	if err != nil {
		return fmt.Errorf("sftp: create the host key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("sftp: create the host key: %w", err)
	}
	if _, err := tmp.Write(pem.EncodeToMemory(block)); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("sftp: write the host key: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("sftp: write the host key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("sftp: write the host key: %w", err)
	}
	// Link fails when another start created the key meanwhile: that one wins.
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("sftp: create the host key: %w", err)
	}
	return nil
}
