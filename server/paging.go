package server

import (
	"strings"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/skypanel/skypanel/gen"
)

// Paging defaults (the validator enforces page ≥ 1 and 1 ≤ limit ≤ 100).
const (
	defaultLimit = 25
	maxLimit     = 100
)

// pageOf resolves the optional page/limit parameters.
func pageOf(page, limit *int) (p, l int) {
	p, l = 1, defaultLimit
	if page != nil {
		p = *page
	}
	if limit != nil {
		l = *limit
	}
	return p, min(l, maxLimit)
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
