// The control plane over real HTTP: auth, ingest answers, status, alerts, metrics, events, shutdown.
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test-support/server.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

describe('control plane server', () => {
  it('is healthy, ready after the first evaluation, and reports every example SLA', async () => {
    t = await startTestServer();
    expect((await t.api('/healthz', { token: null })).status).toBe(200);
    expect((await t.api('/readyz', { token: null })).status).toBe(200);
    const slas = (await (await t.api('/api/v1/slas')).json()) as { data: Array<{ name: string }> };
    expect(slas.data.map((s) => s.name).sort()).toEqual(['fraud-scoring', 'recommendations', 'search-rag']);
  });

  it('checks the scope of every API route', async () => {
    t = await startTestServer();
    const none = await t.api('/api/v1/slas', { token: null });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect(await none.json()).toEqual({ error: { code: 'unauthorized', message: 'missing bearer token' } });
    expect((await t.api('/api/v1/slas', { token: 'slactl_nope' })).status).toBe(401);
    expect((await t.api('/metrics', { token: null })).status).toBe(401);

    const created = await createToken(t, ['read']);
    const ingest = await t.api('/api/v1/signals', { ...json({ signals: [] }), token: created });
    expect(ingest.status).toBe(403);
    expect(((await ingest.json()) as { error: { message: string } }).error.message).toBe(
      'this token lacks the "ingest" scope',
    );
    expect((await t.api('/api/v1/slas', { token: created })).status).toBe(200);
  });

  it('accepts a batch, rejects a bad one whole with positions, and answers size and type limits', async () => {
    t = await startTestServer({
      config: {
        limits: {
          maxBodyBytes: 2048,
          maxBatch: 10_000,
          maxSeriesPerService: 20_000,
          maxConcurrentIngest: 16,
        },
      },
    });
    const now = t.clock.now();
    const ok = await t.api(
      '/api/v1/signals',
      json({ signals: [{ type: 'request', service: 'recs-api', ok: true, seconds: 0.05, ts: now }] }),
    );
    expect(ok.status).toBe(202);
    expect(await ok.json()).toEqual({ accepted: 1 });

    const bad = await t.api(
      '/api/v1/signals',
      json({
        signals: [
          { type: 'request', service: 'recs-api', ok: true, seconds: 0.05 },
          { type: 'request', service: 'recs-api', ok: true, seconds: 'fast' },
        ],
      }),
    );
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as {
      error: { code: string; message: string; details: Array<{ field?: string }> };
    };
    expect(body.error.message).toContain('signals[1].seconds');
    expect(body.error.details[0]?.field).toBe('signals[1].seconds');

    const big = await t.api('/api/v1/signals', json({ signals: [], pad: 'x'.repeat(4096) }));
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe('body_too_large');

    const text = await t.api('/api/v1/signals', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hi',
    });
    expect(text.status).toBe(415);

    // Regression: a corrupt compressed body was a 500.
    const gzip = gzipSync(JSON.stringify({ signals: [] }));
    const truncated = await t.api('/api/v1/signals', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzip.subarray(0, gzip.length - 8),
    });
    expect(truncated.status).toBe(400);
    expect(((await truncated.json()) as { error: { code: string } }).error.code).toBe('invalid_body');

    // The rejected batches left nothing behind: one request counted.
    const metrics = await (await t.api('/metrics')).text();
    expect(metrics).toMatch(/^slactl_requests_total\{service="recs-api"\} 1$/m);
  });

  it('streams alert transitions over Server-Sent Events within one evaluation', async () => {
    t = await startTestServer();
    const controller = new AbortController();
    const res = await fetch(`${t.url}/api/v1/events?access_token=${t.token}`, { signal: controller.signal });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let received = '';
    const readUntil = async (needle: string) => {
      while (!received.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}; got ${received}`);
        received += decoder.decode(value);
      }
    };
    await readUntil('event: snapshot');

    // A stream that stopped consuming with lag: StreamStalled pends at once (it fires after 5m).
    const stalled = {
      type: 'stream',
      service: '',
      consumerGroup: 'feature-pipeline',
      lag: 5000,
      consumeRate: 0,
      produceRate: 100,
    };
    const plans = (await (await t.api('/api/v1/slas')).json()) as {
      data: Array<{ name: string; service: string }>;
    };
    // slas/recommendations.yaml watches the consumer group feature-pipeline.
    stalled.service = plans.data.find((s) => s.name === 'recommendations')!.service;
    expect(
      (await t.api('/api/v1/signals', json({ signals: [{ ...stalled, ts: t.clock.now() }] }))).status,
    ).toBe(202);
    t.server.evaluateNow();
    await readUntil('"alertname":"StreamStalled"');
    expect(received).toContain('event: alert');
    controller.abort();
  });

  it('drains and stops on close: no new connections afterwards', async () => {
    t = await startTestServer();
    const url = t.url;
    await t.stop();
    t = undefined;
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});

async function createToken(
  t: TestServer,
  scopes: Array<'read' | 'ingest' | 'operate' | 'admin'>,
): Promise<string> {
  const { openStore } = await import('../store/store.js');
  const { createToken: create } = await import('./auth.js');
  const { DATABASE_FILE } = await import('../main.js');
  const path = await import('node:path');
  // A second connection to the same database, as `slactl token create` does while the server runs.
  const store = openStore({ path: path.join(t.dataDir, DATABASE_FILE) });
  try {
    return create(store, 'test', scopes, Date.now()).secret;
  } finally {
    store.close();
  }
}
