package server

// Magnitudes that tell the units of a console `time` apart: a unix time in seconds stays below
// 1e11 until the year 5138, one in milliseconds below 1e14 until 5138 too, and every console
// cursor (unix microseconds) since 1973 is above 1e14.
const (
	consoleSecondsBelow = int64(1e11)
	consoleMillisBelow  = int64(1e14)
)

// consoleCursor turns the `time` of GET console into a console cursor (unix microseconds):
// 0 stays 0 (the whole backlog), a unix time in seconds or milliseconds means "since that
// time", and anything larger is already a cursor.
func consoleCursor(t int64) int64 {
	switch {
	case t < consoleSecondsBelow:
		return t * 1_000_000
	case t < consoleMillisBelow:
		return t * 1_000
	default:
		return t
	}
}
