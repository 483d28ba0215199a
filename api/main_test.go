package api

import (
	"flag"
	"fmt"
	"os"
	"testing"
)

// TestMain skips the examples, which need a live panel, when SKYPANEL_URL is not set and no
// -run was given (e2e/gosdk's TestGoSDK runs this package's tests with a panel).
func TestMain(m *testing.M) {
	flag.Parse()
	if os.Getenv("SKYPANEL_URL") == "" && flag.Lookup("test.run").Value.String() == "" {
		fmt.Println("api: SKYPANEL_URL is not set: the examples (they need a live panel) are skipped; e2e/gosdk runs them")
		if err := flag.Set("test.run", "^Test"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	os.Exit(m.Run())
}
