package installtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Mojang versions of the manifest and how their server jar behaves.
var mojangVersions = []struct{ ID, Type, Kind string }{
	{"24w14a", "snapshot", "good"},
	{LatestRelease, "release", "good"},
	{"1.20.1", "release", "good"},
	{"bad-sha1", "release", "bad-sha1"},                   // version file gives a wrong sha1 for the jar
	{"bad-size", "release", "bad-size"},                   // version file gives a wrong size
	{"bad-manifest-sha1", "release", "bad-manifest-sha1"}, // manifest gives a wrong sha1 for the version file
	{"missing", "release", "missing"},                     // jar URL answers 404
	{"slow", "release", "slow"},                           // jar stalls after half
	{"truncated", "release", "truncated"},                 // connection dropped after half
	{"no-server", "release", "no-server"},                 // no server download
}

func (s *Server) versionJSON(id, kind string) []byte {
	v := map[string]any{"id": id, "type": "release", "downloads": map[string]any{}}
	if kind != "no-server" {
		sum, size := SHA1(s.Jar), len(s.Jar)
		switch kind {
		case "bad-sha1":
			sum = SHA1([]byte("another jar"))
		case "bad-size":
			size++
		}
		v["downloads"] = map[string]any{
			"client": map[string]any{"sha1": SHA1([]byte("client")), "size": 6, "url": s.URL + "/mojang/objects/client.jar"},
			"server": map[string]any{"sha1": sum, "size": size, "url": s.URL + "/mojang/objects/" + id + "/server.jar"},
		}
	}
	b, _ := json.Marshal(v)
	return b
}

func (s *Server) mojang(w http.ResponseWriter, r *http.Request, p string) {
	if p == "version_manifest_v2.json" {
		var versions []map[string]any
		for _, v := range mojangVersions {
			sum := SHA1(s.versionJSON(v.ID, v.Kind))
			if v.Kind == "bad-manifest-sha1" {
				sum = SHA1([]byte("not it"))
			}
			versions = append(versions, map[string]any{"id": v.ID, "type": v.Type, "sha1": sum,
				"url": s.URL + "/mojang/v1/packages/" + v.ID + ".json", "time": "2024-12-03T10:12:57+00:00",
				"releaseTime": "2024-12-03T10:12:57+00:00", "complianceLevel": 1})
		}
		writeJSON(w, map[string]any{"latest": map[string]string{"release": LatestRelease, "snapshot": LatestSnapshot},
			"versions": versions})
		return
	}
	for _, v := range mojangVersions {
		switch p {
		case "v1/packages/" + v.ID + ".json":
			_, _ = w.Write(s.versionJSON(v.ID, v.Kind))
			return
		case "objects/" + v.ID + "/server.jar":
			switch v.Kind {
			case "missing", "no-server":
				http.NotFound(w, r)
			case "slow":
				s.stall(w, r, s.Jar)
			case "truncated":
				truncate(w, s.Jar)
			default:
				s.content(w, r, "server.jar", s.Jar)
			}
			return
		}
	}
	http.NotFound(w, r)
}

// PaperJar is what the Paper API serves for a version and build.
func PaperJar(version string, build int) []byte {
	return bytes.Repeat([]byte(fmt.Sprintf("paper server %s build %d\n", version, build)), 500)
}

// paperBuilds lists the builds of each version; 1.20.6's only build has a wrong sha256.
var paperBuilds = map[string][]struct {
	Build   int
	Channel string
}{
	"1.20.6":    {{7, "default"}},
	PaperLatest: {{99, "default"}, {PaperBuild, "default"}, {PaperBuild + 1, "experimental"}},
}

func (s *Server) paper(w http.ResponseWriter, r *http.Request, p string) {
	parts := strings.Split(p, "/")
	if len(parts) == 1 && parts[0] == "paper" {
		writeJSON(w, map[string]any{"project_id": "paper", "project_name": "Paper",
			"version_groups": []string{"1.20", "1.21"}, "versions": []string{"1.20.6", PaperLatest}})
		return
	}
	if len(parts) < 4 || parts[0] != "paper" || parts[1] != "versions" || parts[3] != "builds" {
		http.NotFound(w, r)
		return
	}
	version := parts[2]
	builds, ok := paperBuilds[version]
	if !ok {
		http.Error(w, `{"error":"Version not found."}`, http.StatusNotFound)
		return
	}
	name := func(b int) string { return fmt.Sprintf("paper-%s-%d.jar", version, b) }
	if len(parts) == 4 {
		var out []map[string]any
		for _, b := range builds {
			sum := SHA256(PaperJar(version, b.Build))
			if version == "1.20.6" {
				sum = SHA256([]byte("wrong"))
			}
			out = append(out, map[string]any{"build": b.Build, "time": "2024-12-20T10:00:00Z", "channel": b.Channel,
				"promoted": false, "changes": []any{},
				"downloads": map[string]any{"application": map[string]string{"name": name(b.Build), "sha256": sum}}})
		}
		writeJSON(w, map[string]any{"project_id": "paper", "project_name": "Paper", "version": version, "builds": out})
		return
	}
	if len(parts) == 7 && parts[5] == "downloads" {
		b, err := strconv.Atoi(parts[4])
		if err == nil && parts[6] == name(b) {
			for _, x := range builds {
				if x.Build == b {
					s.content(w, r, parts[6], PaperJar(version, b))
					return
				}
			}
		}
	}
	http.NotFound(w, r)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
