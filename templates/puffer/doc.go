// Package puffer converts PufferPanel server templates (the JSON of pufferpanel/templates:
// data, install, run, environment, supportedEnvironments, requirements) into SkyPanel
// templates. It is conversion only: no API, no database.
//
// PufferPanel evaluates an operation's or a command's "if" (a CEL expression) on the node;
// templates have no conditions, so Convert evaluates the conditions it can decide for each
// environment (comparisons of env and os with a literal, joined by && or ||) and refuses the
// others naming the field. Each supported environment is converted on its own; the template
// keeps the first environment that converts (the template's default "environment" first) and
// the others that convert to the same install steps and run settings. An environment that
// cannot be kept is named in Meta.Notes, never dropped silently.
//
// PufferPanel runs commands without a shell: it splits them at spaces (a backslash escapes
// the next character, double quotes group and are kept) and substitutes ${var} first.
// Templates run commands through /bin/sh, so every argument is written as one shell word
// (quoted when it holds a character the shell would interpret), and run.environmentVars
// become VAR=value assignments in front of the command. ${var} becomes {{var}} (a variable
// whose name templates cannot hold is renamed, the variable published as the server's port
// becomes {{SERVER_PORT}}; Meta.Notes says so), ${rootDir} is the server folder ("." where a
// path or command is expected), other built-ins are refused, and unknown ${…} stay literal as
// in PufferPanel.
package puffer
