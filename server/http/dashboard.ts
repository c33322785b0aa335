// The built dashboard (web/, built by `npm run build:web` into dist/web) served at `/`: hashed assets
// with a long cache, index.html for every client route, a strict Content-Security-Policy, and a
// sign-in page instead of the app for a browser without a session. The app itself holds no data: it
// reads the API with the session cookie, which the API checks on every request.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Request, type Response, type Router } from 'express';
import { allows, readCookie, SESSION_COOKIE, type Principal } from './auth.js';

export interface DashboardOptions {
  /** Checks a session token; the Authenticator's `verify`. */
  verify: (secret: string) => Principal | undefined;
  /** The folder Vite built into; default `dist/web` of this package. */
  dir?: string;
}

/** `dist/web` of this package: two levels above this file both as `server/http/` and `dist/http/`. */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../dist/web/', import.meta.url));

/** Paths the dashboard never answers: the API and the server's own routes keep their JSON 404s. */
const NOT_DASHBOARD = /^\/(?:api|v1)(?:\/|$)|^\/(?:metrics|login|logout|healthz|readyz)$/;

const ONE_YEAR_SECONDS = 365 * 86_400;

/** Types worth compressing; images in formats that are compressed already are sent as they are. */
const COMPRESSIBLE = /\.(?:js|css|svg|json|txt|map|html)$/;
const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

/** Gzipped content-hashed assets, compressed once: their content never changes under their name. */
class GzipCache {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;

  constructor(private readonly maxBytes = 32 * 1024 * 1024) {}

  get(file: string): Buffer {
    let gz = this.entries.get(file);
    if (gz === undefined) {
      gz = gzipSync(readFileSync(file), { level: 9 });
      if (this.bytes + gz.length <= this.maxBytes) {
        this.entries.set(file, gz);
        this.bytes += gz.length;
      }
    }
    return gz;
  }
}

