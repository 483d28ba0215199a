/**
 * The SDK against a live panel: started by the Go test e2e/typescript_test.go, which passes its
 * URL (a proxy validating every response against openapi.yaml) and an admin client by env.
 * Without SKYPANEL_URL these tests skip (run them through `go test -run TestTypeScriptSDK ./e2e/`).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  ApiError, ClientCredentials, OAuth2Error, SocketClosedError, createClient, downloadFile, listFolder, openConsole,
  servers, unwrap, uploadFile, type ConsoleOptions, type ServerStatus, type SkyPanelClient, type components,
} from "@skypanel/sdk";
import WS from "ws";

const url = process.env.SKYPANEL_URL;
const clientId = process.env.SKYPANEL_CLIENT_ID ?? "";
const clientSecret = process.env.SKYPANEL_CLIENT_SECRET ?? "";
const run = process.env.SKYPANEL_RUN_ID ?? "local";
const skip = url ? false : "SKYPANEL_URL is not set: run through go test -run TestTypeScriptSDK ./e2e/";

/** Startup of the test servers (standard environment, a shell): echoes stdin, exits on "stop". */
const echoLoop = `while read l; do [ "$l" = stop ] && exit 0; echo "echo:$l"; done`;
/** Bounds every wait on the panel; reaching it fails the test (never a measurement). */
const waitBound = () => AbortSignal.timeout(60_000);

