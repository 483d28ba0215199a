package daemon

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/skypanel/skypanel/daemon/internal/jsonfile"
	"github.com/skypanel/skypanel/runtime"
)

const (
	serversDir     = "servers"
	volumesDir     = "volumes"
	definitionFile = "definition.json"
	stateFile      = "state.json"
)

// record is what state.json holds.
type record struct {
	State     State     `json:"state"`
	Message   string    `json:"message,omitempty"`
	LastCrash time.Time `json:"lastCrash,omitzero"`
	// SpecHash and Limits describe what the runtime instance was created with, so a changed
	// command/image/environment is noticed (and the instance recreated) even across restarts.
	SpecHash string         `json:"specHash,omitempty"`
	Limits   runtime.Limits `json:"limits"`
}

// store reads and writes the files of one node's servers: definitions and state under root,
// server files under volumes.
type store struct{ root, volumes string }

func (st store) serverDir(id string) string { return filepath.Join(st.root, serversDir, id) }
func (st store) volumeDir(id string) string { return filepath.Join(st.volumes, id) }

func (st store) writeDefinition(d Definition) error {
	return jsonfile.Write(filepath.Join(st.serverDir(d.ID), definitionFile), d)
}

func (st store) readDefinition(id string) (Definition, error) {
	var d Definition
	err := jsonfile.Read(filepath.Join(st.serverDir(id), definitionFile), &d)
	return d, err
}

func (st store) writeRecord(id string, r record) error {
	return jsonfile.Write(filepath.Join(st.serverDir(id), stateFile), r)
}

// readRecord returns the saved record; a missing file is a stopped server.
func (st store) readRecord(id string) (record, error) {
	r := record{State: StateStopped}
	err := jsonfile.Read(filepath.Join(st.serverDir(id), stateFile), &r)
	if errors.Is(err, fs.ErrNotExist) {
		return record{State: StateStopped}, nil
	}
	return r, err
}

// ids lists the server folders that hold a definition.
func (st store) ids() ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(st.root, serversDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list servers: %w", err)
	}
	var ids []string
	for _, e := range entries {
		if !e.IsDir() || !idPattern.MatchString(e.Name()) {
			continue
		}
		if _, err := os.Stat(filepath.Join(st.serverDir(e.Name()), definitionFile)); err == nil {
			ids = append(ids, e.Name())
		}
	}
	return ids, nil
}

// specHash fingerprints everything of a spec but its limits (which runtime.Update changes live).
func specHash(s runtime.Spec) string {
	s.Limits = runtime.Limits{}
	b, _ := json.Marshal(s) // maps marshal with sorted keys: stable
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
