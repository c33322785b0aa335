// The demo's remediation endpoints: each heals exactly the faults its real counterpart would, checks
// what it is asked to act on, and — the acceptance path — an injected index degradation goes
// alert → runbook action → compaction → recall recovers → resolved in the running server.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SlaPlan } from '../compile/ir.js';
import { ApiError, errorHandler } from '../http/errors.js';
import { ManualClock } from '../lib/clock.js';
import { actionsFor } from '../remediate/runbook-actions.js';
import { loadRunbooks } from '../remediate/runbook.js';
import { EMPTY_REMEDIATION_CONFIG, Targets } from '../remediate/targets.js';
import { renderAction } from '../remediate/template.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { FAULT_KINDS, type FaultKind } from './faults.js';
import { DemoRemediation, REMEDIATION_NAMES, type RemediationName } from './remediation.js';
import { demoRouter } from './router.js';
import { DemoSimulator } from './simulator.js';
import { CollectingClient, REPO, examplePlans } from './test-support/fixtures.js';

const START = Date.UTC(2026, 0, 1, 12, 0, 0);
let plans: SlaPlan[];

beforeAll(async () => {
  plans = await examplePlans();
});

function simulator(): DemoSimulator {
  return new DemoSimulator({ plans, client: new CollectingClient(), clock: new ManualClock(START) });
}

/** Injects every fault kind that applies to recommendations, and error_spike on fraud-scoring. */
function everyFault(sim: DemoSimulator): void {
  for (const kind of FAULT_KINDS) sim.injectFault(kind, 'recommendations');
  sim.injectFault('error_spike', 'fraud-scoring');
}

describe('DemoRemediation.apply', () => {
  const cases: Array<[RemediationName, string | undefined, FaultKind[]]> = [
    ['compact-index', 'products', ['index_degradation', 'tombstone_buildup']],
    ['retry-pipeline', undefined, ['pipeline_stall']],
    ['scale-consumer-group', 'feature-pipeline', ['pipeline_stall']],
    ['rollback-schema', 'user_7d_purchase_count', ['schema_change_nulls']],
    ['rollback-feature-pipeline', undefined, ['feature_drift']],
    ['scale-component', 'model_inference', ['model_slowdown']],
    ['scale-component', 'feature_retrieval', ['online_store_slowdown']],
    ['scale-component', 'network', []],
    ['scale-component', 'vector_search', []],
    ['failover-online-store', undefined, ['online_store_slowdown']],
    ['rollback-deploy', undefined, ['error_spike']],
  ];

  it.each(cases)('%s (%s) heals %j on that SLA and nothing else', (name, subject, heals) => {
    const sim = simulator();
    everyFault(sim);
    const result = new DemoRemediation(sim, plans).apply(name, 'recommendations', subject);
    expect(result.healed.map((f) => f.kind).sort()).toEqual([...heals].sort());
    expect(result.healed.every((f) => f.sla === 'recommendations')).toBe(true);
    const left = sim.faults().map((f) => `${f.kind} ${f.sla}`);
    expect(left).toContain('error_spike fraud-scoring');
    expect(left).toHaveLength(FAULT_KINDS.length + 1 - heals.length);
  });

  it('covers every remediation and heals every fault kind with at least one', () => {
    expect(new Set(cases.map(([name]) => name))).toEqual(new Set(REMEDIATION_NAMES));
    expect(new Set(cases.flatMap(([, , heals]) => heals))).toEqual(new Set(FAULT_KINDS));
  });

  it('is safe to repeat: the second run heals nothing and says so', () => {
    const sim = simulator();
    sim.injectFault('index_degradation', 'recommendations');
    const remediation = new DemoRemediation(sim, plans);
    const first = remediation.apply('compact-index', 'recommendations', 'products');
    expect(first.message).toBe(
      'compact-index on index products of recommendations: healed index_degradation',
    );
    const second = remediation.apply('compact-index', 'recommendations', 'products');
    expect(second).toEqual({
      remediation: 'compact-index',
      sla: 'recommendations',
      subject: { field: 'index', value: 'products' },
      healed: [],
      message: 'compact-index on index products of recommendations: done; no fault it heals was active there',
    });
  });

  it.each([
    [
      'compact-index',
      'recommendations',
      'passages',
      404,
      'unknown_index',
      'recommendations has no index "passages" (indexes: products)',
    ],
    [
      'scale-consumer-group',
      'search-rag',
      'ingest',
      404,
      'unknown_consumer_group',
      'search-rag has no consumer group "ingest" (it has no consumer groups)',
    ],
    [
      'rollback-schema',
      'fraud-scoring',
      'item_ctr_1h',
      404,
      'unknown_feature',
      expect.stringContaining(
        'fraud-scoring has no feature "item_ctr_1h" (features: card_txn_count_5m',
      ) as string,
    ],
    [
      'scale-component',
      'fraud-scoring',
      'vector_search',
      404,
      'unknown_component',
      'fraud-scoring has no component "vector_search" (components: network, feature_retrieval, feature_assembly, model_inference, post_processing)',
    ],
    [
      'retry-pipeline',
      'checkout',
      undefined,
      404,
      'unknown_sla',
      'unknown SLA "checkout" (SLAs: fraud-scoring, recommendations, search-rag)',
    ],
  ] as const)('%s on %s %s: %i %s', (name, sla, subject, status, code, message) => {
    const sim = simulator();
    everyFault(sim);
    const before = sim.faults();
    let error: unknown;
    try {
      new DemoRemediation(sim, plans).apply(name, sla, subject);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status, code, message });
    expect(sim.faults()).toEqual(before);
  });

  it('without plans, still refuses SLAs the demo does not simulate and checks no subjects', () => {
    const sim = simulator();
    sim.injectFault('index_degradation', 'search-rag');
    const remediation = new DemoRemediation(sim);
    expect(() => remediation.apply('compact-index', 'checkout', 'products')).toThrow(
      'unknown SLA "checkout" (SLAs: fraud-scoring, recommendations, search-rag)',
    );
    expect(remediation.apply('compact-index', 'search-rag', 'anything').healed).toHaveLength(1);
  });

  it('lists every remediation with its endpoint and body fields', () => {
    const list = new DemoRemediation(simulator(), plans).list();
    expect(list.map((r) => [r.name, r.path, r.fields.join(',')])).toEqual([
      ['compact-index', '/api/v1/demo/remediate/compact-index', 'sla,index'],
      ['retry-pipeline', '/api/v1/demo/remediate/retry-pipeline', 'sla'],
      ['scale-consumer-group', '/api/v1/demo/remediate/scale-consumer-group', 'sla,consumerGroup'],
      ['rollback-schema', '/api/v1/demo/remediate/rollback-schema', 'sla,feature'],
      ['rollback-feature-pipeline', '/api/v1/demo/remediate/rollback-feature-pipeline', 'sla'],
      ['scale-component', '/api/v1/demo/remediate/scale-component', 'sla,component'],
      ['failover-online-store', '/api/v1/demo/remediate/failover-online-store', 'sla'],
      ['rollback-deploy', '/api/v1/demo/remediate/rollback-deploy', 'sla'],
    ]);
  });
});

