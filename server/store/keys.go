package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Names and sizes of the data-folder keys.
const (
	KeyOAuth2     = "oauth2"      // fosite GlobalSecret (HMAC of access tokens)
	KeySecretHash = "secret-hash" // HashSecret key for client and node secrets
	KeySeal       = "seal"        // AES-256-GCM key for database host passwords
	KeySize       = 32
)

// Keys are the panel's data-folder keys. Losing them invalidates every token and client
// secret and makes sealed passwords unreadable, so they belong in backups of the folder.
type Keys struct {
	OAuth2     []byte
	SecretHash []byte
	Seal       []byte
}

// LoadKeys loads (creating on first start) the three keys of the data folder.
func LoadKeys(dataDir string) (Keys, error) {
	var k Keys
	var err error
	if k.OAuth2, err = LoadOrCreateKey(dataDir, KeyOAuth2, KeySize); err != nil {
		return k, err
	}
	if k.SecretHash, err = LoadOrCreateKey(dataDir, KeySecretHash, KeySize); err != nil {
		return k, err
	}
	if k.Seal, err = LoadOrCreateKey(dataDir, KeySeal, KeySize); err != nil {
		return k, err
	}
	return k, nil
}

// LoadOrCreateKey returns the content of dataDir/<name>.key, creating it (mode 0600) with
// size random bytes if it does not exist. Creation is atomic (written to a temporary file,
// then hard-linked into place), so processes starting together agree on one key.
func LoadOrCreateKey(dataDir, name string, size int) ([]byte, error) {
	if size < 16 || name == "" || filepath.Base(name) != name {
		return nil, fmt.Errorf("%w: key %q of %d bytes", ErrInvalidKey, name, size)
	}
	path := filepath.Join(dataDir, name+".key")
	key, err := readKey(path, size)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidDataDir, err)
	}
	tmp, err := os.CreateTemp(dataDir, "."+name+".key.*")
	if err != nil {
		return nil, fmt.Errorf("create key %s: %w", name, err)
	}
	defer os.Remove(tmp.Name())
	key = make([]byte, size)
	_, _ = rand.Read(key)
	_, err = tmp.Write(key)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("write key %s: %w", name, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) { // another process won the race: use its key
			return readKey(path, size)
		}
		return nil, fmt.Errorf("install key %s: %w", name, err)
	}
	return key, nil
}

func readKey(path string, size int) ([]byte, error) {
	key, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("read key: %w", err)
	}
	if len(key) != size {
		return nil, fmt.Errorf("%w: %s has %d bytes, want %d", ErrInvalidKey, path, len(key), size)
	}
	return key, nil
}

// Sealer encrypts small secrets (database host passwords) with AES-GCM. Sealed data is
// nonce || ciphertext || tag. Safe for concurrent use.
type Sealer struct{ aead cipher.AEAD }

// NewSealer returns a Sealer for a 16-, 24- or 32-byte key (32: AES-256).
func NewSealer(key []byte) (*Sealer, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plaintext; aad (may be nil) is authenticated but not stored, e.g. the row
// name, so a ciphertext cannot be moved to another row.
func (s *Sealer) Seal(plaintext, aad []byte) []byte {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	_, _ = rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, plaintext, aad)
}

// Open decrypts data made by Seal with the same aad; it fails with ErrDecrypt otherwise.
func (s *Sealer) Open(sealed, aad []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, fmt.Errorf("%w: too short", ErrDecrypt)
	}
	out, err := s.aead.Open(nil, sealed[:n], sealed[n:], aad)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDecrypt, err)
	}
	return out, nil
}
