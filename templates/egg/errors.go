package egg

import "github.com/skypanel/skypanel/templates"

// The conversion errors are the templates package's source errors.
var (
	// ErrUnsupported: the egg is well-formed but uses something SkyPanel templates cannot express.
	ErrUnsupported = templates.ErrSourceUnsupported
	// ErrInvalid: the egg is malformed (bad JSON, unknown format, missing or wrong-typed field).
	ErrInvalid = templates.ErrSourceInvalid
)

// FieldError names the egg field a conversion failed on (e.g. "variables[2].rules").
type FieldError = templates.SourceError

var (
	unsupported = templates.SourceUnsupported
	invalid     = templates.SourceInvalid
)
