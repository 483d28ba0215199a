package server

import (
	"io"
	"mime"
	"net/http"
)

// emptyJSONObject reports whether a request to an operation without a body carries exactly the
// JSON object `{}` (what the documentation's Node.js client posts to start and stop); such a
// body is consumed and the request treated as bodiless. It reads at most the two declared bytes,
// so nothing unbounded is read before the operation is known to accept the request.
func emptyJSONObject(r *http.Request) bool {
	if r.ContentLength != 2 {
		return false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != mediaJSON && mt != vendorJSON) {
		return false
	}
	var b [2]byte
	if _, err := io.ReadFull(r.Body, b[:]); err != nil || string(b[:]) != "{}" {
		return false
	}
	r.Body, r.ContentLength = http.NoBody, 0
	r.Header.Del("Content-Type")
	return true
}
