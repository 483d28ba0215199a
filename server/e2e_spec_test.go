package server_test

import (
	"context"
	"sort"
	"strconv"
	"testing"

	skypanel "github.com/skypanel/skypanel"
	"github.com/skypanel/skypanel/server"
)

// TestSpecDeclaresMiddlewareAnswers: the spec-driven middleware can answer any operation with
// some statuses before its handler runs; each operation must declare them, or the response
// validation of the tests (and every client generated from the spec) rejects them.
//   - every operation: 415 (a body it does not accept), 500 (panic, database) and 429 (rate limit;
//     not for x-skypanel-no-rate-limit operations);
//   - operations needing a token: 401 and 403;
//   - operations with parameters or a body: 400;
//   - operations with a request body (size-limited, or bounded by the disk limit): 413.
//
// Every response must also declare the X-API-Version header.
func TestSpecDeclaresMiddlewareAnswers(t *testing.T) {
	c, err := server.LoadContract(context.Background(), skypanel.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range c.Operations() {
		t.Run(op.ID, func(t *testing.T) {
			want := []int{415, 500}
			if !op.NoRateLimit { // x-skypanel-no-rate-limit: the health probes
				want = append(want, 429)
			}
			if !op.Public {
				want = append(want, 401, 403)
			}
			o := op.Route.Operation
			hasParams := len(o.Parameters) > 0 || len(op.Route.PathItem.Parameters) > 0
			if hasParams || o.RequestBody != nil {
				want = append(want, 400)
			}
			if o.RequestBody != nil {
				want = append(want, 413)
			}
			var missing []int
			for _, code := range want {
				if o.Responses.Value(strconv.Itoa(code)) == nil {
					missing = append(missing, code)
				}
			}
			sort.Ints(missing)
			if len(missing) > 0 {
				t.Errorf("%s %s does not declare %v", op.Method, op.Path, missing)
			}
			for code, r := range o.Responses.Map() {
				if r.Value != nil && r.Value.Headers["X-API-Version"] == nil {
					t.Errorf("response %s does not declare X-API-Version", code)
				}
			}
		})
	}
}
