// Package configfile rewrites a server's configuration files before it starts: each File names
// a path inside the server folder, a parser and the keys to set (values already substituted).
//
// Parsers and their keys:
//   - properties: Java .properties; the key as written (comments, order and the other lines
//     kept; a key not in the file is appended as key=value). Values are escaped as Java's
//     Properties.load reads them: backslash, line breaks, tabs and a leading space.
//   - ini: "section.key" ("key" without a dot = before the first section; "[a.b].key" for a
//     section whose name has dots). Comments and order kept; a missing key is added after the
//     last key of its section, a missing section appended at the end.
//   - yaml: a dotted path; "*" matches every element of a list or map, a number indexes a list.
//     Edited through a yaml.v3 node tree, so comments and key order survive (indentation is
//     normalised to two spaces). A new scalar is typed as YAML reads it (25565 stays an int,
//     true a bool) unless the old value was a quoted or !!str string: a string stays a string.
//     A path through an alias (*ref) edits the anchored node.
//   - json: a dotted path as for yaml; key order kept, indentation detected (two spaces when
//     none, compact when the file was on one line). A value that is a JSON number, true, false
//     or null is written as one, anything else as a string.
//   - xml: a dotted element path from the root element ("config.server.port", names with
//     their prefix as written; "*" matches any element); a step may carry one predicate
//     [@attr='value'] (the element must have it; a created element gets it: 7 Days to Die's
//     "ServerSettings.property[@name='ServerPort'].@value"); a last part "@name" is an
//     attribute of the element before it, never the one that element's predicate names.
//     Every matching element is set (a text replaces the element's content, children too);
//     when none matches, the missing elements are created under the first of the deepest
//     existing ones, indented like the file. Everything else is kept byte for byte. A new file
//     starts with an XML declaration; only UTF-8 files are read.
//   - file: every line starting with the key is replaced by the value; no such line → the value
//     is appended as a line.
//
// Every parser keeps CRLF line endings when the file used them throughout.
//
// Missing paths are created (objects/maps/elements, never lists); a path through a scalar,
// or a list index out of range, is an error (ErrKey). A wildcard never creates anything.
//
// Files: a missing file is created with its missing parent folders (0644/0755, owned by the
// Owner); an existing file keeps its mode and owner, is read only up to MaxSize and replaced
// atomically (a temporary file in the same folder, then a rename), and only when its content
// changes. Symbolic links are followed while they stay inside the root: a link with an absolute
// target is refused (ErrUnsafePath), since it names a path inside the game's container, and
// the os.Root refuses anything escaping it. A malformed existing file is an error naming the
// file (ErrMalformed) and is left untouched.
package configfile
