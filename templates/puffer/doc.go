// Package puffer converts PufferPanel server templates (the JSON of pufferpanel/templates:
// data, install, run, environment, supportedEnvironments, requirements) into SkyPanel
// templates. It is conversion only: no API, no database.
//
// What templates can express is converted; what they cannot is refused with a
// *templates.SourceError naming the source's field ("install[3].type", "data.version.type",
// "run.stopCode"), never dropped silently. Where the template behaves differently, Meta.Notes
// says so in words.
//
// Conditions. PufferPanel evaluates an operation's or a command's "if" (a CEL expression) on
// the node; templates have none, so Convert decides the conditions it can for each
// environment (env or os compared with a literal, joined by && and ||; nodes run Linux) and
// refuses the others. Each environment is converted on its own; the template keeps the first
// that converts (the default "environment" first) and those converting to the same install
// steps, run command and config files. An environment left out is named in the notes.
//
// Commands. PufferPanel runs commands without a shell: it splits them at spaces (a backslash
// escapes the next character, double quotes group and are kept) after substituting ${var}.
// Templates run commands through /bin/sh, so every argument is written as one shell word,
// quoted when it holds a character the shell would interpret, and run.environmentVars become
// VAR=value assignments in front of the run command and of every install command. The run
// command execs the program, so it replaces the shell as in PufferPanel: it receives the
// stop signal and its exit code is the server's. run.command as a list picks the entry
// PufferPanel would pick in the environment (conditions are alternatives, not a sequence).
//
// Placeholders. ${var} becomes {{var}}; a name templates cannot hold is renamed (a-b → a_b);
// the variable a docker environment publishes in portBindings (else one called "port")
// becomes {{SERVER_PORT}}, the port the panel allocates; ${rootDir} is "." in paths and
// commands (they run in the server folder) and refused in file contents; ${core:os} is linux;
// other built-ins are refused; unknown ${…} stay literal, as PufferPanel leaves them.
//
// Operations. download, mojangdl, command, writefile, mkdir, move, extract and alterfile map
// onto the steps of the same name (extract's destination and alterfile's file become target,
// mkdir's target becomes files); console and sleep are left out; every other operation
// (steamgamedl, javadl, forgedl, fabricdl, …) is refused. A docker command naming
// /pufferpanel (PufferPanel's container folder) gets it as its mount. run.pre runs before
// every start: a writefile there becomes a config file with the "file" parser (each line of
// the text replaces the line starting with the same key, up to '='); other pre and post
// operations are refused. run.stopCode (1, 2, 3, 15) becomes run.stopSignal.
//
// Environments. host (PufferPanel 2: standard; tty runs without a terminal) → standard,
// docker with a fixed image → docker; other types and docker settings (bindings, network,
// container config) are refused.
package puffer
