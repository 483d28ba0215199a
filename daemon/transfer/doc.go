// Package transfer writes and reads the archive that moves a server from one node to another.
//
// # Format
//
// One uncompressed tar stream (application/x-tar):
//
//	volume/                  the server's folder (its mtime)
//	volume/<path>            its folders, regular files and symlinks, as a backup stores them
//	backups/<id>.json        the metadata of a finished backup (backup.Info) …
//	backups/<id>.tar.gz      … followed by its archive, byte for byte
//	transfer.json            the end marker: format version and counts (Manifest), last
//
// The volume entries are written and read by the backup package's tree writer and unpacker
// (backup.WriteTree, backup.Unpacker): names are stored byte-exact under the rule of backups
// (any byte Linux allows in a name; no absolute names, no "..", no NUL), modes (permission
// bits only) and mtimes are kept, symlinks are stored as links and never followed, FIFOs,
// sockets, devices and uploads in progress are skipped, hard links are stored as copies.
// Running and failed backups are not exported. The end marker makes a stream cut at an entry
// boundary (which tar alone reads as a complete archive) an error.
//
// # Import
//
// Import unpacks into a staging folder beside the target volume (backup.NewStage: its mode and
// owner; a crash leaves it for the backup manager to remove) through os.Root, so no entry can
// reach outside it; links are created last, so nothing is written through one. Files take the
// volume folder's owner (the server's own uid for standard servers, the runtime's user — or
// root — for containers, as the daemon gives every volume). File bytes are bounded by the
// server's disk limit, each backup archive by the limit plus gzip's overhead, the number of
// backups by Dest.MaxBackups. Only when the whole stream was read, the end marker matched and
// the sha256 of the stream equals the expected one (when given) are the backups moved in place
// and the staging folder renamed onto the (empty) volume folder in one rename. Any error leaves
// nothing behind: the staging folders are removed and the volume stays empty.
package transfer
