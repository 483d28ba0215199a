// Package daemon is the SkyPanel node agent core: it keeps the node's local copy of every
// server definition, runs each server through a runtime.Runtime (containerd for the "docker"
// environment, host processes for "standard"), and owns the per-server state machine, power
// actions, crash policy, console ring and event fan-out. It never imports the panel (ent,
// fosite, gin, server/...): a remote node must not link the panel, and deps_test.go enforces it.
//
// # On-disk layout
//
// Everything lives under Options.DataDir, but the volumes (Options.VolumesDir, by default
// <DataDir>/volumes; serve puts them in /var/lib/skypanel/volumes as root, so a data folder
// under a 0700 home folder works):
//
//	<DataDir>/servers/<id>/definition.json  the server's Definition (atomic write: temp + fsync + rename)
//	<DataDir>/servers/<id>/state.json       last known state, last crash time and what the runtime
//	                                        instance was created with (same atomic write)
//	<DataDir>/servers/<id>/console.log      the console history: one JSON line per console line
//	                                        ({"cursor","time","text"}), one write per batch, no
//	                                        fsync; past max(1 MiB, 2× the ring's content) it is
//	                                        replaced by the ring's lines (temp + rename). Load fills
//	                                        the ring from its newest lines, so cursors and times
//	                                        survive a daemon restart, even a kill -9; when the
//	                                        disk fails, one warning and that console goes on in
//	                                        memory only until the daemon restarts
//	<VolumesDir>/<id>/                      the server's files: runtime.Spec.Dir, bind-mounted at
//	                                        /home/container in the docker environment, the working
//	                                        directory of the process in the standard environment
//
// Daemon state and game files are kept apart so a backup or a file manager rooted at the volume
// can never reach definition.json or state.json. A standard server gets its own uid (and gid of
// the same number) from Options.StandardUIDs when it is created, recorded in its Definition and
// kept while it exists; its volume is then 0700 and owned by that uid. Otherwise, when the
// runtime reports the user its processes run as (an Owner() (uid, gid uint32) method), the
// volume folder is given to that user at creation. Files the daemon writes into a volume (file
// manager, installer, backup restore) take the owner of the volume folder. Runtimes keep their own state (FIFOs, logs) in
// their own folders, not here.
//
// # States
//
// A server is in one of the State values. Power actions (Start, Stop, Restart, Kill, Update,
// Delete, Install) take a per-server power lock, so at most one runs at a time for a server and
// their runtime calls never interleave; a second caller waits for the first (bounded by its
// ctx; waiting callers are not served in arrival order).
// Kill is the one exception that does not queue behind a running Stop: it escalates that stop to
// SIGKILL at once. The table of transitions is in state.go.
//
// # Ready patterns, stop signal, config files
//
// A definition with Ready patterns reports StateStarting after a start until a line of the
// process's console contains one (a "regex:" prefix: an RE2 expression; only the first 4 KiB of
// a line are matched, and matching ends with the first match), then StateRunning, published as
// a status event after that line. Internally the server is running all along: stop, kill,
// restart and console commands work while it is starting, and a crash before it is ready is a
// crash. A process re-attached by Load is ready (it was started before). Without a stop command
// a stop sends StopSignal (SIGTERM by default) and SIGKILL after the stop timeout. ConfigFiles
// are rewritten before every start (start, restart, automatic restart; not installs) through
// daemon/configfile, their values' placeholders substituted like the startup command's; a file
// that cannot be written fails the start (ErrInvalidState naming the file; the server stays
// stopped).
//
// # Suspension
//
// A server whose Definition has Suspended (a billing system's suspension, through the panel) is
// stopped and stays stopped: Start, Restart and Install (also Reinstall) are refused with
// ErrSuspended, while Stop and Kill work. An Update that suspends a running server begins its
// normal stop in the background; the crash policy and Load never restart it, and Load stops a
// suspended server it finds running. See suspend.go.
//
// # Reinstall
//
// Reinstall empties the server's volume (through an os.Root: symlinks are removed, never
// followed) and then runs the install like Install; the volume folder itself, its owner and mode
// stay, and backups (kept outside the volume) are untouched.
//
// # Disk limits
//
// Limits.DiskMiB bounds the apparent size of the regular files in a server's volume, counted by
// the file manager (daemon/files; Manager.Files, shared with the file API so there is one cached
// figure). Every Options.DiskInterval (30s) the disk watcher walks the volume of each running or
// installing server that has a limit (one walk per server per interval). A running server above
// its limit gets the normal stop with a "[SkyPanel Daemon] stopping server: …" console notice,
// and its state message says why; an installation above it is cancelled and ends
// install_failed with the reason. While the volume is above the limit, Start, Restart and
// Install are refused with a DiskLimitError (ErrOverDiskLimit, measured at the call) and the
// file manager refuses every write; deleting files brings the server back. Downloads and
// extractions of installs stop at the limit themselves (daemon/install), and backups of a
// volume above it fail at once (daemon/backup).
//
// # Console cursors
//
// Every console line gets a cursor: max(unix time in microseconds, previous cursor + 1). Cursors
// are strictly increasing per server (also for many lines within one millisecond and across
// daemon restarts, as long as the wall clock does not jump back) and stay close to the wall
// clock. Console(id, since) returns the retained lines whose cursor is strictly greater than
// since, and the cursor to pass next time (the last line's cursor, or since when nothing is new).
// since = 0 returns the whole ring. A wall-clock time t converts to a cursor with CursorAt(t).
package daemon
