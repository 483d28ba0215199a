// Package specstrict_test validates responses of a fresh panel the way strict third-party
// OpenAPI tools do (every `format` checked; email and uri as ajv-formats defines them). It is
// its own test binary because kin-openapi's format validators are process-wide.
package specstrict_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/skypanel/skypanel"
	"github.com/skypanel/skypanel/server/apitest"
)

// ajvEmail is ajv-formats' "full" email format.
var ajvEmail = regexp.MustCompile("(?i)^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*" +
	`@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`)

func strictFormats() {
	openapi3.DefineStringFormatValidator("email", openapi3.NewCallbackValidator(func(s string) error {
		if !ajvEmail.MatchString(s) {
			return fmt.Errorf("%q is not an email address", s)
		}
		return nil
	}))
	openapi3.DefineStringFormatValidator("uri", openapi3.NewCallbackValidator(func(s string) error {
		if u, err := url.Parse(s); err != nil || !u.IsAbs() {
			return fmt.Errorf("%q is not an absolute URI", s)
		}
		return nil
	}))
}

// TestStrictFormats: GET /api/users and GET /api/settings of a freshly bootstrapped panel
// are valid with every format checked strictly.
func TestStrictFormats(t *testing.T) {
	strictFormats()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(skypanel.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	env := apitest.Start(t)
	admin := env.AdminToken(t)
	for _, path := range []string{"/api/users", "/api/settings"} {
		t.Run(path, func(t *testing.T) {
			r := env.Do(t, http.MethodGet, path, admin, nil, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			op := doc.Paths.Value(path).Get
			schema := op.Responses.Status(http.StatusOK).Value.Content.Get("application/json").Schema.Value
			var body any
			if err := json.Unmarshal(r.Body, &body); err != nil {
				t.Fatal(err)
			}
			if err := schema.VisitJSON(body, openapi3.EnableFormatValidation()); err != nil {
				t.Errorf("strict validation of %s: %v\n%s", r.Body, err, path)
			}
		})
	}
	t.Run("the check can fail", func(t *testing.T) {
		bad := map[string]any{"companyName": "x", "defaultTheme": "x", "masterUrl": "", "registrationEnabled": false}
		schema := doc.Paths.Value("/api/settings").Get.Responses.Status(http.StatusOK).Value.Content.Get("application/json").Schema.Value
		if err := schema.VisitJSON(bad, openapi3.EnableFormatValidation()); err == nil {
			t.Fatal("an empty masterUrl passed strict validation")
		}
	})
}
