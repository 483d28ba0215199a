package store

import (
	"errors"
	"strings"
	"testing"
)

func TestValidatePassword(t *testing.T) {
	tests := []struct {
		name string
		pw   string
		ok   bool
	}{
		{"documented example", "SecurePassword123!", true},
		{"minimum length", "abcdefg1", true},
		{"maximum length", strings.Repeat("a", 127) + "1", true},
		{"too short", "abcdef1", false},
		{"too long", strings.Repeat("a", 128) + "1", false},
		{"no digit", "abcdefgh", false},
		{"no letter", "12345678", false},
		{"non-ASCII letters count", "contraseña1", true},
		{"invalid UTF-8", "abcdefg1\xff", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidatePassword(tt.pw)
			if tt.ok && err != nil {
				t.Fatalf("ValidatePassword(%q) = %v, want nil", tt.pw, err)
			}
			if !tt.ok && !errors.Is(err, ErrPasswordPolicy) {
				t.Fatalf("ValidatePassword(%q) = %v, want ErrPasswordPolicy", tt.pw, err)
			}
		})
	}
}

func TestHashPassword(t *testing.T) {
	hash, err := HashPassword("SecurePassword123!")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not an argon2id PHC string with the expected parameters", hash)
	}
	other, err := HashPassword("SecurePassword123!")
	if err != nil {
		t.Fatal(err)
	}
	if other == hash {
		t.Fatal("two hashes of the same password are equal: the salt is not random")
	}
	tests := []struct {
		name, hash, pw string
		want           bool
	}{
		{"right password", hash, "SecurePassword123!", true},
		{"wrong password", hash, "SecurePassword123?", false},
		{"empty password", hash, "", false},
		{"malformed hash", "$argon2id$v=19$garbage", "SecurePassword123!", false},
		{"other algorithm", strings.Replace(hash, "argon2id", "argon2i", 1), "SecurePassword123!", false},
		{"absurd memory", strings.Replace(hash, "m=19456", "m=99999999", 1), "SecurePassword123!", false},
		{"empty hash", "", "SecurePassword123!", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckPassword(tt.hash, tt.pw); got != tt.want {
				t.Fatalf("CheckPassword = %v, want %v", got, tt.want)
			}
		})
	}
}
