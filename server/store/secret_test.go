package store

import (
	"encoding/base64"
	"testing"
)

func TestNewSecret(t *testing.T) {
	a, b := NewSecret(), NewSecret()
	if a == b {
		t.Fatal("two secrets are equal")
	}
	raw, err := base64.RawURLEncoding.DecodeString(a)
	if err != nil || len(raw) != SecretBytes {
		t.Fatalf("secret %q is not %d base64url bytes (err %v)", a, SecretBytes, err)
	}
}

func TestHashSecret(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	secret := NewSecret()
	hash := HashSecret(key, secret)
	if hash == secret {
		t.Fatal("the hash is the secret")
	}
	if HashSecret(key, secret) != hash {
		t.Fatal("HashSecret is not deterministic")
	}
	tests := []struct {
		name         string
		key          []byte
		hash, secret string
		want         bool
	}{
		{"match", key, hash, secret, true},
		{"wrong secret", key, hash, NewSecret(), false},
		{"wrong key", []byte("another key another key another!"), hash, secret, false},
		{"truncated hash", key, hash[:20], secret, false},
		{"not base64", key, "!!!!", secret, false},
		{"empty", key, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := VerifySecret(tt.key, tt.hash, tt.secret); got != tt.want {
				t.Fatalf("VerifySecret = %v, want %v", got, tt.want)
			}
		})
	}
}
