package egg

import (
	"errors"
	"fmt"

	"github.com/skypanel/skypanel/templates"
)

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

// ErrNotExportable means the template holds something an egg cannot (Export's *FieldError then
// names the template's field, e.g. "run.stopSignal").
var ErrNotExportable = errors.New("the template cannot be written as an egg")

func notExportable(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...), Err: ErrNotExportable}
}
