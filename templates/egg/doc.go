// Package egg converts Pterodactyl (PTDL_v2) and Pelican (PLCN_v1) eggs into SkyPanel
// templates, and exports such templates back as eggs. It is conversion only: no API, no
// database.
//
// Convert maps what eggs use onto the template format: docker_images (the first is the
// template's image), startup placeholders, variables (Laravel rules → type, required,
// options, min/max, pattern; user_viewable false → hidden), config.stop (^C → SIGINT),
// config.startup.done (→ run.ready, the same substring / "regex:" rule as Wings),
// config.files (→ configFiles, keys and the panel's placeholders mapped) and
// scripts.installation (→ one command step run by the entrypoint in the install container,
// the server folder at /mnt/server). What the format cannot express is refused with a
// *FieldError naming the egg's field, never silently dropped; where the template behaves
// slightly differently, Meta.Notes says so in words. Meta keeps what the template has no
// place for (author, uuid, image labels, variable order and names …); Export rebuilds the
// egg from the template and Meta.
package egg