describe("live panel", { skip }, () => {
  let client: SkyPanelClient;
  let ownerId: number;
  const ids = [`tssdk-a-${run}`, `tssdk-b-${run}`, `tsother-${run}`];

  before(async () => {
    client = createClient({ baseUrl: url!, clientId, clientSecret });
    const self = unwrap(await client.GET("/api/self"));
    assert.ok(self.user, "the admin client acts for a user");
    ownerId = self.user.id;
  });

  after(async () => {
    for (const serverId of ids) {
      await client?.DELETE("/api/servers/{serverId}", { params: { path: { serverId } } });
    }
  });

  test("token: client credentials are fetched once, cached, and refreshed on demand", async () => {
    const tokens = new ClientCredentials({ baseUrl: url!, clientId, clientSecret });
    const c = createClient({ baseUrl: url!, tokens });
    const a = unwrap(await c.GET("/api/self"));
    const b = unwrap(await c.GET("/api/self"));
    assert.equal(a.clientId, clientId);
    assert.deepEqual(a, b);
    assert.equal(tokens.fetched, 1, "the second call reuses the cached token");
    const first = await tokens.token();
    const second = await tokens.refresh();
    assert.equal(tokens.fetched, 2);
    assert.notEqual(first, second, "a refresh issues a new token");
    assert.ok(a.scopes.includes("admin"), `scopes ${a.scopes.join(" ")}`);
  });

  test("token: a narrowed client's token carries its scopes, and a call beyond them is a typed 403", async () => {
    const made = unwrap(await client.POST("/api/self/oauth2", { body: { name: `ts sdk ${run}`, scopes: ["server.view", "server.files.view"] } }));
    try {
      const narrow = createClient({ baseUrl: url!, clientId: made.clientId, clientSecret: made.clientSecret });
      const self = unwrap(await narrow.GET("/api/self"));
      assert.deepEqual([...self.scopes].sort(), ["server.files.view", "server.view"]);
      const only = createClient({ baseUrl: url!, clientId: made.clientId, clientSecret: made.clientSecret, scope: "server.view" });
      assert.deepEqual(unwrap(await only.GET("/api/self")).scopes, ["server.view"]);
      const err = await narrow.GET("/api/users").then((r) => unwrap(r)).catch((e: unknown) => e);
      assert.ok(err instanceof ApiError, String(err));
      assert.equal(err.status, 403);
      assert.equal(err.code, "ErrPermissionDenied");
      assert.deepEqual(err.metadata.scopes, ["users.info.search"]);
    } finally {
      await client.DELETE("/api/self/oauth2/{clientId}", { params: { path: { clientId: made.clientId } } });
    }
  });

  test("token: a wrong secret is an OAuth2Error invalid_client", async () => {
    const tokens = new ClientCredentials({ baseUrl: url!, clientId, clientSecret: clientSecret + "x" });
    const err = await tokens.token().catch((e: unknown) => e);
    assert.ok(err instanceof OAuth2Error, String(err));
    assert.equal(err.status, 401);
    assert.equal(err.error, "invalid_client");
  });

  test("typed error on 404: ApiError with the envelope's code and metadata", async () => {
    const missing = `NOPE${run}`;
    const r = await client.GET("/api/servers/{serverId}", { params: { path: { serverId: missing } } });
    assert.equal(r.response.status, 404);
    const err = (() => { try { unwrap(r); } catch (e) { return e; } })();
    assert.ok(err instanceof ApiError, String(err));
    assert.equal(err.status, 404);
    assert.equal(err.code, "ErrServerNotFound");
    assert.equal(err.metadata.id, missing);
    assert.ok(err.msg.length > 0);
  });

  test("typed error on 400: an out-of-range limit names the field", async () => {
    const err = await (async () => { for await (const _ of servers(client, { limit: 1000 })) { /* never reached */ } })().catch((e: unknown) => e);
    assert.ok(err instanceof ApiError, String(err));
    assert.equal(err.status, 400);
    assert.equal(err.code, "ErrFieldInvalid");
    assert.match(JSON.stringify(err.metadata), /limit/);
  });

  test("create, list with a wildcard, start, console, files", async (t) => {
    const body = (name: string): components["schemas"]["ServerCreate"] => ({
      name, ownerId, environmentType: "standard", startup: echoLoop, limits: { memory: 64 },
    });
    for (const [i, serverId] of ids.entries()) {
      const name = [`tssdk ${run} alpha`, `tssdk ${run} beta`, `tssdk_${run}`][i]!;
      const r = await client.PUT("/api/servers/{serverId}", { params: { path: { serverId } }, body: body(name) });
      const s = unwrap(r);
      assert.equal(r.response.status, 201);
      assert.equal(s.id, serverId);
    }
    const [a, b] = ids as [string, string, string];

    await t.test("list with a wildcard, one server per page", async () => {
      const got: string[] = [];
      for await (const s of servers(client, { name: `tssdk ${run} *`, limit: 1 })) {
        got.push(s.id);
      }
      assert.deepEqual(got, [a, b].sort());
      const literal: string[] = []; // `_` is literal: matches only the third server
      for await (const s of servers(client, { name: `tssdk_${run}*` })) {
        literal.push(s.id);
      }
      assert.deepEqual(literal, [ids[2]]);
    });

    await t.test("start, then the console over the socket (WebSocket global and ws package)", async () => {
      const r = await client.POST("/api/servers/{serverId}/start", { params: { path: { serverId: a } } });
      unwrap(r);
      assert.equal(r.response.status, 204);
      // The default is the WebSocket global when there is one (the Go test enables it on Node 20).
      const impls: [string, ConsoleOptions["WebSocket"]][] = [["ws package", WS as unknown as ConsoleOptions["WebSocket"]]];
      if (typeof globalThis.WebSocket === "function") {
        impls.unshift(["WebSocket global", undefined]);
      } else {
        assert.ok(!process.env.SKYPANEL_EXPECT_WEBSOCKET_GLOBAL, "the Go test enabled the WebSocket global, yet it is missing");
      }
      for (const [impl, WebSocket] of impls) {
        const sock = await openConsole(client, a, { WebSocket });
        try {
          const status = await sock.waitFor((m) => m.type === "status" && (m.data as ServerStatus).state === "running", waitBound());
          assert.equal((status.data as ServerStatus).running, true, impl);
          sock.send(`hello from ${impl} ${run}`);
          assert.equal(await sock.waitForLine(`echo:hello from ${impl} ${run}`, waitBound()), `echo:hello from ${impl} ${run}`);
        } finally {
          sock.close();
        }
        const closed = await sock.closed;
        assert.ok(closed instanceof SocketClosedError);
        assert.equal(closed.code, 1000, impl);
      }
    });

    await t.test("a socket on a server that does not exist closes with 4003", async () => {
      const sock = await openConsole(client, `NOPE${run}`);
      const closed = await sock.closed;
      assert.equal(closed.code, 4003);
      await assert.rejects(sock.waitFor(() => true), (e: unknown) => e instanceof SocketClosedError && e.code === 4003);
    });

    await t.test("files: upload, download, list", async () => {
      const data = new TextEncoder().encode(`ñandú ${run}\n` + "x".repeat(70_000));
      await uploadFile(client, b, "sdk/sub/hello+1.txt", data);
      const back = await downloadFile(client, b, "sdk/sub/hello+1.txt");
      assert.deepEqual(back, data);
      const dir = await listFolder(client, b, "sdk/sub");
      assert.deepEqual(dir.files.map((f) => [f.name, f.size, f.isFile]), [["hello+1.txt", data.length, true]]);
      const err = await downloadFile(client, b, "sdk/missing.txt").catch((e: unknown) => e);
      assert.ok(err instanceof ApiError, String(err));
      assert.equal(err.status, 404);
      assert.equal(err.code, "ErrFileNotFound");
    });
  });
});

