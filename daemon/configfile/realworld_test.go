package configfile

import (
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// Files as games ship them, with the keys popular eggs set (after the egg converter turned
// wings' "listeners[0].host" into "listeners.0.host").

const bungeeConfig = `# BungeeCord configuration
server_connect_timeout: 5000
listeners:
- query_port: 25577
  motd: '&1Another Bungee server'
  tab_list: GLOBAL_PING
  query_enabled: false
  host: 0.0.0.0:25577
  forced_hosts:
    pvp.md-5.net: pvp
  max_players: 1
ip_forward: false
servers:
  lobby:
    motd: '&1Just another BungeeCord - Forced Host'
    address: localhost:25565
    restricted: false
`

func TestRealBungeeCord(t *testing.T) {
	dir, r := folder(t, map[string]string{"config.yml": bungeeConfig})
	err := Apply(r, File{Path: "config.yml", Parser: YAML, Set: []Set{
		s("listeners.0.query_port", "25600"), s("listeners.0.host", "0.0.0.0:25600"),
		s("servers.*.address", "172.18.0.1:25565"), s("ip_forward", "true"),
	}}, none)
	if err != nil {
		t.Fatal(err)
	}
	out := readFile(t, filepath.Join(dir, "config.yml"))
	var v struct {
		Timeout   int `yaml:"server_connect_timeout"`
		Listeners []struct {
			QueryPort int    `yaml:"query_port"`
			Host      string `yaml:"host"`
			Motd      string `yaml:"motd"`
			Forced    map[string]string
		}
		IPForward bool `yaml:"ip_forward"`
		Servers   map[string]struct{ Address string }
	}
	if err := yaml.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	l := v.Listeners[0]
	if v.Timeout != 5000 || l.QueryPort != 25600 || l.Host != "0.0.0.0:25600" || l.Motd != "&1Another Bungee server" ||
		!v.IPForward || v.Servers["lobby"].Address != "172.18.0.1:25565" {
		t.Errorf("got %+v\n%s", v, out)
	}
	if !strings.HasPrefix(out, "# BungeeCord configuration\nserver_connect_timeout: 5000\nlisteners:\n") {
		t.Errorf("comment or order lost:\n%s", out)
	}
}

const minecraftProperties = `#Minecraft server properties
#Thu Dec 03 18:00:00 UTC 2026
enable-jmx-monitoring=false
rcon.port=25575
level-seed=
gamemode=survival
enable-command-block=false
motd=A Minecraft Server
query.port=25565
server-ip=
server-port=25565
`

func TestRealMinecraftProperties(t *testing.T) {
	dir, r := folder(t, map[string]string{"server.properties": minecraftProperties})
	err := Apply(r, File{Path: "server.properties", Parser: Properties, Set: []Set{
		s("server-ip", "0.0.0.0"), s("server-port", "25570"), s("query.port", "25570"), s("enable-query", "true"),
	}}, none)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.NewReplacer("server-ip=\n", "server-ip=0.0.0.0\n", "server-port=25565", "server-port=25570",
		"query.port=25565", "query.port=25570").Replace(minecraftProperties) + "enable-query=true\n"
	if got := readFile(t, filepath.Join(dir, "server.properties")); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

const factorioSettings = `{
  "name": "Name of the game as it will appear in the game listing",
  "description": "Description of the game that will appear in the listing",
  "tags": ["game", "tags"],
  "_comment_max_players": "Maximum number of players allowed, admins can join even a full server. 0 means unlimited.",
  "max_players": 0,
  "_comment_visibility": ["public: Game will be published on the official Factorio matching server",
                          "lan: Game will be broadcast on LAN"],
  "visibility":
  {
    "public": true,
    "lan": true
  },
  "autosave_interval": 10
}
`

func TestRealFactorioJSON(t *testing.T) {
	dir, r := folder(t, map[string]string{"data/server-settings.json": factorioSettings})
	err := Apply(r, File{Path: "data/server-settings.json", Parser: JSON, Set: []Set{
		s("name", "My Factorio"), s("max_players", "16"), s("visibility.public", "false"), s("autosave_interval", "5"),
	}}, none)
	if err != nil {
		t.Fatal(err)
	}
	out := readFile(t, filepath.Join(dir, "data/server-settings.json"))
	for _, want := range []string{
		"{\n  \"name\": \"My Factorio\",\n  \"description\":",
		"\"max_players\": 16,", "\"visibility\": {\n    \"public\": false,\n    \"lan\": true\n  },",
		"\"autosave_interval\": 5\n}\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

const terrariaConfig = `#this is the Terraria server config
#world=C:\Users\Defaults\My Documents\My Games\Terraria\Worlds\world1.wld
world=/old/world.wld
maxplayers=8
port=7777
`

func TestRealTerrariaFile(t *testing.T) {
	dir, r := folder(t, map[string]string{"serverconfig.txt": terrariaConfig})
	err := Apply(r, File{Path: "serverconfig.txt", Parser: Lines, Set: []Set{
		s("world=", "world=/home/container/saves/Worlds/w.wld"), s("port=", "port=7800"), s("worldpath=", "worldpath=/home/container/saves/Worlds"),
	}}, none)
	if err != nil {
		t.Fatal(err)
	}
	want := "#this is the Terraria server config\n#world=C:\\Users\\Defaults\\My Documents\\My Games\\Terraria\\Worlds\\world1.wld\n" +
		"world=/home/container/saves/Worlds/w.wld\nmaxplayers=8\nport=7800\nworldpath=/home/container/saves/Worlds\n"
	if got := readFile(t, filepath.Join(dir, "serverconfig.txt")); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
