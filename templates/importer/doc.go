// Package importer reads a template from another panel — a Pterodactyl/Pelican egg (PTDL_v2,
// PLCN_v1) or a PufferPanel template — detecting its format, and converts it with
// templates/egg or templates/puffer. It is what POST /api/templates/import calls.
package importer
