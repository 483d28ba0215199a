// Package files is the node side of the file manager: listing, reading, writing and deleting
// inside one server's volume, with its disk limit.
//
// # Paths
//
// Every client path goes through Clean, then through resolve, and every file system call goes
// through an os.Root opened on the volume, so nothing outside the volume is ever read, written,
// created or removed — not even when the game process (which owns the volume) swaps folders
// for symlinks while a request runs: os.Root refuses to leave the root, and such a race ends
// in an error, never outside. Clean refuses (ErrPathInvalid): NUL bytes, absolute paths, any
// `..` segment (also ones that would stay inside: a path never needs them), backslashes,
// percent-encoded dots, slashes, backslashes and NULs left after the one URL decoding (double
// encoding), invalid UTF-8, components longer than 255 bytes and paths longer than 4096 bytes.
// "", "." and "/" name the root.
//
// Symlinks: a symlink whose target stays inside the volume is followed (worlds sometimes
// link a shared folder); one that is absolute or climbs out of the volume (also through a
// chain of links), and chains longer than 40 links, make the whole path invalid for every
// operation — GET, PUT, mkdir and DELETE alike (the link itself is not deleted either: remove
// it from the game's side or by deleting its folder). Listings show such links as files of
// size 0. Only regular files and folders are served: FIFOs, sockets and devices are refused.
//
// # Writes
//
// A file is written to a temporary file (TempPrefix…) in its destination folder, then renamed
// over the destination: readers see the old or the new content, never a part. The temporary
// file is removed when the body fails (client gone, disk limit); temporaries left by a killed
// process (older than the Service) are removed by the first walk of the volume after a restart. New files and folders
// are given to the volume folder's owner (the runtime's unprivileged user); a replaced file
// keeps its permission bits. Uploads are not fsynced (like tar or cp): a process crash never
// leaves a partial file, a power loss may lose the latest uploads.
//
// # Disk limit
//
// Usage is the sum of the apparent sizes of the regular files in the volume. It is computed by
// one walk at the first write to a volume (blocking that write when the volume has a limit, in
// the background otherwise), then kept current by the writes and deletes of this package;
// because the game process also writes, it is re-walked in the background when older than
// Options.Refresh (writes meanwhile use the cached value). A write with a known size is
// refused before reading its body when usage - replaced file + size would pass the limit; a
// write of unknown size is cut off when it crosses the limit, and nothing is left. Concurrent
// writes reserve the bytes they write, so two uploads cannot both pass the limit. When usage is
// already above the limit (the game wrote past it), every write and mkdir is refused until
// deletes bring it back under. Measure walks a volume at once and replaces the cached figure:
// the daemon's disk watcher calls it once per interval for running servers, so the file API
// sees what the game wrote. Upload temporaries are exactly TempPrefix + 16 hex digits +
// ".tmp" (IsTemp): a tenant's own file that merely starts with TempPrefix is ordinary data.
// Walks do not count the temporaries of uploads in progress (their bytes are reserved).
//
// # SFTP
//
// The node's SFTP server (daemon/sftp) uses the same paths, locks and limit through Create (an
// Upload: writes at any offsets into the temporary file, Commit renames it over the target,
// Abort drops it; growth is reserved write by write; an Exclusive meanwhile makes Commit fail),
// Stat, Rename (plain or replacing), Remove (one file or one empty folder), Truncate and Chtimes.
package files
