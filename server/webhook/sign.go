package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Header names of a delivery.
const (
	HeaderEvent     = "X-SkyPanel-Event"
	HeaderDelivery  = "X-SkyPanel-Delivery"
	HeaderTimestamp = "X-SkyPanel-Timestamp"
	HeaderSignature = "X-SkyPanel-Signature"
)

// signaturePrefix precedes the hex digest in HeaderSignature.
const signaturePrefix = "sha256="

// Sign returns the HeaderSignature value of a body sent at unix time ts:
// "sha256=" + hex(HMAC-SHA256(secret, ts + "." + body)).
func Sign(secret []byte, ts int64, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return signaturePrefix + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a received delivery the way a receiver should: timestamp is the
// HeaderTimestamp value, signature the HeaderSignature value, body the raw request body.
// The timestamp must be within tolerance of now (replays of old deliveries are refused;
// tolerance <= 0 skips the check) and the signature is compared in constant time.
// It returns ErrStaleTimestamp or ErrBadSignature.
func Verify(secret []byte, timestamp, signature string, body []byte, tolerance time.Duration, now time.Time) error {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q", ErrBadSignature, timestamp)
	}
	if tolerance > 0 {
		if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
			return fmt.Errorf("%w: %s", ErrStaleTimestamp, d)
		}
	}
	got, ok := strings.CutPrefix(signature, signaturePrefix)
	if !ok {
		return fmt.Errorf("%w: no %s prefix", ErrBadSignature, signaturePrefix)
	}
	want := Sign(secret, ts, body)[len(signaturePrefix):]
	if !hmac.Equal([]byte(got), []byte(want)) {
		return ErrBadSignature
	}
	return nil
}
