// The acceptance path through the real server: the demo sends over HTTP with its own ingest
// token, faults are injected and cleared through the API, and the alert shows in /api/v1/alerts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test-support/server.js';

const TICK_MS = 15_000;
const MINUTE = 60_000;

interface PrometheusAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
}

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ demo: true });
});

afterAll(async () => {
  await t?.stop();
});

async function firing(alertname: string, sla: string): Promise<PrometheusAlert[]> {
  const response = await t.api('/api/v1/alerts');
  expect(response.status).toBe(200);
  const body = (await response.json()) as { data: { alerts: PrometheusAlert[] } };
  return body.data.alerts.filter(
    (a) => a.state === 'firing' && a.labels.alertname === alertname && a.labels.sla === sla,
  );
}

/** Ticks the demo and evaluates every 15 s until `done` or `limitMs`; true when done. */
async function runUntil(limitMs: number, done: () => Promise<boolean>): Promise<boolean> {
  const demo = t.server.demo!;
  for (let elapsed = 0; elapsed < limitMs; elapsed += TICK_MS) {
    t.clock.advance(TICK_MS);
    await demo.tick();
    t.server.evaluateNow();
    if (await done()) return true;
  }
  return false;
}

describe('the demo in the running server', () => {
  it('fires VectorRecallBelowTarget after index_degradation is injected, and resolves it when cleared', async () => {
    expect(t.server.demo).toBeDefined();
    await runUntil(10 * MINUTE, () => Promise.resolve(false));
    expect(await firing('VectorRecallBelowTarget', 'recommendations')).toEqual([]);

    const inject = await t.api('/api/v1/demo/faults', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'index_degradation', sla: 'recommendations' }),
    });
    expect(inject.status).toBe(201);
    const { fault } = (await inject.json()) as { fault: { expectedAlerts: string[] } };
    expect(fault.expectedAlerts).toContain('VectorRecallBelowTarget');

    const fired = await runUntil(
      20 * MINUTE,
      async () => (await firing('VectorRecallBelowTarget', 'recommendations')).length > 0,
    );
    expect(fired).toBe(true);
    const [alert] = await firing('VectorRecallBelowTarget', 'recommendations');
    expect(alert!.labels).toMatchObject({ index: 'products', service: 'recs-api', severity: 'critical' });

    const listed = await t.api('/api/v1/demo/faults');
    expect(((await listed.json()) as { faults: unknown[] }).faults).toHaveLength(1);

    const clear = await t.api('/api/v1/demo/faults?kind=index_degradation&sla=recommendations', {
      method: 'DELETE',
    });
    expect(clear.status).toBe(200);
    expect(((await clear.json()) as { cleared: unknown[] }).cleared).toHaveLength(1);

    const resolved = await runUntil(
      20 * MINUTE,
      async () => (await firing('VectorRecallBelowTarget', 'recommendations')).length === 0,
    );
    expect(resolved).toBe(true);
  });

  it('needs a token with the operate scope to inject', async () => {
    const anonymous = await t.api('/api/v1/demo/faults', {
      method: 'POST',
      token: null,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'error_spike', sla: 'recommendations' }),
    });
    expect(anonymous.status).toBe(401);
  });
});
