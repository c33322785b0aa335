// A TCP proxy between the control plane and a remediation target that injects network faults, as
// toxiproxy does: the target "down" (its port refuses connections, then comes back on the same port)
// and a slow target (its answers held back). It also counts requests left hanging: connections whose
// client sent bytes that no answer followed, still open.
import { createConnection, createServer, type Server, type Socket } from 'node:net';

interface Link {
  client: Socket;
  upstream: Socket;
  /** The client sent bytes since the last bytes it was answered with. */
  awaiting: boolean;
  /** Held-back chunks of the answer, in order. */
  timers: Set<NodeJS.Timeout>;
  /** The target closed its side: the client's closes once the held-back chunks are delivered. */
  upstreamEnded: boolean;
}

export interface ProxyStats {
  /** Connections accepted while up. */
  connections: number;
  /** Connections open now. */
  open: number;
  /** Open connections whose client waits for an answer: requests left hanging. */
  hanging: number;
  /** Connections the client closed while it still waited for an answer (it gave up: a timeout). */
  abandoned: number;
}

/** A fault-injecting TCP proxy on 127.0.0.1 in front of `upstreamPort`. */
export class FaultProxy {
  /** Extra delay before each chunk of the target's answer reaches the client. */
  latencyMs = 0;
  private readonly links = new Set<Link>();
  private connections = 0;
  private abandoned = 0;
  private listening = false;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly upstreamPort: number,
  ) {}

  /** Starts the proxy on a free loopback port. */
  static async start(upstreamPort: number): Promise<FaultProxy> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const proxy = new FaultProxy(server, port, upstreamPort);
    proxy.listening = true;
    server.on('connection', (client: Socket) => proxy.accept(client));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get isUp(): boolean {
    return this.listening;
  }

  stats(): ProxyStats {
    let hanging = 0;
    for (const link of this.links) if (link.awaiting) hanging++;
    return { connections: this.connections, open: this.links.size, hanging, abandoned: this.abandoned };
  }

  /** The target goes down: its port closes (connection refused) and open connections are reset. */
  async down(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const link of [...this.links]) this.drop(link, true);
    await closed;
  }

  /** The target comes back on the same port. */
  async up(): Promise<void> {
    if (this.listening) return;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.listening = true;
  }

  /** Resolves once no request is left hanging, or rejects after `timeoutMs`. */
  async waitUntilNothingHangs(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.stats().hanging > 0) {
      if (Date.now() > deadline) throw new Error(`requests still hanging: ${JSON.stringify(this.stats())}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    await this.down();
  }

  private accept(client: Socket): void {
    this.connections++;
    const upstream = createConnection({ host: '127.0.0.1', port: this.upstreamPort });
    const link: Link = { client, upstream, awaiting: false, timers: new Set(), upstreamEnded: false };
    this.links.add(link);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.on('data', (chunk: Buffer) => {
      link.awaiting = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => this.answer(link, chunk));
    client.on('close', () => {
      // Only a close the client chose: links the proxy dropped itself are gone from the set already.
      if (this.links.has(link) && link.awaiting) this.abandoned++;
      this.drop(link, false);
    });
    upstream.on('close', () => {
      link.upstreamEnded = true;
      if (link.timers.size === 0) client.end();
    });
    client.on('error', () => this.drop(link, false));
    upstream.on('error', () => this.drop(link, true));
  }

  private answer(link: Link, chunk: Buffer): void {
    const deliver = () => {
      if (link.client.destroyed) return;
      link.client.write(chunk);
      link.awaiting = false;
    };
    if (this.latencyMs <= 0 && link.timers.size === 0) {
      deliver();
      return;
    }
    // Chunks keep their order: each waits for the latency, and the timers fire in order of creation.
    const timer = setTimeout(() => {
      link.timers.delete(timer);
      deliver();
      if (link.timers.size === 0 && link.upstreamEnded) link.client.end();
    }, this.latencyMs);
    link.timers.add(timer);
  }

  private drop(link: Link, reset: boolean): void {
    if (!this.links.delete(link)) return;
    for (const timer of link.timers) clearTimeout(timer);
    link.timers.clear();
    if (reset) link.client.resetAndDestroy();
    else link.client.destroy();
    link.upstream.destroy();
  }
}
