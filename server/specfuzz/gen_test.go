package specfuzz

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"pgregory.net/rapid"
)

// maxDepth bounds how deep nested objects and arrays are generated.
const maxDepth = 4

// hostileStrings are values a careless handler mishandles: NUL, path traversal, encoded
// slashes, unicode controls and joiners, SQL and header injection, empty and huge strings.
var hostileStrings = []string{
	"", "\x00", "a\x00b", "../../../../etc/passwd", "..", "%2F", "..%2F..%2Fetc", "/", "\\..\\",
	"\u202e\u200d🙂漢字ü", "' OR 1=1 --", "<script>alert(1)</script>", "\r\nX-Injected: 1",
	"-1", "9999999999999999999999", "NaN", "null", "{}", "%00", "%", "\xff\xfe",
	strings.Repeat("A", 70_000),
}

// hostileString draws one hostile string.
func hostileString(t *rapid.T, label string) string {
	return rapid.SampledFrom(hostileStrings).Draw(t, label)
}

// genValue draws a value the schema should accept. The generator is best effort: whether the
// request really is valid is decided afterwards by kin-openapi, not by this function.
func genValue(t *rapid.T, ref *openapi3.SchemaRef, label string, depth int) any {
	if ref == nil || ref.Value == nil {
		return rapid.SampledFrom([]any{"x", 1, true, nil}).Draw(t, label)
	}
	s := ref.Value
	if len(s.Enum) > 0 {
		return rapid.SampledFrom(s.Enum).Draw(t, label)
	}
	if len(s.OneOf) > 0 {
		return genValue(t, rapid.SampledFrom(s.OneOf).Draw(t, label+".oneOf"), label, depth)
	}
	if len(s.AnyOf) > 0 {
		return genValue(t, rapid.SampledFrom(s.AnyOf).Draw(t, label+".anyOf"), label, depth)
	}
	if len(s.AllOf) > 0 {
		return genAllOf(t, s, label, depth)
	}
	switch {
	case s.Type.Is("string"):
		return genString(t, s, label)
	case s.Type.Is("integer"):
		lo, hi := bounds(s, -1000, 100_000)
		return rapid.Int64Range(int64(lo), int64(hi)).Draw(t, label)
	case s.Type.Is("number"):
		lo, hi := bounds(s, -1000, 100_000)
		return rapid.Float64Range(lo, hi).Draw(t, label)
	case s.Type.Is("boolean"):
		return rapid.Bool().Draw(t, label)
	case s.Type.Is("array"):
		return genArray(t, s, label, depth)
	case s.Type.Is("object") || len(s.Properties) > 0:
		return genObject(t, s, label, depth)
	}
	return rapid.SampledFrom([]any{"x", 1, true}).Draw(t, label)
}

// bounds returns the schema's numeric range clipped to [dlo, dhi].
func bounds(s *openapi3.Schema, dlo, dhi float64) (float64, float64) {
	lo, hi := dlo, dhi
	if s.Min != nil {
		lo = *s.Min
		if s.ExclusiveMin.IsTrue() {
			lo++
		}
	}
	if s.Max != nil {
		hi = *s.Max
		if s.ExclusiveMax.IsTrue() {
			hi--
		}
	}
	if hi-lo > 1e9 {
		hi = lo + 1e9
	}
	if hi < lo {
		hi = lo
	}
	return lo, hi
}

func genString(t *rapid.T, s *openapi3.Schema, label string) string {
	switch s.Format {
	case "email":
		return rapid.StringMatching(`[a-z]{1,8}@example\.com`).Draw(t, label)
	case "uuid":
		return rapid.StringMatching(`[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}`).Draw(t, label)
	case "date-time":
		return "2026-01-02T03:04:05Z"
	case "uri", "url":
		return rapid.StringMatching(`https://[a-z]{1,8}\.example/[a-z]{0,5}`).Draw(t, label)
	}
	if s.Pattern != "" {
		return rapid.StringMatching(s.Pattern).Draw(t, label)
	}
	lo, hi := int(s.MinLength), 24
	if s.MaxLength != nil && int(*s.MaxLength) < hi {
		hi = int(*s.MaxLength)
	}
	if hi < lo {
		hi = lo
	}
	return rapid.StringOfN(rapid.RuneFrom([]rune("abcdefghijklmnopqrstuvwxyzABC0123456789-_. é漢")), lo, hi, -1).Draw(t, label)
}

func genArray(t *rapid.T, s *openapi3.Schema, label string, depth int) []any {
	lo, hi := int(s.MinItems), 3
	if s.MaxItems != nil && int(*s.MaxItems) < hi {
		hi = int(*s.MaxItems)
	}
	if depth >= maxDepth || hi < lo {
		hi = lo
	}
	n := rapid.IntRange(lo, hi).Draw(t, label+".len")
	out := make([]any, 0, n)
	for i := range n {
		out = append(out, genValue(t, s.Items, fmt.Sprintf("%s[%d]", label, i), depth+1))
	}
	return out
}

func genObject(t *rapid.T, s *openapi3.Schema, label string, depth int) map[string]any {
	out := map[string]any{}
	required := map[string]bool{}
	for _, r := range s.Required {
		required[r] = true
	}
	for _, name := range sortedKeys(s.Properties) {
		p := s.Properties[name]
		if p.Value != nil && p.Value.ReadOnly {
			continue
		}
		if required[name] || (depth < maxDepth && rapid.Bool().Draw(t, label+"."+name+"?")) {
			out[name] = genValue(t, p, label+"."+name, depth+1)
		}
	}
	ap := s.AdditionalProperties
	if len(s.Properties) == 0 && ap.Schema != nil && depth < maxDepth {
		n := rapid.IntRange(0, 2).Draw(t, label+".extra")
		for i := range n {
			out[rapid.StringMatching(`[A-Z_]{1,8}`).Draw(t, fmt.Sprintf("%s.key%d", label, i))] =
				genValue(t, ap.Schema, fmt.Sprintf("%s.val%d", label, i), depth+1)
		}
	}
	return out
}

// genAllOf merges the objects drawn for every member of an allOf.
func genAllOf(t *rapid.T, s *openapi3.Schema, label string, depth int) any {
	merged := map[string]any{}
	for i, m := range s.AllOf {
		v := genValue(t, m, fmt.Sprintf("%s.allOf%d", label, i), depth)
		obj, ok := v.(map[string]any)
		if !ok {
			return v
		}
		for k, x := range obj {
			merged[k] = x
		}
	}
	return merged
}

// wrongType draws a value of a JSON type the schema does not have.
func wrongType(t *rapid.T, ref *openapi3.SchemaRef, label string) any {
	all := []any{"not-a-number", 12345, -1.5, true, []any{1, "x"}, map[string]any{"x": 1}}
	var pool []any
	for _, v := range all {
		if ref == nil || ref.Value == nil || ref.Value.VisitJSON(v) != nil {
			pool = append(pool, v)
		}
	}
	if len(pool) == 0 {
		pool = all
	}
	return rapid.SampledFrom(pool).Draw(t, label)
}

// outOfRange draws a number outside the schema's range, or a huge one.
func outOfRange(t *rapid.T, s *openapi3.Schema, label string) any {
	c := []any{math.MaxInt64, -math.MaxInt64, 1e300, -1, 0, 1.5}
	if s.Min != nil {
		c = append(c, *s.Min-1)
	}
	if s.Max != nil {
		c = append(c, *s.Max+1)
	}
	return rapid.SampledFrom(c).Draw(t, label)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
