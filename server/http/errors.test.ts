// The error handler's answers for failures no route handled itself: a full disk is a 503 that says so
// (and when to retry); anything else a 500 with the request id, never a stack trace.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler } from './errors.js';

let server: Server;
let base: string;
const logged: object[] = [];

beforeAll(async () => {
  const app = express();
  app.post('/full', () => {
    throw new Error('appending failed', {
      cause: Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }),
    });
  });
  app.post('/broken', () => {
    throw new Error('secret internals at /srv/slactl/x.ts:12');
  });
  app.use(errorHandler({ error: (obj) => void logged.push(obj) }));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('errorHandler', () => {
  it('answers a full disk with 503 store_unavailable, naming the disk, with Retry-After', async () => {
    const res = await fetch(`${base}/full`, { method: 'POST' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('30');
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('store_unavailable');
    expect(body.error.message).toMatch(/disk is full: nothing of this request was stored/);
    expect(logged.length).toBeGreaterThan(0);
  });

  it('answers any other failure with a 500 that leaks nothing', async () => {
    const res = await fetch(`${base}/broken`, { method: 'POST' });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toMatch(/secret internals|\.ts:\d+/);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'internal' } });
  });
});
