package installtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
)

// serverJava is a stand-in Minecraft server: it reports its heap and arguments, says "Done",
// answers console lines and exits 0 on "stop".
const serverJava = `public class Main {
  public static void main(String[] args) throws Exception {
    long max = Runtime.getRuntime().maxMemory() / (1024 * 1024);
    System.out.println("Starting fixture server.jar (max heap " + max + " MiB, args " + String.join(" ", args) + ")");
    System.out.println("Done (0.001s)! For help, type \"help\"");
    java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
    for (String line; (line = in.readLine()) != null; ) {
      if (line.trim().equals("stop")) { System.out.println("Stopping the server"); System.exit(0); }
      System.out.println("Unknown command: " + line);
    }
  }
}
`

var (
	jarOnce sync.Once
	jarData []byte
	jarErr  error
)

// JavaJar compiles (once per test binary) a runnable jar standing in for a Minecraft server.
// It fails when no JDK (javac, jar) is installed: callers skip what needs it.
func JavaJar() ([]byte, error) {
	jarOnce.Do(func() { jarData, jarErr = buildJar() })
	return jarData, jarErr
}

func buildJar() ([]byte, error) {
	for _, tool := range []string{"javac", "jar", "java"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("no JDK: %w", err)
		}
	}
	dir, err := os.MkdirTemp("", "installtest-jar-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "Main.java"), []byte(serverJava), 0o644); err != nil {
		return nil, err
	}
	classes := filepath.Join(dir, "classes")
	jar := filepath.Join(dir, "server.jar")
	for _, args := range [][]string{
		{"javac", "--release", "17", "-d", classes, filepath.Join(dir, "Main.java")},
		{"jar", "--create", "--file", jar, "--main-class", "Main", "-C", classes, "."},
	} {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("%s: %w: %s", args[0], err, out)
		}
	}
	return os.ReadFile(jar)
}
