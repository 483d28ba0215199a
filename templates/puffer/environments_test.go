package puffer

import (
	"reflect"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/templates"
)

func convertChanged(t *testing.T, change func(d doc)) (templates.Template, Meta) {
	t.Helper()
	tpl, meta, err := Convert(mutate(t, "paper", change))
	if err != nil {
		t.Fatalf("Convert: %v", err)
	}
	return tpl, meta
}

func hasNote(m Meta, parts ...string) bool {
	for _, n := range m.Notes {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(n, p)
		}
		if all {
			return true
		}
	}
	return false
}

// TestEnvironmentLeftOut: an operation only the host environment runs and templates cannot
// express leaves the host environment out (noted); docker keeps its image.
func TestEnvironmentLeftOut(t *testing.T) {
	tpl, meta := convertChanged(t, func(d doc) {
		d["install"] = append([]any{doc{"if": "env == 'host'", "type": "javadl", "version": "21"}}, d["install"].([]any)...)
	})
	if !reflect.DeepEqual(tpl.Environments, []string{templates.EnvDocker}) || tpl.Image != "eclipse-temurin:21-jre" {
		t.Errorf("environments %q image %q, want docker only with its image", tpl.Environments, tpl.Image)
	}
	if !hasNote(meta, "standard environment is left out", "install[0].type", "javadl") {
		t.Errorf("no note names the left-out environment: %q", meta.Notes)
	}
	if hasNote(meta, "requirements.binaries") {
		t.Errorf("a note about the left-out standard environment remains: %q", meta.Notes)
	}
	if len(tpl.Install) != 3 || tpl.Install[0].Type != templates.StepDownload || tpl.Install[0].Target != "paper.jar" {
		t.Errorf("install = %+v, want the three docker steps", tpl.Install)
	}
}

// TestEnvironmentCommandsDiffer: run commands chosen by env that differ keep the default
// environment only; the image goes with docker.
func TestEnvironmentCommandsDiffer(t *testing.T) {
	tpl, meta := convertChanged(t, func(d doc) {
		run(d)["command"] = []any{
			doc{"if": "env == 'host'", "command": "java21 -jar paper.jar"},
			doc{"command": "java -jar paper.jar"},
		}
	})
	if !reflect.DeepEqual(tpl.Environments, []string{templates.EnvStandard}) || tpl.Image != "" {
		t.Errorf("environments %q image %q, want standard only, no image", tpl.Environments, tpl.Image)
	}
	if tpl.Run.Command != "exec java21 -jar paper.jar" {
		t.Errorf("run.command = %q", tpl.Run.Command)
	}
	if !hasNote(meta, "docker environment is left out", "differ") {
		t.Errorf("notes %q", meta.Notes)
	}
}

// TestEnvironmentDockerCommand: a docker-only command naming PufferPanel's container folder
// runs with the server folder mounted there.
func TestEnvironmentDockerCommand(t *testing.T) {
	tpl, _ := convertChanged(t, func(d doc) {
		d["install"] = []any{
			doc{"if": "env == 'host'", "type": "steamgamedl", "appId": "4020"},
			doc{"if": "env == 'docker'", "type": "command", "commands": []any{
				"steamcmd +force_install_dir /pufferpanel +login anonymous +app_update 4020 +quit"}},
		}
	})
	want := []templates.Step{{Type: templates.StepCommand, Mount: "/pufferpanel",
		Commands: []string{"steamcmd +force_install_dir /pufferpanel +login anonymous +app_update 4020 +quit"}}}
	if !reflect.DeepEqual(tpl.Install, want) || !reflect.DeepEqual(tpl.Environments, []string{templates.EnvDocker}) {
		t.Errorf("install %+v environments %q", tpl.Install, tpl.Environments)
	}
}

// TestEnvironmentNoneConverts: when no environment converts, the default environment's
// error is returned.
func TestEnvironmentNoneConverts(t *testing.T) {
	_, _, err := Convert(mutate(t, "paper", func(d doc) {
		d["install"] = []any{
			doc{"if": "env == 'host'", "type": "javadl"},
			doc{"if": "env == 'docker'", "type": "dockerpull"},
		}
	}))
	assertField(t, err, "install[0].type", ErrUnsupported)
}

// TestStopCode: stopCode wins over stop (as in PufferPanel) and becomes the stop signal.
func TestStopCode(t *testing.T) {
	for code, sig := range stopSignals {
		tpl, meta := convertChanged(t, func(d doc) { run(d)["stopCode"] = code })
		if tpl.Run.StopSignal != sig || tpl.Run.Stop != "" {
			t.Errorf("stopCode %d: stopSignal %q stop %q", code, tpl.Run.StopSignal, tpl.Run.Stop)
		}
		if !hasNote(meta, "run.stop", `"stop" is not used`) {
			t.Errorf("stopCode %d: notes %q", code, meta.Notes)
		}
	}
}

// TestTTYAndUninstall: PufferPanel 2's tty environment runs as standard, and uninstall
// operations are left out; both are noted.
func TestTTYAndUninstall(t *testing.T) {
	tpl, meta, err := Convert(mutate(t, "vanilla", func(d doc) {
		d["environment"] = doc{"type": "tty"}
		d["uninstall"] = []any{doc{"type": "command", "commands": []any{"rm -rf world"}}}
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tpl.Environments, []string{templates.EnvStandard}) || tpl.Image != "" {
		t.Errorf("environments %q image %q", tpl.Environments, tpl.Image)
	}
	if !hasNote(meta, "environment: tty", "without a terminal") || !hasNote(meta, "uninstall: 1 operations") {
		t.Errorf("notes %q", meta.Notes)
	}
}

// TestPortFromBindings: the variable the docker environment publishes becomes {{SERVER_PORT}}
// whatever its name, and a variable called port then stays a variable.
func TestPortFromBindings(t *testing.T) {
	tpl, meta := convertChanged(t, func(d doc) {
		d["data"].(doc)["gameport"] = doc{"type": "integer", "value": 25570}
		docker(d)["portBindings"] = []any{"0.0.0.0:${gameport}:${gameport}/udp", "0.0.0.0:${port}:${port}/tcp"}
		run(d)["command"] = "java -jar paper.jar --port ${gameport} --query ${port}"
	})
	if tpl.Run.Command != "exec java -jar paper.jar --port {{SERVER_PORT}} --query {{port}}" {
		t.Errorf("run.command = %q", tpl.Run.Command)
	}
	if _, ok := tpl.Variables["port"]; !ok {
		t.Error("the variable port is gone")
	}
	if !hasNote(meta, "data.gameport", "SERVER_PORT") || !hasNote(meta, "data.port", "publishes it too") {
		t.Errorf("notes %q", meta.Notes)
	}
}
