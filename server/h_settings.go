package server

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/setting"
	"github.com/skypanel/skypanel/gen"
)

// Setting keys and their defaults.
const (
	settingCompanyName  = "companyName"
	settingDefaultTheme = "defaultTheme"
	settingMasterURL    = "masterUrl"
	settingRegistration = "registrationEnabled"
)

var settingDefaults = map[string]string{
	settingCompanyName:  "SkyPanel",
	settingDefaultTheme: "SkyPanel",
	settingMasterURL:    "http://localhost/", // Bootstrap stores the listen URL
	settingRegistration: "false",
}

// GetSettings returns the panel settings, defaults filling what was never set.
func (h *Handlers) GetSettings(ctx context.Context, _ gen.GetSettingsRequestObject) (gen.GetSettingsResponseObject, error) {
	rows, err := h.a.store.Client.Setting.Query().All(ctx)
	if err != nil {
		return nil, err
	}
	v := make(map[string]string, len(settingDefaults))
	for k, d := range settingDefaults {
		v[k] = d
	}
	for _, r := range rows {
		v[r.Key] = r.Value
	}
	reg, _ := strconv.ParseBool(v[settingRegistration])
	return gen.GetSettings200JSONResponse{Body: gen.Settings{CompanyName: v[settingCompanyName],
		DefaultTheme: v[settingDefaultTheme], MasterUrl: v[settingMasterURL], RegistrationEnabled: reg}}, nil
}

// UpdateSettings stores the given settings in one transaction.
func (h *Handlers) UpdateSettings(ctx context.Context, req gen.UpdateSettingsRequestObject) (gen.UpdateSettingsResponseObject, error) {
	b := req.Body
	set := map[string]string{}
	if b.CompanyName != nil {
		set[settingCompanyName] = *b.CompanyName
	}
	if b.DefaultTheme != nil {
		set[settingDefaultTheme] = *b.DefaultTheme
	}
	if b.MasterUrl != nil {
		if !absoluteHTTPURL(*b.MasterUrl) {
			return nil, errFieldInvalid("masterUrl", "masterUrl must be an absolute http or https URL like https://panel.example.com")
		}
		set[settingMasterURL] = *b.MasterUrl
	}
	if b.RegistrationEnabled != nil {
		set[settingRegistration] = strconv.FormatBool(*b.RegistrationEnabled)
	}
	err := withTx(ctx, h.a.store.Client, func(tx *ent.Tx) error {
		for k, v := range set {
			err := tx.Setting.Create().SetKey(k).SetValue(v).
				OnConflictColumns(setting.FieldKey).UpdateValue().Exec(ctx)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return gen.UpdateSettings204Response{}, nil
}

// absoluteHTTPURL reports whether s is an absolute http(s) URL with a host and nothing a
// panel URL cannot hold (user info, fragment).
func absoluteHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil &&
		u.Fragment == "" && !strings.ContainsAny(s, " \t\r\n")
}

// withTx runs fn in a transaction, rolling back on error.
func withTx(ctx context.Context, db *ent.Client, fn func(tx *ent.Tx) error) error {
	tx, err := db.Tx(ctx)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