/** The policy of the app: its own scripts, styles, images and API only; never framed. */
function contentSecurityPolicy(styleHashes: readonly string[] = []): string {
  const styles = ["'self'", ...styleHashes.map((h) => `'${h}'`)].join(' ');
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src ${styles}`,
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function securityHeaders(res: Response, styleHashes?: readonly string[]): void {
  res.setHeader('Content-Security-Policy', contentSecurityPolicy(styleHashes));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
}

const PAGE_STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1a1d21;background:#fff}
h1{font-size:1.4rem}code{background:#eef0f3;padding:.1rem .3rem;border-radius:3px;word-break:break-all}
label{display:block;margin:1.5rem 0 .3rem;font-weight:600}input{font:inherit;width:100%;box-sizing:border-box;padding:.5rem;border:1px solid #767d87;border-radius:4px}
button{font:inherit;margin-top:.8rem;padding:.5rem 1rem;border:0;border-radius:4px;background:#1f5fbf;color:#fff;cursor:pointer}
:focus-visible{outline:3px solid #1f5fbf;outline-offset:2px}.note{color:#4a525c}
@media (prefers-color-scheme:dark){body{color:#e6e8eb;background:#111418}code{background:#262b33}input{background:#1a1e24;color:inherit}.note{color:#aab1bb}button{background:#4d8ef0;color:#0b0d10}}`;
const PAGE_STYLE_HASH = `sha256-${createHash('sha256').update(PAGE_STYLE).digest('base64')}`;

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark"><meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)} · slactl</title><style>${PAGE_STYLE}</style></head>
<body><main>${body}</main></body></html>
`;
}

/** The page a browser without a (valid) session gets: how to sign in, and nothing else. */
export function signInPage(nextPath: string, problem?: string): string {
  return page(
    'Sign in',
    `<h1>Sign in to slactl</h1>
${problem === undefined ? '' : `<p role="alert"><strong>${escapeHtml(problem)}</strong></p>`}
<p>Open the dashboard link that <code>slactl serve</code> printed when it started
(<code>Open the dashboard: http://…/login?token=…</code>). It signs this browser in for a week.</p>
<p class="note">Lost it? The first admin token is in <code>.slactl/admin.token</code>; create another with
<code>slactl token create --name my-laptop --scopes read,operate</code>.</p>
<form method="get" action="/login">
<label for="token">Or paste a token</label>
<input id="token" name="token" type="password" autocomplete="off" spellcheck="false" required>
<input type="hidden" name="next" value="${escapeHtml(nextPath)}">
<button type="submit">Sign in</button>
</form>`,
  );
}

/** The answer while dist/web holds no build. */
export function notBuiltPage(dir: string): string {
  return page(
    'Dashboard not built',
    `<h1>The dashboard is not built</h1>
<p>The API is running, but there is no built dashboard in <code>${escapeHtml(dir)}</code>.</p>
<p>Build it with <code>npm run build</code> (or <code>npm run build:web</code>) and reload this page.</p>`,
  );
}

/** Whether the request is a page load: a GET or HEAD that accepts HTML. */
function wantsPage(req: Request): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (NOT_DASHBOARD.test(req.path)) return false;
  return req.accepts(['html', 'json']) === 'html';
}

/**
 * The dashboard's router, mounted after the API: `/assets/*` (content-hashed, cached for a year),
 * other static files of the build (no-cache), and index.html for every client route when the browser
 * has a session with the `read` scope; a sign-in page (401) when it has none; a 503 page while the
 * dashboard is not built.
 */
export function dashboardRouter(options: DashboardOptions): Router {
  const dir = path.resolve(options.dir ?? DEFAULT_DASHBOARD_DIR);
  const indexFile = path.join(dir, 'index.html');
  const router = express.Router();
  const gzipCache = new GzipCache();

  // Content-hashed assets gzipped for browsers that take it (all do): the dashboard's initial load is
  // counted in compressed bytes. Anything else falls through to the static handler below.
  router.get(/^\/assets\/[\w.-]+$/, (req, res, next) => {
    const file = path.join(dir, req.path);
    const type = CONTENT_TYPES[path.extname(file)];
    if (
      type === undefined ||
      !COMPRESSIBLE.test(file) ||
      !/\bgzip\b/.test(String(req.headers['accept-encoding']))
    ) {
      next();
      return;
    }
    let body: Buffer;
    try {
      if (!statSync(file).isFile()) throw new Error('not a file');
      body = gzipCache.get(file);
    } catch {
      next();
      return;
    }
    securityHeaders(res);
    res.setHeader('Cache-Control', `public, max-age=${ONE_YEAR_SECONDS}, immutable`);
    res.setHeader('Content-Type', type);
    res.setHeader('Content-Encoding', 'gzip');
    res.setHeader('Vary', 'Accept-Encoding');
    res.setHeader('Content-Length', String(body.length));
    res.status(200).end(req.method === 'HEAD' ? undefined : body);
  });

  // Static files hold code and styles, no data: served without a session, so the sign-in page and a
  // cached app shell load either way.
  router.use(
    express.static(dir, {
      index: false,
      redirect: false,
      dotfiles: 'ignore',
      setHeaders: (res, file) => {
        securityHeaders(res);
        const hashed = path.relative(dir, file).split(path.sep)[0] === 'assets';
        res.setHeader(
          'Cache-Control',
          hashed ? `public, max-age=${ONE_YEAR_SECONDS}, immutable` : 'no-cache',
        );
      },
    }),
  );

  router.use((req, res, next) => {
    if (!wantsPage(req)) {
      next();
      return;
    }
    // A missing asset is a 404 (its hash changed with a new build), never index.html in its place.
    if (req.path.startsWith('/assets/')) {
      next();
      return;
    }
    res.setHeader('Vary', 'Cookie, Accept');
    const secret = readCookie(req.headers.cookie, SESSION_COOKIE);
    const principal = secret === undefined ? undefined : options.verify(secret);
    if (principal === undefined || !allows(principal.scopes, 'read')) {
      securityHeaders(res, [PAGE_STYLE_HASH]);
      res.setHeader('Cache-Control', 'no-store');
      const problem =
        secret === undefined
          ? undefined
          : principal === undefined
            ? 'Your session has ended: its token was revoked or is unknown. Sign in again.'
            : `The token of this session (${principal.name}) lacks the "read" scope the dashboard needs.`;
      res.status(401).type('html').send(signInPage(req.originalUrl, problem));
      return;
    }
    let html: string;
    try {
      if (!statSync(indexFile).isFile()) throw new Error('not a file');
      html = readFileSync(indexFile, 'utf8');
    } catch {
      securityHeaders(res, [PAGE_STYLE_HASH]);
      res.setHeader('Cache-Control', 'no-store');
      res.status(503).type('html').send(notBuiltPage(dir));
      return;
    }
    securityHeaders(res);
    res.setHeader('Cache-Control', 'no-cache');
    res.status(200).type('html').send(html);
  });

  return router;
}
