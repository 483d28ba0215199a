package puffer

import (
	"reflect"
	"testing"

	"github.com/skypanel/skypanel/templates"
)

// TestMovePatterns: a pattern moved into a folder (trailing '/', or made by a mkdir step)
// stays a move, as both panels then move every match into it; a pattern moved onto the
// name of the file just downloaded becomes the download's target.
func TestMovePatterns(t *testing.T) {
	tests := []struct {
		name string
		ops  []any
		want []templates.Step
	}{
		{"trailing slash", []any{doc{"type": "move", "source": "*.jar", "target": "plugins/"}},
			[]templates.Step{{Type: templates.StepMove, Source: "*.jar", Target: "plugins/"}}},
		{"folder made by mkdir", []any{doc{"type": "mkdir", "target": "plugins"}, doc{"type": "move", "source": "*.jar", "target": "plugins"}},
			[]templates.Step{{Type: templates.StepMkdir, Files: []string{"plugins"}}, {Type: templates.StepMove, Source: "*.jar", Target: "plugins"}}},
		{"no pattern", []any{doc{"type": "move", "source": "a.jar", "target": "b.jar"}},
			[]templates.Step{{Type: templates.StepMove, Source: "a.jar", Target: "b.jar"}}},
		{"download renamed", []any{doc{"type": "download", "files": "https://x.invalid/dl/tool-${version}.jar?x=1"},
			doc{"type": "move", "source": "tool-*.jar", "target": "tool.jar"}},
			[]templates.Step{{Type: templates.StepDownload, Files: []string{"https://x.invalid/dl/tool-{{version}}.jar?x=1"}, Target: "tool.jar"}}},
		{"download named by the site", []any{doc{"type": "download", "files": "https://x.invalid/v2/tool/${version}/download"},
			doc{"type": "move", "source": "tool-*.jar", "target": "tool.jar"}},
			[]templates.Step{{Type: templates.StepDownload, Files: []string{"https://x.invalid/v2/tool/{{version}}/download"}, Target: "tool.jar"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, _ := convertChanged(t, func(d doc) { d["install"] = tt.ops })
			if !reflect.DeepEqual(tpl.Install, tt.want) {
				t.Errorf("install = %+v, want %+v", tpl.Install, tt.want)
			}
		})
	}
}
