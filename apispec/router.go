package apispec

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/routers"
)

// FindRoute implements routers.Router: the operation for the request's method and path, and
// its decoded path parameters. No path → an error wrapping routers.ErrPathNotFound; a path
// without that method → routers.ErrMethodNotAllowed. The document's servers are ignored.
func (s *Spec) FindRoute(req *http.Request) (*routers.Route, map[string]string, error) {
	op, params, err := s.Match(req.Method, req.URL.EscapedPath())
	if err != nil {
		return nil, nil, err
	}
	return op.Route, params, nil
}

// Match finds the operation for a method and an escaped path. Literal segments beat
// parameters when several templates match.
func (s *Spec) Match(method, escapedPath string) (*Operation, map[string]string, error) {
	segs := strings.Split(strings.TrimPrefix(escapedPath, "/"), "/")
	var best *Operation
	var bestParams map[string]string
	bestScore, pathFound := -1, false
	for _, o := range s.ops {
		params, score, ok := o.match(segs)
		if !ok {
			continue
		}
		pathFound = true
		if o.Method == method && score > bestScore {
			best, bestParams, bestScore = o, params, score
		}
	}
	switch {
	case best != nil:
		if bestParams == nil {
			bestParams = map[string]string{}
		}
		return best, bestParams, nil
	case pathFound:
		return nil, nil, fmt.Errorf("%s %s: %w", method, escapedPath, routers.ErrMethodNotAllowed)
	default:
		return nil, nil, fmt.Errorf("%s %s: %w", method, escapedPath, routers.ErrPathNotFound)
	}
}

// match returns the decoded parameters and a score (literal segments count).
func (o *Operation) match(segs []string) (map[string]string, int, bool) {
	var params map[string]string
	score := 0
	for i, t := range o.segs {
		isParam := len(t) > 2 && t[0] == '{' && t[len(t)-1] == '}'
		if isParam && o.rest && i == len(o.segs)-1 {
			if i >= len(segs) {
				return nil, 0, false
			}
			v, err := url.PathUnescape(strings.Join(segs[i:], "/"))
			if err != nil || v == "" {
				return nil, 0, false
			}
			params = setParam(params, t[1:len(t)-1], v)
			return params, score, true
		}
		if i >= len(segs) {
			return nil, 0, false
		}
		if !isParam {
			if t != segs[i] {
				return nil, 0, false
			}
			score++
			continue
		}
		v, err := url.PathUnescape(segs[i])
		if err != nil || v == "" { // a path parameter is never empty
			return nil, 0, false
		}
		params = setParam(params, t[1:len(t)-1], v)
	}
	return params, score, len(o.segs) == len(segs)
}

func setParam(m map[string]string, k, v string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m[k] = v
	return m
}
