package mysql

import (
	"crypto/rand"
	"fmt"
	"regexp"
	"strings"
)

// MySQL limits on names (MariaDB allows longer user names; 32 is MySQL 5.7+'s limit).
const (
	MaxDatabaseLen = 64
	MaxUserLen     = 32
	// PasswordLen is the length of generated passwords (about 145 bits of entropy).
	PasswordLen = 24
	// userIDLen is how much of the server id goes into a user name: "u" + 20 + "_" + 10 = 32.
	userIDLen     = 20
	userSuffixLen = 10
	// nameSuffixLen is the length of a generated database name suffix.
	nameSuffixLen = 8
)

// identPattern is the only shape of database and user names the package sends to a host.
// Names are also quoted (backticks) or passed as parameters: the pattern is the first of two
// independent defences against injection.
var identPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// userPartPattern is the shape of the part a caller chooses (databaseName in the API).
var userPartPattern = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

const (
	lower   = "abcdefghijklmnopqrstuvwxyz"
	upper   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	digits  = "0123456789"
	special = "-._~" // URL-unreserved: the password can go into a DSN or URL unescaped
)

// ValidDatabase checks a database name: [A-Za-z0-9_-], 1 to 64 characters.
func ValidDatabase(name string) error {
	if !identPattern.MatchString(name) || len(name) > MaxDatabaseLen {
		return fmt.Errorf("%w: database name %q must be 1 to %d characters of A-Z, a-z, 0-9, _ and -",
			ErrInvalidName, name, MaxDatabaseLen)
	}
	return nil
}

// ValidUser checks a user name: [A-Za-z0-9_-], 1 to 32 characters.
func ValidUser(user string) error {
	if !identPattern.MatchString(user) || len(user) > MaxUserLen {
		return fmt.Errorf("%w: user name %q must be 1 to %d characters of A-Z, a-z, 0-9, _ and -",
			ErrInvalidName, user, MaxUserLen)
	}
	return nil
}

// ServerDatabaseName builds the name of a server's database: s<serverID>_<name>. An empty
// name is generated (8 random lower-case letters and digits). The chosen part may hold only
// A-Z, a-z, 0-9 and _, and the whole name must fit MySQL's 64 characters; errors wrap
// ErrInvalidName and say what is allowed.
func ServerDatabaseName(serverID, name string) (string, error) {
	prefix := "s" + serverID + "_"
	if !identPattern.MatchString(serverID) || len(prefix) >= MaxDatabaseLen {
		return "", fmt.Errorf("%w: server id %q cannot prefix a database name", ErrInvalidName, serverID)
	}
	if name == "" {
		name = randomString(lower+digits, nameSuffixLen)
	}
	if !userPartPattern.MatchString(name) {
		return "", fmt.Errorf("%w: the database name may only contain A-Z, a-z, 0-9 and _", ErrInvalidName)
	}
	if room := MaxDatabaseLen - len(prefix); len(name) > room {
		return "", fmt.Errorf("%w: the database name is too long: with the prefix %q it may have at most %d characters",
			ErrInvalidName, prefix, room)
	}
	return prefix + name, nil
}

// ServerUserName generates a user name for a server's database: u<serverID>_<10 random>,
// with the server id cut to 20 characters so the name fits MySQL's 32.
func ServerUserName(serverID string) string {
	id := serverID
	if len(id) > userIDLen {
		id = id[:userIDLen]
	}
	return "u" + id + "_" + randomString(lower+digits, userSuffixLen)
}

// NewPassword returns a random password of PasswordLen characters from A-Z, a-z, 0-9 and
// "-._~", with at least one of each class so common password policies
// (validate_password MEDIUM, simple_password_check) accept it.
func NewPassword() string {
	for {
		pw := randomString(lower+upper+digits+special, PasswordLen)
		if strings.ContainsAny(pw, lower) && strings.ContainsAny(pw, upper) &&
			strings.ContainsAny(pw, digits) && strings.ContainsAny(pw, special) {
			return pw
		}
	}
}

// randomString draws n characters uniformly from alphabet (len ≤ 256) with crypto/rand,
// rejecting bytes that would bias the draw.
func randomString(alphabet string, n int) string {
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2)
	for len(out) < n {
		_, _ = rand.Read(buf) // crypto/rand.Read never fails
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// quoteIdent quotes a validated identifier with backticks (a backtick inside is doubled,
// although validation never lets one through).
func quoteIdent(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// grantDatabase quotes a database name for GRANT ... ON <db>.*: there `_` and `%` are
// wildcards, so they are escaped with a backslash; without this, a grant on s1_a_b would
// also match the database s1xa_b of another server.
func grantDatabase(name string) string {
	r := strings.NewReplacer(`\`, `\\`, `_`, `\_`, `%`, `\%`)
	return quoteIdent(r.Replace(name))
}
