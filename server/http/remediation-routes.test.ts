// The remediation API over real HTTP, in process: scopes on every route, the webhook's answers and
// durability, runs listed, inspected, triggered and decided with the token's identity recorded, and
// no secret in any answer.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import {
  compactAction,
  harness,
  recallLabels,
  runbookOf,
  SECRET,
  T0,
  type Harness,
} from '../remediate/test-support/fixtures.js';
import type { Scope } from '../store/types.js';
import { Authenticator, createToken } from './auth.js';
import { errorHandler, ApiError } from './errors.js';
import { remediationRouter } from './remediation-routes.js';

/** A run, an action or a dry run, as far as the tests read it. */
interface Item {
  id: string;
  state: string;
  action: string;
  approval: string;
  idempotencyKey: string;
  request: unknown;
  breaker: unknown;
  alert: { labels: Record<string, string> };
}

/** An answer as far as the tests read it; `data` is one item or a list, depending on the route. */
interface Answer {
  data: Item & Item[];
  next: string | null;
  runs: string[];
  rejected: unknown[];
  error: { code: string; message: string; details: Array<{ field: string; message: string }> };
}

interface Api {
  h: Harness;
  url: string;
  tokens: Record<'read' | 'ingest' | 'operate' | 'admin', string>;
  call(
    method: string,
    pathname: string,
    options?: { token?: string | null; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: Answer; headers: Headers }>;
}

let server: Server | undefined;
let current: Harness | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  await current?.close();
  current = undefined;
});

async function api(
  runbooks = [runbookOf([compactAction({ approval: 'required' }), compactAction({ id: 'auto-compact' })])],
): Promise<Api> {
  const h = await harness({ runbooks });
  current = h;
  const auth = new Authenticator(h.store);
  const token = (name: string, scopes: Scope[]) => createToken(h.store, name, scopes, T0).secret;
  const tokens = {
    read: token('dashboard', ['read']),
    ingest: token('alertmanager', ['ingest']),
    operate: token('alice', ['operate', 'read']),
    admin: token('root', ['admin']),
  };
  const app = express();
  app.use(remediationRouter({ engine: h.engine, receiver: h.receiver, auth, now: () => h.clock.now() }));
  app.use((req, _res, next) =>
    next(new ApiError(404, 'not_found', `no route for ${req.method} ${req.path}`)),
  );
  app.use(errorHandler({ error: () => undefined }));
  const listening = app.listen(0, '127.0.0.1');
  server = listening;
  await new Promise((resolve) => listening.once('listening', resolve));
  const url = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
  return {
    h,
    url,
    tokens,
    async call(method, pathname, options = {}) {
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      const use = options.token === undefined ? tokens.admin : options.token;
      if (use !== null) headers.authorization = `Bearer ${use}`;
      let body: string | undefined;
      if (options.body !== undefined) {
        body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(`${url}${pathname}`, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
      });
      const text = await res.text();
      return {
        status: res.status,
        body: (text === '' ? {} : JSON.parse(text)) as Answer,
        headers: res.headers,
      };
    },
  };
}

const webhook = (alerts: unknown[]) => ({
  version: '4',
  status: 'firing',
  receiver: 'slactl',
  groupKey: 'g',
  alerts,
});
const amAlert = (index = 'products-v3', status = 'firing') => ({
  status,
  labels: recallLabels(index),
  annotations: {},
  startsAt: new Date(T0).toISOString(),
  endsAt: '0001-01-01T00:00:00Z',
  fingerprint: 'aa11',
});

