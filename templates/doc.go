// Package templates is the server template format and the built-in templates, embedded in the
// binary: what a game needs (install steps, run command, stop command and timeout, variables,
// default image, environments) and the validation of a server's variable values against its
// template.
//
// A template is one JSON file (builtin/<name>.json). Placeholders `{{name}}` in install steps
// and in run.command refer to the template's variables or to the built-ins SERVER_MEMORY,
// SERVER_PORT and SERVER_IP, which come from the server itself; the node substitutes them.
// run.ready patterns flip a starting server to running, run.stopSignal stops it when there is
// no stop command, configFiles are rewritten by the node before every start (their values take
// the same placeholders), variables may carry min/max/pattern (checked by Resolve) and hidden
// (tenants neither see nor set them), and command install steps may mount the server folder
// elsewhere (docker-only templates). Validate names the field of every refusal.
// The package imports nothing of SkyPanel: the panel converts templates to the API's types and
// the node's installer (daemon/install) reads the install steps in the same JSON shape.
package templates
