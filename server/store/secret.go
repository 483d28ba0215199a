package store

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// SecretBytes is the entropy of a generated secret (256 bits).
const SecretBytes = 32

var b64url = base64.RawURLEncoding

// NewSecret returns 32 random bytes, base64url-encoded without padding (43 characters).
// Used for OAuth2 client secrets and node secrets; shown once, stored only as HashSecret.
func NewSecret() string { return RandomString(SecretBytes) }

// RandomString returns n random bytes, base64url-encoded without padding (URL-safe, no '.').
func RandomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it panics if the OS source breaks)
	return b64url.EncodeToString(b)
}

// HashSecret is a keyed fast hash of a secret: HMAC-SHA256(key, secret), base64url.
//
// Secrets made by NewSecret carry 256 bits of entropy, so a slow password hash (bcrypt,
// argon2) buys nothing against brute force and would cap token issuance at a few dozen per
// second per core. The HMAC key lives in the data folder (not in the database), so a leaked
// database alone does not even allow checking a guessed secret.
func HashSecret(key []byte, secret string) string {
	return b64url.EncodeToString(hashSecret(key, secret))
}

// VerifySecret reports, in constant time, whether secret matches a HashSecret value.
func VerifySecret(key []byte, hash, secret string) bool {
	want, err := b64url.DecodeString(hash)
	if err != nil || len(want) != sha256.Size {
		return false
	}
	return hmac.Equal(hashSecret(key, secret), want)
}

func hashSecret(key []byte, secret string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(secret))
	return m.Sum(nil)
}
