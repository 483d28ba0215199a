// Package install runs a server's installation on its node: the install steps of its template
// (the JSON the panel stores in daemon.Definition.Install), in order, in the server's folder.
//
// Steps: download (HTTP(S) URLs, optional sha256/sha1), mojangdl (a Minecraft server jar
// resolved from Mojang's version manifest, sha1-verified), download with api "paper" (a build
// resolved through the PaperMC downloads API v2, sha256-verified), command (shell lines run in
// the server's environment through its runtime, as a temporary instance "<id>.install"),
// writefile, mkdir, move (glob sources), extract (zip, tar.gz, tar) and alterfile (search and
// replace, literal or regular expression).
//
// Safety: every path is resolved inside the server folder through an os.Root, and archive
// entries are checked before anything is written (absolute names, "..", links pointing out of
// the folder): an archive with one bad entry writes nothing. Downloads are written under a
// temporary name in <folder>/.skypanel-install/ and renamed into place only when complete and
// verified; a failed download leaves nothing. A download interrupted by cancellation or a
// daemon restart keeps its partial file there and resumes with an HTTP range request (If-Range
// on the recorded ETag or Last-Modified) the next time; the folder is removed after a
// successful installation. Files created are given to the owner of the server folder.
//
// Every base URL (Mojang's manifest, the Paper API) is configurable, and Config.Mirrors
// rewrites URL prefixes (including the URLs found in manifests), so installs run offline
// against a local mirror or test fixture (see installtest).
package install
