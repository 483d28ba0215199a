package apispec

import (
	"context"
	"errors"
	"testing"

	"github.com/getkin/kin-openapi/routers"
)

func TestLoadRefusesBadDocuments(t *testing.T) {
	for name, doc := range map[string]string{
		"not yaml":      "{{{",
		"no paths":      "openapi: 3.0.3\ninfo: {title: x, version: '1'}\n",
		"bad reference": "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200': {$ref: '#/components/responses/Nope'}\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Load(context.Background(), []byte(doc), Options{}); !errors.Is(err, ErrInvalidSpec) {
				t.Fatalf("err = %v, want ErrInvalidSpec", err)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	rest := loadTiny(t, Options{RestParam: "path"})
	plain := loadTiny(t, Options{})
	cases := []struct {
		name, method, path string
		spec               *Spec
		op                 string
		params             map[string]string
		err                error
	}{
		{"literal", "GET", "/things", rest, "listThings", map[string]string{}, nil},
		{"param", "GET", "/things/abc", rest, "getThing", map[string]string{"id": "abc"}, nil},
		{"literal beats param", "GET", "/things/special", rest, "getSpecial", map[string]string{}, nil},
		{"escaped param decoded", "GET", "/things/a%2Fb", rest, "getThing", map[string]string{"id": "a/b"}, nil},
		{"rest param takes slashes", "GET", "/files/s1/a/b%20c/d.txt", rest, "getFile",
			map[string]string{"id": "s1", "path": "a/b c/d.txt"}, nil},
		{"rest param off", "GET", "/files/s1/a/b", plain, "", nil, routers.ErrPathNotFound},
		{"one segment without rest", "GET", "/files/s1/a", plain, "getFile", map[string]string{"id": "s1", "path": "a"}, nil},
		{"empty segment", "GET", "/things//blob", rest, "", nil, routers.ErrPathNotFound},
		{"empty rest", "GET", "/files/s1/", rest, "", nil, routers.ErrPathNotFound},
		{"wrong method", "PATCH", "/things", rest, "", nil, routers.ErrMethodNotAllowed},
		{"unknown", "GET", "/nope", rest, "", nil, routers.ErrPathNotFound},
		{"trailing slash", "GET", "/things/", rest, "", nil, routers.ErrPathNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			op, params, err := c.spec.Match(c.method, c.path)
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("err = %v, want %v", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if op.ID != c.op {
				t.Fatalf("op = %s, want %s", op.ID, c.op)
			}
			if len(params) != len(c.params) {
				t.Fatalf("params = %v, want %v", params, c.params)
			}
			for k, v := range c.params {
				if params[k] != v {
					t.Fatalf("params = %v, want %v", params, c.params)
				}
			}
		})
	}
}

func TestOperations(t *testing.T) {
	s := loadTiny(t, Options{})
	if got := len(s.Operations()); got != 9 {
		t.Fatalf("%d operations, want 9", got)
	}
	blob := s.Operation("putBlob")
	if blob == nil || !blob.AcceptsBody(MediaTar) || !blob.AcceptsBody(MediaOctetStream) || blob.AcceptsBody(MediaJSON) {
		t.Fatalf("putBlob body types = %v", blob)
	}
	if s.Operation("ping").BodyTypes != nil {
		t.Fatal("ping declares no body")
	}
}
