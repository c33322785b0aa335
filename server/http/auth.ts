// Bearer tokens with scopes. Secrets are random 32-byte strings shown once; the store keeps only their
// SHA-256. With no token configured, the first start creates an admin token in the data dir (mode 0600).
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RequestHandler } from 'express';
import type { Scope, TokenRecord, TokenStore } from '../store/types.js';
import { ApiError } from './errors.js';

export const SCOPES: readonly Scope[] = ['read', 'ingest', 'operate', 'admin'];
export const ADMIN_TOKEN_FILE = 'admin.token';
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
   * Middleware that requires `scope`. The token comes from `Authorization: Bearer …`; routes that a
   * browser opens directly (Server-Sent Events) may also take `?access_token=` (redacted from logs).
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
