package server_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
)

func TestSettings(t *testing.T) {
	env := apitest.Start(t)
	ctx := context.Background()
	c := env.Client(t, env.AdminToken(t))
	get := func(t *testing.T, c *api.ClientWithResponses) api.Settings {
		t.Helper()
		r, err := c.GetSettingsWithResponse(ctx)
		if err != nil || r.JSON200 == nil {
			t.Fatalf("get settings: %v %d %s", err, r.StatusCode(), r.Body)
		}
		return *r.JSON200
	}

	defaults := api.Settings{CompanyName: "SkyPanel", DefaultTheme: "SkyPanel", MasterUrl: env.URL + "/", RegistrationEnabled: false}
	if got := get(t, c); got != defaults {
		t.Errorf("defaults = %+v, want %+v", got, defaults)
	}
	upd, err := c.UpdateSettingsWithResponse(ctx, api.SettingsUpdate{CompanyName: ptr("Acme Games"), RegistrationEnabled: ptr(true)})
	if err != nil || upd.StatusCode() != http.StatusNoContent {
		t.Fatalf("update: %v %s", err, upd.Body)
	}
	want := defaults
	want.CompanyName, want.RegistrationEnabled = "Acme Games", true
	if got := get(t, c); got != want {
		t.Errorf("after a partial update: %+v, want %+v", got, want)
	}
	upd, err = c.UpdateSettingsWithResponse(ctx, api.SettingsUpdate{MasterUrl: ptr("https://panel.example.com")})
	if err != nil || upd.StatusCode() != http.StatusNoContent {
		t.Fatalf("second update: %v %s", err, upd.Body)
	}
	want.MasterUrl = "https://panel.example.com"

	t.Run("persisted across a new App on the same data", func(t *testing.T) {
		env2 := apitest.Start(t, apitest.WithDataDir(env.DataDir))
		if env2.BootstrapOutput != "" {
			t.Errorf("the second start bootstrapped again: %s", env2.BootstrapOutput)
		}
		if got := get(t, env2.Client(t, env2.AdminToken(t))); got != want {
			t.Errorf("second App: %+v, want %+v", got, want)
		}
	})
	t.Run("view scope cannot edit", func(t *testing.T) {
		tok, _ := env.UserToken(t, "viewer", false, "settings.view")
		if got := get(t, env.Client(t, tok)); got != want {
			t.Errorf("settings.view sees %+v", got)
		}
		env.DoJSON(t, http.MethodPut, "/api/settings", tok, map[string]any{"companyName": "Nope"}).
			ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	})
	t.Run("invalid values", func(t *testing.T) {
		admin := env.AdminToken(t)
		for _, body := range []map[string]any{{"registrationEnabled": "yes"}, {"companyName": 7}, {"color": "red"},
			{"masterUrl": ""}, {"masterUrl": "panel.example.com"}, {"masterUrl": "ftp://panel.example.com"},
			{"masterUrl": "https://"}, {"masterUrl": "https://u:p@panel.example.com"}} {
			env.DoJSON(t, http.MethodPut, "/api/settings", admin, body).ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
		}
		if got := get(t, c); got != want {
			t.Errorf("a refused update changed the settings: %+v", got)
		}
	})
}
