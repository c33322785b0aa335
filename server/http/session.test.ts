// The dashboard's browser session: the login URL moves the token into an HttpOnly, SameSite=Strict
// cookie; cookie-authenticated state changes must come from this server's origin; tokens never reach
// the log.
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test-support/server.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const signal = (service: string, now: number) =>
  JSON.stringify({ signals: [{ type: 'request', service, ok: true, seconds: 0.01, ts: now }] });

async function login(server: TestServer, query: string): Promise<Response> {
  return fetch(`${server.url}/login${query}`, { redirect: 'manual' });
}

describe('browser session', () => {
  it('signs in with the printed URL: a 303 to a clean URL and an HttpOnly, SameSite=Strict cookie', async () => {
    t = await startTestServer();
    const res = await login(t, `?token=${t.token}`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^slactl_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=604800$/);

    const session = cookie.split(';')[0]!;
    const slas = await fetch(`${t.url}/api/v1/slas`, { headers: { cookie: session } });
    expect(slas.status).toBe(200);

    const logout = await fetch(`${t.url}/logout`, { method: 'POST' });
    expect(logout.status).toBe(204);
    expect(logout.headers.get('set-cookie')).toContain('Max-Age=0');
  });

  it('redirects only to paths on this server', async () => {
    t = await startTestServer();
    const where = async (next: string) =>
      (await login(t!, `?token=${t!.token}&next=${encodeURIComponent(next)}`)).headers.get('location');
    expect(await where('/slas/recommendations?tab=latency')).toBe('/slas/recommendations?tab=latency');
    expect(await where('//evil.example/x')).toBe('/');
    expect(await where('/\\evil.example')).toBe('/');
    expect(await where('https://evil.example/')).toBe('/');
  });

  it('refuses a bad or missing token without setting a cookie', async () => {
    t = await startTestServer();
    const bad = await login(t, '?token=slactl_nope');
    expect(bad.status).toBe(401);
    expect(bad.headers.get('set-cookie')).toBeNull();
    const missing = await login(t, '');
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { details: unknown[] } }).error.details).toEqual([
      { field: 'token', message: 'required' },
    ]);
  });

  it('accepts a state change by cookie only from its own origin', async () => {
    t = await startTestServer();
    const session = (await login(t, `?token=${t.token}`)).headers.get('set-cookie')!.split(';')[0]!;
    const post = (headers: Record<string, string>) =>
      fetch(`${t!.url}/api/v1/signals`, {
        method: 'POST',
        headers: { cookie: session, 'content-type': 'application/json', ...headers },
        body: signal('recs-api', t!.clock.now()),
      });

    const none = await post({});
    expect(none.status).toBe(403);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('cross_origin');
    expect((await post({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await post({ origin: 'null' })).status).toBe(403);
    expect((await post({ referer: 'https://evil.example/page' })).status).toBe(403);
    expect((await post({ origin: t.url })).status).toBe(202);
    expect((await post({ referer: `${t.url}/slas/recommendations` })).status).toBe(202);
    // A bearer header is not subject to the check: browsers never add one by themselves.
    const bearer = await t.api('/api/v1/signals', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://elsewhere.example' },
      body: signal('recs-api', t.clock.now()),
    });
    expect(bearer.status).toBe(202);
  });

  it('keeps tokens out of the log: login query, cookie and Set-Cookie', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    t = await startTestServer({ log: pino({ level: 'debug' }, sink) });
    const session = (await login(t, `?token=${t.token}`)).headers.get('set-cookie')!.split(';')[0]!;
    await fetch(`${t.url}/api/v1/slas`, { headers: { cookie: session } });
    await fetch(`${t.url}/api/v1/events?access_token=${t.token}`).then((r) => r.body?.cancel());
    await new Promise((r) => setTimeout(r, 50));
    const log = lines.join('');
    expect(log).toContain('/login?token=[redacted]');
    expect(log).not.toContain(t.token);
  });
});
