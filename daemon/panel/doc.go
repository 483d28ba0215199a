// Package panel is the node daemon's client of the panel: the node's deployment credentials
// (client id ".node_<id>" and secret) exchanged for OAuth2 access tokens (client credentials,
// scope node) and refreshed before they expire, and the check-in loop that tells the panel
// the daemon runs (bootId, version) at start and every 30 s, backing off while the panel is
// down. It speaks the published api package; it never imports the panel's code.
package panel
