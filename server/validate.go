package server

import (
	"github.com/gin-gonic/gin"

	"github.com/skypanel/skypanel/apispec"
)

// panelCodes are the codes of openapi.yaml's ErrorCode enum the request validator uses.
var panelCodes = apispec.Codes{
	FieldInvalid:         CodeFieldInvalid,
	FieldRequired:        CodeFieldRequired,
	UnsupportedMediaType: CodeUnsupportedMediaType,
	PayloadTooLarge:      CodePayloadTooLarge,
}

// fieldError is one validation failure, listed in the envelope's metadata.errors.
type fieldError = apispec.FieldError

// newValidator checks requests against openapi.yaml: only octet-stream bodies are streamed,
// the vendor media type counts as JSON, and `{}` is accepted where no body is declared.
func newValidator(c *Contract, cfg Config) *apispec.Validator {
	return apispec.NewValidator(c.Spec, apispec.ValidatorOptions{
		Codes:             panelCodes,
		MaxBody:           cfg.MaxBodyBytes,
		BodyReadTimeout:   cfg.BodyReadTimeout,
		StreamedTypes:     []string{apispec.MediaOctetStream},
		JSONAliases:       []string{vendorJSON},
		EmptyObjectAsNone: true,
	})
}

// validate checks the request against the operation (apispec: kin-openapi), then the paging
// parameters' range. A streamed (octet-stream) body goes to the handler unread and
// unvalidated; any other body was already buffered within its limit by the middleware.
func (a *App) validate(c *gin.Context, op *Operation, streamed bool) error {
	params := make(map[string]string, len(c.Params))
	for _, p := range c.Params {
		params[p.Key] = p.Value
	}
	if err := a.validator.Validate(c.Request, op.Operation, params, streamed); err != nil {
		return err
	}
	if op.Paged {
		return checkPaging(c.Request.URL.Query())
	}
	return nil
}

// validationError turns kin-openapi's errors into the 400 envelope with the panel's codes.
func validationError(err error) *APIError { return apispec.ValidationError(err, panelCodes) }
