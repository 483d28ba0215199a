package mysql

import (
	"errors"
	"strings"
	"testing"
)

func TestServerDatabaseName(t *testing.T) {
	long32 := strings.Repeat("A", 32)
	tests := []struct {
		name, server, part string
		want               string // "" when an error is expected
	}{
		{"plain", "ABC12345", "main", "sABC12345_main"},
		{"dash in server id", "a-b", "x_y", "sa-b_x_y"},
		{"longest part", long32, strings.Repeat("n", 30), "s" + long32 + "_" + strings.Repeat("n", 30)},
		{"part too long", long32, strings.Repeat("n", 31), ""},
		{"backtick", "ABC", "a`b", ""},
		{"quote", "ABC", "a'b", ""},
		{"semicolon", "ABC", "a;DROP DATABASE mysql", ""},
		{"comment", "ABC", "a--", ""},
		{"dash in part", "ABC", "a-b", ""},
		{"space", "ABC", "a b", ""},
		{"unicode", "ABC", "café", ""},
		{"bad server id", "A`B", "main", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ServerDatabaseName(tt.server, tt.part)
			if tt.want == "" {
				if !errors.Is(err, ErrInvalidName) {
					t.Fatalf("ServerDatabaseName(%q, %q) = %q, %v; want ErrInvalidName", tt.server, tt.part, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ServerDatabaseName(%q, %q) = %q, %v; want %q", tt.server, tt.part, got, err, tt.want)
			}
			if ValidDatabase(got) != nil {
				t.Fatalf("%q does not pass ValidDatabase", got)
			}
		})
	}
}

func TestGeneratedNames(t *testing.T) {
	long := strings.Repeat("Z", 32)
	for _, server := range []string{"A", "ABC12345", long, "x-y_z"} {
		t.Run(server, func(t *testing.T) {
			db, err := ServerDatabaseName(server, "")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(db, "s"+server+"_") || len(db) != len(server)+2+nameSuffixLen {
				t.Fatalf("generated database name %q", db)
			}
			user := ServerUserName(server)
			if err := ValidUser(user); err != nil {
				t.Fatalf("generated user %q: %v", user, err)
			}
			if !strings.HasPrefix(user, "u"+server[:min(len(server), userIDLen)]+"_") {
				t.Fatalf("generated user %q does not carry the server id", user)
			}
			if other := ServerUserName(server); other == user {
				t.Fatalf("two generated users are both %q", user)
			}
		})
	}
}

func TestValidNames(t *testing.T) {
	tests := []struct {
		name  string
		check func(string) error
		in    string
		ok    bool
	}{
		{"database ok", ValidDatabase, "s1_main-2", true},
		{"database 64", ValidDatabase, strings.Repeat("d", 64), true},
		{"database 65", ValidDatabase, strings.Repeat("d", 65), false},
		{"database empty", ValidDatabase, "", false},
		{"database backtick", ValidDatabase, "a`b", false},
		{"database dot", ValidDatabase, "a.b", false},
		{"database slash", ValidDatabase, "a/b", false},
		{"database percent", ValidDatabase, "a%", false},
		{"database newline", ValidDatabase, "a\nb", false},
		{"user ok", ValidUser, "uABC_x7k2", true},
		{"user 32", ValidUser, strings.Repeat("u", 32), true},
		{"user 33", ValidUser, strings.Repeat("u", 33), false},
		{"user quote", ValidUser, "u'@'%", false},
		{"user at", ValidUser, "u@h", false},
		{"user NUL", ValidUser, "u\x00", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.check(tt.in)
			if tt.ok != (err == nil) {
				t.Fatalf("check(%q) = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalidName) {
				t.Fatalf("error %v does not wrap ErrInvalidName", err)
			}
		})
	}
}

func TestQuoting(t *testing.T) {
	tests := []struct {
		name, fn, in, want string
	}{
		{"ident", "ident", "s1_main", "`s1_main`"},
		{"ident doubles backticks", "ident", "a`b", "`a``b`"},
		{"grant escapes wildcards", "grant", "s1_a_b", "`s1\\_a\\_b`"},
		{"grant escapes percent and backslash", "grant", `a%\`, "`a\\%\\\\`"},
		{"grant keeps dash", "grant", "s-1", "`s-1`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := quoteIdent(tt.in)
			if tt.fn == "grant" {
				got = grantDatabase(tt.in)
			}
			if got != tt.want {
				t.Fatalf("%s(%q) = %s, want %s", tt.fn, tt.in, got, tt.want)
			}
		})
	}
}

func TestNewPassword(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		pw := NewPassword()
		if len(pw) != PasswordLen {
			t.Fatalf("password %q has %d characters", pw, len(pw))
		}
		for _, class := range []string{lower, upper, digits, special} {
			if !strings.ContainsAny(pw, class) {
				t.Fatalf("password %q lacks one of %q", pw, class)
			}
		}
		if strings.Trim(pw, lower+upper+digits+special) != "" {
			t.Fatalf("password %q has characters outside the alphabet", pw)
		}
		if seen[pw] {
			t.Fatalf("password %q generated twice", pw)
		}
		seen[pw] = true
	}
}

func TestRandomStringUsesWholeAlphabet(t *testing.T) {
	const alphabet = lower + digits
	s := randomString(alphabet, 4000)
	for _, r := range alphabet {
		if !strings.ContainsRune(s, r) {
			t.Fatalf("4000 draws never produced %q", r)
		}
	}
	if strings.Trim(s, alphabet) != "" {
		t.Fatal("randomString produced a character outside the alphabet")
	}
}
