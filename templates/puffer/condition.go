package puffer

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/skypanel/skypanel/templates"
)

// comparison is one decidable atom of an "if": env or os compared with a literal.
var comparison = regexp.MustCompile(`^\(?\s*(env|os)\s*(==|!=)\s*(?:'([^']*)'|"([^"]*)")\s*\)?$`)

// envNames are the values PufferPanel's env variable has in the environment templates call
// env (PufferPanel 2 named the host environment "standard").
func envNames(env string) []string {
	if env == templates.EnvDocker {
		return []string{"docker"}
	}
	return []string{"host", "standard"}
}

// decide evaluates a PufferPanel condition for the environment env on a Linux node: "" is
// true; && binds tighter than ||; atoms compare env or os with a literal. Anything else
// (variables, file_exists, arch, negation) cannot be decided before the server exists.
func decide(cond, env string) (bool, error) {
	cond = strings.TrimSpace(cond)
	if cond == "" {
		return true, nil
	}
	for _, alt := range strings.Split(cond, "||") {
		all := true
		for _, atom := range strings.Split(alt, "&&") {
			ok, err := atomTrue(strings.TrimSpace(atom), env)
			if err != nil {
				return false, err
			}
			all = all && ok
		}
		if all {
			return true, nil
		}
	}
	return false, nil
}

func atomTrue(atom, env string) (bool, error) {
	switch atom {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	m := comparison.FindStringSubmatch(atom)
	if m == nil {
		return false, fmt.Errorf("%q cannot be decided when the template is converted "+
			"(only env or os compared with a literal can be)", atom)
	}
	lit := m[3] + m[4]
	var eq bool
	if m[1] == "env" {
		eq = slices.Contains(envNames(env), lit)
	} else {
		eq = lit == "linux" // nodes run Linux
	}
	return eq == (m[2] == "=="), nil
}
