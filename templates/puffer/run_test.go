package puffer_test

import (
	"bufio"
	"context"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/runtime"
)

// TestRunConverted starts converted servers with the standard environment's real runtime,
// after installing them: the program gets the arguments and environment variables the
// PufferPanel template gives it, and stops on the template's stop command or stop signal.
func TestRunConverted(t *testing.T) {
	env := newInstallEnv(t)
	cases := []struct {
		fixture string
		vars    map[string]any
		line    string // the console line the started program prints
		stop    func(ctx context.Context, con runtime.Console, id string) error
	}{
		{"terraria", nil, "Terraria Server v1.4.4.9 -config serverconfig.txt",
			func(_ context.Context, con runtime.Console, _ string) error {
				_, err := io.WriteString(con.Stdin(), "exit\n") // run.stop
				return err
			}},
		{"generic", map[string]any{"mode": "pvp", "exclusive": "-friends-only"},
			`game home=./game lib=./game/lib args=-config ./server.cfg -port 25565 -mode pvp -name "My "best" server" -token= -players 16 -difficulty 0 -friends-only`,
			func(ctx context.Context, _ runtime.Console, id string) error {
				return env.rt.Signal(ctx, id, syscall.SIGINT) // run.stopSignal
			}},
	}
	for _, c := range cases {
		t.Run(c.fixture, func(t *testing.T) {
			tpl, def, dir := env.install(t, c.fixture, c.vars)
			if c.fixture == "generic" && tpl.Run.StopSignal != "SIGINT" {
				t.Fatalf("stopSignal %q", tpl.Run.StopSignal)
			}
			cmd, err := def.Command()
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // guards a hang only
			defer cancel()
			id := "puf-run-" + c.fixture
			spec := runtime.Spec{ID: id, Command: cmd, Dir: dir, Env: map[string]string{daemon.VarServerPort: "25565"}}
			if err := env.rt.Create(ctx, spec); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = env.rt.Delete(context.Background(), id) })
			con, err := env.rt.Start(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			defer con.Close()
			exited, err := env.rt.Wait(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			lines := bufio.NewScanner(con.Output())
			for lines.Scan() && !strings.Contains(lines.Text(), c.line) {
				t.Logf("console: %s", lines.Text())
			}
			if !strings.Contains(lines.Text(), c.line) {
				t.Fatalf("the console never showed %q (command %q)", c.line, cmd)
			}
			if err := c.stop(ctx, con, id); err != nil {
				t.Fatal(err)
			}
			st, ok := <-exited
			if !ok || st.Code != 0 {
				t.Errorf("exit %+v (received %v), want code 0 after the stop", st, ok)
			}
		})
	}
}
