package configfile

import "testing"

func TestProperties(t *testing.T) {
	runEdits(t, Properties, []editCase{
		{name: "create", sets: []Set{s("server-port", "25565"), s("motd", "Hi")},
			want: "server-port=25565\nmotd=Hi\n"},
		{name: "comments and order kept, unknown appended",
			old:  "#Minecraft server properties\n#Thu Dec 03\nmotd=A Minecraft Server\n\n! bang comment\nserver-port=25565\nonline-mode=true\n",
			sets: []Set{s("server-port", "25570"), s("max-players", "8"), s("online-mode", "false")},
			want: "#Minecraft server properties\n#Thu Dec 03\nmotd=A Minecraft Server\n\n! bang comment\nserver-port=25570\nonline-mode=false\nmax-players=8\n"},
		{name: "separators and spacing kept",
			old:  "a = 1\nb:2\nc 3\n  d\t=\t4\ne\n",
			sets: []Set{s("a", "x"), s("b", "y"), s("c", "z"), s("d", "w"), s("e", "v")},
			want: "a = x\nb:y\nc z\n  d\t=\tw\ne=v\n"},
		{name: "a comment mentioning the key is not the key",
			old: "# server-port=1\nserver-port=2\n", sets: []Set{s("server-port", "3")},
			want: "# server-port=1\nserver-port=3\n"},
		{name: "continued value replaced whole",
			old:  "motd=first \\\n  second\nport=1\n",
			sets: []Set{s("motd", "one")},
			want: "motd=one\nport=1\n"},
		{name: "continuation lines are not keys",
			old:  "list=a,\\\nport=1\nport=2\n",
			sets: []Set{s("port", "9")},
			want: "list=a,\\\nport=1\nport=9\n"},
		{name: "escaped key matches", old: "we\\:ird=1\n", sets: []Set{s("we", "2")},
			want: "we\\:ird=1\nwe=2\n"},
		{name: "every duplicate set, last set wins",
			old: "k=1\nk=2\n", sets: []Set{s("k", "a"), s("k", "b")}, want: "k=b\nk=b\n"},
		{name: "escaping", old: "p=1\n", sets: []Set{s("p", ` C:\x`+"\n2")},
			want: "p=\\ C:\\\\x\\n2\n"},
		{name: "CRLF kept", old: "a=1\r\nb=2\r\n", sets: []Set{s("b", "3"), s("c", "4")},
			want: "a=1\r\nb=3\r\nc=4\r\n"},
		{name: "no final newline", old: "a=1", sets: []Set{s("a", "2")}, want: "a=2"},
		{name: "no final newline, appended", old: "a=1", sets: []Set{s("b", "2")}, want: "a=1\nb=2\n"},
		{name: "a file ending in a continued line", old: "k=a\\", sets: []Set{s("n", "1")}, want: "k=a\\\n\nn=1\n"},
		{name: "empty value", old: "level-seed=\n", sets: []Set{s("level-seed", "")}, want: "level-seed=\n"},
	})
}

func TestPropertiesKeys(t *testing.T) {
	for _, k := range []string{"a b", "a=b", "a:b", "#a", "!a", "a\\b", "a\nb"} {
		if propertiesKey(k) == "" {
			t.Errorf("key %q accepted", k)
		}
	}
	for _, k := range []string{"server-port", "rcon.port", "a#b", "ä"} {
		if r := propertiesKey(k); r != "" {
			t.Errorf("key %q refused: %s", k, r)
		}
	}
}
