// Versioned schema migrations, tracked with `PRAGMA user_version`. Each migration runs in its own
// transaction together with the version bump, so a crash leaves the database at one version or the
// next, never between. Never edit a released migration: append a new one.
import type Sqlite from 'better-sqlite3';
import { StoreError } from './errors.js';

/** One schema step: SQL text, or a function for steps that need to read data. */
export interface Migration {
  version: number;
  description: string;
  up: string | ((db: Sqlite.Database) => void);
}

/** Every schema step, in order; version i + 1 at index i. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'series, rollups at 10 s, 1 min and 1 h, running totals, prune cutoffs, references, tokens',
    up: `
      -- labels: canonical JSON (keys sorted), so equal label sets are equal text.
      CREATE TABLE series (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL CHECK (name <> ''),
        labels TEXT NOT NULL,
        type TEXT NOT NULL CHECK (type IN ('counter', 'gauge', 'max')),
        UNIQUE (name, labels)
      );

      -- One table per resolution. A bucket holds samples in (bucket_end - width, bucket_end];
      -- value: counters the sum of deltas, gauges the newest value, max the largest value;
      -- t: for gauge and max, the sample time of that value (NULL for counters).
      CREATE TABLE samples_10s (
        series_id INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,
        bucket_end INTEGER NOT NULL,
        value REAL NOT NULL,
        t REAL,
        PRIMARY KEY (series_id, bucket_end)
      ) WITHOUT ROWID;
      CREATE TABLE samples_1m (
        series_id INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,
        bucket_end INTEGER NOT NULL,
        value REAL NOT NULL,
        t REAL,
        PRIMARY KEY (series_id, bucket_end)
      ) WITHOUT ROWID;
      CREATE TABLE samples_1h (
        series_id INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,
        bucket_end INTEGER NOT NULL,
        value REAL NOT NULL,
        t REAL,
        PRIMARY KEY (series_id, bucket_end)
      ) WITHOUT ROWID;

      -- Survives pruning. Counters: cumulative sum of all deltas since creation, t the newest sample
      -- time; gauges: the newest sample; max: the largest sample (earliest on a tie).
      CREATE TABLE series_totals (
        series_id INTEGER PRIMARY KEY REFERENCES series (id) ON DELETE CASCADE,
        value REAL NOT NULL,
        t REAL NOT NULL
      );

      -- Per resolution, the cutoff of the last prune: buckets with bucket_end <= cutoff_ms are gone.
      CREATE TABLE prune_cutoffs (
        resolution_ms INTEGER PRIMARY KEY,
        cutoff_ms INTEGER NOT NULL
      );

      CREATE TABLE reference_distributions (
        service TEXT NOT NULL,
        feature TEXT NOT NULL,
        reference TEXT NOT NULL,
        at_ms REAL NOT NULL,
        PRIMARY KEY (service, feature)
      );

      -- hash: hex SHA-256 of the secret; the secret itself is never stored.
      CREATE TABLE tokens (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        scopes TEXT NOT NULL,
        created_at REAL NOT NULL,
        revoked_at REAL
      );
    `,
  },
];

/** The schema version this build writes. */
export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

function userVersion(db: Sqlite.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the database at `path` (named in errors) up to the newest migration; refuses a database
 * written by a newer build. Returns the versions before and after.
 */
export function migrate(
  db: Sqlite.Database,
  path: string,
  migrations: readonly Migration[] = MIGRATIONS,
): { from: number; to: number } {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new StoreError(
        `migration list is out of order: entry ${i} has version ${m.version}, expected ${i + 1}`,
      );
    }
  });
  const latest = migrations.length;
  const from = userVersion(db);
  if (from > latest) {
    throw new StoreError(
      `database at ${path} was written by a newer slactl (schema ${from}, this build knows ${latest}); ` +
        'upgrade slactl or point it at another data directory',
    );
  }
  for (const migration of migrations.slice(from)) {
    const step = db.transaction(() => {
      // Another process may have migrated while this one waited for the write lock.
      if (userVersion(db) >= migration.version) return;
      if (typeof migration.up === 'string') db.exec(migration.up);
      else migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    });
    try {
      step.immediate();
    } catch (error) {
      throw new StoreError(
        `migration ${migration.version} (${migration.description}) failed on ${path}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  return { from, to: userVersion(db) };
}
