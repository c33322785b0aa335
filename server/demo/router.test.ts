import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, errorHandler } from '../http/errors.js';
import { ManualClock } from '../lib/clock.js';
import { demoRouter } from './router.js';
import { DemoSimulator, type Fault, type FaultKindInfo } from './simulator.js';
import { CollectingClient, examplePlans } from './test-support/fixtures.js';

// Stand-ins for the app's scope checks: the `x-scopes` header lists what the caller may do.
const guard =
  (scope: string): RequestHandler =>
  (req, _res, next) => {
    const scopes = String(req.headers['x-scopes'] ?? '').split(',');
    next(
      scopes.includes(scope)
        ? undefined
        : new ApiError(403, 'forbidden', `this route needs the ${scope} scope`),
    );
  };

/** Every shape these routes answer with. */
interface Body {
  faults?: Fault[];
  kinds?: FaultKindInfo[];
  fault?: Fault;
  cleared?: Fault[];
  error?: { code: string; message: string; details?: Array<{ field?: string; message: string }> };
}

let server: Server;
let base: string;
let sim: DemoSimulator;
const START = Date.UTC(2026, 0, 1, 12, 0, 0);

beforeAll(async () => {
  const plans = await examplePlans();
  sim = new DemoSimulator({ plans, client: new CollectingClient(), clock: new ManualClock(START) });
  const app = express();
  app.use(demoRouter(sim, { read: guard('read'), operate: guard('operate') }));
  app.use(errorHandler({ error: () => undefined }));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/demo/faults`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  sim.clearFault();
});

async function call(
  method: string,
  options: { body?: unknown; raw?: string; query?: string; scopes?: string } = {},
): Promise<{ status: number; body: Body }> {
  const headers: Record<string, string> = { 'x-scopes': options.scopes ?? 'read,operate' };
  let body: string | undefined;
  if (options.raw !== undefined || options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = options.raw ?? JSON.stringify(options.body);
  }
  const response = await fetch(`${base}${options.query ?? ''}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  return { status: response.status, body: (await response.json()) as Body };
}

describe('GET /api/v1/demo/faults', () => {
  it('lists the active faults and every kind with the SLAs it applies to', async () => {
    sim.injectFault('error_spike', 'recommendations');
    const { status, body } = await call('GET', { scopes: 'read' });
    expect(status).toBe(200);
    expect(body.faults!).toEqual([
      {
        kind: 'error_spike',
        sla: 'recommendations',
        since: START,
        expectedAlerts: ['SLOAvailabilityBurnRateHigh'],
        description: '5% of requests fail',
      },
    ]);
    expect(body.kinds!).toHaveLength(8);
    expect(body.kinds![0]!).toEqual({
      kind: 'index_degradation',
      description: expect.stringContaining('recall@k drops to about 80%') as string,
      appliesTo: ['recommendations', 'search-rag'],
    });
  });

  it('needs the read scope', async () => {
    expect(await call('GET', { scopes: 'operate' })).toEqual({
      status: 403,
      body: { error: { code: 'forbidden', message: 'this route needs the read scope' } },
    });
  });
});

describe('POST /api/v1/demo/faults', () => {
  it('injects a fault and answers 201 with it', async () => {
    const { status, body } = await call('POST', {
      body: { kind: 'index_degradation', sla: 'recommendations' },
    });
    expect(status).toBe(201);
    expect(body.fault!).toMatchObject({
      kind: 'index_degradation',
      sla: 'recommendations',
      expectedAlerts: ['VectorRecallBelowTarget', 'LatencyComponentOverBudget'],
    });
    expect(sim.faults()).toHaveLength(1);
  });

  it.each([
    [
      'an unknown kind',
      { kind: 'disk_full', sla: 'recommendations' },
      [
        {
          field: 'kind',
          message: expect.stringMatching(
            /^expected one of index_degradation, .*, error_spike \(got "disk_full"\)$/,
          ) as string,
        },
      ],
    ],
    ['a missing SLA', { kind: 'error_spike' }, [{ field: 'sla', message: 'expected an SLA name (missing)' }]],
    [
      'an empty SLA',
      { kind: 'error_spike', sla: '' },
      [{ field: 'sla', message: 'expected an SLA name (got "")' }],
    ],
    [
      'an unknown field',
      { kind: 'error_spike', sla: 'recommendations', severity: 'high' },
      [{ field: 'severity', message: 'unknown field (fault takes kind and sla)' }],
    ],
    [
      'a body that is not an object',
      ['error_spike'],
      [{ message: 'expected a JSON object (got ["error_spike"])' }],
    ],
  ])('answers 400 naming the field for %s', async (_what, body, details) => {
    const answer = await call('POST', { body });
    expect(answer.status).toBe(400);
    expect(answer.body.error!.code).toBe('invalid_body');
    expect(answer.body.error!.message).toMatch(/^invalid fault: /);
    expect(answer.body.error!.details).toEqual(details);
    expect(sim.faults()).toEqual([]);
  });

  it('answers 400 for a missing body', async () => {
    const answer = await call('POST');
    expect(answer.status).toBe(400);
    expect(answer.body.error!.details!.map((d) => d.field)).toEqual(['kind', 'sla']);
  });

  it('answers 400 for malformed JSON', async () => {
    const answer = await call('POST', { raw: '{"kind": ' });
    expect(answer).toEqual({
      status: 400,
      body: { error: { code: 'invalid_json', message: 'request body is not valid JSON' } },
    });
  });

  it('answers 404 for an unknown SLA', async () => {
    const answer = await call('POST', { body: { kind: 'error_spike', sla: 'checkout' } });
    expect(answer).toEqual({
      status: 404,
      body: {
        error: {
          code: 'unknown_sla',
          message: 'unknown SLA "checkout" (SLAs: fraud-scoring, recommendations, search-rag)',
        },
      },
    });
  });

  it('answers 409 for a fault that does not apply, and for one already active', async () => {
    const answer = await call('POST', { body: { kind: 'pipeline_stall', sla: 'search-rag' } });
    expect(answer.status).toBe(409);
    expect(answer.body.error!.code).toBe('fault_not_applicable');
    expect(answer.body.error!.message).toMatch(/it applies to fraud-scoring, recommendations$/);
    expect((await call('POST', { body: { kind: 'error_spike', sla: 'fraud-scoring' } })).status).toBe(201);
    const again = await call('POST', { body: { kind: 'error_spike', sla: 'fraud-scoring' } });
    expect(again.status).toBe(409);
    expect(again.body.error!.code).toBe('fault_active');
  });

  it('needs the operate scope', async () => {
    const answer = await call('POST', {
      body: { kind: 'error_spike', sla: 'fraud-scoring' },
      scopes: 'read',
    });
    expect(answer.status).toBe(403);
    expect(sim.faults()).toEqual([]);
  });
});

describe('DELETE /api/v1/demo/faults', () => {
  beforeEach(() => {
    sim.injectFault('error_spike', 'recommendations');
    sim.injectFault('error_spike', 'fraud-scoring');
    sim.injectFault('feature_drift', 'search-rag');
  });

  it('clears the faults matching a body', async () => {
    const { status, body } = await call('DELETE', { body: { kind: 'error_spike', sla: 'fraud-scoring' } });
    expect(status).toBe(200);
    expect(body.cleared!.map((f) => f.sla)).toEqual(['fraud-scoring']);
    expect(sim.faults()).toHaveLength(2);
  });

  it('clears the faults matching the query', async () => {
    const { body } = await call('DELETE', { query: '?kind=error_spike' });
    expect(body.cleared!.map((f) => f.sla)).toEqual(['recommendations', 'fraud-scoring']);
    expect(sim.faults().map((f) => f.kind)).toEqual(['feature_drift']);
  });

  it('clears everything without a filter', async () => {
    const { body } = await call('DELETE');
    expect(body.cleared!).toHaveLength(3);
    expect(sim.faults()).toEqual([]);
  });

  it('answers 200 with nothing cleared when nothing matches', async () => {
    expect(await call('DELETE', { body: { kind: 'pipeline_stall' } })).toEqual({
      status: 200,
      body: { cleared: [] },
    });
  });

  it('validates the filter', async () => {
    const bad = await call('DELETE', { query: '?kind=meltdown' });
    expect(bad.status).toBe(400);
    expect(bad.body.error!.details![0]!.field).toBe('kind');
    expect((await call('DELETE', { body: { sla: 'checkout' } })).status).toBe(404);
    expect((await call('DELETE', { body: { index: 'products' } })).body.error!.details).toEqual([
      { field: 'index', message: 'unknown field (fault filter takes kind and sla)' },
    ]);
    expect(sim.faults()).toHaveLength(3);
  });

  it('needs the operate scope', async () => {
    expect((await call('DELETE', { scopes: 'read' })).status).toBe(403);
    expect(sim.faults()).toHaveLength(3);
  });
});
