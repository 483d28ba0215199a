package configfile

import (
	"encoding/xml"
	"strings"
	"testing"
)

// sdtd is the shape of 7 Days to Die's serverconfig.xml.
const sdtd = "<ServerSettings>\n\t<property name=\"ServerPort\" value=\"26900\"/>\n\t<property name=\"ServerName\" value=\"x\"/>\n</ServerSettings>\n"

func TestXML(t *testing.T) {
	const doc = `<?xml version="1.0" encoding="UTF-8"?>
<!-- server settings -->
<ServerSettings>
  <property name="ServerName" value="My Game Host"/>
  <net:port xmlns:net="urn:x">26900</net:port>
  <Game mode = 'survival' >
    <!-- players -->
    <MaxPlayers>8</MaxPlayers>
  </Game>
  <![CDATA[ raw <text> ]]>
</ServerSettings>
`
	runEdits(t, XML, []editCase{
		{name: "create", sets: []Set{s("config.server.port", "25565"), s("config.server.@host", "0.0.0.0")},
			want: xmlHeader + "<config><server host=\"0.0.0.0\"><port>25565</port></server></config>\n"},
		{name: "text and attribute, the rest byte for byte", old: doc,
			sets: []Set{s("ServerSettings.Game.MaxPlayers", "16"), s("ServerSettings.Game.@mode", "creative"),
				s("ServerSettings.net:port", "27000"), s("ServerSettings.property.@value", "A & B <c>")},
			want: `<?xml version="1.0" encoding="UTF-8"?>
<!-- server settings -->
<ServerSettings>
  <property name="ServerName" value="A &amp; B &lt;c&gt;"/>
  <net:port xmlns:net="urn:x">27000</net:port>
  <Game mode = 'creative' >
    <!-- players -->
    <MaxPlayers>16</MaxPlayers>
  </Game>
  <![CDATA[ raw <text> ]]>
</ServerSettings>
`},
		{name: "missing elements created indented under the deepest existing one", old: doc,
			sets: []Set{s("ServerSettings.Game.Difficulty", "2"), s("ServerSettings.Admin.@name", "me")},
			want: `<?xml version="1.0" encoding="UTF-8"?>
<!-- server settings -->
<ServerSettings>
  <property name="ServerName" value="My Game Host"/>
  <net:port xmlns:net="urn:x">26900</net:port>
  <Game mode = 'survival' >
    <!-- players -->
    <MaxPlayers>8</MaxPlayers>
    <Difficulty>2</Difficulty>
  </Game>
  <![CDATA[ raw <text> ]]>
  <Admin name="me"/>
</ServerSettings>
`},
		{name: "new attribute", old: "<a><b x=\"1\"/></a>", sets: []Set{s("a.b.@y", "2")}, want: "<a><b x=\"1\" y=\"2\"/></a>"},
		{name: "self-closing gets text", old: "<a>\n\t<b x=\"1\" />\n</a>", sets: []Set{s("a.b", "v")},
			want: "<a>\n\t<b x=\"1\">v</b>\n</a>"},
		{name: "self-closing parent gets a child", old: "<a/>", sets: []Set{s("a.b", "1")}, want: "<a><b>1</b></a>"},
		{name: "tab indentation", old: "<a>\n\t<b>1</b>\n</a>\n", sets: []Set{s("a.c", "2")},
			want: "<a>\n\t<b>1</b>\n\t<c>2</c>\n</a>\n"},
		{name: "every match set", old: "<a><b>1</b><b>2</b><c/></a>", sets: []Set{s("a.b", "3")},
			want: "<a><b>3</b><b>3</b><c/></a>"},
		{name: "text replaces children", old: "<a><b><c/></b></a>", sets: []Set{s("a.b", "x")}, want: "<a><b>x</b></a>"},
		{name: "attribute value with quotes", old: "<a v='1'/>", sets: []Set{s("a.@v", `say "hi"`)},
			want: "<a v='say &#34;hi&#34;'/>"},
		{name: "attribute of the root", old: "<a/>", sets: []Set{s("a.@v", "1")}, want: "<a v=\"1\"/>"},
		{name: "predicate: 7 Days to Die", old: sdtd,
			sets: []Set{s("ServerSettings.property[@name='ServerPort'].@value", "26950"),
				s(`ServerSettings.property[@name="Region"].@value`, "Europe"),
				s("ServerSettings.property[@name='a.b'].@value", "dots")},
			want: "<ServerSettings>\n\t<property name=\"ServerPort\" value=\"26950\"/>\n\t<property name=\"ServerName\" value=\"x\"/>\n" +
				"\t<property name=\"Region\" value=\"Europe\"/>\n\t<property name=\"a.b\" value=\"dots\"/>\n</ServerSettings>\n"},
		{name: "predicate on an inner step", old: "<a><s id=\"1\"><p>1</p></s><s id=\"2\"><p>2</p></s></a>",
			sets: []Set{s("a.s[@id='2'].p", "x"), s("a.s[@id='3'].p", "y")},
			want: "<a><s id=\"1\"><p>1</p></s><s id=\"2\"><p>x</p></s><s id=\"3\"><p>y</p></s></a>"},
		{name: "predicate value escaped", old: "<a/>", sets: []Set{s(`a.p[@n='x<&"y'].@v`, "1")},
			want: "<a><p n=\"x&lt;&amp;&#34;y\" v=\"1\"/></a>"},
		{name: "CRLF offsets", old: "<a>\r\n  <b\r\n x='1'>1</b>\r\n</a>\r\n", sets: []Set{s("a.b", "2"), s("a.b.@x", "3"), s("a.c", "4")},
			want: "<a>\r\n  <b\r\n x='3'>2</b>\r\n  <c>4</c>\r\n</a>\r\n"},
		{name: "wildcard", old: "<a><x><p>1</p></x><y><p>2</p></y><z/></a>", sets: []Set{s("a.*.p", "3"), s("*.y.@on", "1")},
			want: "<a><x><p>3</p></x><y on=\"1\"><p>3</p></y><z/></a>"},
		{name: "wildcard with a predicate", old: sdtd, sets: []Set{s("ServerSettings.*[@name='ServerName'].@value", "n")},
			want: strings.Replace(sdtd, `value="x"`, `value="n"`, 1)},
		{name: "wildcard creates nothing", old: "<a><x/></a>", sets: []Set{s("a.*.q", "1"), s("a.*.q.@r", "1")}, want: "<a><x/></a>"},
		{name: "other root", old: "<a/>", sets: []Set{s("b.c", "1")}, err: ErrKey},
		{name: "malformed: mismatched", old: "<a><b></a></b>", sets: []Set{s("a.b", "1")}, err: ErrMalformed},
		{name: "malformed: unclosed", old: "<a><b>", sets: []Set{s("a.b", "1")}, err: ErrMalformed},
		{name: "malformed: two roots", old: "<a/><b/>", sets: []Set{s("a.b", "1")}, err: ErrMalformed},
		{name: "malformed: text outside", old: "<a/>junk", sets: []Set{s("a.b", "1")}, err: ErrMalformed},
		{name: "malformed: bad entity", old: "<a>&nope;</a>", sets: []Set{s("a", "1")}, err: ErrMalformed},
	})
}

