// Package egg converts Pterodactyl (PTDL_v2) and Pelican (PLCN_v1) eggs into SkyPanel
// templates. It is conversion only: no API, no database.
//
// What the template format can express is converted; what it cannot is refused with a
// *FieldError naming the egg's field (never silently dropped), except the console "ready"
// pattern and the SIGINT stop signal, which the format has no place for yet: they are kept in
// Meta and Meta.Notes says so. Meta also keeps the egg's descriptive fields (author, image
// list, variables as written) for a later export.
package egg