/** A second panel limited to a few requests per hour per client (SKYPANEL_LIMITED_*). */
const limitedUrl = process.env.SKYPANEL_LIMITED_URL;
const limitedSkip = limitedUrl ? false : "SKYPANEL_LIMITED_URL is not set: run through go test -run TestTypeScriptSDK ./e2e/";

describe("rate-limited panel", { skip: limitedSkip }, () => {
  const id = process.env.SKYPANEL_LIMITED_CLIENT_ID ?? "";
  const secret = process.env.SKYPANEL_LIMITED_CLIENT_SECRET ?? "";

  test("a 429 is honoured: Retry-After is waited when allowed, else the typed error comes back at once", async () => {
    const delays: number[] = [];
    const sent: string[] = [];
    const counting: typeof fetch = (input, init) => {
      const req = new Request(input, init);
      sent.push(new URL(req.url).pathname);
      return fetch(req);
    };
    const patient = createClient({ baseUrl: limitedUrl!, clientId: id, clientSecret: secret, fetch: counting,
      retry: { retries: 2, maxRetryAfterMs: Infinity, sleep: async (ms) => { delays.push(ms); } } });
    let err: unknown;
    for (let i = 0; i < 20 && err === undefined; i++) { // the limit is a handful of requests per hour
      err = await patient.GET("/api/self").then(unwrap).then(() => undefined, (e: unknown) => e);
    }
    assert.ok(err instanceof ApiError, String(err));
    assert.equal(err.status, 429);
    assert.equal(err.code, "ErrRateLimited");
    assert.ok(err.retryAfter !== undefined && err.retryAfter >= 1 && err.retryAfter <= 3600, `retryAfter ${err.retryAfter}`);
    assert.equal(delays.length, 2, "two retries, each after the panel's Retry-After");
    for (const d of delays) {
      assert.ok(d >= 1000 && d <= 3600_000, `waited ${d} ms`);
    }
    assert.deepEqual(sent.slice(-3), ["/api/self", "/api/self", "/api/self"], "the limited call was sent three times");

    const impatient = createClient({ baseUrl: limitedUrl!, clientId: id, clientSecret: secret, fetch: counting,
      retry: { sleep: async (ms) => { delays.push(ms); } } });
    const before = sent.length;
    const again = await impatient.GET("/api/self").then(unwrap).catch((e: unknown) => e);
    assert.ok(again instanceof ApiError && again.status === 429, String(again));
    assert.equal(delays.length, 2, "an hour's Retry-After is not waited for by default");
    assert.deepEqual(sent.slice(before), ["/oauth2/token", "/api/self"]);
  });
});
