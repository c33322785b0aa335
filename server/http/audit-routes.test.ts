import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditError } from '../audit/errors.js';
import { openAuditLog, type AuditLog } from '../audit/log.js';
import type { AuditEntry } from '../audit/types.js';
import { ManualClock } from '../lib/clock.js';
import { openStore, type Store } from '../store/store.js';
import { tamperStore } from '../store/test-support/audit-tamper.js';
import { auditRouter, parseAuditQuery } from './audit-routes.js';
import { Authenticator, createToken } from './auth.js';
import { errorHandler } from './errors.js';

interface Body {
  data?: AuditEntry[];
  next?: number;
  error?: { code: string; message: string; details?: Array<{ field?: string; message: string }> };
}

const T0 = Date.UTC(2026, 2, 1, 9, 0, 0);
let server: Server;
let base: string;
let store: Store;
let log: AuditLog;
let dataDir: string;
let reader: string;
let ingester: string;
let failing = false;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'slactl-audit-routes-'));
  store = openStore({ path: ':memory:' });
  const clock = new ManualClock(T0);
  log = openAuditLog({ store, dataDir, clock });
  const kinds = [
    'alert_received',
    'triage_path',
    'run_created',
    'action_request',
    'action_response',
  ] as const;
  for (let i = 0; i < 45; i++) {
    log.append({
      kind: kinds[i % kinds.length]!,
      actor: 'system',
      subject: `run-${i % 3}`,
      data: { i },
    });
    clock.advance(1_000);
  }
  reader = createToken(store, 'dashboard', ['read'], T0).secret;
  ingester = createToken(store, 'collector', ['ingest'], T0).secret;
  const auth = new Authenticator(store);
  const app = express();
  app.set('query parser', 'simple');
  // A source that fails on demand stands in for a corrupted database.
  app.use(
    auditRouter(
      {
        page: (query) => {
          if (failing) throw new AuditError('corrupt_entry', 'audit entry 7 cannot be read: it was altered');
          return log.page(query);
        },
        verify: () => log.verify(),
      },
      { read: auth.require('read') },
    ),
  );
  app.use(errorHandler({ error: () => undefined }));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/audit`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function get(query = '', token: string | null = reader): Promise<{ status: number; body: Body }> {
  const response = await fetch(`${base}${query}`, {
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
  return { status: response.status, body: (await response.json()) as Body };
}

const seqs = (body: Body) => body.data!.map((e) => e.seq);

describe('GET /api/v1/audit/verify', () => {
  // Runs before the tamper tests below: the chain is intact here.
  it('answers the whole chain verified, with its head, not cached', async () => {
    const response = await fetch(`${base}/verify`, { headers: { authorization: `Bearer ${reader}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as { data: Record<string, unknown> };
    expect(body.data).toMatchObject({ ok: true, entries: 45, head: { seq: 45 } });
    expect(body.data.failure).toBeUndefined();
    expect(typeof body.data.checkedAt).toBe('string');
  });

  it('needs the read scope and takes no parameters', async () => {
    const as = (token: string, query = '') =>
      fetch(`${base}/verify${query}`, { headers: { authorization: `Bearer ${token}` } });
    expect((await as(ingester)).status).toBe(403);
    const bad = await as(reader, '?deep=1');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { code: 'invalid_query', details: [{ field: 'deep' }] },
    });
  });
});

