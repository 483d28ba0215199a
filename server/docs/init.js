// SkyPanel: mounts the Scalar API reference (loaded just before) on #app. A file of its own
// because the page's Content-Security-Policy allows no inline script.
(function () {
  'use strict';
  var here = window.location;
  Scalar.createApiReference('#app', {
    url: new URL('openapi.json', here.href).href,
    // try-it requests (and the token request) go to this panel, whatever host serves it
    servers: [{ url: here.origin, description: 'This panel' }],
    authentication: { preferredSecurityScheme: 'oauth2' },
    // nothing from other origins: no web fonts, no telemetry, no proxy, no MCP / agent
    withDefaultFonts: false,
    telemetry: false,
    mcp: { disabled: true },
    agent: { disabled: true },
    showDeveloperTools: 'never',
    persistAuth: false,
    documentDownloadType: 'none',
  });
})();
