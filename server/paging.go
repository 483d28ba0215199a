package server

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/skypanel/skypanel/gen"
)

// Paging defaults and bounds. The spec bounds limit (1–100) and page from below; checkPaging
// bounds page from above so that offsets never overflow.
const (
	defaultLimit = 25
	maxLimit     = 100
	maxPage      = math.MaxInt32
)

// checkPaging refuses page/limit values that are not integers within their range (every
// value, when a parameter is repeated) with 400 ErrFieldInvalid naming the parameter. The
// validator has already checked the spec's bounds, but it parses numbers as float64, so huge
// values such as page=9223372036854775807 pass it.
func checkPaging(q url.Values) error {
	for _, p := range []struct {
		name string
		max  int64
	}{{"page", maxPage}, {"limit", maxLimit}} {
		for _, v := range q[p.name] {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1 || n > p.max {
				msg := fmt.Sprintf("%s must be an integer between 1 and %d", p.name, p.max)
				return newAPIError(http.StatusBadRequest, CodeFieldInvalid, msg, map[string]any{"field": p.name,
					"errors": []fieldError{{Field: p.name, Code: CodeFieldInvalid, Msg: msg}}})
			}
		}
	}
	return nil
}

// pageOf resolves the optional page/limit parameters, clamped to their ranges (checkPaging
// refuses values outside them before a handler runs).
func pageOf(page, limit *int) (p, l int) {
	p, l = 1, defaultLimit
	if page != nil {
		p = *page
	}
	if limit != nil {
		l = *limit
	}
	return min(max(p, 1), maxPage), min(max(l, 1), maxLimit)
}

func offset(page, limit int) int { return (page - 1) * limit }

// knownTotal derives the total from a page that is not full and not past the end (no COUNT
// query needed); known is false otherwise.
func knownTotal(page, limit, got int) (total int, known bool) {
	if got < limit && (got > 0 || page == 1) {
		return offset(page, limit) + got, true
	}
	return 0, false
}

func listMeta(page, limit int, total int) gen.ListMetadata {
	return gen.ListMetadata{Paging: gen.Paging{Page: page, Size: limit, MaxSize: maxLimit, Total: int64(total)}}
}

// likePattern turns a filter with `*` wildcards into a LIKE pattern with `\` as escape
// character: `%`, `_` and `\` in the input are literal.
func likePattern(filter string) string {
	var b strings.Builder
	for _, r := range filter {
		switch r {
		case '%', '_', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '*':
			b.WriteByte('%')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// globPattern turns a `*` filter into an SQLite GLOB pattern (case-sensitive like the range and
// equality paths): `?` and `[` are made literal with brackets; `%` and `_` are literal in GLOB.
func globPattern(filter string) string {
	var b strings.Builder
	for _, r := range filter {
		switch r {
		case '?':
			b.WriteString("[?]")
		case '[':
			b.WriteString("[[]")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// wildcard returns a case-sensitive predicate matching column against a `*` filter: equality
// when the filter has no `*` (index lookup), a prefix range when its only `*` is at the end
// (index range), GLOB on SQLite and LIKE … ESCAPE elsewhere otherwise.
func wildcard(column, filter string) func(*sql.Selector) {
	return func(s *sql.Selector) {
		col := s.C(column)
		star := strings.IndexByte(filter, '*')
		switch {
		case star < 0:
			s.Where(sql.EQ(col, filter))
		case star == len(filter)-1 && star > 0:
			prefix := filter[:star]
			s.Where(sql.And(sql.GTE(col, prefix), sql.LT(col, prefix+"\U0010FFFF")))
		case s.Dialect() == dialect.SQLite:
			s.Where(sql.P(func(b *sql.Builder) {
				b.Ident(col).WriteString(" GLOB ").Arg(globPattern(filter))
			}))
		default:
			s.Where(sql.P(func(b *sql.Builder) {
				b.Ident(col).WriteString(" LIKE ").Arg(likePattern(filter)).WriteString(` ESCAPE '\'`)
			}))
		}
	}
}
