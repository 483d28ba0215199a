/**
 * Unit tests of the retry policy and the token source against a loopback HTTP server of the
 * test's own (its answers are scripted per request); waits are recorded, never slept.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  ApiError, ClientCredentials, backoff, createClient, paginate, parseRetryAfter, retryingFetch, unwrap,
} from "@skypanel/sdk";

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

/** A loopback server answering each request with the next scripted handler. */
class Scripted {
  private readonly srv = createServer((req, res) => this.serve(req, res));
  handlers: Handler[] = [];
  seen: { method: string; url: string; auth: string; body: string }[] = [];
  url = "";

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.srv.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.srv.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.srv.closeAllConnections();
    return new Promise((resolve) => this.srv.close(() => resolve()));
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      this.seen.push({ method: req.method ?? "", url: req.url ?? "", auth: req.headers.authorization ?? "", body });
      const h = this.handlers.shift();
      if (!h) {
        res.writeHead(500).end("no handler scripted");
        return;
      }
      h(req, body, res);
    });
  }
}

const json = (status: number, v: unknown, headers: Record<string, string> = {}): Handler => (_q, _b, res) => {
  res.writeHead(status, { "Content-Type": "application/json", ...headers }).end(JSON.stringify(v));
};
const envelope = (code: string, msg: string) => ({ error: { code, msg, metadata: {} } });
const ok = json(200, { ok: true });
const drop: Handler = (req) => req.socket.destroy(); // a network error for the client

describe("retry", () => {
  const s = new Scripted();
  let delays: number[];
  const sleep = async (ms: number) => { delays.push(ms); };
  before(() => s.start());
  after(() => s.stop());
  const reset = (...h: Handler[]) => { s.handlers = h; s.seen = []; delays = []; };

  test("GET: 429 waits Retry-After, 503 backs off, then succeeds", async () => {
    reset(json(429, envelope("ErrRateLimited", "slow down"), { "Retry-After": "7" }), json(503, envelope("ErrNodeUnavailable", "down")), ok);
    const f = retryingFetch(fetch, { sleep, minDelayMs: 100, maxDelayMs: 1000 });
    const r = await f(`${s.url}/x`);
    assert.equal(r.status, 200);
    assert.equal(s.seen.length, 3);
    assert.equal(delays[0], 7000);
    assert.ok(delays[1]! >= 100 && delays[1]! <= 200, `second attempt backs off 100-200 ms: ${delays[1]}`);
  });

  test("POST is not retried unless opted in", async () => {
    reset(json(503, envelope("ErrNodeUnavailable", "down")), ok);
    const r = await retryingFetch(fetch, { sleep })(`${s.url}/start`, { method: "POST" });
    assert.equal(r.status, 503);
    assert.equal(s.seen.length, 1);
    reset(json(503, envelope("ErrNodeUnavailable", "down")), ok);
    const r2 = await retryingFetch(fetch, { sleep, nonIdempotent: true })(`${s.url}/start`, { method: "POST", body: "{}" });
    assert.equal(r2.status, 200);
    assert.equal(s.seen.length, 2);
  });

  test("PUT re-sends its body intact on every attempt", async () => {
    reset(json(429, {}, { "Retry-After": "1" }), json(429, {}, { "Retry-After": "1" }), ok);
    const body = "ñ".repeat(100_000);
    const r = await retryingFetch(fetch, { sleep })(`${s.url}/file`, { method: "PUT", body });
    assert.equal(r.status, 200);
    assert.deepEqual(s.seen.map((x) => x.body === body), [true, true, true]);
  });

  test("a Retry-After beyond the cap is returned, not waited for", async () => {
    reset(json(429, envelope("ErrRateLimited", "hourly limit"), { "Retry-After": "3599" }), ok);
    const r = await retryingFetch(fetch, { sleep })(`${s.url}/x`);
    assert.equal(r.status, 429);
    assert.deepEqual(delays, []);
    const err = ApiError.from(r, await r.json());
    assert.equal(err.code, "ErrRateLimited");
    assert.equal(err.retryAfter, 3599);
  });

  test("network errors are retried for GET, and the last failure is returned", async () => {
    reset(drop, ok);
    assert.equal((await retryingFetch(fetch, { sleep })(`${s.url}/x`)).status, 200);
    reset(...Array(4).fill(json(503, {})));
    const r = await retryingFetch(fetch, { sleep, retries: 3 })(`${s.url}/x`);
    assert.equal(r.status, 503);
    assert.equal(s.seen.length, 4);
    reset(drop);
    await assert.rejects(retryingFetch(fetch, { sleep, retries: 0 })(`${s.url}/x`));
  });

  test("backoff doubles up to the cap with jitter", () => {
    for (let n = 0; n < 10; n++) {
      const base = Math.min(1000, 100 * 2 ** n);
      const d = backoff(n, 100, 1000);
      assert.ok(d >= base / 2 && d <= base, `attempt ${n}: ${d}`);
    }
  });

  test("Retry-After: seconds, an HTTP date, junk", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    assert.equal(parseRetryAfter("120", now), 120);
    assert.equal(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now), 30);
    assert.equal(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now), 0);
    assert.equal(parseRetryAfter("soon", now), undefined);
    assert.equal(parseRetryAfter(null, now), undefined);
  });
});

