// Server-Sent Events: alert transitions and SLA status changes pushed to dashboards.
import type { Request, Response } from 'express';

export interface SseEvent {
  /** Event type: `alert`, `status`, `snapshot`. */
  event: string;
  data: unknown;
}

/** Fans events out to every connected client; slow clients are dropped rather than buffered forever. */
export class EventHub {
  private readonly clients = new Set<Response>();
  private nextId = 1;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(private readonly options: { heartbeatMs?: number; maxBufferedBytes?: number } = {}) {}

  get size(): number {
    return this.clients.size;
  }

  /** Takes over the response as an event stream; `initial` events go to this client only. */
  connect(req: Request, res: Response, initial: SseEvent[] = []): void {
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.write('retry: 3000\n\n');
    for (const e of initial) this.write(res, e);
    this.clients.add(res);
    req.on('close', () => this.clients.delete(res));
    this.heartbeat ??= setInterval(() => {
      for (const client of this.clients) client.write(': keep-alive\n\n');
    }, this.options.heartbeatMs ?? 15_000).unref();
  }

  publish(event: SseEvent): void {
    for (const client of this.clients) this.write(client, event);
  }

  /** Ends every stream (graceful shutdown: open streams would keep the server from closing). */
  close(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    for (const client of this.clients) client.end();
    this.clients.clear();
  }

  private write(res: Response, event: SseEvent): void {
    if (res.writableLength > (this.options.maxBufferedBytes ?? 1024 * 1024)) {
      // A client that does not read would make us hold every event in memory.
      this.clients.delete(res);
      res.destroy();
      return;
    }
    // JSON never contains a raw newline, so one `data:` line carries the event.
    res.write(`id: ${this.nextId++}\nevent: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`);
  }
}
