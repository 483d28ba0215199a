package configfile_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/skypanel/skypanel/daemon/configfile"
	"github.com/skypanel/skypanel/templates"
	"github.com/skypanel/skypanel/templates/importer"
)

// TestImportedConfigFilesApply: the configuration files the egg and PufferPanel converters
// write (every fixture of theirs) are accepted by the node and apply to an empty server folder
// (the keys the converters produce mean something to these parsers).
func TestImportedConfigFilesApply(t *testing.T) {
	var fixtures []string
	for _, glob := range []string{"../../templates/egg/testdata/*.egg.json", "../../templates/puffer/testdata/*.puffer.json"} {
		m, err := filepath.Glob(glob)
		if err != nil {
			t.Fatal(err)
		}
		fixtures = append(fixtures, m...)
	}
	if len(fixtures) < 5 {
		t.Fatalf("only %d fixtures found", len(fixtures))
	}
	files := 0
	for _, fx := range fixtures {
		raw, err := os.ReadFile(fx)
		if err != nil {
			t.Fatal(err)
		}
		res, err := importer.Convert(raw)
		if err != nil {
			t.Fatalf("%s: %v", fx, err)
		}
		root, err := os.OpenRoot(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		for _, cf := range res.Template.ConfigFiles {
			f := fileOf(cf)
			if err := configfile.Validate(f); err != nil {
				t.Errorf("%s: %s: %v", filepath.Base(fx), cf.File, err)
				continue
			}
			if err := configfile.Apply(root, f, configfile.Owner{UID: -1, GID: -1}); err != nil {
				t.Errorf("%s: apply %s: %v", filepath.Base(fx), cf.File, err)
			}
			files++
		}
		_ = root.Close()
	}
	if files < 6 { // the file-parsers egg alone has one per parser
		t.Errorf("only %d configuration files among the fixtures", files)
	}
}

func fileOf(cf templates.ConfigFile) configfile.File {
	f := configfile.File{Path: cf.File, Parser: cf.Parser}
	for _, s := range cf.Set {
		f.Set = append(f.Set, configfile.Set{Key: s.Key, Value: s.Value})
	}
	return f
}
