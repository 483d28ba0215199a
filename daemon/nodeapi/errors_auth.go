package nodeapi

import "errors"

// Sentinels of token verification. Verify wraps ErrUnauthorized (errors.go) together with
// one of these reasons.
var (
	// ErrTokenMissing: no bearer token in the request.
	ErrTokenMissing = errors.New("no bearer token")
	// ErrTokenMalformed: not a compact JWS with one signature.
	ErrTokenMalformed = errors.New("malformed token")
	// ErrTokenAlgorithm: an algorithm other than EdDSA (none, HS256, RS256, …).
	ErrTokenAlgorithm = errors.New("token algorithm not allowed")
	// ErrTokenKey: no kid, or a kid the panel's key set does not have.
	ErrTokenKey = errors.New("unknown token key")
	// ErrTokenSignature: the signature does not verify with the named key.
	ErrTokenSignature = errors.New("bad token signature")
	// ErrTokenClaims: wrong iss or aud (a token for another node), or no jti/iat/nbf/exp.
	ErrTokenClaims = errors.New("bad token claims")
	// ErrTokenLifetime: exp − iat is more than MaxTokenLifetime (or not positive).
	ErrTokenLifetime = errors.New("token lives too long")
	// ErrTokenTime: expired, or not valid yet, beyond ClockSkew.
	ErrTokenTime = errors.New("token expired or not yet valid")
	// ErrTokenReplayed: a jti already accepted.
	ErrTokenReplayed = errors.New("token replayed")
	// ErrReplayCacheFull: too many live token ids remembered; refused rather than forgotten.
	ErrReplayCacheFull = errors.New("token replay cache full")
	// ErrJWKS: the panel's key set could not be fetched or read.
	ErrJWKS = errors.New("panel key set unavailable")
	// ErrVerifierConfig: NewVerifier options are invalid.
	ErrVerifierConfig = errors.New("invalid verifier options")
)
