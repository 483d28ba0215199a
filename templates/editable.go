package templates

import "slices"

// Visible reports whether users (not only administrators) see the variable name and its
// value: every variable of t that is not hidden.
func (t *Template) Visible(name string) bool {
	v, ok := t.Variables[name]
	return ok && !v.Hidden
}

// UserEditable reports whether users (not only administrators) may set the variable name,
// on create and on definition edit: its userEditable when given; when absent, false for a
// variable that feeds the command line (see FeedsCommand: it could change what runs, its
// memory or its ports), true otherwise. Hidden variables and unknown names are never editable.
func (t *Template) UserEditable(name string) bool {
	v, ok := t.Variables[name]
	if !ok || v.Hidden {
		return false
	}
	if v.UserEditable != nil {
		return *v.UserEditable
	}
	return !t.FeedsCommand(name)
}

// FeedsCommand reports whether the variable name is substituted into something a shell or
// the runtime executes: the run command, the stop command or a command install step.
func (t *Template) FeedsCommand(name string) bool {
	texts := []string{t.Run.Command, t.Run.Stop}
	for _, s := range t.Install {
		if s.Type == StepCommand {
			texts = append(texts, s.Commands...)
		}
	}
	for _, s := range texts {
		if slices.Contains(Placeholders(s), name) {
			return true
		}
	}
	return false
}

// InjectableString reports whether name is a free-form string variable marked userEditable
// that feeds the command line (FeedsCommand): what validateEditable refuses and the converters
// make admin-only.
func (t *Template) InjectableString(name string) bool {
	v, ok := t.Variables[name]
	return ok && v.Type == TypeString && v.UserEditable != nil && *v.UserEditable && t.FeedsCommand(name)
}

// validateEditable refuses a free-form string variable that feeds the command line and is
// marked userEditable: a tenant could inject shell syntax into what runs. Integers, booleans
// and options (a fixed list) may be user-editable there. A hidden variable (tenants do not
// see it) cannot be userEditable either.
func (t *Template) validateEditable() error {
	for _, name := range t.variableNames() {
		v := t.Variables[name]
		if v.Hidden && v.UserEditable != nil && *v.UserEditable {
			return badField(t.Name, "variables."+name+".hidden", "a hidden variable cannot be userEditable")
		}
		if t.InjectableString(name) {
			return badField(t.Name, "variables."+name, "a string variable used in a command cannot be userEditable")
		}
	}
	return nil
}
