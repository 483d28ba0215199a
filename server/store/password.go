package store

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Password policy bounds (in characters).
const (
	PasswordMinLen = 8
	PasswordMaxLen = 128
)

// argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, 1 lane) keeps a login
// around 20–30 ms and the panel's memory low. They are stored in every hash, so they can be
// raised later without invalidating existing hashes.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonSaltLen   = 16
	argonKeyLen    = 32
)

var b64raw = base64.RawStdEncoding

// ValidatePassword checks the password policy: 8 to 128 characters with at least one letter
// and one digit. The error wraps ErrPasswordPolicy and its message says what is missing.
func ValidatePassword(pw string) error {
	if !utf8.ValidString(pw) {
		return fmt.Errorf("%w: the password is not valid UTF-8", ErrPasswordPolicy)
	}
	n := utf8.RuneCountInString(pw)
	if n < PasswordMinLen || n > PasswordMaxLen {
		return fmt.Errorf("%w: the password must be between %d and %d characters long",
			ErrPasswordPolicy, PasswordMinLen, PasswordMaxLen)
	}
	var letter, digit bool
	for _, r := range pw {
		letter = letter || unicode.IsLetter(r)
		digit = digit || unicode.IsDigit(r)
	}
	if !letter || !digit {
		return fmt.Errorf("%w: the password must contain at least one letter and one digit", ErrPasswordPolicy)
	}
	return nil
}

// HashPassword hashes pw with argon2id and a random salt, in PHC string format:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>. It does not apply the policy.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		argonMemoryKiB, argonTime, argonThreads, b64raw.EncodeToString(salt), b64raw.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches a hash made by HashPassword (with whatever
// parameters the hash records). The comparison is constant-time; a malformed hash is false.
func CheckPassword(hash, pw string) bool {
	p, err := parseArgon2id(hash)
	if err != nil {
		return false
	}
	key := argon2.IDKey([]byte(pw), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	return subtle.ConstantTimeCompare(key, p.key) == 1
}

type argonHash struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

func parseArgon2id(hash string) (argonHash, error) {
	var p argonHash
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, ErrInvalidPasswordHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, fmt.Errorf("%w: version %q", ErrInvalidPasswordHash, parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil {
		return p, fmt.Errorf("%w: parameters %q", ErrInvalidPasswordHash, parts[3])
	}
	// Refuse absurd parameters from a tampered row (memory is in KiB: cap at 1 GiB).
	if p.time < 1 || p.time > 16 || p.threads < 1 || p.memory < 8 || p.memory > 1<<20 {
		return p, fmt.Errorf("%w: parameters out of range", ErrInvalidPasswordHash)
	}
	var err error
	if p.salt, err = b64raw.DecodeString(parts[4]); err != nil || len(p.salt) < 8 {
		return p, fmt.Errorf("%w: salt", ErrInvalidPasswordHash)
	}
	if p.key, err = b64raw.DecodeString(parts[5]); err != nil || len(p.key) < 16 || len(p.key) > 64 {
		return p, fmt.Errorf("%w: key", ErrInvalidPasswordHash)
	}
	return p, nil
}
