package install

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"strings"
)

// mojangManifest is the part of Mojang's version_manifest_v2.json the installer reads.
type mojangManifest struct {
	Latest struct {
		Release  string `json:"release"`
		Snapshot string `json:"snapshot"`
	} `json:"latest"`
	Versions []struct {
		ID   string `json:"id"`
		Type string `json:"type"`
		URL  string `json:"url"`
		SHA1 string `json:"sha1"`
	} `json:"versions"`
}

// mojangVersion is the part of a version's JSON the installer reads.
type mojangVersion struct {
	ID        string `json:"id"`
	Downloads struct {
		Server *struct {
			SHA1 string `json:"sha1"`
			Size int64  `json:"size"`
			URL  string `json:"url"`
		} `json:"server"`
	} `json:"downloads"`
}

// mojang runs a mojangdl step: resolve the version ("latest" = latest release, "snapshot" =
// latest snapshot) in the manifest, fetch the version's JSON (checked against the manifest's
// sha1), download its server jar (checked against its sha1 and size) to Target (server.jar).
func (r *run) mojang(ctx context.Context, s Step) error {
	var m mojangManifest
	if _, err := r.in.getJSON(ctx, r.in.cfg.MojangManifestURL, &m); err != nil {
		return fmt.Errorf("version manifest: %w", err)
	}
	want := strings.TrimSpace(s.Version)
	switch strings.ToLower(want) {
	case "", "latest", "release", "latest-release":
		want = m.Latest.Release
	case "snapshot", "latest-snapshot":
		want = m.Latest.Snapshot
	}
	idx := -1
	for i, v := range m.Versions {
		if v.ID == want {
			idx = i
			break
		}
	}
	if want == "" || idx < 0 {
		return fmt.Errorf("%w: minecraft version %q is not in the version manifest", ErrVersionNotFound, s.Version)
	}
	entry := m.Versions[idx]
	var v mojangVersion
	raw, err := r.in.getJSON(ctx, entry.URL, &v)
	if err != nil {
		return fmt.Errorf("version %s: %w", want, err)
	}
	if entry.SHA1 != "" {
		sum := sha1.Sum(raw)
		if got := hex.EncodeToString(sum[:]); !strings.EqualFold(got, entry.SHA1) {
			return fmt.Errorf("%w: sha1 of the %s version file is %s, expected %s", ErrChecksum, want, got, entry.SHA1)
		}
	}
	srv := v.Downloads.Server
	if srv == nil || srv.URL == "" {
		return fmt.Errorf("%w: minecraft %s has no server download", ErrVersionNotFound, want)
	}
	r.say("minecraft %s (%s)", want, entry.Type)
	return r.download(ctx, fetch{url: srv.URL, target: orDefault(s.Target, "server.jar"), sha1: srv.SHA1, size: srv.Size})
}
