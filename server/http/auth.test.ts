import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TokenRecord, TokenStore } from '../store/types.js';
import { allows, Authenticator, bootstrapAdminToken, createToken, hashToken, parseScopes } from './auth.js';

/** A token store in memory: the contract is small, and the SQLite one has its own tests. */
function memoryTokens(): TokenStore {
  const tokens: TokenRecord[] = [];
  return {
    addToken: (t) => void tokens.push(t),
    findTokenByHash: (hash) => tokens.find((t) => t.hash === hash && t.revokedAt === undefined),
    listTokens: () => [...tokens],
    revokeToken: (id, at) => {
      const t = tokens.find((x) => x.id === id && x.revokedAt === undefined);
      if (!t) return false;
      t.revokedAt = at;
      return true;
    },
  };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('tokens', () => {
  it('stores only the hash and verifies the secret', () => {
    const store = memoryTokens();
    const { secret, record } = createToken(store, 'ci', ['ingest'], 1);
    expect(secret).toMatch(/^slactl_[A-Za-z0-9_-]{43}$/);
    expect(record.hash).toBe(hashToken(secret));
    expect(JSON.stringify(store.listTokens())).not.toContain(secret);
    const auth = new Authenticator(store);
    expect(auth.verify(secret)).toMatchObject({ name: 'ci', scopes: ['ingest'] });
    expect(auth.verify(`${secret}x`)).toBeUndefined();
    store.revokeToken(record.id, 2);
    expect(auth.verify(secret)).toBeUndefined();
  });

  it('admin implies every scope; others stand alone', () => {
    expect(allows(['admin'], 'ingest')).toBe(true);
    expect(allows(['read'], 'ingest')).toBe(false);
    expect(allows(['ingest', 'read'], 'read')).toBe(true);
  });

  it('parses scope lists and rejects unknown ones', () => {
    expect(parseScopes('read, ingest,read')).toEqual(['read', 'ingest']);
    expect(() => parseScopes('read,write')).toThrow(
      'unknown scope "write" (scopes: read, ingest, operate, admin)',
    );
    expect(() => parseScopes('')).toThrow('give at least one scope');
  });

  it('creates the first admin token once, in a 0600 file, and keeps it across restarts', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'slactl-auth-'));
    dirs.push(dir);
    const store = memoryTokens();
    const first = bootstrapAdminToken(store, dir, 1);
    expect(first?.created).toBe(true);
    expect(statSync(first!.file).mode & 0o777).toBe(0o600);
    expect(readFileSync(first!.file, 'utf8').trim()).toBe(first!.secret);
    const again = bootstrapAdminToken(store, dir, 2);
    expect(again).toEqual({ ...first, created: false });
    expect(store.listTokens()).toHaveLength(1);
  });

  it('creates no admin token when the operator already configured tokens', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'slactl-auth-'));
    dirs.push(dir);
    const store = memoryTokens();
    createToken(store, 'ops', ['operate'], 1);
    expect(bootstrapAdminToken(store, dir, 2)).toBeUndefined();
  });

  it('in-process tokens work without being stored', () => {
    const store = memoryTokens();
    const auth = new Authenticator(store);
    const secret = auth.issueInternal('demo', ['ingest']);
    expect(auth.verify(secret)).toMatchObject({ scopes: ['ingest'] });
    expect(store.listTokens()).toHaveLength(0);
  });
});
