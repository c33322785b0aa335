import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../test-support/ports.js';
import { PrometheusClient, PrometheusError, sampleValue } from './client.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'slactl-prom-client-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
}

/** A fetch that records each call and answers with `answer(call)`. */
function fakeFetch(answer: (call: Call) => Response | Promise<Response>): {
  fetch: typeof fetch;
  calls: Call[];
} {
  const calls: Call[] = [];
  const fn = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const call: Call = {
      url: input instanceof Request ? input.url : input.toString(),
      method: init?.method ?? 'GET',
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      body: typeof init?.body === 'string' ? init.body : '',
    };
    calls.push(call);
    if (init?.signal?.aborted) throw init.signal.reason;
    return answer(call);
  };
  return { fetch: fn, calls };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const vector = (result: unknown[]) => json({ status: 'success', data: { resultType: 'vector', result } });

async function failure(promise: Promise<unknown>): Promise<PrometheusError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PrometheusError) return error;
    throw error;
  }
  throw new Error('expected a PrometheusError');
}

describe('PrometheusClient', () => {
  it('POSTs instant queries under the base path (Mimir, Thanos), with extra headers', async () => {
    const { fetch, calls } = fakeFetch(() => vector([{ metric: { a: 'b' }, value: [1700000000, '0.5'] }]));
    const client = new PrometheusClient({
      url: 'https://mimir.example:8080/prometheus/',
      headers: { 'X-Scope-OrgID': 'team-a' },
      fetch,
    });
    const result = await client.query('up == 1', 1_700_000_000_250);
    expect(result).toEqual([{ metric: { a: 'b' }, value: [1700000000, '0.5'] }]);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe('https://mimir.example:8080/prometheus/api/v1/query');
    expect(calls[0]!.method).toBe('POST');
    expect(calls[0]!.headers['x-scope-orgid']).toBe('team-a');
    expect(calls[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(new URLSearchParams(calls[0]!.body).get('query')).toBe('up == 1');
    expect(new URLSearchParams(calls[0]!.body).get('time')).toBe('1700000000.25');
  });

  it('sends range queries with start, end and step in seconds, and reads the alerts list', async () => {
    const { fetch, calls } = fakeFetch((call) =>
      call.url.endsWith('/api/v1/alerts')
        ? json({
            status: 'success',
            data: { alerts: [{ labels: { alertname: 'A' }, state: 'firing', value: '1' }, 'junk'] },
          })
        : json({
            status: 'success',
            data: { resultType: 'matrix', result: [{ metric: {}, values: [[1, '2']] }] },
          }),
    );
    const client = new PrometheusClient({ url: 'http://127.0.0.1:9090', fetch });
    expect(await client.queryRange('x', 10_000, 70_000, 30_000)).toEqual([
      { metric: {}, values: [[1, '2']] },
    ]);
    const params = new URLSearchParams(calls[0]!.body);
    expect([params.get('start'), params.get('end'), params.get('step')]).toEqual(['10', '70', '30']);
    expect(await client.alerts()).toEqual([{ labels: { alertname: 'A' }, state: 'firing', value: '1' }]);
    expect(calls[1]!.method).toBe('GET');
  });

  it('reads the bearer token file at every request, so a rotated token is used', async () => {
    const file = path.join(dir, 'token');
    writeFileSync(file, 'first\n');
    const { fetch, calls } = fakeFetch(() => vector([]));
    const client = new PrometheusClient({ url: 'http://127.0.0.1:9090', bearerTokenFile: file, fetch });
    await client.query('up', 0);
    writeFileSync(file, 'second');
    await client.query('up', 0);
    expect(calls.map((c) => c.headers.authorization)).toEqual(['Bearer first', 'Bearer second']);
    rmSync(file);
    const error = await failure(client.query('up', 0));
    expect(error.errorType).toBe('token_file');
    expect(error.message).toContain(`cannot read the bearer token file ${file}`);
  });

  it("names the path and Prometheus' errorType and error", async () => {
    const { fetch } = fakeFetch(() =>
      json({ status: 'error', errorType: 'bad_data', error: '1:5: parse error: unexpected <EOF>' }, 400),
    );
    const error = await failure(
      new PrometheusClient({ url: 'http://127.0.0.1:9090', fetch }).query('sum(', 0),
    );
    expect(error.message).toBe('/api/v1/query: bad_data: 1:5: parse error: unexpected <EOF> (HTTP 400)');
    expect(error).toMatchObject({ path: '/api/v1/query', errorType: 'bad_data', status: 400 });
  });

  it("says what came back when it is not Prometheus' API (a proxy's error page)", async () => {
    const { fetch } = fakeFetch(
      () => new Response('<html>\n<body>502 Bad Gateway</body>\n</html>', { status: 502 }),
    );
    const error = await failure(new PrometheusClient({ url: 'http://127.0.0.1:9090', fetch }).alerts());
    expect(error.message).toBe(
      '/api/v1/alerts: HTTP 502 from http://127.0.0.1:9090, not a Prometheus API answer: <html> <body>502 Bad Gateway</body> </html>',
    );
    expect(error.errorType).toBe('http_502');
    const wrong = fakeFetch(() => json({ status: 'success', data: { resultType: 'matrix', result: [] } }));
    const shape = await failure(
      new PrometheusClient({ url: 'http://127.0.0.1:9090', fetch: wrong.fetch }).query('x', 0),
    );
    expect(shape.message).toBe('/api/v1/query: expected a vector result, got matrix');
  });

  it('gives up after the timeout', async () => {
    const hang: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) =>
        init?.signal?.addEventListener('abort', () => reject(init.signal!.reason as Error)),
      );
    const client = new PrometheusClient({ url: 'http://127.0.0.1:9090', timeoutMs: 50, fetch: hang });
    const error = await failure(client.query('up', 0));
    expect(error.message).toBe('/api/v1/query: no answer within 50 ms from http://127.0.0.1:9090');
    expect(error.errorType).toBe('timeout');
  });

  it('stops when cancelled (shutdown)', async () => {
    const hang: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) =>
        init?.signal?.addEventListener('abort', () => reject(init.signal!.reason as Error)),
      );
    const client = new PrometheusClient({ url: 'http://127.0.0.1:9090', fetch: hang });
    const controller = new AbortController();
    const pending = failure(client.query('up', 0, controller.signal));
    controller.abort();
    expect((await pending).errorType).toBe('cancelled');
  });

  it('says when nothing listens', async () => {
    const port = await freePort();
    const error = await failure(new PrometheusClient({ url: `http://127.0.0.1:${port}` }).alerts());
    expect(error.errorType).toBe('unreachable');
    expect(error.message).toMatch(
      new RegExp(`^/api/v1/alerts: http://127.0.0.1:${port} is unreachable: .*ECONNREFUSED`),
    );
  });

  it('refuses URLs it cannot use at construction', () => {
    expect(() => new PrometheusClient({ url: 'ftp://prometheus' })).toThrow(
      'PrometheusClient: url expected an http:// or https:// URL, got "ftp://prometheus"',
    );
    expect(() => new PrometheusClient({ url: 'http://user:pw@prometheus' })).toThrow(
      /must not carry credentials/,
    );
    expect(() => new PrometheusClient({ url: 'http://prometheus', timeoutMs: 0 })).toThrow(/timeoutMs/);
  });

  it.each([
    ['0.5', 0.5],
    ['1e-3', 0.001],
    ['+Inf', Infinity],
    ['-Inf', -Infinity],
    ['NaN', NaN],
    ['1.4440000000000002e+01', Number('14.440000000000002')],
  ])('reads the sample value %s', (text, value) => {
    expect(sampleValue(text)).toBe(value);
  });
});