describe("token", () => {
  const s = new Scripted();
  before(() => s.start());
  after(() => s.stop());
  const issue = (token: string, expiresIn = 3600): Handler =>
    json(200, { access_token: token, token_type: "Bearer", expires_in: expiresIn, scope: "admin" });

  test("cached, shared by concurrent callers, refreshed a margin before expiry", async () => {
    s.handlers = [issue("t1"), issue("t2")];
    s.seen = [];
    let now = 1_000_000;
    const tokens = new ClientCredentials({ baseUrl: s.url, clientId: "id:1", clientSecret: "sec ret", now: () => now });
    assert.deepEqual(await Promise.all([tokens.token(), tokens.token(), tokens.token()]), ["t1", "t1", "t1"]);
    assert.equal(s.seen.length, 1);
    assert.equal(s.seen[0]!.url, "/oauth2/token");
    assert.equal(s.seen[0]!.body, "grant_type=client_credentials");
    assert.equal(s.seen[0]!.auth, "Basic " + Buffer.from("id%3A1:sec%20ret").toString("base64"));
    now += (3600 - 61) * 1000;
    assert.equal(await tokens.token(), "t1", "still outside the refresh margin");
    now += 2000;
    assert.equal(await tokens.token(), "t2", "inside the 60 s margin: refreshed");
    assert.equal(s.seen.length, 2);
  });

  test("the client fetches a new token once after a 401", async () => {
    s.handlers = [issue("old"), json(401, envelope("ErrUnauthorized", "token revoked")), issue("new"), ok];
    s.seen = [];
    const c = createClient({ baseUrl: s.url, clientId: "a", clientSecret: "b" });
    const r = await c.GET("/api/self");
    assert.equal(r.response.status, 200);
    assert.deepEqual(s.seen.map((x) => [x.url, x.auth.startsWith("Basic") ? "basic" : x.auth]),
      [["/oauth2/token", "basic"], ["/api/self", "Bearer old"], ["/oauth2/token", "basic"], ["/api/self", "Bearer new"]]);
  });

  test("a fixed token's 401 is returned without a second try", async () => {
    s.handlers = [json(401, envelope("ErrUnauthorized", "invalid or expired token"))];
    s.seen = [];
    const c = createClient({ baseUrl: s.url, token: "fixed" });
    const err = await c.GET("/api/self").then(unwrap).catch((e: unknown) => e);
    assert.ok(err instanceof ApiError && err.status === 401 && err.code === "ErrUnauthorized", String(err));
    assert.deepEqual(s.seen.map((x) => x.auth), ["Bearer fixed"]);
  });

  test("a body that is not the envelope still makes an ApiError with the status", async () => {
    s.handlers = [issue("t"), (_q, _b, res) => res.writeHead(502, { "Content-Type": "text/html" }).end("<html>bad gateway</html>")];
    const c = createClient({ baseUrl: s.url, clientId: "a", clientSecret: "b" });
    const err = await c.GET("/api/self").then(unwrap).catch((e: unknown) => e);
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 502);
    assert.equal(err.code, "ErrInternal");
    assert.match(err.msg, /bad gateway/);
  });
});

test("paginate stops at the total and on a short page", async () => {
  const pages: number[] = [];
  const items: number[] = [];
  const all = [1, 2, 3, 4, 5];
  for await (const n of paginate(async (page) => {
    pages.push(page);
    return { items: all.slice((page - 1) * 2, page * 2), paging: { page, size: 2, maxSize: 100, total: all.length } };
  })) {
    items.push(n);
  }
  assert.deepEqual(items, all);
  assert.deepEqual(pages, [1, 2, 3]);
});
