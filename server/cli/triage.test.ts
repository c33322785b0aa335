// `slactl triage` against a real HTTP server holding the triage route, the committed decision tree and
// statuses from the evaluator: what a person reads, the JSON, and every way the call can fail.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Evaluation } from '../evaluate/types.js';
import { ApiError, errorHandler } from '../http/errors.js';
import { triageRouter } from '../http/triage-routes.js';
import { committedTree, evaluationAt, FULL_PLAN } from '../triage/test-support/fixtures.js';
import type { TriageView } from '../triage/view.js';
import { UsageError } from './io.js';
import { formatValue, triageCommand, type TriageOptions } from './triage.js';

const TOKEN = 'slactl_test-token';
const guard: RequestHandler = (req, _res, next) => {
  const header = req.headers.authorization;
  if (header === undefined) return next(new ApiError(401, 'unauthorized', 'missing bearer token'));
  if (header !== `Bearer ${TOKEN}`)
    return next(new ApiError(401, 'unauthorized', 'unknown or revoked token'));
  next();
};

let server: Server;
let url: string;
let latest: Evaluation;

beforeAll(async () => {
  // Minute 35 of the vector-search incident: the component alert fires, nothing else does.
  latest = evaluationAt('component over budget', 35);
  const tree = committedTree();
  const app = express();
  app.get('/api/v1/slas', guard, (_req, res) => {
    res.json({ data: latest.statuses });
  });
  app.use(triageRouter({ read: guard, latest: () => latest, tree, plans: [FULL_PLAN] }));
  app.use(errorHandler({ error: () => undefined }));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function run(
  options: Partial<TriageOptions>,
  env: Record<string, string | undefined> = { SLACTL_TOKEN: TOKEN },
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await triageCommand(
    { out: (t) => void (out += t), err: (t) => void (err += t), cwd: process.cwd() },
    { url, format: 'text', ...options },
    { env },
  );
  return { code, out, err };
}

describe('slactl triage', () => {
  it('prints the path as an indented tree with the evidence at each question', async () => {
    const { code, out, err } = await run({ sla: 'recs' });
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatchInlineSnapshot(`
      "recs (service recs-api): warning, evaluated 2026-11-22T06:35:00.000Z; alerts 1 firing, 0 pending

      latency: Is end-to-end latency elevated? yes
          no    alert SLOLatencyBurnRateHigh: not active
          no    signal latency_burn_rate{slo=latency-p99}: 0× (limit > 1×)
          yes   alert LatencyComponentOverBudget{component=vector_search}: firing since 2026-11-22T06:31:00.000Z (for 4m); 49.8ms (limit > 25ms)
          no    signal component_p99_ms{component=feature_retrieval}: 4.98ms (limit > 15ms)
          yes   signal component_p99_ms{component=vector_search}: 49.8ms (limit > 25ms)
          no    signal component_p99_ms{component=model_inference}: 24.9ms (limit > 50ms)
        latency.feature_retrieval: Is feature retrieval over its latency budget? no
            no    alert LatencyComponentOverBudget{component=feature_retrieval}: not active
            no    signal component_p99_ms{component=feature_retrieval}: 4.98ms (limit > 15ms)
        latency.vector_search: Is vector search over its latency budget? yes => runbook vector-index-degradation
            yes   alert LatencyComponentOverBudget{component=vector_search}: firing since 2026-11-22T06:31:00.000Z (for 4m); 49.8ms (limit > 25ms)
            yes   signal component_p99_ms{component=vector_search}: 49.8ms (limit > 25ms)
            info  signal recall{index=products}: 100% (limit < 95%)
            info  signal tombstone_ratio{index=products}: 1% (limit > 20%)
          quality.recall.tombstones: Have tombstones accumulated in the index? no
              no    alert VectorTombstoneRatioHigh: not active
              no    signal tombstone_ratio{index=products}: 1% (limit > 20%)

      Answer: latency.vector_search: follow runbook vector-index-degradation
      "
    `);
  });

  it('lists the other failure modes that match at the same time', async () => {
    const before = latest;
    latest = evaluationAt('stale feature, then fallback', 20);
    try {
      const { code, out } = await run({ sla: 'recs' });
      expect(code).toBe(0);
      expect(out.slice(out.indexOf('Answer:'))).toMatchInlineSnapshot(`
        "Answer: quality.freshness: follow runbook stale-features (1 more failure mode match)
        Also matching:
          quality.null_rate => runbook null-rate-spike  (via quality > quality.null_rate)
        "
      `);
      // Group nodes carry no evidence of their own; pending alerts are marked, never counted.
      expect(out).toContain('\nquality: Is prediction quality degraded? yes\n');
    } finally {
      latest = before;
    }
  });

  it('says so when nothing matches, with the evidence that was checked', async () => {
    const before = latest;
    latest = evaluationAt('healthy', 30);
    try {
      const { code, out } = await run({ sla: 'recs' });
      expect(code).toBe(0);
      expect(out).toContain('Answer: no known failure mode matches; the SLA is healthy\n');
      expect(out).toContain('\nlatency: Is end-to-end latency elevated? no\n');
      expect(out).toContain('  quality.recall: Is the vector index degrading');
      // Without --sla a healthy SLA takes one line.
      const all = await run({});
      expect(all.out).toBe('recs: no known failure mode matches; the SLA is healthy\n');
    } finally {
      latest = before;
    }
  });

  it('prints the server’s JSON with --format json, for one SLA or all', async () => {
    const one = await run({ sla: 'recs', format: 'json' });
    expect(one.code).toBe(0);
    const view = JSON.parse(one.out) as TriageView;
    expect(view.leaf).toEqual({
      node: 'latency.vector_search',
      question: 'Is vector search over its latency budget?',
      runbook: 'vector-index-degradation',
      path: ['latency', 'latency.vector_search'],
    });
    const all = await run({ format: 'json' });
    expect((JSON.parse(all.out) as TriageView[]).map((v) => v.sla)).toEqual(['recs']);
  });

  it('takes the token from --token before SLACTL_TOKEN', async () => {
    const { code } = await run({ sla: 'recs', token: TOKEN }, { SLACTL_TOKEN: 'wrong' });
    expect(code).toBe(0);
  });

  const failures: Array<[string, Partial<TriageOptions>, Record<string, string | undefined>, string]> = [
    [
      'no token',
      { sla: 'recs' },
      {},
      '401 unauthorized: missing bearer token\n  pass --token or set SLACTL_TOKEN (create one: slactl token create --name cli --scopes read)',
    ],
    [
      'a wrong token',
      { sla: 'recs' },
      { SLACTL_TOKEN: 'nope' },
      '401 unauthorized: unknown or revoked token\n  the token is unknown or revoked',
    ],
    [
      'an unknown SLA',
      { sla: 'rec' },
      { SLACTL_TOKEN: TOKEN },
      '404 not_found: no SLA named "rec" (did you mean "recs"?)',
    ],
  ];
  it.each(failures)('exits 1 with the server’s message for %s', async (_name, options, env, message) => {
    const { code, out, err } = await run(options, env);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toBe(`slactl triage: ${message}\n`);
  });

  it('names the server it cannot reach', async () => {
    const closed = express().listen(0, '127.0.0.1');
    await new Promise((resolve) => closed.once('listening', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { code, err } = await run({ sla: 'recs', url: `http://127.0.0.1:${port}` });
    expect(code).toBe(1);
    expect(err).toBe(
      `slactl triage: cannot reach http://127.0.0.1:${port} (ECONNREFUSED); is \`slactl serve\` running there?\n`,
    );
  });

  it('gives up after the timeout', async () => {
    const hang: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal!.reason as Error));
      });
    let err = '';
    const code = await triageCommand(
      { out: () => undefined, err: (t) => void (err += t), cwd: '.' },
      { url, format: 'text', sla: 'recs' },
      { env: {}, fetch: hang, timeoutMs: 50 },
    );
    expect(code).toBe(1);
    expect(err).toBe(`slactl triage: no answer from ${url} within 50ms\n`);
  });

  it('refuses an answer that is not slactl’s', async () => {
    const html: typeof fetch = () => Promise.resolve(new Response('<html></html>', { status: 200 }));
    let err = '';
    const code = await triageCommand(
      { out: () => undefined, err: (t) => void (err += t), cwd: '.' },
      { url, format: 'text', sla: 'recs' },
      { env: {}, fetch: html },
    );
    expect(code).toBe(1);
    expect(err).toBe(`slactl triage: /api/v1/triage answered 200 without JSON; is ${url} slactl?\n`);
  });

  it('rejects URLs it will not call, as usage errors', async () => {
    await expect(run({ url: 'ftp://example.com' })).rejects.toThrow(UsageError);
    await expect(run({ url: 'not a url' })).rejects.toThrow('--url must be an http(s) URL such as');
    await expect(run({ url: 'http://user:pw@127.0.0.1:1' })).rejects.toThrow('must not hold credentials');
  });

  it('warns before sending a token over plain http to another host', async () => {
    const echo: typeof fetch = () =>
      Promise.resolve(new Response(JSON.stringify({ data: [] }), { status: 200 }));
    let err = '';
    const code = await triageCommand(
      { out: () => undefined, err: (t) => void (err += t), cwd: '.' },
      { url: 'http://slactl.example.com:8080', format: 'text', token: TOKEN },
      { env: {}, fetch: echo },
    );
    expect(code).toBe(0);
    expect(err).toBe(
      'slactl triage: warning: sending the token over plain http to slactl.example.com:8080\n',
    );
  });
});

describe('formatValue', () => {
  it.each([
    [48.75, 'ms', '48.8ms'],
    [1500, 'ms', '1.5s'],
    [0.0488, 'seconds', '48.8ms'],
    [42, 'seconds', '42s'],
    [330, 'seconds', '5m30s'],
    [0.9667, 'ratio', '96.7%'],
    [14.4, 'burn', '14.4×'],
    [12345.4, 'messages', '12345 messages'],
    [1, 'flag', 'yes'],
    [0.2512, 'number', '0.251'],
  ] as const)('%d %s is %s', (value, unit, text) => {
    expect(formatValue(value, unit)).toBe(text);
  });
});
