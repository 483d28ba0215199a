package containerd

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// Credentials authenticate to one registry.
type Credentials struct {
	Username, Password string
}

// ParseRegistryAuth parses HOST=USER:PASS (the --registry-auth flag). HOST is a registry host
// with an optional port ("ghcr.io", "registry.example.com:5000"; docker.io for Docker Hub).
func ParseRegistryAuth(s string) (string, Credentials, error) {
	h, up, ok := strings.Cut(s, "=")
	user, pass, ok2 := strings.Cut(up, ":")
	if !ok || !ok2 || user == "" {
		return "", Credentials{}, fmt.Errorf("%w: registry auth must be HOST=USER:PASS", ErrRegistryConfig)
	}
	host, err := registryHost(h)
	if err != nil {
		return "", Credentials{}, err
	}
	return host, Credentials{Username: user, Password: pass}, nil
}

// dockerConfig is the part of docker's config.json that holds credentials.
type dockerConfig struct {
	Auths map[string]struct {
		Auth     string `json:"auth"`
		Username string `json:"username"`
		Password string `json:"password"`
	} `json:"auths"`
}

// LoadDockerConfig reads credentials from a docker config.json ("auths": base64 "auth" of
// user:pass, or "username" and "password"), keyed by registry host.
func LoadDockerConfig(path string) (map[string]Credentials, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRegistryConfig, err)
	}
	var cfg dockerConfig
	if err := json.Unmarshal(b, &cfg); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrRegistryConfig, path, err)
	}
	out := map[string]Credentials{}
	for key, a := range cfg.Auths {
		host, err := registryHost(key)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		c := Credentials{Username: a.Username, Password: a.Password}
		if a.Auth != "" {
			dec, err := base64.StdEncoding.DecodeString(a.Auth)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: auth of %s is not base64", ErrRegistryConfig, path, key)
			}
			user, pass, ok := strings.Cut(string(dec), ":")
			if !ok {
				return nil, fmt.Errorf("%w: %s: auth of %s is not user:password", ErrRegistryConfig, path, key)
			}
			c = Credentials{Username: user, Password: pass}
		}
		if c.Username == "" {
			continue // an entry without credentials (e.g. only an identity token): anonymous
		}
		out[host] = c
	}
	return out, nil
}

// registryHost turns a registry key ("ghcr.io", "https://index.docker.io/v1/",
// "localhost:5000") into its canonical host.
func registryHost(key string) (string, error) {
	h := key
	if i := strings.Index(h, "://"); i >= 0 {
		h = h[i+3:]
	}
	h, _, _ = strings.Cut(h, "/")
	if h == "" || strings.ContainsAny(h, " @?#") {
		return "", fmt.Errorf("%w: registry host %q", ErrRegistryConfig, key)
	}
	return canonicalHost(h), nil
}

// canonicalHost lower-cases host and names Docker Hub's hosts (docker.io, index.docker.io,
// registry-1.docker.io, the host pulls actually talk to) "docker.io".
func canonicalHost(host string) string {
	h := strings.ToLower(host)
	switch h {
	case "index.docker.io", "registry-1.docker.io":
		return "docker.io"
	}
	return h
}
