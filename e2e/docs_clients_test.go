package e2e

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// docsFile is the API documentation the clients come from (beside the repository).
const docsFile = "../../shared/aether-panel-api-docs.txt"

// clientsDir holds the documentation's SkyPanelAPI classes, verbatim, and their drivers.
const clientsDir = "testdata/docs-clients"

// readDocs returns the documentation, skipping when it is not beside the repository.
func readDocs(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(docsFile)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("%s is not here: cannot compare the clients with the documentation", docsFile)
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// between returns the text of docs from the line starting with first up to (not including) the
// line starting with end after it.
func between(t *testing.T, docs, first, end string) []string {
	t.Helper()
	i := strings.Index(docs, first)
	if i < 0 {
		t.Fatalf("the documentation has no %q", first)
	}
	rest := docs[i:]
	j := strings.Index(rest, "\n"+end)
	if j < 0 {
		t.Fatalf("the documentation has no %q after %q", end, first)
	}
	return strings.Split(rest[:j], "\n")
}

// unindented is the file's lines without their leading white space: the documentation's text
// lost its indentation, which is all the copies add back.
func unindented(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(clientsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for l := range strings.Lines(string(b)) {
		out = append(out, strings.TrimLeft(strings.TrimRight(l, "\n"), " "))
	}
	return out
}

// TestDocsClientsVerbatim: the committed Python and Node.js classes are the documentation's,
// line for line, differing only in indentation.
func TestDocsClientsVerbatim(t *testing.T) {
	docs := readDocs(t)
	for _, tc := range []struct{ file, first, end string }{
		{"skypanel_api.py", "import requests\nimport json\nclass SkyPanelAPI:", "# Uso"},
		{"skypanel_api.js", "const axios = require('axios');\nclass SkyPanelAPI {", "// Uso"},
	} {
		want, got := between(t, docs, tc.first, tc.end), unindented(t, tc.file)
		if !slices.Equal(got, want) {
			t.Errorf("%s differs from the documentation:\n got %q\nwant %q", tc.file, got, want)
		}
	}
}

// docsEdit is the documentation's edit-definition example body.
func docsEdit(t *testing.T) string {
	t.Helper()
	lines := between(t, readDocs(t), "Endpoint: PUT /api/servers/:serverId/definition", "Endpoint: DELETE")
	raw := strings.Join(lines[2:], "\n")
	raw = raw[:strings.LastIndex(raw, "}")+1] // "}Respuesta: 204 No Content"
	if !json.Valid([]byte(raw)) {
		t.Fatalf("the documentation's edit body is not JSON: %s", raw)
	}
	return raw
}

// TestDocsClients runs the documentation's Python and Node.js SkyPanelAPI classes, unchanged,
// against a live panel (the real binary) behind a proxy that validates every response against
// openapi.yaml: token, create without and with identifier, list, get, start, command, console
// since a unix timestamp, stop, the docs' edit-definition body, delete.
func TestDocsClients(t *testing.T) {
	edit := docsEdit(t)
	p := startPanel(t, "/nonexistent.sock")
	base := validatingProxy(t, p.url)
	for _, tc := range []struct{ lang, tool, module, driver string }{
		{"python", "python3", "requests", "drive.py"},
		{"node", "node", "axios", "drive.js"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			if _, err := exec.LookPath(tc.tool); err != nil {
				t.Skipf("%s is not installed: the documentation's %s client cannot run", tc.tool, tc.lang)
			}
			id := "DOC" + strings.ToUpper(tc.lang[:2]+suite.runID)
			cmd := exec.Command(tc.tool, filepath.Join(clientsDir, tc.driver))
			cmd.Env = append(os.Environ(), "BASE_URL="+base, "CLIENT_ID="+p.clientID, "CLIENT_SECRET="+p.secret,
				"OWNER_ID="+strconv.FormatInt(p.adminID, 10), "SERVER_ID="+id, "NAME=docs-"+tc.lang, "DOCS_EDIT="+edit,
				"NODE_PATH="+filepath.Join("..", "node_modules"))
			var stderr strings.Builder
			cmd.Stderr = &stderr
			raw, err := cmd.Output()
			if err != nil {
				t.Fatalf("the %s client failed: %v\n%s\n(is %s installed? scripts/install-deps.sh / npm ci)", tc.lang, err, stderr.String(), tc.module)
			}
			checkDocsRun(t, raw, id, "docs-"+tc.lang)
		})
	}
}

// docsRun is what a driver reports.
type docsRun struct {
	Token, Started, Sent, Stopped bool
	Generated, Chosen, Got        string
	Listed, Console               []string
	Edit, EditPlain               int
	EditBody                      map[string]any
	Unedited, Edited              map[string]any
	Deleted                       []int
}

var generatedID = regexp.MustCompile(`^[A-Z0-9]{8}$`)

func checkDocsRun(t *testing.T, raw []byte, id, name string) {
	t.Helper()
	var r docsRun
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("driver output %q: %v", raw, err)
	}
	if !r.Token || !r.Started || !r.Sent || !r.Stopped {
		t.Errorf("token/start/command/stop: %+v", r)
	}
	if !generatedID.MatchString(r.Generated) || r.Chosen != id || r.Got != id {
		t.Errorf("ids: generated %q (want 8 of [A-Z0-9]), chosen %q and got %q (want %s)", r.Generated, r.Chosen, r.Got, id)
	}
	if want := []string{r.Generated, id}; !slices.Equal(r.Listed, slices.Sorted(slices.Values(want))) {
		t.Errorf("list name=%s*: %v, want %v", name, r.Listed, want)
	}
	// The drivers pass a unix timestamp (seconds from Python, milliseconds from Node) taken
	// after "say before" was echoed: only the later line comes back.
	if !slices.Contains(r.Console, "you said say hello") || slices.Contains(r.Console, "you said say before") {
		t.Errorf("console since the timestamp: %q", r.Console)
	}
	// The docs' body as written names a variable `port` that the template it switches to
	// (minecraft-java) does not have: refused by the documented variable rule, nothing changed.
	md, _ := r.EditBody["metadata"].(map[string]any)
	if r.Edit != 400 || r.EditBody["code"] != "ErrFieldInvalid" || md["field"] != "variables.port" ||
		r.Unedited["name"] != name || r.Unedited["icon"] != nil {
		t.Errorf("the docs' edit body: %d %v, then %v", r.Edit, r.EditBody, r.Unedited)
	}
	res, _ := r.Edited["resources"].(map[string]any)
	if r.EditPlain != 204 || r.Edited["name"] != "Nuevo Nombre" || r.Edited["icon"] != "nuevo-icono.png" ||
		r.Edited["startup"] != "java -Xmx4G -jar server.jar nogui" || r.Edited["template"] != "minecraft-java" ||
		res["memory"] != 4096.0 {
		t.Errorf("the docs' edit body without variables: %d, then %v", r.EditPlain, r.Edited)
	}
	if !slices.Equal(r.Deleted, []int{204, 204}) {
		t.Errorf("delete: %v", r.Deleted)
	}
}
