package nodeapi

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v3"
)

// maxJWKSBody bounds the key set document.
const maxJWKSBody = 1 << 20

// keySet caches the panel's Ed25519 signing keys by kid. An unknown kid refetches the set,
// at most once per JWKSRefetchInterval (failed fetches count), so forged kids cannot make
// the node hammer the panel.
type keySet struct {
	url    string
	client *http.Client
	now    func() time.Time
	log    *slog.Logger

	fetchMu sync.Mutex // one fetch at a time

	mu        sync.Mutex // guards keys and lastFetch
	keys      map[string]ed25519.PublicKey
	lastFetch time.Time
}

// lookup returns the key named kid, refetching the set when kid is unknown and the last
// fetch is old enough.
func (k *keySet) lookup(ctx context.Context, kid string) (ed25519.PublicKey, error) {
	if key, ok := k.get(kid); ok {
		return key, nil
	}
	k.fetchMu.Lock()
	defer k.fetchMu.Unlock()
	k.mu.Lock()
	key, ok := k.keys[kid]
	last := k.lastFetch
	k.mu.Unlock()
	if ok { // fetched while this call waited
		return key, nil
	}
	if !last.IsZero() && k.now().Sub(last) < JWKSRefetchInterval {
		return nil, fmt.Errorf("%w: kid %q (key set fetched %s ago)", ErrTokenKey, kid, k.now().Sub(last).Round(time.Millisecond))
	}
	// A client that goes away must not cut the fetch short: it would hold back the key set
	// for JWKSRefetchInterval. The fetch has its own bound.
	keys, err := k.fetch(context.WithoutCancel(ctx))
	k.mu.Lock()
	k.lastFetch = k.now()
	if err == nil {
		k.keys = keys
	}
	k.mu.Unlock()
	if err != nil {
		k.log.Warn("fetching the panel's key set failed", "url", k.url, "err", err)
		return nil, err
	}
	k.log.Info("fetched the panel's key set", "url", k.url, "keys", len(keys))
	if key, ok := k.get(kid); ok {
		return key, nil
	}
	return nil, fmt.Errorf("%w: kid %q", ErrTokenKey, kid)
}

func (k *keySet) get(kid string) (ed25519.PublicKey, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	key, ok := k.keys[kid]
	return key, ok
}

// fetch reads the key set and keeps its Ed25519 signing keys.
func (k *keySet) fetch(ctx context.Context) (map[string]ed25519.PublicKey, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrJWKS, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrJWKS, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s answered %s", ErrJWKS, k.url, resp.Status)
	}
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxJWKSBody)).Decode(&set); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrJWKS, err)
	}
	keys := make(map[string]ed25519.PublicKey, len(set.Keys))
	for _, jwk := range set.Keys {
		pub, ok := jwk.Key.(ed25519.PublicKey)
		if !ok || jwk.KeyID == "" || (jwk.Use != "" && jwk.Use != "sig") ||
			(jwk.Algorithm != "" && jwk.Algorithm != string(jose.EdDSA)) {
			continue
		}
		keys[jwk.KeyID] = pub
	}
	return keys, nil
}
