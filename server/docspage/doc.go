// Package docspage holds the test of the API reference page (/api/docs) in headless Chromium:
// a panel started in process, behind a proxy validating every response against openapi.yaml,
// and a browser (Debian's chromium, driven over the DevTools protocol by chromedp) that loads
// the page, lists the contract's tags and sends a request with a token it got itself.
// The package has no code besides its tests.
package docspage
