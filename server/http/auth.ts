// Bearer tokens with scopes. Secrets are random 32-byte strings shown once; the store keeps only their
// SHA-256. With no token configured, the first start creates an admin token in the data dir (mode 0600).
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Request, RequestHandler } from 'express';
import type { Scope, TokenRecord, TokenStore } from '../store/types.js';
import { ApiError } from './errors.js';

export const SCOPES: readonly Scope[] = ['read', 'ingest', 'operate', 'admin'];
export const ADMIN_TOKEN_FILE = 'admin.token';
/** The dashboard's session cookie: the token itself, HttpOnly and SameSite=Strict. */
export const SESSION_COOKIE = 'slactl_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const TOKEN_PREFIX = 'slactl_';

/** What an authenticated request may do. */
export interface Principal {
  tokenId: string;
  name: string;
  scopes: readonly Scope[];
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

export function hashToken(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A new token secret: `slactl_` and 43 URL-safe characters (256 bits). */
export function newTokenSecret(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** admin implies every scope; the others are independent. */
export function allows(scopes: readonly Scope[], needed: Scope): boolean {
  return scopes.includes('admin') || scopes.includes(needed);
}

export function parseScopes(text: string): Scope[] {
  const scopes = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const s of scopes) {
    if (!(SCOPES as readonly string[]).includes(s))
      throw new Error(`unknown scope "${s}" (scopes: ${SCOPES.join(', ')})`);
  }
  if (scopes.length === 0) throw new Error(`give at least one scope (${SCOPES.join(', ')})`);
  return [...new Set(scopes)] as Scope[];
}

/** Creates a token in the store and returns its secret (shown once). */
export function createToken(
  store: TokenStore,
  name: string,
  scopes: Scope[],
  nowMs: number,
): { secret: string; record: TokenRecord } {
  const secret = newTokenSecret();
  const record: TokenRecord = { id: randomUUID(), name, hash: hashToken(secret), scopes, createdAt: nowMs };
  store.addToken(record);
  return { secret, record };
}

/**
 * Jupyter-style first start: when the store has no live token, create an admin token and write it to
 * `<dataDir>/admin.token` (0600). When the file exists and still holds a live token, reuse it so the
 * printed login URL stays the same across restarts.
 */
export function bootstrapAdminToken(
  store: TokenStore,
  dataDir: string,
  nowMs: number,
): { secret: string; file: string; created: boolean } | undefined {
  const file = path.join(dataDir, ADMIN_TOKEN_FILE);
  if (existsSync(file)) {
    const secret = readFileSync(file, 'utf8').trim();
    if (store.findTokenByHash(hashToken(secret)) !== undefined) return { secret, file, created: false };
  }
  if (store.listTokens().some((t) => t.revokedAt === undefined)) return undefined;
  mkdirSync(dataDir, { recursive: true });
  const { secret } = createToken(store, 'admin (first start)', ['admin'], nowMs);
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return { secret, file, created: true };
}

/** Verifies bearer tokens against the store plus in-process tokens (the demo simulator's). */
export class Authenticator {
  private readonly internal = new Map<string, Principal>();

  constructor(private readonly store: TokenStore) {}

  /** A token that lives only in this process (never stored), e.g. for the demo simulator. */
  issueInternal(name: string, scopes: Scope[]): string {
    const secret = newTokenSecret();
    this.internal.set(hashToken(secret), { tokenId: `internal:${name}`, name, scopes });
    return secret;
  }

  verify(secret: string): Principal | undefined {
    const hash = hashToken(secret);
    const internal = this.internal.get(hash);
    if (internal) return internal;
    const record = this.store.findTokenByHash(hash);
    if (!record) return undefined;
    // The lookup is by hash already; compare again in constant time to keep timing flat.
    if (!timingSafeEqual(Buffer.from(record.hash, 'hex'), Buffer.from(hash, 'hex'))) return undefined;
    return { tokenId: record.id, name: record.name, scopes: record.scopes };
  }

  /**
   * Middleware that requires `scope`. The token comes from `Authorization: Bearer …`, or from the
   * dashboard's session cookie (set by `GET /login`); routes that a browser opens directly
   * (Server-Sent Events) may also take `?access_token=` (redacted from logs). A state-changing request
   * signed in by cookie must come from this server's own origin (`Origin`, else `Referer`), so another
   * site cannot make the browser act with the cookie (cross-site request forgery); a bearer header is
   * never sent by a browser on its own, so it needs no such check.
   */
  require(scope: Scope, options: { allowQueryToken?: boolean } = {}): RequestHandler {
    return (req, _res, next) => {
      const header = req.headers.authorization;
      let secret: string | undefined;
      if (header !== undefined) {
        const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
        if (!match) {
          next(new ApiError(401, 'unauthorized', 'Authorization header must be "Bearer <token>"'));
          return;
        }
        secret = match[1];
      } else if (options.allowQueryToken && typeof req.query.access_token === 'string') {
        secret = req.query.access_token;
      } else {
        secret = readCookie(req.headers.cookie, SESSION_COOKIE);
        if (secret !== undefined && !SAFE_METHODS.has(req.method)) {
          const problem = crossOriginProblem(req);
          if (problem !== undefined) {
            next(new ApiError(403, 'cross_origin', problem));
            return;
          }
        }
      }
      if (secret === undefined) {
        next(
          new ApiError(401, 'unauthorized', 'missing bearer token', [], {
            'WWW-Authenticate': 'Bearer realm="slactl"',
          }),
        );
        return;
      }
      const principal = this.verify(secret);
      if (!principal) {
        next(
          new ApiError(401, 'unauthorized', 'unknown or revoked token', [], {
            'WWW-Authenticate': 'Bearer realm="slactl", error="invalid_token"',
          }),
        );
        return;
      }
      if (!allows(principal.scopes, scope)) {
        next(
          new ApiError(403, 'forbidden', `this token lacks the "${scope}" scope`, [], {
            'WWW-Authenticate': `Bearer realm="slactl", error="insufficient_scope", scope="${scope}"`,
          }),
        );
        return;
      }
      req.principal = principal;
      next();
    };
  }
}

/** The value of cookie `name` in a `Cookie` header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    try {
      return value === '' ? undefined : decodeURIComponent(value);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The `Set-Cookie` value that signs a browser in with `secret` (the session lasts `maxAgeSeconds`). */
export function sessionCookie(secret: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(secret)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}`;
}

/** The `Set-Cookie` value that signs a browser out. */
export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
}

/** Why a cookie-authenticated state change is refused as cross-origin, or undefined when it is same-origin. */
function crossOriginProblem(req: Request): string | undefined {
  const host = req.headers.host;
  const origin = req.headers.origin ?? req.headers.referer;
  if (origin === undefined || origin === 'null') {
    return 'a state-changing request signed in by cookie needs an Origin header from this server';
  }
  let sent: URL;
  try {
    sent = new URL(origin);
  } catch {
    return `Origin ${JSON.stringify(origin)} is not a URL`;
  }
  if (host === undefined || sent.host !== host) {
    return `Origin ${sent.origin} is not this server (${host ?? 'no Host header'}); send the token in an Authorization header instead`;
  }
  return undefined;
}
