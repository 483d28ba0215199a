package daemon

import (
	"fmt"
	"os"
	"syscall"

	"github.com/skypanel/skypanel/daemon/configfile"
)

// Bounds of Definition.ConfigFiles (daemon.yaml's).
const (
	maxConfigFiles = 32
	maxConfigSets  = 128
)

// validateConfigFiles checks ConfigFiles: the bounds, each file (configfile.Validate) and the
// placeholders of every value. Errors wrap ErrInvalidDefinition and name the entry.
func (d Definition) validateConfigFiles() error {
	if len(d.ConfigFiles) > maxConfigFiles {
		return fmt.Errorf("%w: configFiles: %d files, at most %d", ErrInvalidDefinition, len(d.ConfigFiles), maxConfigFiles)
	}
	vals := d.values()
	for i, f := range d.ConfigFiles {
		field := fmt.Sprintf("configFiles[%d]", i)
		if len(f.Set) == 0 || len(f.Set) > maxConfigSets {
			return fmt.Errorf("%w: %s.set: %d keys, 1 to %d allowed", ErrInvalidDefinition, field, len(f.Set), maxConfigSets)
		}
		if err := configfile.Validate(f.file()); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrInvalidDefinition, field, err)
		}
		for j, set := range f.Set {
			if _, err := Substitute(fmt.Sprintf("%s.set[%d].value", field, j), set.Value, vals); err != nil {
				return err
			}
		}
	}
	return nil
}

// file converts f to the configfile package's form (values as given).
func (f ConfigFile) file() configfile.File {
	out := configfile.File{Path: f.File, Parser: f.Parser, Set: make([]configfile.Set, len(f.Set))}
	for i, s := range f.Set {
		out.Set[i] = configfile.Set{Key: s.Key, Value: s.Value}
	}
	return out
}

// applyConfigFiles rewrites def's config files in the server folder dir before a start, values
// with their placeholders substituted like the startup command. Files created get the folder's
// owner. An error names the file and wraps ErrInvalidState (the server's files, not the
// request, are what is wrong); each file is written whole or not at all (configfile.Apply).
func applyConfigFiles(def Definition, dir string) error {
	if len(def.ConfigFiles) == 0 {
		return nil
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("config files: open the server folder: %w", err)
	}
	defer root.Close()
	owner, err := folderOwner(root)
	if err != nil {
		return fmt.Errorf("config files: %w", err)
	}
	vals := def.values()
	for i, cf := range def.ConfigFiles {
		f := cf.file()
		for j := range f.Set {
			v, err := Substitute(fmt.Sprintf("configFiles[%d].set[%d].value", i, j), f.Set[j].Value, vals)
			if err != nil {
				return err
			}
			f.Set[j].Value = v
		}
		if err := configfile.Apply(root, f, owner); err != nil {
			return fmt.Errorf("%w: config file %q: %w", ErrInvalidState, cf.File, err)
		}
	}
	return nil
}

// folderOwner is the owner files created in root get: root's own, or -1 (leave) when that is
// this process's user anyway.
func folderOwner(root *os.Root) (configfile.Owner, error) {
	fi, err := root.Stat(".")
	if err != nil {
		return configfile.Owner{}, fmt.Errorf("stat the server folder: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || (int(st.Uid) == os.Geteuid() && int(st.Gid) == os.Getegid()) {
		return configfile.Owner{UID: -1, GID: -1}, nil
	}
	return configfile.Owner{UID: int(st.Uid), GID: int(st.Gid)}, nil
}
