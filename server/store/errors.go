package store

import "errors"

// Sentinel errors of the store package. Callers match them with errors.Is.
var (
	// ErrPasswordPolicy: the password does not satisfy the policy (the wrapped message says why).
	ErrPasswordPolicy = errors.New("password does not meet the policy")
	// ErrInvalidPasswordHash: a stored password hash is not a supported PHC string.
	ErrInvalidPasswordHash = errors.New("invalid password hash")
	// ErrInvalidKey: a data-folder key file exists but has the wrong size, or a key passed to
	// a helper is too short.
	ErrInvalidKey = errors.New("invalid key")
	// ErrDecrypt: sealed data could not be authenticated (wrong key, tampered or truncated).
	ErrDecrypt = errors.New("cannot decrypt sealed data")
	// ErrInvalidDataDir: the data folder is not usable.
	ErrInvalidDataDir = errors.New("invalid data folder")
)
