// The dashboard's router: the app for a signed-in browser at every client route, a sign-in page that
// shows no data otherwise, the security headers, the caching of hashed assets, and the 503 page.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from './auth.js';
import { dashboardRouter, signInPage } from './dashboard.js';

const INDEX =
  '<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="root"></div></body></html>';

const TOKENS: Record<string, Principal> = {
  slactl_reader: { tokenId: '1', name: 'reader', scopes: ['read'] },
  slactl_ingester: { tokenId: '2', name: 'recs-api', scopes: ['ingest'] },
};

let server: Server | undefined;
let dir: string | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function serve(options: { built?: boolean } = {}): Promise<string> {
  dir = mkdtempSync(path.join(os.tmpdir(), 'slactl-dashboard-'));
  if (options.built ?? true) {
    mkdirSync(path.join(dir, 'assets'));
    writeFileSync(path.join(dir, 'index.html'), INDEX);
    writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  }
  const app = express();
  app.get('/api/v1/slas', (_req, res) => {
    res.json({ data: [] });
  });
  app.use(dashboardRouter({ verify: (secret) => TOKENS[secret], dir }));
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: 'no route' } });
  });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const page = (url: string, cookie?: string) =>
  fetch(url, {
    headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8', ...(cookie ? { cookie } : {}) },
  });

describe('dashboardRouter', () => {
  it('serves index.html at / and at every client route to a signed-in browser, never cached', async () => {
    const url = await serve();
    for (const route of ['/', '/slas/recommendations', '/alerts/e21583575e0396e2?x=1', '/demo']) {
      const res = await page(`${url}${route}`, 'slactl_session=slactl_reader');
      expect(res.status, route).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toBe(INDEX);
    }
  });

  it('sends a strict CSP and the other security headers with the app and its assets', async () => {
    const url = await serve();
    for (const res of [
      await page(`${url}/`, 'slactl_session=slactl_reader'),
      await fetch(`${url}/assets/index-abc123.js`),
    ]) {
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
  });

  it('caches content-hashed assets for a year and other static files not at all', async () => {
    const url = await serve();
    const asset = await fetch(`${url}/assets/index-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const icon = await fetch(`${url}/favicon.svg`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('cache-control')).toBe('no-cache');
  });

  it('sends assets gzipped to a browser that accepts it, and plain to one that does not', async () => {
    const url = await serve();
    const gz = await fetch(`${url}/assets/index-abc123.js`, { headers: { 'accept-encoding': 'gzip, br' } });
    expect(gz.status).toBe(200);
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gz.headers.get('vary')).toBe('Accept-Encoding');
    expect(gz.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(gz.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(gz.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await gz.text()).toBe('console.log(1)');
    const plain = await fetch(`${url}/assets/index-abc123.js`, {
      headers: { 'accept-encoding': 'identity' },
    });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toBe('console.log(1)');
    const traversal = await fetch(`${url}/assets/..%2F..%2F..%2Fetc%2Fpasswd`, {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(traversal.status).not.toBe(200);
    expect(await traversal.text()).not.toContain('root:');
  });

  it('answers a missing asset with a 404, not with index.html', async () => {
    const url = await serve();
    const res = await page(`${url}/assets/index-old999.js`, 'slactl_session=slactl_reader');
    expect(res.status).toBe(404);
  });

  it('shows a sign-in page without a session: 401, no app, the next path kept for /login', async () => {
    const url = await serve();
    const res = await page(`${url}/slas/recommendations?range=6h`);
    expect(res.status).toBe(401);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).toContain('Sign in to slactl');
    expect(html).toContain('<form method="get" action="/login">');
    expect(html).toContain('name="next" value="/slas/recommendations?range=6h"');
    expect(html).not.toContain('/assets/index-abc123.js');
    // The inline style is allowed by its hash alone.
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toMatch(/style-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).toContain("script-src 'self'");
  });

  it('explains a revoked session and a token without the read scope', async () => {
    const url = await serve();
    const revoked = await page(`${url}/`, 'slactl_session=slactl_gone');
    expect(revoked.status).toBe(401);
    expect(await revoked.text()).toContain('Your session has ended');
    const ingest = await page(`${url}/`, 'slactl_session=slactl_ingester');
    expect(ingest.status).toBe(401);
    expect(await ingest.text()).toContain('(recs-api) lacks the &quot;read&quot; scope');
  });

  it('escapes the next path it puts into the sign-in page', async () => {
    const url = await serve();
    const res = await page(`${url}/x%22%3E%3Cscript%3Ealert(1)%3C/script%3E`);
    expect(await res.text()).not.toContain('<script>');
    const html = signInPage('/x"><script>alert(1)</script>');
    expect(html).not.toContain('<script>');
    expect(html).toContain('value="/x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
  });

  it('leaves the API, JSON requests and other methods to the routes after it', async () => {
    const url = await serve();
    const cookie = 'slactl_session=slactl_reader';
    const api = await page(`${url}/api/v1/nope`, cookie);
    expect(api.status).toBe(404);
    expect(await api.json()).toEqual({ error: { code: 'not_found', message: 'no route' } });
    const json = await fetch(`${url}/slas/x`, { headers: { accept: 'application/json', cookie } });
    expect(json.status).toBe(404);
    const post = await fetch(`${url}/`, { method: 'POST', headers: { cookie } });
    expect(post.status).toBe(404);
    for (const own of ['/metrics', '/healthz', '/login']) {
      expect((await page(`${url}${own}`, cookie)).status, own).toBe(404);
    }
    const slas = await page(`${url}/api/v1/slas`, cookie);
    expect(await slas.json()).toEqual({ data: [] });
  });

  it('answers 503 with how to build it while the dashboard is not built', async () => {
    const url = await serve({ built: false });
    const res = await page(`${url}/`, 'slactl_session=slactl_reader');
    expect(res.status).toBe(503);
    const html = await res.text();
    expect(html).toContain('The dashboard is not built');
    expect(html).toContain('npm run build');
  });
});
