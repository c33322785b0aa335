// Tokens and reference distributions: small documents read and written straight through to SQLite,
// with no mirror, so a token that `slactl token` adds or revokes from another process counts at once.
import type Sqlite from 'better-sqlite3';
import { StoreError } from './errors.js';
import type { ReferenceDistribution, Scope, TokenRecord } from './types.js';
import { checkFinite, referenceProblem, scopesProblem } from './validate.js';

type Statement = Sqlite.Statement<unknown[]>;

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

/** The tokens and reference tables of one database. */
export class Documents {
  private readonly upsertReference: Statement;
  private readonly selectReference: Statement;
  private readonly selectReferences: Statement;
  private readonly insertToken: Statement;
  private readonly selectTokenByHash: Statement;
  private readonly selectTokens: Statement;
  private readonly revokeTokenById: Statement;

  constructor(db: Sqlite.Database) {
    this.upsertReference = db.prepare(
      'INSERT INTO reference_distributions (service, feature, reference, at_ms) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (service, feature) DO UPDATE SET reference = excluded.reference, at_ms = excluded.at_ms',
    );
    this.selectReference = db.prepare(
      'SELECT reference, at_ms FROM reference_distributions WHERE service = ? AND feature = ?',
    );
    this.selectReferences = db.prepare(
      'SELECT service, feature, at_ms FROM reference_distributions ORDER BY service, feature',
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
    this.upsertReference.run(service, feature, JSON.stringify(reference), atMs);
  }

  getReference(
    service: string,
    feature: string,
  ): { reference: ReferenceDistribution; atMs: number } | undefined {
    const row = this.selectReference.get(service, feature) as
      { reference: string; at_ms: number } | undefined;
    if (row === undefined) return undefined;
    return { reference: JSON.parse(row.reference) as ReferenceDistribution, atMs: row.at_ms };
  }

  listReferences(): Array<{ service: string; feature: string; atMs: number }> {
    const rows = this.selectReferences.all() as Array<{ service: string; feature: string; at_ms: number }>;
    return rows.map((row) => ({ service: row.service, feature: row.feature, atMs: row.at_ms }));
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
