/**
 * Unit tests of the console socket helper against a loopback WebSocket server of the test's own
 * (the `ws` package's server), scripting what the panel would send: re-authentication on
 * `token_expiring`, close codes, a reader that falls behind.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import WS, { WebSocketServer, type WebSocket as PeerSocket } from "ws";
import { SocketClosedError, createClient, openConsole, socketURL, type ConsoleOptions, type TokenSource } from "@skypanel/sdk";

let wss: WebSocketServer;
let baseUrl: string;
let onPeer: (peer: PeerSocket, path: string) => void = () => undefined;

before(async () => {
  wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  wss.on("connection", (peer, req) => onPeer(peer, req.url ?? ""));
  await new Promise((resolve) => wss.once("listening", resolve));
  baseUrl = `http://127.0.0.1:${(wss.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => { for (const c of wss.clients) c.terminate(); wss.close(() => resolve()); }));

/** Tokens t1, t2, … : each refresh issues the next. */
function counter(): TokenSource & { n: number } {
  const src = { n: 1, token: async () => `t${src.n}`, refresh: async () => `t${++src.n}` };
  return src;
}
const wsImpl = WS as unknown as ConsoleOptions["WebSocket"];
const msgs = (peer: PeerSocket): Promise<unknown>[] => {
  const out: Promise<unknown>[] = [];
  let next!: (v: unknown) => void;
  const arm = () => out.push(new Promise((r) => { next = r; }));
  arm();
  peer.on("message", (d) => { const r = next; arm(); r(JSON.parse(String(d))); });
  return out;
};

test("socketURL maps http(s) to ws(s) and escapes the id", () => {
  assert.equal(socketURL("http://h:8080/", "a b"), "ws://h:8080/api/servers/a%20b/socket");
  assert.equal(socketURL("https://panel.example", "X1"), "wss://panel.example/api/servers/X1/socket");
});

test("auth first, commands as console messages, a fresh auth on token_expiring, close 4001 ends the reader", async () => {
  const seen: Promise<unknown>[][] = [];
  const paths: string[] = [];
  onPeer = (peer, path) => {
    paths.push(path);
    const m = msgs(peer);
    seen.push(m);
    void (async () => {
      assert.deepEqual(await m[0], { type: "auth", token: "t1" });
      peer.send(JSON.stringify({ type: "status", data: { state: "running", running: true, suspended: false } }));
      assert.deepEqual(await m[1], { type: "console", data: "say hi" });
      peer.send(JSON.stringify({ type: "console", data: "hi" }));
      peer.send(JSON.stringify({ type: "token_expiring", data: { expiresIn: 60 } }));
      assert.deepEqual(await m[2], { type: "auth", token: "t2" });
      peer.close(4001, "token expired");
    })();
  };
  const tokens = counter();
  const client = createClient({ baseUrl, tokens });
  const sock = await openConsole(client, "SRV1", { WebSocket: wsImpl });
  const status = await sock.waitFor((m) => m.type === "status");
  assert.deepEqual(status.data, { state: "running", running: true, suspended: false });
  sock.send("say hi");
  assert.equal(await sock.waitForLine("hi"), "hi");
  const expiring = await sock.waitFor((m) => m.type === "token_expiring");
  assert.deepEqual(expiring.data, { expiresIn: 60 });
  await assert.rejects(sock.waitFor(() => false), (e: unknown) => e instanceof SocketClosedError && e.code === 4001 && e.reason === "token expired");
  assert.equal(tokens.n, 2, "one refresh for the re-authentication");
  assert.deepEqual(paths, ["/api/servers/SRV1/socket"]);
  assert.throws(() => sock.send("late"), SocketClosedError);
});

test("a reader that falls behind loses the oldest messages, counted", async () => {
  onPeer = (peer) => {
    const m = msgs(peer);
    void m[0]!.then(() => {
      for (let i = 0; i < 10; i++) peer.send(JSON.stringify({ type: "console", data: `line ${i}` }));
      peer.close(1000);
    });
  };
  const sock = await openConsole(createClient({ baseUrl, tokens: counter() }), "SRV2", { WebSocket: wsImpl, maxQueue: 4 });
  await sock.closed;
  const lines: unknown[] = [];
  for await (const m of sock) lines.push(m.data);
  assert.deepEqual(lines, ["line 6", "line 7", "line 8", "line 9"]);
  assert.equal(sock.dropped, 6);
});

test("an aborted wait leaves later messages to the next reader", async () => {
  let connected!: (p: PeerSocket) => void;
  const peerReady = new Promise<PeerSocket>((r) => { connected = r; });
  onPeer = (peer) => connected(peer);
  const sock = await openConsole(createClient({ baseUrl, tokens: counter() }), "SRV3", { WebSocket: wsImpl });
  const peer = await peerReady;
  const ctl = new AbortController();
  const waiting = sock.waitFor(() => true, ctl.signal);
  ctl.abort(new Error("gave up"));
  await assert.rejects(waiting, /gave up/);
  peer.send(JSON.stringify({ type: "console", data: "after" }));
  assert.equal(await sock.waitForLine("after"), "after");
  sock.close();
  assert.equal((await sock.closed).code, 1000);
});
