package server

import "testing"

func TestEncodeFileTail(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"/api/servers/ABC/file/config/server.properties", "/api/servers/ABC/file/config%2Fserver.properties", true},
		{"/api/servers/ABC/file/config%2Fserver.properties", "", false},
		{"/api/servers/ABC/file/", "", false},
		{"/api/servers/ABC/file", "", false},
		{"/api/servers/ABC/file//", "/api/servers/ABC/file/%2F", true},
		{"/api/servers/ABC/file/mods/a+b%25c.jar", "/api/servers/ABC/file/mods%2Fa+b%25c.jar", true},
		{"/api/servers/ABC/file/a.txt", "", false},
		{"/api/servers/ABC/file/a/../../b", "/api/servers/ABC/file/a%2F..%2F..%2Fb", true},
		{"/api/servers/ABC/console", "", false},
		{"/api/servers/", "", false},
		{"/api/users/1", "", false},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, ok := encodeFileTail(c.in)
			if ok != c.ok || got != c.want {
				t.Fatalf("encodeFileTail(%q) = %q,%v want %q,%v", c.in, got, ok, c.want, c.ok)
			}
		})
	}
}
