package importer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/skypanel/skypanel/templates"
	"github.com/skypanel/skypanel/templates/egg"
	"github.com/skypanel/skypanel/templates/puffer"
)

// MaxSize bounds the document Detect and Convert read (1 MiB).
const MaxSize = 1 << 20

// Format is a source format: an egg's meta.version or "pufferpanel".
type Format string

// The formats Convert reads.
const (
	PTDLv2      Format = "PTDL_v2"
	PLCNv1      Format = "PLCN_v1"
	PufferPanel Format = puffer.Format
)

// Formats lists every format Convert reads.
var Formats = []Format{PTDLv2, PLCNv1, PufferPanel}

// Result is a converted template with its source format, what the converter kept of the
// source (egg.Meta or puffer.Meta as JSON) and its notes (what the template does differently).
type Result struct {
	Template templates.Template
	Format   string // "PTDL_v2", "PLCN_v1" or "pufferpanel"
	Meta     json.RawMessage
	Notes    []string
}

// Detect tells which format raw is: an object with meta.version is an egg (of that version),
// an object with run and install or data is a PufferPanel template. Errors are
// *templates.SourceError: field "$" for a document that is too large, not a JSON object or of
// no known format, "meta.version" for an egg format Convert does not read.
func Detect(raw []byte) (Format, error) {
	if len(raw) > MaxSize {
		return "", templates.SourceInvalid("$", "the document is larger than %d bytes", MaxSize)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil || top == nil {
		return "", templates.SourceInvalid("$", "not a JSON object (%s)", known())
	}
	if meta, ok := top["meta"]; ok {
		var m map[string]json.RawMessage
		if json.Unmarshal(meta, &m) == nil && m["version"] != nil {
			return eggFormat(m["version"])
		}
	}
	_, hasRun := top["run"]
	_, hasInstall := top["install"]
	_, hasData := top["data"]
	if hasRun && (hasInstall || hasData) {
		return PufferPanel, nil
	}
	return "", templates.SourceInvalid("$", "not a template format the panel knows (%s)", known())
}

func eggFormat(raw json.RawMessage) (Format, error) {
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", templates.SourceInvalid("meta.version", "must be a string")
	}
	f := Format(v)
	if f == PufferPanel || !slices.Contains(Formats, f) {
		return "", templates.SourceUnsupported("meta.version", "%q is not a known egg format (known: %s)",
			v, strings.Join(egg.Formats, ", "))
	}
	return f, nil
}

// known describes the formats, for error messages.
func known() string {
	return "known: Pterodactyl/Pelican eggs (meta.version " + strings.Join(egg.Formats, " or ") +
		") and PufferPanel templates (run with install or data)"
}

// Convert detects raw's format and converts it. Errors are *templates.SourceError naming the
// source's field, wrapping templates.ErrSourceInvalid or templates.ErrSourceUnsupported.
func Convert(raw []byte) (Result, error) {
	f, err := Detect(raw)
	if err != nil {
		return Result{}, err
	}
	var (
		t     templates.Template
		meta  any
		notes []string
	)
	if f == PufferPanel {
		var m puffer.Meta
		t, m, err = puffer.Convert(raw)
		meta, notes = m, m.Notes
	} else {
		var m egg.Meta
		t, m, err = egg.Convert(raw)
		meta, notes = m, m.Notes
	}
	if err != nil {
		return Result{}, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(meta); err != nil {
		return Result{}, fmt.Errorf("importer: encoding the %s meta: %w", f, err)
	}
	return Result{Template: t, Format: string(f), Meta: bytes.TrimSpace(buf.Bytes()), Notes: notes}, nil
}
