// A real HTTP target on loopback for remediation tests: it records every request and, like a target
// built for at-least-once callers, executes each Idempotency-Key once and answers replays from memory.
// Tests script its answers (status, stall, redirect) per request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  headers: Record<string, string>;
  body: string;
  idempotencyKey: string | undefined;
  /** True when the key had already been executed: answered from memory, not executed again. */
  replay: boolean;
}

export type Behavior =
  | { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number }
  | { stall: true }
  | { redirect: string; status?: 301 | 302 | 303 | 307 | 308 };

export interface TargetServerOptions {
  /** Host to bind, default 127.0.0.1. */
  host?: string;
}

/** A loopback HTTP server standing in for a team's infrastructure API. */
export class TargetServer {
  readonly requests: RecordedRequest[] = [];
  /** Executions (not replays) per Idempotency-Key. */
  readonly executions = new Map<string, number>();
  private readonly answers = new Map<string, { status: number; body: string }>();
  private readonly stalled = new Set<ServerResponse>();
  private behavior: (request: RecordedRequest, index: number) => Behavior = () => ({
    status: 200,
    body: { ok: true },
  });
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(options: TargetServerOptions = {}): Promise<TargetServer> {
    const host = options.host ?? '127.0.0.1';
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    const { port } = server.address() as AddressInfo;
    const target = new TargetServer(server, `http://${host}:${port}`);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void target.handle(req, res));
    return target;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  /** Scripts the answers: called for every request with its 0-based index. */
  behave(fn: (request: RecordedRequest, index: number) => Behavior): void {
    this.behavior = fn;
  }

  /** Resolves once at least `n` requests arrived. */
  async waitForRequests(n: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.requests.length < n) {
      if (Date.now() > deadline)
        throw new Error(`target saw ${this.requests.length} requests, expected ${n}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  /** Answers every stalled request with 200. */
  release(): void {
    for (const res of this.stalled) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    }
    this.stalled.clear();
  }

  async close(): Promise<void> {
    for (const res of this.stalled) res.destroy();
    this.stalled.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string') headers[name] = value;
      else if (Array.isArray(value)) headers[name] = value.join(', ');
    }
    const key = headers['idempotency-key'];
    const replay = key !== undefined && (this.executions.get(key) ?? 0) > 0;
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers,
      body: Buffer.concat(chunks).toString('utf8'),
      idempotencyKey: key,
      replay,
    };
    const index = this.requests.length;
    this.requests.push(recorded);
    for (const wake of this.waiters.splice(0)) wake();

    if (replay) {
      const answer = this.answers.get(key) ?? { status: 200, body: '{"ok":true,"replayed":true}' };
      res
        .writeHead(answer.status, { 'content-type': 'application/json', 'idempotent-replayed': 'true' })
        .end(answer.body);
      return;
    }
    const behavior = this.behavior(recorded, index);
    if ('stall' in behavior) {
      // The work is done; only the answer never comes (until released, or the caller dies).
      if (key !== undefined) this.executions.set(key, (this.executions.get(key) ?? 0) + 1);
      this.stalled.add(res);
      res.on('close', () => this.stalled.delete(res));
      return;
    }
    if ('redirect' in behavior) {
      res.writeHead(behavior.status ?? 307, { location: behavior.redirect }).end();
      return;
    }
    if (behavior.delayMs !== undefined) await new Promise((r) => setTimeout(r, behavior.delayMs));
    const body = JSON.stringify(behavior.body ?? {});
    // Only a 2xx did the work; after an error the caller's retry with the same key executes it.
    if (key !== undefined && behavior.status >= 200 && behavior.status < 300) {
      this.executions.set(key, (this.executions.get(key) ?? 0) + 1);
      this.answers.set(key, { status: behavior.status, body });
    }
    if (!res.destroyed) {
      res
        .writeHead(behavior.status, { 'content-type': 'application/json', ...(behavior.headers ?? {}) })
        .end(body);
    }
  }
}
