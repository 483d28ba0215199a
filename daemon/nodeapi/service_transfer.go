package nodeapi

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/skypanel/skypanel/gen/daemonapi"
)

// Export is not implemented yet (the transfer work replaces this file).
func (s *Service) Export(context.Context, string, io.Writer) (string, error) {
	return "", fmt.Errorf("export: %w", errors.ErrUnsupported)
}

// Import is not implemented yet (the transfer work replaces this file).
func (s *Service) Import(context.Context, string, io.Reader, string) (daemonapi.ImportResult, error) {
	return daemonapi.ImportResult{}, fmt.Errorf("import: %w", errors.ErrUnsupported)
}