describe('the remediation routes', () => {
  let server: Server;
  let base: string;
  let sim: DemoSimulator;

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

  beforeAll(async () => {
    sim = simulator();
    const app = express();
    app.use(demoRouter(sim, { read: guard('read'), operate: guard('operate') }, { plans }));
    app.use(errorHandler({ error: () => undefined }));
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/demo`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    sim.clearFault();
  });

  async function post(
    name: string,
    body: unknown,
    scopes = 'operate',
  ): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${base}/remediate/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-scopes': scopes },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }

  it('heals and answers 200 with what it did', async () => {
    sim.injectFault('tombstone_buildup', 'search-rag');
    const { status, body } = await post('compact-index', { sla: 'search-rag', index: 'passages' });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      result: {
        remediation: 'compact-index',
        sla: 'search-rag',
        subject: { field: 'index', value: 'passages' },
        healed: [{ kind: 'tombstone_buildup', sla: 'search-rag' }],
      },
    });
    expect(sim.faults()).toEqual([]);
  });

  it.each([
    [
      'a missing subject',
      'compact-index',
      { sla: 'recommendations' },
      [{ field: 'index', message: 'expected the name of the index (missing)' }],
    ],
    [
      'an unknown field',
      'retry-pipeline',
      { sla: 'recommendations', force: true },
      [{ field: 'force', message: 'unknown field (retry-pipeline request takes sla)' }],
    ],
    [
      'a subject that is no name',
      'compact-index',
      { sla: 'recommendations', index: '../admin' },
      [
        {
          field: 'index',
          message: 'expected the name of the index (letters, digits, _ . : -) (got "../admin")',
        },
      ],
    ],
    ['a body that is no object', 'rollback-deploy', '[1]', [{ message: 'expected a JSON object (got [1])' }]],
  ])('refuses %s with 400 and the field', async (_what, name, body, details) => {
    sim.injectFault('index_degradation', 'recommendations');
    const response = await post(name, body);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { code: 'invalid_body', details } });
    expect(sim.faults()).toHaveLength(1);
  });

  it('answers 404 for an index the SLA lacks', async () => {
    const response = await post('compact-index', { sla: 'recommendations', index: 'documents' });
    expect(response).toEqual({
      status: 404,
      body: {
        error: {
          code: 'unknown_index',
          message: 'recommendations has no index "documents" (indexes: products)',
        },
      },
    });
  });

  it('needs the operate scope to remediate and the read scope to list', async () => {
    expect((await post('rollback-deploy', { sla: 'recommendations' }, 'read')).status).toBe(403);
    const denied = await fetch(`${base}/remediations`, { headers: { 'x-scopes': 'operate' } });
    expect(denied.status).toBe(403);
    const listed = await fetch(`${base}/remediations`, { headers: { 'x-scopes': 'read' } });
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { remediations: unknown[] }).remediations).toHaveLength(
      REMEDIATION_NAMES.length,
    );
  });
});

describe('the acceptance path in the running server', () => {
  const TICK_MS = 15_000;
  const MINUTE = 60_000;
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer({ demo: true });
  });
  afterAll(async () => {
    await t?.stop();
  });

  interface ApiAlert {
    labels: Record<string, string>;
    annotations: Record<string, string>;
    state: 'pending' | 'firing';
  }

  async function recallAlerts(): Promise<ApiAlert[]> {
    const response = await t.api('/api/v1/alerts');
    const body = (await response.json()) as { data: { alerts: ApiAlert[] } };
    return body.data.alerts.filter(
      (a) =>
        a.state === 'firing' &&
        a.labels.alertname === 'VectorRecallBelowTarget' &&
        a.labels.sla === 'recommendations',
    );
  }

  /** Ticks the demo and evaluates every 15 s until `done`; the evaluation cycles it took, or undefined. */
  async function cyclesUntil(limitMs: number, done: () => Promise<boolean>): Promise<number | undefined> {
    for (let cycles = 1; cycles * TICK_MS <= limitMs; cycles++) {
      t.clock.advance(TICK_MS);
      await t.server.demo!.tick();
      t.server.evaluateNow();
      if (await done()) return cycles;
    }
    return undefined;
  }

  it('index_degradation: alert → compact-index from the runbook → recall recovers → resolved within the verify deadline', async () => {
    await cyclesUntil(10 * MINUTE, () => Promise.resolve(false));
    const inject = await t.api('/api/v1/demo/faults', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'index_degradation', sla: 'recommendations' }),
    });
    expect(inject.status).toBe(201);
    expect(await cyclesUntil(20 * MINUTE, async () => (await recallAlerts()).length > 0)).toBeDefined();
    const [alert] = await recallAlerts();

    // The runbook the alert links to, and the automatic action it starts for this alert.
    const loaded = await loadRunbooks('runbooks', {}, REPO);
    const runbook = loaded.runbooks.find((r) => alert!.annotations.runbook_url?.endsWith(`/${r.id}`));
    expect(runbook?.id).toBe('vector-index-degradation');
    const auto = actionsFor(runbook!, { alertname: 'VectorRecallBelowTarget', labels: alert!.labels }).filter(
      (a) => a.auto,
    );
    expect(auto.map((a) => a.id)).toEqual(['compact-index']);
    const action = auto[0]!;

    // The target `demo` is the control plane itself.
    const targets = new Targets({
      ...EMPTY_REMEDIATION_CONFIG,
      allowHosts: ['127.0.0.1'],
      targets: { demo: { url: t.url, allowHosts: [], headers: {} } },
    });
    const rendered = renderAction(action, alert!.labels, targets);
    expect(rendered).toMatchObject({
      ok: true,
      value: {
        kind: 'http',
        method: 'POST',
        url: `${t.url}/api/v1/demo/remediate/compact-index`,
        body: { sla: 'recommendations', index: 'products' },
      },
    });
    if (!rendered.ok || rendered.value.kind !== 'http') return;
    const response = await t.api(new URL(rendered.value.url).pathname, {
      method: rendered.value.method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(rendered.value.body),
    });
    expect(response.status).toBe(200);
    const { result } = (await response.json()) as { result: { healed: Array<{ kind: string }> } };
    expect(result.healed.map((f) => f.kind)).toEqual(['index_degradation']);

    // Verify: recall recovers over the next probes and the alert resolves before the deadline.
    const cycles = await cyclesUntil(
      action.verify!.withinMs,
      async () => (await recallAlerts()).length === 0,
    );
    expect(cycles).toBeDefined();
    // Recall is judged over 10 minutes: at a 95% floor the window needs about 8.5 minutes of healthy
    // probes, i.e. 34 evaluations at 15 s; the deadline (15 minutes, 60 evaluations) leaves room.
    expect(cycles! * TICK_MS).toBeLessThanOrEqual(10 * MINUTE);
    const status = await t.api('/api/v1/slas/recommendations');
    const body = (await status.json()) as { data: { alerts: unknown[] } };
    expect(
      body.data.alerts.filter((a) => (a as ApiAlert).labels.alertname === 'VectorRecallBelowTarget'),
    ).toEqual([]);
  });
});
