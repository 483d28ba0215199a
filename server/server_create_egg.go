package server

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"sort"
	"strconv"

	"github.com/skypanel/skypanel/gen"
	"github.com/skypanel/skypanel/templates"
)

// applyEgg resolves a create request's eggId (the documentation's create example): the
// server is made from the template imported with that egg id. `template`, when given too,
// must name the same template. The `environment` entries named like one of the template's
// variables (an egg variable's env_variable) set that variable, typed by it ("25" for an
// integer variable is 25); the other entries stay environment. The rest (startup with its
// {{VAR}} placeholders, dockerImage, limits) is applyTemplate's, as for a template. It
// returns a copy of b, or b unchanged without eggId.
func applyEgg(ctx context.Context, tpls templateStore, b *gen.ServerCreate) (*gen.ServerCreate, error) {
	if b.EggId == nil {
		return b, nil
	}
	st, err := tpls.ByEggID(ctx, int(*b.EggId))
	if errors.Is(err, templates.ErrNotFound) {
		return nil, newAPIError(http.StatusBadRequest, CodeTemplateNotFound,
			fmt.Sprintf("no template was imported with egg id %d", *b.EggId),
			map[string]any{"field": "eggId", "id": *b.EggId})
	}
	if err != nil {
		return nil, err
	}
	tpl := st.Template
	if b.Template != nil && *b.Template != tpl.Name {
		return nil, errFieldInvalid("eggId", fmt.Sprintf("egg id %d is the template %s, not %s",
			*b.EggId, tpl.Name, *b.Template))
	}
	out := *b
	name := tpl.Name
	out.Template, out.EggId = &name, nil
	if b.Environment == nil {
		return &out, nil
	}
	env := map[string]string{}
	vars := map[string]gen.VariableValue{}
	if b.Variables != nil {
		vars = maps.Clone(*b.Variables)
	}
	for _, key := range sortedKeys(*b.Environment) {
		value := (*b.Environment)[key]
		v, isVar := tpl.Variables[key]
		if !isVar {
			env[key] = value
			continue
		}
		if _, dup := vars[key]; dup {
			return nil, errFieldInvalid("environment."+key,
				fmt.Sprintf("%s is set both in variables and in environment", key))
		}
		gv, err := typedValue(v, value)
		if err != nil {
			return nil, errFieldInvalid("environment."+key, fmt.Sprintf("environment.%s: %v", key, err))
		}
		vars[key] = gv
	}
	out.Environment, out.Variables = &env, &vars
	return &out, nil
}

// typedValue reads an environment string as a value of the variable v's type.
func typedValue(v templates.Variable, s string) (gen.VariableValue, error) {
	var gv gen.VariableValue
	switch v.Type {
	case templates.TypeInteger:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return gv, fmt.Errorf("%q is not an integer", s)
		}
		return gv, gv.FromVariableInteger(n)
	case templates.TypeBoolean:
		if s != "true" && s != "false" {
			return gv, fmt.Errorf("%q is not a boolean (true or false)", s)
		}
		return gv, gv.FromVariableBoolean(s == "true")
	}
	return gv, gv.FromVariableString(s)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
