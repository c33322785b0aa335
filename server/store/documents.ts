// Tokens and reference distributions: small documents written straight through to SQLite. Tokens are
// read from SQLite on every lookup, so a token that `slactl token` adds or revokes from another process
// counts at once. References are written only by this process's collector and read by every
// evaluation, so they are also kept in memory (frozen; loaded on first use) after each write.
import type Sqlite from 'better-sqlite3';
import { StoreError } from './errors.js';
import type { ReferenceDistribution, Scope, TokenRecord } from './types.js';
import { checkFinite, referenceProblem, scopesProblem } from './validate.js';

type Statement = Sqlite.Statement<unknown[]>;

interface CachedReference {
  service: string;
  feature: string;
  reference: ReferenceDistribution;
  atMs: number;
}

const referenceKey = (service: string, feature: string): string => `${service}\0${feature}`;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value as Record<string, unknown>)) deepFreeze(inner);
  }
  return value;
}

interface TokenRow {
  id: string;
  name: string;
  hash: string;
  scopes: string;
  created_at: number;
  revoked_at: number | null;
}

function tokenFromRow(row: TokenRow): TokenRecord {
  const token: TokenRecord = {
    id: row.id,
    name: row.name,
    hash: row.hash,
    scopes: JSON.parse(row.scopes) as Scope[],
    createdAt: row.created_at,
  };
  if (row.revoked_at !== null) token.revokedAt = row.revoked_at;
  return token;
}

/** Orders by UTF-16 code units, as SQLite's default BINARY collation orders ASCII text. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The tokens and reference tables of one database. */
export class Documents {
  private readonly upsertReference: Statement;
  private readonly selectReferences: Statement;
  private readonly insertToken: Statement;
  private readonly selectTokenByHash: Statement;
  private readonly selectTokens: Statement;
  private readonly revokeTokenById: Statement;
  /** `service\0feature` → the stored reference; undefined until first read. */
  private references: Map<string, CachedReference> | undefined;
  /** listReferences' answer, sorted by service then feature; rebuilt after a write. */
  private referenceList:
    ReadonlyArray<Readonly<{ service: string; feature: string; atMs: number }>> | undefined;

  constructor(db: Sqlite.Database) {
    this.upsertReference = db.prepare(
      'INSERT INTO reference_distributions (service, feature, reference, at_ms) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (service, feature) DO UPDATE SET reference = excluded.reference, at_ms = excluded.at_ms',
    );
    this.selectReferences = db.prepare(
      'SELECT service, feature, reference, at_ms FROM reference_distributions',
    );
    this.insertToken = db.prepare(
      'INSERT INTO tokens (id, name, hash, scopes, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.selectTokenByHash = db.prepare('SELECT * FROM tokens WHERE hash = ? AND revoked_at IS NULL');
    this.selectTokens = db.prepare('SELECT * FROM tokens ORDER BY created_at, id');
    this.revokeTokenById = db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
  }

  /** Stores a reference, replacing any earlier one of the same service and feature. */
  setReference(service: string, feature: string, reference: ReferenceDistribution, atMs: number): void {
    const problem = referenceProblem(reference);
    if (problem !== undefined) {
      throw new StoreError(`reference for service ${service}, feature ${feature}: ${problem}`);
    }
    checkFinite('setReference', atMs);
    const json = JSON.stringify(reference);
    this.upsertReference.run(service, feature, json, atMs);
    // The cache holds its own frozen copy, so a caller changing its object afterwards changes nothing.
    this.loadReferences().set(referenceKey(service, feature), {
      service,
      feature,
      reference: deepFreeze(JSON.parse(json) as ReferenceDistribution),
      atMs,
    });
    this.referenceList = undefined;
  }

  /** The stored reference (frozen: shared by every reader), or undefined. */
  getReference(
    service: string,
    feature: string,
  ): { reference: ReferenceDistribution; atMs: number } | undefined {
    const cached = this.loadReferences().get(referenceKey(service, feature));
    return cached === undefined ? undefined : { reference: cached.reference, atMs: cached.atMs };
  }

  listReferences(): Array<{ service: string; feature: string; atMs: number }> {
    this.referenceList ??= [...this.loadReferences().values()]
      .map(({ service, feature, atMs }) => Object.freeze({ service, feature, atMs }))
      .sort((a, b) => compareText(a.service, b.service) || compareText(a.feature, b.feature));
    return [...this.referenceList];
  }

  private loadReferences(): Map<string, CachedReference> {
    if (this.references !== undefined) return this.references;
    const map = new Map<string, CachedReference>();
    const rows = this.selectReferences.all() as Array<{
      service: string;
      feature: string;
      reference: string;
      at_ms: number;
    }>;
    for (const row of rows) {
      map.set(referenceKey(row.service, row.feature), {
        service: row.service,
        feature: row.feature,
        reference: deepFreeze(JSON.parse(row.reference) as ReferenceDistribution),
        atMs: row.at_ms,
      });
    }
    this.references = map;
    return map;
  }

  /** Stores a token; its id and its hash must both be new. */
  addToken(token: TokenRecord): void {
    checkFinite('addToken', token.createdAt);
    const problem = scopesProblem(token.scopes);
    if (problem !== undefined) throw new StoreError(`token ${token.id}: ${problem}`);
    if (!/^[0-9a-f]{64}$/.test(token.hash)) {
      throw new StoreError(`token ${token.id}: hash must be a hex SHA-256 (64 lowercase hex digits)`);
    }
    try {
      this.insertToken.run(
        token.id,
        token.name,
        token.hash,
        JSON.stringify(token.scopes),
        token.createdAt,
        token.revokedAt ?? null,
      );
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
        throw new StoreError(`a token with id ${token.id} already exists`);
      if (code === 'SQLITE_CONSTRAINT_UNIQUE')
        throw new StoreError(`token ${token.id}: its hash is already stored`);
      throw error;
    }
  }

  findTokenByHash(hash: string): TokenRecord | undefined {
    const row = this.selectTokenByHash.get(hash) as TokenRow | undefined;
    return row === undefined ? undefined : tokenFromRow(row);
  }

  listTokens(): TokenRecord[] {
    return (this.selectTokens.all() as TokenRow[]).map(tokenFromRow);
  }

  revokeToken(id: string, atMs: number): boolean {
    checkFinite('revokeToken', atMs);
    return this.revokeTokenById.run(atMs, id).changes > 0;
  }
}
