package server

import (
	"fmt"

	"github.com/skypanel/skypanel/daemon/configfile"
	"github.com/skypanel/skypanel/templates"
)

// checkNodeRules refuses what every node would refuse in the definitions of t's servers, so
// a stored template never makes each create of its servers fail on the node: its
// configuration files are checked by the node's own parser rules (configfile.Validate, which
// is stricter about keys than the template format's checks). 400 naming configFiles[i].
func checkNodeRules(t *templates.Template) error {
	for i, cf := range t.ConfigFiles {
		f := configfile.File{Path: cf.File, Parser: cf.Parser, Set: make([]configfile.Set, len(cf.Set))}
		for j, s := range cf.Set {
			f.Set[j] = configfile.Set{Key: s.Key, Value: s.Value}
		}
		if err := configfile.Validate(f); err != nil {
			return errFieldInvalid(fmt.Sprintf("configFiles[%d]", i), err.Error())
		}
	}
	return nil
}
