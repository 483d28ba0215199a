package api_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/skypanel/skypanel/api"
)

// The examples run against a live panel: SKYPANEL_URL and an administrator's OAuth2 client in
// SKYPANEL_CLIENT_ID / SKYPANEL_CLIENT_SECRET (e2e/gosdk's TestGoSDK starts one and runs them).

// connect is how the examples get their client.
func connect() *api.Panel {
	p, err := api.New(os.Getenv("SKYPANEL_URL"), os.Getenv("SKYPANEL_CLIENT_ID"), os.Getenv("SKYPANEL_CLIENT_SECRET"))
	if err != nil {
		log.Fatal(err)
	}
	return p
}

// unique makes names that do not collide with an earlier run on the same panel.
func unique() string { return fmt.Sprintf("x%d", time.Now().UnixNano()%1_000_000_000) }

func ExampleNew() {
	p, err := api.New(os.Getenv("SKYPANEL_URL"), os.Getenv("SKYPANEL_CLIENT_ID"), os.Getenv("SKYPANEL_CLIENT_SECRET"))
	if err != nil {
		log.Fatal(err)
	}
	// The first call fetches a token (client credentials); later calls reuse it and a new one is
	// fetched a minute before it expires.
	self, err := api.Check(p.GetSelfWithResponse(context.Background()))
	if err != nil {
		log.Fatal(err)
	}
	tok, err := p.Token()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("token type:", tok.Type())
	fmt.Println("admin:", self.JSON200.User.Admin)
	// Output:
	// token type: Bearer
	// admin: true
}

func ExamplePanel_Users() {
	ctx := context.Background()
	p := connect()
	prefix := unique() + "-"
	for i := 1; i <= 5; i++ {
		name := fmt.Sprintf("%suser%d", prefix, i)
		body := api.UserCreate{Username: name, Email: openapi_types.Email(name + "@example.com"), Password: api.Ptr("correct-horse-7battery")}
		u, err := api.Check(p.CreateUserWithResponse(ctx, body))
		if err != nil {
			log.Fatal(err)
		}
		defer p.DeleteUserWithResponse(ctx, u.JSON201.Id) //nolint:errcheck // best-effort cleanup
	}
	// Pages of 2: the iterator fetches pages 1, 2 and 3 as the loop goes.
	filter := &api.ListUsersParams{Username: api.Ptr(prefix + "*"), Limit: api.Ptr(2)}
	for u, err := range p.Users(ctx, filter) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(strings.TrimPrefix(u.Username, prefix))
	}
	// Output:
	// user1
	// user2
	// user3
	// user4
	// user5
}

func ExamplePanel_Servers() {
	ctx := context.Background()
	p := connect()
	self, err := api.Check(p.GetSelfWithResponse(ctx))
	if err != nil {
		log.Fatal(err)
	}
	prefix := unique() + "-"
	for _, name := range []string{"lobby", "survival", "creative"} {
		r, err := api.Check(p.CreateServerWithGeneratedIdWithResponse(ctx, api.ServerCreate{
			Name: prefix + name, OwnerId: self.JSON200.User.Id,
			EnvironmentType: api.Ptr(api.EnvironmentTypeStandard), Startup: api.Ptr("echo hi"),
		}))
		if err != nil {
			log.Fatal(err)
		}
		defer p.DeleteServerWithResponse(ctx, r.JSON201.Id, nil) //nolint:errcheck // best-effort cleanup
	}
	// Every server whose name starts with prefix, two per page, in id order.
	names := map[string]bool{}
	for s, err := range p.Servers(ctx, &api.ListServersParams{Name: api.Ptr(prefix + "*"), Limit: api.Ptr(2)}) {
		if err != nil {
			log.Fatal(err)
		}
		names[strings.TrimPrefix(s.Name, prefix)] = true
	}
	fmt.Println(len(names), names["lobby"], names["survival"], names["creative"])
	// Output:
	// 3 true true true
}

func ExampleCheck() {
	p := connect()
	_, err := api.Check(p.GetServerWithResponse(context.Background(), "NOPE1234", nil))
	var e *api.APIError
	if errors.As(err, &e) {
		fmt.Println(e.Status, e.Code, e.Metadata["id"])
	}
	fmt.Println("not found:", errors.Is(err, api.ErrNotFound))
	// Output:
	// 404 ErrServerNotFound NOPE1234
	// not found: true
}

// ExamplePanel_Console creates a standard (host process) server, starts it, sends a command on
// its console socket and reads the echo.
func ExamplePanel_Console() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p := connect()
	self, err := api.Check(p.GetSelfWithResponse(ctx))
	if err != nil {
		log.Fatal(err)
	}
	created, err := api.Check(p.CreateServerWithGeneratedIdWithResponse(ctx, api.ServerCreate{
		Name: "console example", OwnerId: self.JSON200.User.Id,
		EnvironmentType: api.Ptr(api.EnvironmentTypeStandard),
		Startup:         api.Ptr(`echo hi; while read -r l; do echo "echo:$l"; done`),
	}))
	if err != nil {
		log.Fatal(err)
	}
	id := created.JSON201.Id
	defer p.DeleteServerWithResponse(context.Background(), id, nil) //nolint:errcheck // best-effort cleanup

	console, err := p.Console(ctx, id)
	if err != nil {
		log.Fatal(err)
	}
	defer console.Close()
	if _, err := api.Check(p.StartServerWithResponse(ctx, id)); err != nil {
		log.Fatal(err)
	}
	for m, err := range console.Messages(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		switch {
		case m.Type == api.WsServerMessageTypeStatus && m.Status.State == api.ServerStateRunning:
			fmt.Println("running")
			if err := console.Send(ctx, "hello"); err != nil {
				log.Fatal(err)
			}
		case m.Type == api.WsServerMessageTypeConsole && strings.Contains(m.Line, "echo:hello"):
			fmt.Println("echo:hello")
			return
		case m.Type == api.WsServerMessageTypeError:
			log.Fatal(m.Error.Code, m.Error.Msg)
		}
	}
	// Output:
	// running
	// echo:hello
}

// count429 counts the 429 answers below the client's retries.
type count429 struct{ n atomic.Int32 }

func (c *count429) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		c.n.Add(1)
	}
	return resp, err
}

// ExampleWithRetryPolicy: rate-limited calls (429) are retried after the Retry-After the panel
// sends. SKYPANEL_LIMITED_URL is a panel allowing this client a few calls per short window.
func ExampleWithRetryPolicy() {
	seen := &count429{}
	p, err := api.New(os.Getenv("SKYPANEL_LIMITED_URL"),
		os.Getenv("SKYPANEL_LIMITED_CLIENT_ID"), os.Getenv("SKYPANEL_LIMITED_CLIENT_SECRET"),
		api.WithTransport(seen),
		api.WithRetryPolicy(api.RetryPolicy{MaxAttempts: 5, MaxTotal: time.Minute,
			MinBackoff: 250 * time.Millisecond, MaxBackoff: 5 * time.Second}))
	if err != nil {
		log.Fatal(err)
	}
	for range 8 {
		if _, err := api.Check(p.GetSelfWithResponse(context.Background())); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("8 calls answered; some were rate limited and retried:", seen.n.Load() > 0)
	// Output:
	// 8 calls answered; some were rate limited and retried: true
}
