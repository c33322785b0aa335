// GET /api/v1/triage over HTTP with the real authenticator, the committed decision tree and evaluator
// output: the answer's shape, the read scope, and a clear 4xx for every bad query.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Evaluation } from '../evaluate/types.js';
import { openStore, type Store } from '../store/store.js';
import { committedTree, evaluationAt, FULL_PLAN } from '../triage/test-support/fixtures.js';
import type { TriageView } from '../triage/view.js';
import { Authenticator, createToken } from './auth.js';
import { errorHandler } from './errors.js';
import { toTreeView, triageRouter, type ConditionView, type TreeView } from './triage-routes.js';

interface Body {
  data?: TriageView;
  error?: { code: string; message: string; details?: Array<{ field?: string; message: string }> };
}

let server: Server;
let base: string;
let store: Store;
let readToken: string;
let ingestToken: string;
let latest: Evaluation;
const logged: unknown[] = [];

beforeAll(async () => {
  latest = evaluationAt('recall drop', 30);
  store = openStore({ path: ':memory:' });
  const auth = new Authenticator(store);
  readToken = createToken(store, 'dashboard', ['read'], 1).secret;
  ingestToken = createToken(store, 'collector', ['ingest'], 1).secret;
  // A second plan without a status yet: known to the server, not evaluated.
  const pending = { ...FULL_PLAN, name: 'search' };
  const app = express();
  app.set('query parser', 'simple');
  app.use(
    triageRouter({
      read: auth.require('read'),
      latest: () => latest,
      tree: committedTree(),
      plans: [FULL_PLAN, pending],
    }),
  );
  app.use(errorHandler({ error: (obj) => void logged.push(obj) }));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/triage`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  store.close();
});

async function get(query: string, token: string | null = readToken): Promise<{ status: number; body: Body }> {
  const response = await fetch(`${base}${query}`, {
    headers: token === null ? {} : { Authorization: `Bearer ${token}` },
  });
  return { status: response.status, body: (await response.json()) as Body };
}

describe('GET /api/v1/triage', () => {
  it('answers the primary path with evidence, the leaf, and the other matches', async () => {
    const { status, body } = await get('?sla=recs');
    expect(status).toBe(200);
    const view = body.data!;
    expect(view).toMatchObject({
      sla: 'recs',
      service: 'recs-api',
      outcome: 'matched',
      evaluatedAt: '2026-11-22T06:30:00.000Z',
      summary: 'quality.recall.tombstones: follow runbook tombstone-accumulation',
      leaf: {
        node: 'quality.recall.tombstones',
        runbook: 'tombstone-accumulation',
        path: ['quality', 'quality.recall', 'quality.recall.tombstones'],
      },
      others: [],
    });
    expect(view.path.map((s) => `${'  '.repeat(s.depth)}${s.node} ${s.matched ? 'yes' : 'no'}`)).toEqual([
      'latency no',
      'availability no',
      'quality yes',
      '  quality.freshness no',
      '  quality.null_rate no',
      '  quality.drift no',
      '  quality.recall yes',
      '    quality.recall.tombstones yes',
    ]);
    const tombstones = view.path.at(-1)!;
    expect(tombstones.terminal).toBe(true);
    // Recall dropped at minute 21; the tombstone alert holds 15 minutes, so at 30 it is pending: shown,
    // marked, not counted. The signal decides.
    expect(tombstones.evidence).toEqual([
      {
        source: 'alert',
        name: 'VectorTombstoneRatioHigh',
        subject: { index: 'products' },
        matched: false,
        state: 'pending',
        value: 0.3,
        op: '>',
        threshold: 0.2,
        unit: 'ratio',
        since: '2026-11-22T06:21:00.000Z',
        activeAt: '2026-11-22T06:21:00.000Z',
        note: 'pending: not firing yet',
      },
      {
        source: 'signal',
        name: 'tombstone_ratio',
        subject: { index: 'products' },
        matched: true,
        value: 0.3,
        op: '>',
        threshold: 0.2,
        unit: 'ratio',
      },
    ]);
    const recall = view.path.find((s) => s.node === 'quality.recall')!;
    const firing = recall.evidence.find((e) => e.name === 'VectorRecallBelowTarget')!;
    // A firing alert's evidence dates from when it fired; activeAt is when its condition first held.
    expect(firing).toMatchObject({
      state: 'firing',
      matched: true,
      since: '2026-11-22T06:28:00.000Z',
      activeAt: '2026-11-22T06:23:00.000Z',
    });
  });

  const bad: Array<[string, string, number, string, string | undefined]> = [
    ['a missing sla', '', 400, 'missing query parameter sla: the name of the SLA to triage', 'sla'],
    ['an empty sla', '?sla=', 400, 'missing query parameter sla: the name of the SLA to triage', 'sla'],
    ['a repeated sla', '?sla=recs&sla=recs', 400, 'query parameter sla must be given once', 'sla'],
    [
      'an unknown parameter',
      '?sla=recs&node=latency',
      400,
      'unknown query parameter node (this route takes sla)',
      'node',
    ],
    ['an unknown SLA', '?sla=rec', 404, 'no SLA named "rec" (did you mean "recs"?)', 'sla'],
    [
      'an SLA not evaluated yet',
      '?sla=search',
      503,
      'SLA "search" has not been evaluated yet; retry shortly',
      undefined,
    ],
  ];
  it.each(bad)('answers %s with a clear error', async (_name, query, status, message, field) => {
    const { status: got, body } = await get(query);
    expect(got).toBe(status);
    expect(body.error?.message).toBe(message);
    if (field !== undefined) expect(body.error?.details?.[0]?.field).toBe(field);
    expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/);
  });

  it('needs a token with the read scope', async () => {
    expect((await get('?sla=recs', null)).status).toBe(401);
    const forbidden = await get('?sla=recs', ingestToken);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error?.code).toBe('forbidden');
  });

  it('reads the latest evaluation on every request', async () => {
    const before = latest;
    latest = evaluationAt('healthy', 10);
    try {
      const { body } = await get('?sla=recs');
      expect(body.data).toMatchObject({
        outcome: 'no_match',
        summary: 'no known failure mode matches; the SLA is healthy',
        others: [],
      });
      expect(body.data?.leaf).toBeUndefined();
      // Every root question was asked, and the quality group shows its children as the evidence checked.
      expect(body.data?.path.filter((s) => s.depth === 0).map((s) => s.node)).toEqual([
        'latency',
        'availability',
        'quality',
      ]);
      expect(body.data?.path.filter((s) => s.depth === 1)).toHaveLength(4);
    } finally {
      latest = before;
    }
    expect(logged).toEqual([]);
  });
});

describe('GET /api/v1/triage/tree', () => {
  const tree = async (query = '', token: string | null = readToken) => {
    const response = await fetch(`${base}/tree${query}`, {
      headers: token === null ? {} : { Authorization: `Bearer ${token}` },
    });
    return {
      status: response.status,
      body: (await response.json()) as {
        data?: unknown;
        error?: { code: string; details?: Array<{ field?: string }> };
      },
    };
  };

  it('answers every node of the loaded tree with its question, children and runbook, without file positions', async () => {
    const { status, body } = await tree();
    expect(status).toBe(200);
    const view = body.data as TreeView;
    const source = committedTree();
    expect(view.root).toEqual(source.root);
    expect(view.nodes.map((n) => n.id)).toEqual(source.nodes.map((n) => n.id));
    expect(view.nodes.find((n) => n.id === 'latency.vector_search')).toMatchObject({
      question: 'Is vector search over its latency budget?',
      runbook: 'vector-index-degradation',
      children: ['quality.recall.tombstones'],
      context: ['recall', 'tombstone_ratio'],
    });
    const latency = view.nodes.find((n) => n.id === 'latency')!;
    expect(latency.children).toContain('latency.vector_search');
    expect(latency.when).toBeDefined();
    // Group nodes have no condition; no node carries the loader's positions.
    expect(view.nodes.find((n) => n.id === 'quality')!.when).toBeUndefined();
    expect(JSON.stringify(view)).not.toMatch(/"(at|nameAt|whereAt|idAt|childrenAt|runbookAt|contextAt)"/);
    // Every child the tree names is one of its nodes: a client can draw it without guessing.
    const ids = new Set(view.nodes.map((n) => n.id));
    expect(view.nodes.flatMap((n) => n.children).every((c) => ids.has(c))).toBe(true);
  });

  it('needs the read scope and takes no parameters', async () => {
    expect((await tree('', null)).status).toBe(401);
    expect((await tree('', ingestToken)).status).toBe(403);
    const bad = await tree('?sla=recs');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_query', details: [{ field: 'sla' }] });
  });
});

describe('toTreeView', () => {
  it('keeps combined conditions nested and signal thresholds', () => {
    const view = toTreeView(committedTree());
    const kinds = new Set<string>();
    const walk = (c: ConditionView | undefined): void => {
      if (c === undefined) return;
      kinds.add(c.kind);
      if (c.kind === 'any' || c.kind === 'all') c.of.forEach(walk);
    };
    view.nodes.forEach((n) => walk(n.when));
    expect(kinds.has('alert')).toBe(true);
    expect(kinds.has('signal')).toBe(true);
  });
});
