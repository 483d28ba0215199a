package node

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v3"
	"github.com/go-jose/go-jose/v3/jwt"

	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/setting"
	"github.com/skypanel/skypanel/server/store"
)

// SigningKeySetting is the settings row holding the panel's node-token key, sealed with the
// data folder's key: every panel replica on one database signs with it.
const SigningKeySetting = "internal.nodeTokenKey"

// TokenLifetime is exp − iat of the panel's node tokens (the daemon accepts at most
// nodeapi.MaxTokenLifetime). A token is minted per request, so it only has to outlive the
// request's start plus clock skew.
const TokenLifetime = 2 * time.Minute

// Signer mints the panel's short-lived node tokens (compact JWS, EdDSA) and publishes the
// public half as a JWKS. Safe for concurrent use.
type Signer struct {
	kid    string
	pub    ed25519.PublicKey
	signer jose.Signer
	now    func() time.Time
}

// storedKey is the settings row's JSON value.
type storedKey struct {
	KID    string `json:"kid"`
	Sealed string `json:"sealed"` // base64 of the sealed Ed25519 seed
}

func signingKeyAAD(kid string) []byte { return []byte("skypanel/node-token-key/" + kid) }

// NewSigner returns a Signer for key, named kid in the JWKS.
func NewSigner(kid string, key ed25519.PrivateKey) (*Signer, error) {
	if kid == "" || len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("%w: kid %q, key of %d bytes", ErrSigningKey, kid, len(key))
	}
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader(jose.HeaderKey("kid"), kid)
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: key}, opts)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSigningKey, err)
	}
	return &Signer{kid: kid, pub: key.Public().(ed25519.PublicKey), signer: s, now: time.Now}, nil
}

// LoadSigner opens the panel's signing key from the database (sealed with sealer), creating
// it on the first start. Concurrent first starts of several replicas agree on one key.
func LoadSigner(ctx context.Context, db *ent.Client, sealer *store.Sealer) (*Signer, error) {
	for range 2 {
		row, err := db.Setting.Query().Where(setting.Key(SigningKeySetting)).Only(ctx)
		if err == nil {
			return openSigner(row.Value, sealer)
		}
		if !ent.IsNotFound(err) {
			return nil, fmt.Errorf("load node signing key: %w", err)
		}
		value, err := newSealedKey(sealer)
		if err != nil {
			return nil, err
		}
		err = db.Setting.Create().SetKey(SigningKeySetting).SetValue(value).Exec(ctx)
		if err == nil {
			return openSigner(value, sealer)
		}
		if !ent.IsConstraintError(err) {
			return nil, fmt.Errorf("store node signing key: %w", err)
		}
		// another replica stored its key first: read that one
	}
	return nil, fmt.Errorf("%w: the settings row could neither be read nor created", ErrSigningKey)
}

// newSealedKey generates a key and returns its settings value.
func newSealedKey(sealer *store.Sealer) (string, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrSigningKey, err)
	}
	sum := sha256.Sum256(pub)
	kid := hex.EncodeToString(sum[:8])
	v, err := json.Marshal(storedKey{KID: kid,
		Sealed: base64.StdEncoding.EncodeToString(sealer.Seal(priv.Seed(), signingKeyAAD(kid)))})
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrSigningKey, err)
	}
	return string(v), nil
}

// openSigner unseals a settings value.
func openSigner(value string, sealer *store.Sealer) (*Signer, error) {
	var k storedKey
	if err := json.Unmarshal([]byte(value), &k); err != nil {
		return nil, fmt.Errorf("%w: stored value: %w", ErrSigningKey, err)
	}
	sealed, err := base64.StdEncoding.DecodeString(k.Sealed)
	if err != nil {
		return nil, fmt.Errorf("%w: stored value: %w", ErrSigningKey, err)
	}
	seed, err := sealer.Open(sealed, signingKeyAAD(k.KID))
	if err != nil {
		return nil, fmt.Errorf("%w: cannot unseal it (was the data folder's seal key replaced?): %w", ErrSigningKey, err)
	}
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("%w: stored seed has %d bytes", ErrSigningKey, len(seed))
	}
	return NewSigner(k.KID, ed25519.NewKeyFromSeed(seed))
}

// KeyID is the kid of the signing key.
func (s *Signer) KeyID() string { return s.kid }

// Token mints a fresh token for node nodeID: iss nodeapi.TokenIssuer, aud node:<id>,
// iat = nbf = now, exp = now + TokenLifetime, a random 16-byte jti (hex).
func (s *Signer) Token(nodeID int) (string, error) {
	var jti [16]byte
	if _, err := rand.Read(jti[:]); err != nil {
		return "", fmt.Errorf("%w: %w", ErrSigningKey, err)
	}
	now := s.now()
	c := jwt.Claims{
		Issuer:    nodeapi.TokenIssuer,
		Audience:  jwt.Audience{nodeapi.Audience(nodeID)},
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now),
		Expiry:    jwt.NewNumericDate(now.Add(TokenLifetime)),
		ID:        hex.EncodeToString(jti[:]),
	}
	tok, err := jwt.Signed(s.signer).Claims(c).CompactSerialize()
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrSigningKey, err)
	}
	return tok, nil
}

// JWKS is the public key set (one OKP Ed25519 key, alg EdDSA, use sig) the daemons verify with.
func (s *Signer) JWKS() jose.JSONWebKeySet {
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key: s.pub, KeyID: s.kid, Algorithm: string(jose.EdDSA), Use: "sig",
	}}}
}
