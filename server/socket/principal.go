package socket

import "time"

// Principal is the authenticated caller of a socket.
type Principal struct {
	UserID    int
	Admin     bool            // effective admin (admin scope on an admin user)
	Effective map[string]bool // granted scopes expanded by x-scope-implies
	ExpiresAt time.Time       // zero: never
}

// Has reports whether the principal holds a scope (after implication).
func (p *Principal) Has(scope string) bool { return p != nil && (p.Admin || p.Effective[scope]) }