// TestXMLReadBack: what the parser writes is read back with the values set.
func TestXMLReadBack(t *testing.T) {
	out, err := editXML([]byte("<cfg>\n  <port>1</port>\n</cfg>\n"),
		[]Set{s("cfg.port", "2"), s("cfg.name", "a<b & \"c\"\nd"), s("cfg.srv.@ip", "x'y\"z")})
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Port int    `xml:"port"`
		Name string `xml:"name"`
		Srv  struct {
			IP string `xml:"ip,attr"`
		} `xml:"srv"`
	}
	if err := xml.Unmarshal(out, &v); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if v.Port != 2 || v.Name != "a<b & \"c\"\nd" || v.Srv.IP != "x'y\"z" {
		t.Errorf("got %+v from\n%s", v, out)
	}
}

func TestXMLKeys(t *testing.T) {
	for _, k := range []string{"@a", "a.@b.c", "a.b c", "a.1b", "a.<b>", "a.@", "a.b[@n='x'", "a.b[n='x']",
		"a.b[@n=x]", "a.b[@n='x\"]", "a.b[@n='x'']", "a.b[2]", "a.b[@n='x'][@m='y']", "a.b[@n='x']c", "a.@b[@n='x']", "a.@*", "a.b*",
		"a.b[@n='x'].@n"} {
		if xmlKey(k) == "" {
			t.Errorf("key %q accepted", k)
		}
	}
	for _, k := range []string{"a", "a.b", "a.@b", "ns:a.b-c_d", "配置.端口", "a.b[@n='x.y'].@v", `a.b[@n="it's"]`, "*.b", "a.*[@n='x'].@v"} {
		if r := xmlKey(k); r != "" {
			t.Errorf("key %q refused: %s", k, r)
		}
	}
}
