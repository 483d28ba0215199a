package puffer

import "github.com/skypanel/skypanel/templates"

// The conversion errors are the templates package's source errors: a *templates.SourceError
// naming the PufferPanel template's field, wrapping ErrUnsupported or ErrInvalid.
var (
	// ErrUnsupported: the template is well-formed but uses something SkyPanel templates cannot express.
	ErrUnsupported = templates.ErrSourceUnsupported
	// ErrInvalid: the template is malformed (bad JSON, missing or wrong-typed field).
	ErrInvalid = templates.ErrSourceInvalid
)

var (
	unsupported = templates.SourceUnsupported
	invalid     = templates.SourceInvalid
)
