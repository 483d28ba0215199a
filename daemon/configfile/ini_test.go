package configfile

import "testing"

func TestINI(t *testing.T) {
	runEdits(t, INI, []editCase{
		{name: "create", sets: []Set{s("top", "1"), s("Server.Port", "7777"), s("Server.Name", "x")},
			want: "top=1\n\n[Server]\nPort=7777\nName=x\n"},
		{name: "comments, order and spacing kept",
			old:  "; game config\n[Server]\n# the port\nPort = 1\nName=old ; not a comment to us\n\n[Other]\nPort=2\n",
			sets: []Set{s("Server.Port", "7777"), s("Server.Name", "new")},
			want: "; game config\n[Server]\n# the port\nPort = 7777\nName=new\n\n[Other]\nPort=2\n"},
		{name: "missing key after the section's last key",
			old:  "[A]\nx=1\n\n; about B\n[B]\ny=2\n",
			sets: []Set{s("A.z", "3"), s("B.w", "4")},
			want: "[A]\nx=1\nz=3\n\n; about B\n[B]\ny=2\nw=4\n"},
		{name: "missing key in an empty section", old: "[A]\n[B]\n", sets: []Set{s("A.k", "v")},
			want: "[A]\nk=v\n[B]\n"},
		{name: "missing section appended", old: "[A]\nx=1\n", sets: []Set{s("B.y", "2")},
			want: "[A]\nx=1\n\n[B]\ny=2\n"},
		{name: "top level before the first section",
			old:  "; header\nname=a\n[S]\nname=b\n",
			sets: []Set{s("name", "c"), s("extra", "d")},
			want: "; header\nname=c\nextra=d\n[S]\nname=b\n"},
		{name: "top level key in a file without one goes first",
			old: "[S]\nk=1\n", sets: []Set{s("g", "2")}, want: "g=2\n[S]\nk=1\n"},
		{name: "bracketed section with dots",
			old:  "[/Script/Engine.GameSession]\nMaxPlayers=10\n",
			sets: []Set{s("[/Script/Engine.GameSession].MaxPlayers", "32")},
			want: "[/Script/Engine.GameSession]\nMaxPlayers=32\n"},
		{name: "a dotted key is split at the first dot", old: "[a]\nb.c=1\n", sets: []Set{s("a.b.c", "2")},
			want: "[a]\nb.c=2\n"},
		{name: "section header spacing", old: "[ S ]\nk=1\n", sets: []Set{s("S.k", "2")}, want: "[ S ]\nk=2\n"},
		{name: "CRLF", old: "[S]\r\nk=1\r\n", sets: []Set{s("S.j", "2")}, want: "[S]\r\nk=1\r\nj=2\r\n"},
		{name: "line break in the value refused", old: "[S]\n", sets: []Set{s("S.k", "a\nb")}, err: ErrInvalid},
	})
}

func TestINIKeys(t *testing.T) {
	for _, k := range []string{".k", "s.", "[s.k", "[s]k", "[].k", "s.k=v", "s. k", "s.k\n"} {
		if iniKey(k) == "" {
			t.Errorf("key %q accepted", k)
		}
	}
	for _, k := range []string{"k", "s.k", "[a.b].k", "s.k.l"} {
		if r := iniKey(k); r != "" {
			t.Errorf("key %q refused: %s", k, r)
		}
	}
}