describe('GET /api/v1/audit', () => {
  it('answers the newest 100 entries by default, in the AuditEntry shape, not cached', async () => {
    const response = await fetch(base, { headers: { authorization: `Bearer ${reader}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Body;
    expect(seqs(body)).toEqual(Array.from({ length: 45 }, (_, i) => 45 - i));
    expect(body.next).toBeUndefined();
    expect(body.data![44]).toEqual({
      seq: 1,
      at: T0,
      kind: 'alert_received',
      actor: 'system',
      subject: 'run-0',
      data: { i: 0 },
      prevHash: '0'.repeat(64),
      hash: expect.stringMatching(/^[0-9a-f]{64}$/) as string,
      signature: expect.stringMatching(/^[A-Za-z0-9+/]{86}==$/) as string,
    });
  });

  it('pages back with `before` and forward with `after`, following `next` to the end', async () => {
    const back: number[] = [];
    let query = '?limit=20';
    for (;;) {
      const { status, body } = await get(query);
      expect(status).toBe(200);
      back.push(...seqs(body));
      if (body.next === undefined) break;
      query = `?limit=20&before=${body.next}`;
    }
    expect(back).toEqual(Array.from({ length: 45 }, (_, i) => 45 - i));

    const forward: number[] = [];
    query = '?limit=16&after=0';
    for (;;) {
      const { body } = await get(query);
      forward.push(...seqs(body));
      if (body.next === undefined) break;
      query = `?limit=16&after=${body.next}`;
    }
    expect(forward).toEqual(Array.from({ length: 45 }, (_, i) => i + 1));
    expect(seqs((await get('?after=40')).body)).toEqual([41, 42, 43, 44, 45]);
    expect(seqs((await get('?after=10&before=14')).body)).toEqual([11, 12, 13]);
  });

  it('filters by kind (one or several) and subject', async () => {
    const { body } = await get('?kind=run_created,action_request&subject=run-1&limit=500');
    expect(
      body.data!.every((e) => ['run_created', 'action_request'].includes(e.kind) && e.subject === 'run-1'),
    ).toBe(true);
    expect(seqs(body)).toEqual([44, 38, 29, 23, 14, 8]);
    expect((await get('?subject=nobody')).body).toEqual({ data: [] });
  });

  it.each([
    ['?limit=0', 'limit', 'expected an integer from 1 to 500, got "0"'],
    ['?limit=501', 'limit', 'expected an integer from 1 to 500, got "501"'],
    ['?limit=ten', 'limit', 'expected an integer from 1 to 500, got "ten"'],
    ['?limit=1.5', 'limit', 'expected an integer from 1 to 500, got "1.5"'],
    ['?limit=', 'limit', 'expected an integer from 1 to 500, got ""'],
    ['?after=-1', 'after', 'expected a seq (an integer ≥ 0), got "-1"'],
    ['?after=99999999999999999', 'after', 'expected a seq (an integer ≥ 0), got "99999999999999999"'],
    ['?before=0', 'before', 'expected a seq (an integer ≥ 1), got "0"'],
    ['?before=1e3', 'before', 'expected a seq (an integer ≥ 1), got "1e3"'],
    ['?after=5&before=5', 'before', 'must be greater than after (5), got 5'],
    ['?limit=5&limit=6', 'limit', 'give this parameter once'],
    ['?kind=run_exploded', 'kind', 'unknown kind "run_exploded" (kinds: alert_received, '],
    ['?kind=run_created,', 'kind', 'unknown kind "" (kinds: '],
    ['?subject=', 'subject', 'expected 1 to 512 characters, got 0'],
    ['?limt=5', 'limt', 'unknown parameter (this endpoint takes after, before, limit, kind, subject)'],
  ])('answers %s with a 400 naming the field', async (query, field, message) => {
    const { status, body } = await get(query);
    expect(status).toBe(400);
    expect(body.error!.code).toBe('invalid_query');
    expect(body.error!.details).toEqual([{ field, message: expect.stringContaining(message) as string }]);
    expect(body.error!.message).toContain(`invalid audit query: ${field}: `);
  });

  it('names every bad parameter at once', async () => {
    const { status, body } = await get('?limit=0&after=x&kind=nope');
    expect(status).toBe(400);
    expect(body.error!.details!.map((d) => d.field)).toEqual(['after', 'limit', 'kind']);
  });

  it('needs a token with the read scope', async () => {
    expect((await get('', null)).status).toBe(401);
    expect(await get('', ingester)).toEqual({
      status: 403,
      body: { error: { code: 'forbidden', message: 'this token lacks the "read" scope' } },
    });
  });

  it('answers an unreadable entry with a 500 that says what to do, not a stack', async () => {
    failing = true;
    try {
      expect(await get()).toEqual({
        status: 500,
        body: { error: { code: 'corrupt_entry', message: 'audit entry 7 cannot be read: it was altered' } },
      });
    } finally {
      failing = false;
    }
  });

  it('reports a really altered entry the same way', async () => {
    tamperStore(store, { op: 'edit', seq: 45, column: 'data', value: 'not json' });
    const { status, body } = await get('?limit=1');
    expect(status).toBe(500);
    expect(body.error).toEqual({
      code: 'corrupt_entry',
      message: 'audit entry 45 cannot be read: it was altered; run `slactl audit verify`',
    });
    expect((await get('?limit=1&before=45')).status).toBe(200);
  });
});

describe('parseAuditQuery', () => {
  it('defaults the limit and dedupes kinds', () => {
    expect(parseAuditQuery({})).toEqual({ limit: 100 });
    expect(parseAuditQuery({ kind: 'run_created,run_created', subject: 'run-1', before: '9' })).toEqual({
      limit: 100,
      kinds: ['run_created'],
      subject: 'run-1',
      before: 9,
    });
  });
});

describe('GET /api/v1/audit/verify after tampering', () => {
  // The page tests above edited entry 45's data in the database.
  it('names the first entry that cannot be trusted and how many verified before it', async () => {
    const response = await fetch(`${base}/verify`, { headers: { authorization: `Bearer ${reader}` } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: Record<string, unknown> };
    expect(body.data).toMatchObject({ ok: false, entries: 44, failure: { seq: 45 } });
  });
});
