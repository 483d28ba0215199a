// Package backup writes, lists, serves and restores the backups of a node's servers.
//
// # Layout
//
// Backups live outside the volumes (so they do not count against the disk limit and the file
// manager cannot reach them), under Options.Dir:
//
//	<Dir>/<server>/<backup id>.json         metadata (Info), replaced atomically at each change
//	<Dir>/<server>/<backup id>.tar.gz.part  the archive while it is written
//	<Dir>/<server>/<backup id>.tar.gz       the finished archive
//	<Dir>/<server>/commands.json            the server's backup commands (Commands)
//
// Ids are backup-YYYYMMDD-HHMMSS (UTC) with -2, -3 … appended when that second is taken.
//
// # Creating
//
// Create returns at once with state running; the archive is written in the background: the
// volume is walked through os.Root (files.Walk: symlinks are stored as links, never
// followed; FIFOs, sockets and devices and uploads in progress are skipped), as a tar stream
// compressed by pgzip on all cores, and hashed (SHA-256 of the .tar.gz) on the way. The
// archive is fsynced before the metadata says done. A file that shrinks while it is read is
// padded with zeros (and logged); one that grows is cut at the size it had when opened.
// Running servers: the caller passes Before/After hooks (the server's backup commands, e.g.
// save-off + save-all, then save-on) and the backup is not live; without them (or when Before
// fails) the backup is marked live — taken while the game was writing.
//
// Before any byte is archived the volume is scanned (one walk of metadata): a backup fails at
// once, naming the file, when the files hold more than the server's disk limit
// (CreateOptions.LimitBytes; apparent sizes, as the file manager counts) — it could not be
// restored — or when a file is sparse (mostly holes: ErrSparse; tar would expand it into
// hours of gzip CPU). Names are stored byte-exact, whatever bytes Linux allows (newlines,
// backslashes, control characters, invalid UTF-8): the writer and the restore apply one rule
// (checkName), so a backup that ends done always restores.
//
// One backup per server runs at a time. A backup interrupted by a crash of the process is
// found in state running by New, which marks it failed and removes its partial archive.
//
// # Restoring
//
// Restore streams the archive into a new folder next to the volume (<volumes>/.restore-<id>-…),
// hashing it on the way; only when the hash matches the recorded one, every entry was safe
// (names checkName accepts, regular files, folders and symlinks only, within the disk limit) and
// the data is on disk (syncfs) is the new folder swapped with the volume in one atomic
// renameat2(RENAME_EXCHANGE); the old content is then removed in the background. Any failure,
// or a kill at any point before the exchange, leaves the volume as it was; after it, the
// volume is the restored one (New removes leftover restore folders either way). Restored files
// belong to the volume folder's owner. A corrupted archive is refused (ErrCorrupt) before
// the volume is touched, but only after it was extracted aside: a disk limit bounds what that
// extraction may write.
package backup
