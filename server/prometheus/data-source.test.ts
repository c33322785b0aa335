// The data source in the API: `dataSource` in /api/v1/slas and the event stream's snapshot, a
// `dataSource` event when its health changes, readiness after the first poll, for both the embedded
// evaluator and a Prometheus (here a scripted one that can be made to fail).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test-support/server.js';

const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

/** Reads SSE events from the stream until `count` events of the given names arrived. */
async function events(
  res: Response,
  wanted: (events: Array<{ event: string; data: unknown }>) => boolean,
): Promise<Array<{ event: string; data: unknown }>> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  const parsed: Array<{ event: string; data: unknown }> = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = text.indexOf('\n\n')) >= 0) {
      const block = text.slice(0, end);
      text = text.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event !== undefined && data !== undefined) parsed.push({ event, data: JSON.parse(data) });
    }
    if (wanted(parsed)) break;
  }
  await reader.cancel();
  return parsed;
}

/** A stand-in Prometheus: answers without data (the SLAs' rules loaded), or 503 while `down`. */
async function scriptedPrometheus(): Promise<{ url: string; setDown(down: boolean): void }> {
  let down = true;
  const server: Server = createServer((req, res) => {
    if (down) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('unavailable');
      return;
    }
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const query = new URLSearchParams(body).get('query') ?? '';
      // The recorded objective targets say the SLAs' rules are loaded; everything else is empty.
      const result = query.includes('slactl:slo_objective')
        ? ['fraud-scoring', 'recommendations', 'search-rag'].map((sla) => ({
            metric: { __name__: 'slactl:slo_objective:ratio', sla, slo: 'availability' },
            value: [0, '0.999'],
          }))
        : [];
      const data = req.url?.startsWith('/api/v1/alerts') ? { alerts: [] } : { resultType: 'vector', result };
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: 'success', data }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((resolve) => server.close(() => resolve())));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    setDown: (value) => {
      down = value;
    },
  };
}

async function slas(t: TestServer) {
  return (await (await t.api('/api/v1/slas')).json()) as {
    data: Array<{ name: string; error?: string }>;
    evaluatedAt: string | null;
    dataSource: Record<string, unknown>;
  };
}

describe('the data source in the API', () => {
  it('says the embedded evaluator serves the statuses', async () => {
    const t = await startTestServer();
    cleanup.push(() => t.stop());
    const body = await slas(t);
    const at = new Date(t.clock.now()).toISOString();
    expect(body.dataSource).toEqual({
      kind: 'embedded',
      healthy: true,
      lastSuccessAt: at,
      lastAttemptAt: at,
    });
    expect(t.server.dataSource()).toMatchObject({ kind: 'embedded', healthy: true });
    const res = await t.api('/api/v1/events');
    const [snapshot] = await events(res, (e) => e.length >= 1);
    expect(snapshot!.event).toBe('snapshot');
    expect((snapshot!.data as { dataSource: unknown }).dataSource).toEqual(body.dataSource);
  });

  it('with Prometheus: ready after the first poll even when it failed, stale, then healthy once it answers', async () => {
    const prometheus = await scriptedPrometheus();
    const t = await startTestServer({
      config: { prometheus: { url: prometheus.url, headers: {}, timeoutMs: 2_000 } },
    });
    cleanup.push(() => t.stop());
    expect(t.server.evaluateNow()).toBeUndefined(); // the embedded evaluator does not run
    await t.server.refresh();
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
    const down = await slas(t);
    expect(down.evaluatedAt).toBeNull();
    expect(down.dataSource).toMatchObject({
      kind: 'prometheus',
      url: prometheus.url,
      healthy: false,
      lastSuccessAt: null,
      lastAttemptAt: new Date(t.clock.now()).toISOString(),
    });
    expect(down.dataSource.error).toContain(
      `HTTP 503 from ${prometheus.url}, not a Prometheus API answer: unavailable`,
    );
    expect(down.data.map((s) => s.name)).toEqual(['fraud-scoring', 'recommendations', 'search-rag']);
    expect(down.data.every((s) => s.error?.includes('failing since'))).toBe(true);

    const stream = await t.api('/api/v1/events');
    const reading = events(stream, (e) => e.some((x) => x.event === 'dataSource'));
    prometheus.setDown(false);
    t.clock.advance(15_000);
    await t.server.refresh();
    const received = await reading;
    expect(received[0]!.event).toBe('snapshot');
    expect((received[0]!.data as { dataSource: { healthy: boolean } }).dataSource.healthy).toBe(false);
    // Each SLA's error went away: a status event each, then the data source's own event.
    expect(received.filter((e) => e.event === 'status')).toHaveLength(3);
    expect(received.at(-1)).toMatchObject({
      event: 'dataSource',
      data: { kind: 'prometheus', healthy: true },
    });
    const up = await slas(t);
    expect(up.dataSource).toMatchObject({
      healthy: true,
      lastSuccessAt: new Date(t.clock.now()).toISOString(),
    });
    expect(up.evaluatedAt).toBe(new Date(t.clock.now()).toISOString());
    expect(up.data.every((s) => s.error === undefined)).toBe(true);
  });
});
