/**
 * The server's WebSocket (`GET /api/servers/{serverId}/socket`): console lines, stats and status in
 * real time, and console commands. Uses the WebSocket global (Node ≥ 22, browsers) or the `ws`
 * package (Node 20). Authenticates with the spec's `auth` message (works where upgrade headers
 * cannot be set) and re-authenticates with a fresh token on `token_expiring`.
 */
import type { components } from "./schema.gen.js";
import type { SkyPanelClient } from "./client.js";

export type WsServerMessage = components["schemas"]["WsServerMessage"];
export type WsClientMessage = components["schemas"]["WsClientMessage"];
export type ServerStatus = components["schemas"]["ServerStatus"];

/** The part of a WebSocket (WHATWG or `ws`) the helper uses. */
interface Socket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (ev: { data?: unknown; code?: number; reason?: string }) => void): void;
}
type SocketConstructor = new (url: string) => Socket;

/** Options of {@link openConsole}. */
export interface ConsoleOptions {
  /** A WebSocket implementation (default: the global one, else the `ws` package). */
  WebSocket?: SocketConstructor;
  /** Messages kept for a reader that falls behind (default 10 000); older ones are dropped. */
  maxQueue?: number;
  /** Send a fresh token when the panel says the current one is expiring (default true). */
  reauth?: boolean;
}

/** How the socket closed. */
export class SocketClosedError extends Error {
  override readonly name = "SocketClosedError";
  constructor(readonly code: number, readonly reason: string) {
    super(`socket closed: ${code}${reason ? " " + reason : ""}`);
  }
}

/** Resolves the WebSocket to use: the global one when there is one, else `ws`. */
async function socketClass(given?: SocketConstructor): Promise<SocketConstructor> {
  if (given) {
    return given;
  }
  const g = (globalThis as { WebSocket?: SocketConstructor }).WebSocket;
  if (g) {
    return g;
  }
  const ws = await import("ws");
  return ws.default as unknown as SocketConstructor;
}

/** The socket URL of a server: http(s) → ws(s). */
export function socketURL(baseUrl: string, serverId: string): string {
  const u = new URL(baseUrl.replace(/\/+$/, "") + `/api/servers/${encodeURIComponent(serverId)}/socket`);
  u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  return u.toString();
}

/** Opens the server's socket and authenticates: `const sock = await openConsole(client, id)`. */
export async function openConsole(client: SkyPanelClient, serverId: string, opts: ConsoleOptions = {}): Promise<ConsoleSocket> {
  const WS = await socketClass(opts.WebSocket);
  const token = await client.tokens.token();
  const ws = new WS(socketURL(client.baseUrl, serverId));
  const sock = new ConsoleSocket(ws, client, opts);
  await sock.opened;
  sock.sendMessage({ type: "auth", token });
  return sock;
}

type Waiter = { resolve: (m: WsServerMessage | undefined) => void };

/** An open server socket: read messages with `for await`, `next()` or `waitFor()`; send commands. */
export class ConsoleSocket implements AsyncIterable<WsServerMessage> {
  /** Resolves when the socket is open (rejects if it closes first). */
  readonly opened: Promise<void>;
  /** Resolves with how the socket closed. */
  readonly closed: Promise<SocketClosedError>;
  /** Messages dropped because the reader fell behind (see maxQueue). */
  dropped = 0;
  private readonly queue: WsServerMessage[] = [];
  private readonly waiters: Waiter[] = [];
  private closeInfo: SocketClosedError | undefined;

  constructor(private readonly ws: Socket, private readonly client: SkyPanelClient, private readonly opts: ConsoleOptions) {
    let opened!: () => void;
    let failed!: (e: Error) => void;
    let closed!: (e: SocketClosedError) => void;
    this.opened = new Promise((res, rej) => { opened = res; failed = rej; });
    this.closed = new Promise((res) => { closed = res; });
    this.opened.catch(() => undefined); // reported by openConsole's await
    ws.addEventListener("open", () => opened());
    ws.addEventListener("message", (ev) => this.onMessage(ev.data));
    ws.addEventListener("close", (ev) => {
      this.closeInfo = new SocketClosedError(ev.code ?? 1006, ev.reason ?? "");
      failed(this.closeInfo);
      closed(this.closeInfo);
      for (const w of this.waiters.splice(0)) {
        w.resolve(undefined);
      }
    });
    ws.addEventListener("error", () => undefined); // a close event follows
  }

  /** Sends a console command. */
  send(command: string): void {
    this.sendMessage({ type: "console", data: command });
  }

  /** Sends a raw client message. */
  sendMessage(msg: WsClientMessage): void {
    if (this.closeInfo) {
      throw this.closeInfo;
    }
    this.ws.send(JSON.stringify(msg));
  }

  /**
   * The next message, or undefined once the socket has closed and every message was read;
   * rejects with the signal's reason when signal aborts first.
   */
  next(signal?: AbortSignal): Promise<WsServerMessage | undefined> {
    const m = this.queue.shift();
    if (m || this.closeInfo) {
      return Promise.resolve(m);
    }
    return new Promise((resolve, reject) => {
      const w: Waiter = { resolve: (v) => { signal?.removeEventListener("abort", abort); resolve(v); } };
      const abort = () => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal?.reason);
      };
      if (signal?.aborted) {
        abort();
        return;
      }
      signal?.addEventListener("abort", abort, { once: true });
      this.waiters.push(w);
    });
  }

  /**
   * Reads messages until one satisfies match and returns it; rejects with SocketClosedError if
   * the socket closes first, or with the signal's reason when signal aborts.
   */
  async waitFor(match: (m: WsServerMessage) => boolean, signal?: AbortSignal): Promise<WsServerMessage> {
    for (;;) {
      const m = await this.next(signal);
      if (m === undefined) {
        throw this.closeInfo ?? new SocketClosedError(1006, "");
      }
      if (match(m)) {
        return m;
      }
    }
  }

  /** Waits for a console line satisfying match (a string = exact line). */
  async waitForLine(match: string | ((line: string) => boolean), signal?: AbortSignal): Promise<string> {
    const ok = typeof match === "string" ? (l: string) => l === match : match;
    const m = await this.waitFor((m) => m.type === "console" && typeof m.data === "string" && ok(m.data), signal);
    return m.data as string;
  }

  /** Closes the socket (1000). */
  close(): void {
    if (!this.closeInfo) {
      this.ws.close(1000);
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WsServerMessage> {
    for (let m = await this.next(); m !== undefined; m = await this.next()) {
      yield m;
    }
  }

  private onMessage(data: unknown): void {
    let m: WsServerMessage;
    try {
      m = JSON.parse(String(data)) as WsServerMessage;
    } catch {
      return; // the panel sends JSON only
    }
    if (m.type === "token_expiring" && this.opts.reauth !== false) {
      this.client.tokens.refresh().then(
        (token) => { if (!this.closeInfo) this.sendMessage({ type: "auth", token }); },
        () => undefined, // the panel closes with 4001 at expiry; the reader sees it
      );
    }
    const w = this.waiters.shift();
    if (w) {
      w.resolve(m);
      return;
    }
    this.queue.push(m);
    if (this.queue.length > (this.opts.maxQueue ?? 10_000)) {
      this.queue.shift();
      this.dropped++;
    }
  }
}