describe('scopes', () => {
  it('refuses every route without a token, and state changes without the right scope', async () => {
    const a = await api();
    const routes: Array<[string, string, Scope]> = [
      ['POST', '/api/v1/alertmanager', 'ingest'],
      ['GET', '/api/v1/runs', 'read'],
      ['POST', '/api/v1/runs', 'operate'],
      ['POST', '/api/v1/runs/dry-run', 'read'],
      ['GET', '/api/v1/runs/01J00000000000000000000000', 'read'],
      ['POST', '/api/v1/runs/01J00000000000000000000000/approve', 'operate'],
      ['POST', '/api/v1/runs/01J00000000000000000000000/reject', 'operate'],
      ['POST', '/api/v1/runs/01J00000000000000000000000/cancel', 'operate'],
      ['GET', '/api/v1/remediation/actions', 'read'],
      ['POST', '/api/v1/remediation/actions/vector-index-degradation/compact-index/reset', 'operate'],
    ];
    for (const [method, pathname, scope] of routes) {
      expect((await a.call(method, pathname, { token: null })).status, `${method} ${pathname}`).toBe(401);
      for (const held of ['read', 'ingest', 'operate'] as const) {
        const allowed = held === scope || (held === 'operate' && scope === 'read');
        const res = await a.call(method, pathname, {
          token: a.tokens[held],
          ...(method === 'GET' ? {} : { body: {} }),
        });
        if (allowed) expect(res.status, `${held} on ${method} ${pathname}`).not.toBe(403);
        else expect(res.status, `${held} on ${method} ${pathname}`).toBe(403);
      }
    }
    expect(a.h.rows.listRuns({ limit: 10 })).toEqual([]);
  });
});

