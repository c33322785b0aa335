// The HTTP executor against real loopback servers: redirects stay on allowed hosts, secrets stay on
// their origin, and every failure is classified for the retry policy.
import { afterEach, describe, expect, it } from 'vitest';
import { TargetServer } from '../test-support/target-server.js';
import { executeHttp, parseRetryAfter, type HttpCall } from './http.js';

const servers: TargetServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
async function server(host?: string): Promise<TargetServer> {
  const s = await TargetServer.start(host === undefined ? {} : { host });
  servers.push(s);
  return s;
}

function call(url: string, extra: Partial<HttpCall> = {}): HttpCall {
  return {
    method: 'POST',
    url,
    headers: {
      Authorization: 'Bearer s3cret-value',
      'Idempotency-Key': 'k1',
      'Content-Type': 'application/json',
    },
    body: '{"a":1}',
    timeoutMs: 2_000,
    redirectHosts: new Set([new URL(url).hostname]),
    secretHeaders: ['Authorization'],
    secrets: ['s3cret-value'],
    ...extra,
  };
}

describe('executeHttp', () => {
  it('sends the request as given and reports a 2xx as done', async () => {
    const t = await server();
    const result = await executeHttp(call(`${t.url}/admin/x`));
    expect(result).toMatchObject({ outcome: 'ok', status: 200 });
    expect(t.requests[0]).toMatchObject({
      method: 'POST',
      url: '/admin/x',
      body: '{"a":1}',
      idempotencyKey: 'k1',
    });
  });

  it('follows a 307 on the same host, keeping method, body and key', async () => {
    const t = await server();
    t.behave((r) => (r.url === '/old' ? { redirect: '/new', status: 307 } : { status: 204 }));
    const result = await executeHttp(call(`${t.url}/old`));
    expect(result).toMatchObject({ outcome: 'ok', status: 204 });
    expect(t.requests.map((r) => [r.method, r.url, r.body, r.idempotencyKey])).toEqual([
      ['POST', '/old', '{"a":1}', 'k1'],
      ['POST', '/new', '{"a":1}', 'k1'],
    ]);
  });

  it('refuses a redirect to a host not allowed, and never calls it', async () => {
    const t = await server();
    const elsewhere = await server('127.0.0.2').catch(() => undefined);
    const other = elsewhere ?? (await server());
    const location = elsewhere !== undefined ? `${other.url}/steal` : `http://localhost:${other.port}/steal`;
    t.behave(() => ({ redirect: location, status: 307 }));
    const result = await executeHttp(call(`${t.url}/x`));
    expect(result).toMatchObject({ outcome: 'fatal', reason: 'redirect_refused', status: 307 });
    expect(result.error).toMatch(/to another host \((127\.0\.0\.2|localhost):\d+\) refused/);
    expect(other.requests).toHaveLength(0);
  });

  it('follows a redirect to a host the target allows, without its secret headers', async () => {
    const t = await server();
    const other = await server();
    t.behave(() => ({ redirect: `http://localhost:${other.port}/moved`, status: 308 }));
    const result = await executeHttp(
      call(`${t.url}/x`, { redirectHosts: new Set(['127.0.0.1', 'localhost']) }),
    );
    expect(result.outcome).toBe('ok');
    expect(other.requests[0]!.headers.authorization).toBeUndefined();
    expect(other.requests[0]!.idempotencyKey).toBe('k1');
  });

  it('refuses a 302/303 that would turn a POST into a GET', async () => {
    const t = await server();
    t.behave(() => ({ redirect: '/elsewhere', status: 302 }));
    expect(await executeHttp(call(`${t.url}/x`))).toMatchObject({
      outcome: 'fatal',
      reason: 'redirect_refused',
    });
    expect(t.requests).toHaveLength(1);
  });

  it('stops after three redirects', async () => {
    const t = await server();
    t.behave((_r, i) => ({ redirect: `/loop${i}`, status: 307 }));
    expect(await executeHttp(call(`${t.url}/x`))).toMatchObject({
      outcome: 'fatal',
      reason: 'too_many_redirects',
    });
    expect(t.requests).toHaveLength(4);
  });

  it.each([
    [500, 'retryable'],
    [503, 'retryable'],
    [429, 'retryable'],
    [408, 'retryable'],
    [400, 'fatal'],
    [401, 'fatal'],
    [404, 'fatal'],
    [409, 'fatal'],
  ])('classifies %i as %s', async (status, outcome) => {
    const t = await server();
    t.behave(() => ({ status, headers: { 'retry-after': '7' } }));
    const result = await executeHttp(call(`${t.url}/x`));
    expect(result).toMatchObject({ outcome, status, reason: `http_${status}` });
    expect(result.retryAfterMs).toBe(outcome === 'retryable' ? 7_000 : undefined);
  });

  it('classifies a timeout and a refused connection as retryable', async () => {
    const t = await server();
    t.behave(() => ({ stall: true }));
    expect(await executeHttp(call(`${t.url}/x`, { timeoutMs: 150 }))).toMatchObject({
      outcome: 'retryable',
      reason: 'timeout',
    });
    const port = t.port;
    await t.close();
    servers.splice(servers.indexOf(t), 1);
    expect(await executeHttp(call(`http://127.0.0.1:${port}/x`))).toMatchObject({
      outcome: 'retryable',
      reason: 'network_error',
    });
  });

  it('masks secrets the target echoes back', async () => {
    const t = await server();
    t.behave((r) => ({ status: 502, body: { got: r.headers.authorization } }));
    const result = await executeHttp(call(`${t.url}/x`));
    expect(result.output).toBe('{"got":"Bearer [redacted]"}');
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('120')).toBe(120_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.UTC(2015, 9, 21, 7, 28, 0))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