describe('POST /api/v1/alertmanager', () => {
  it('stores a delivery before answering, and answers duplicates without a second run', async () => {
    const a = await api();
    const first = await a.call('POST', '/api/v1/alertmanager', {
      token: a.tokens.ingest,
      body: webhook([amAlert()]),
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ received: 1, new: 1, duplicates: 0, rejected: [] });
    expect(first.body.runs).toHaveLength(2);
    // Durable on answer: the runs are in the store already.
    expect(
      a.h.rows
        .listRuns({ limit: 10 })
        .map((r) => r.id)
        .sort(),
    ).toEqual([...first.body.runs].sort());
    expect(a.h.rows.getRun(first.body.runs[0]!)!.createdBy).toMatch(/^token:.* \(alertmanager\)$/);

    const again = await a.call('POST', '/api/v1/alertmanager', {
      token: a.tokens.ingest,
      body: webhook([amAlert()]),
    });
    expect(again.body).toMatchObject({ received: 1, new: 0, duplicates: 1, runs: [] });
    expect(a.h.rows.listRuns({ limit: 10 })).toHaveLength(2);
  });

  it('answers a malformed payload with 400 naming the field, and a wrong type with 415', async () => {
    const a = await api();
    const bad = await a.call('POST', '/api/v1/alertmanager', {
      token: a.tokens.ingest,
      body: { version: '3', alerts: [] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      error: {
        code: 'invalid_payload',
        message:
          'not an Alertmanager webhook payload (version 4): version: expected "4" (the webhook payload version this receiver reads)',
        details: [
          { field: 'version', message: 'expected "4" (the webhook payload version this receiver reads)' },
        ],
      },
    });
    const notJson = await a.call('POST', '/api/v1/alertmanager', {
      token: a.tokens.ingest,
      body: '{"version":',
      headers: {},
    });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe('invalid_json');
    const text = await a.call('POST', '/api/v1/alertmanager', {
      token: a.tokens.ingest,
      body: 'version=4',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
  });

  it('sets aside a bad alert, keeps the rest, and says which', async () => {
    const a = await api();
    const long = { ...amAlert(), labels: { ...recallLabels(), index: 'x'.repeat(2_000) } };
    const res = await a.call('POST', '/api/v1/alertmanager', {
      token: a.tokens.ingest,
      body: webhook([long, amAlert('faq')]),
    });
    expect(res.status).toBe(200);
    expect(res.body.rejected).toEqual([
      {
        index: 0,
        problems: [{ field: 'alerts[0].labels.index', message: 'value is 2000 characters, more than 1024' }],
      },
    ]);
    expect(res.body.runs).toHaveLength(2);
  });
});

describe('runs', () => {
  it('lists with filters and pages, and inspects one with its timeline', async () => {
    const a = await api();
    for (const index of ['a', 'b', 'c']) {
      await a.call('POST', '/api/v1/alertmanager', {
        token: a.tokens.ingest,
        body: webhook([amAlert(index)]),
      });
      a.h.clock.advance(1_000);
    }
    await a.h.engine.settle();
    const waiting = await a.call('GET', '/api/v1/runs?state=awaiting_approval&limit=2', {
      token: a.tokens.read,
    });
    expect(waiting.status).toBe(200);
    expect(waiting.body.data.map((r) => r.alert.labels.index)).toEqual(['c', 'b']);
    const rest = await a.call(
      'GET',
      `/api/v1/runs?state=awaiting_approval&limit=2&cursor=${waiting.body.next}`,
      { token: a.tokens.read },
    );
    expect(rest.body.data.map((r) => r.alert.labels.index)).toEqual(['a']);
    expect(rest.body.next).toBeNull();
    const all = await a.call('GET', '/api/v1/runs?runbook=vector-index-degradation&action=auto-compact', {
      token: a.tokens.read,
    });
    expect(all.body.data).toHaveLength(3);

    const detail = await a.call('GET', `/api/v1/runs/${all.body.data[0]!.id}`, { token: a.tokens.read });
    expect(detail.body.data).toMatchObject({
      state: 'verifying',
      transitions: [{ to: 'triggered' }, { to: 'executing' }, { to: 'verifying' }],
      attempts: [{ attempt: 1, outcome: 'ok', status: 200 }],
      request: { method: 'POST', headers: { Authorization: 'Bearer [secret from $SEARCH_ADMIN_TOKEN]' } },
    });

    const badQuery = await a.call('GET', '/api/v1/runs?state=done&limit=0&sort=x', { token: a.tokens.read });
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.error.details.map((d) => d.field)).toEqual(['state', 'limit', 'sort']);
    expect((await a.call('GET', '/api/v1/runs/nope', { token: a.tokens.read })).status).toBe(404);
  });

  it('approves, rejects and cancels with the token recorded as the actor', async () => {
    const a = await api();
    const delivered = await a.call('POST', '/api/v1/alertmanager', {
      token: a.tokens.ingest,
      body: webhook([amAlert('a'), amAlert('b')]),
    });
    const waiting = a.h.rows.listRuns({ limit: 10, states: ['awaiting_approval'] }).map((r) => r.id);
    expect(waiting).toHaveLength(2);
    expect(delivered.body.runs).toEqual(expect.arrayContaining(waiting));

    const approved = await a.call('POST', `/api/v1/runs/${waiting[0]}/approve`, {
      token: a.tokens.operate,
      body: { reason: 'looks right' },
    });
    expect(approved.status).toBe(200);
    expect(approved.body.data).toMatchObject({
      state: 'executing',
      decidedBy: expect.stringMatching(/^token:.* \(alice\)$/) as string,
    });
    const rejected = await a.call('POST', `/api/v1/runs/${waiting[1]}/reject`, { token: a.tokens.operate });
    expect(rejected.body.data.state).toBe('rejected');
    const twice = await a.call('POST', `/api/v1/runs/${waiting[1]}/approve`, { token: a.tokens.operate });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('invalid_state');
    const badNote = await a.call('POST', `/api/v1/runs/${waiting[0]}/cancel`, {
      token: a.tokens.operate,
      body: { why: 1 },
    });
    expect(badNote.status).toBe(400);
    expect(badNote.body.error).toMatchObject({
      code: 'invalid_body',
      details: [{ message: 'unknown field why' }],
    });
    const cancelled = await a.call('POST', `/api/v1/runs/${waiting[0]}/cancel`, { token: a.tokens.operate });
    expect(cancelled.body.data.state).toBe('cancelled');

    const actors = a.h.audit.entries
      .filter((e) => ['run_approved', 'run_rejected', 'run_cancelled'].includes(e.kind))
      .map((e) => e.actor);
    expect(actors).toHaveLength(3);
    for (const actor of actors) expect(actor).toMatch(/^token:[0-9a-f-]{36} \(alice\)$/);
  });

  it('triggers by hand, refuses a cooldown with 409 and Retry-After, and names bad fields', async () => {
    const a = await api([runbookOf([compactAction({ cooldownMs: 600_000 })])]);
    const body = {
      runbook: 'vector-index-degradation',
      action: 'compact-index',
      labels: { index: 'faq-v1' },
    };
    const created = await a.call('POST', '/api/v1/runs', { token: a.tokens.operate, body });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({
      trigger: 'manual',
      state: 'executing',
      createdBy: expect.stringMatching(/\(alice\)$/) as string,
    });
    await a.h.engine.settle();
    // Without a firing alert the verification passes at once; the cooldown still holds.
    expect(a.h.engine.get(created.body.data.id).state).toBe('succeeded');
    const cooling = await a.call('POST', '/api/v1/runs', { token: a.tokens.operate, body });
    expect(cooling.status).toBe(409);
    expect(cooling.body.error.code).toBe('cooldown');
    expect(cooling.headers.get('retry-after')).toBe('600');

    const unknown = await a.call('POST', '/api/v1/runs', {
      token: a.tokens.operate,
      body: { ...body, runbook: 'nope' },
    });
    expect(unknown.status).toBe(404);
    const hostile = await a.call('POST', '/api/v1/runs', {
      token: a.tokens.operate,
      body: { ...body, labels: { index: '../admin' } },
    });
    expect(hostile.status).toBe(400);
    expect(hostile.body.error).toMatchObject({
      code: 'template_rejected',
      details: [{ field: 'labels.index' }],
    });
    const missing = await a.call('POST', '/api/v1/runs', { token: a.tokens.operate, body: {} });
    expect(missing.body.error.details.map((d) => d.field)).toEqual(['runbook', 'action']);
  });

  it('dry-runs: the exact request, secrets masked, nothing sent', async () => {
    const a = await api();
    const res = await a.call('POST', '/api/v1/runs/dry-run', {
      token: a.tokens.read,
      body: { runbook: 'vector-index-degradation', action: 'compact-index', labels: recallLabels() },
    });
    expect(res.status).toBe(200);
    expect(res.body.data.request).toMatchObject({
      method: 'POST',
      url: `${a.h.target.url}/admin/indexes/products-v3/compact`,
      headers: {
        Authorization: 'Bearer [secret from $SEARCH_ADMIN_TOKEN]',
        'Idempotency-Key': res.body.data.idempotencyKey,
      },
      body: { index: 'products-v3', mode: 'full' },
    });
    expect(res.body.data.approval).toBe('required');
    expect(a.h.target.requests).toHaveLength(0);
  });

  it('shows actions and resets a breaker', async () => {
    const a = await api();
    const list = await a.call('GET', '/api/v1/remediation/actions', { token: a.tokens.read });
    expect(list.body.data.map((x) => x.action)).toEqual(['compact-index', 'auto-compact']);
    const reset = await a.call(
      'POST',
      '/api/v1/remediation/actions/vector-index-degradation/compact-index/reset',
      { token: a.tokens.operate },
    );
    expect(reset.body.data.breaker).toMatchObject({ open: false, consecutiveFailures: 0 });
    expect(
      (await a.call('POST', '/api/v1/remediation/actions/x/y/reset', { token: a.tokens.operate })).status,
    ).toBe(404);
  });

  it('never answers with a secret', async () => {
    const a = await api();
    await a.call('POST', '/api/v1/alertmanager', { token: a.tokens.ingest, body: webhook([amAlert()]) });
    await a.h.engine.settle();
    const answers = await Promise.all([
      a.call('GET', '/api/v1/runs'),
      ...a.h.rows.listRuns({ limit: 10 }).map((r) => a.call('GET', `/api/v1/runs/${r.id}`)),
      a.call('POST', '/api/v1/runs/dry-run', {
        body: { runbook: 'vector-index-degradation', action: 'auto-compact', labels: recallLabels() },
      }),
      a.call('GET', '/api/v1/remediation/actions'),
    ]);
    expect(a.h.target.requests[0]!.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(JSON.stringify(answers.map((x) => x.body))).not.toContain(SECRET);
  });
});
