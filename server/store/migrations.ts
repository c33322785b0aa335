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
  {
    version: 2,
    description: 'audit log: hash-chained, Ed25519-signed entries and the signed head of the chain',
    up: `
      -- One row per audit entry. seq is the 1-based position in the chain; data is canonical JSON;
      -- subject is NULL when the record has none. hash and signature cover every other column.
      CREATE TABLE audit_entries (
        seq INTEGER PRIMARY KEY CHECK (seq >= 1),
        at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        actor TEXT NOT NULL,
        subject TEXT,
        data TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        signature TEXT NOT NULL
      );
      CREATE INDEX audit_entries_kind ON audit_entries (kind, seq);
      CREATE INDEX audit_entries_subject ON audit_entries (subject, seq);

      -- The newest entry's seq and hash, signed, rewritten with every append: deleting entries from
      -- the end of the chain leaves a head that names an entry no longer there.
      CREATE TABLE audit_head (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seq INTEGER NOT NULL,
        hash TEXT NOT NULL,
        signature TEXT NOT NULL
      );
    `,
  },
  {
    version: 3,
    description: 'remediation: alert episodes, runs, their transitions and attempts, circuit breakers',
    up: `
      -- One row per alert episode: (fingerprint, starts_at) is the dedupe key of deliveries.
      -- Times are ms since the epoch; labels and annotations canonical JSON.
      CREATE TABLE alert_episodes (
        fingerprint TEXT NOT NULL,
        starts_at REAL NOT NULL,
        alertname TEXT NOT NULL,
        labels TEXT NOT NULL,
        annotations TEXT NOT NULL,
        source TEXT NOT NULL,
        source_fingerprint TEXT,
        status TEXT NOT NULL CHECK (status IN ('firing', 'resolved')),
        first_seen_at REAL NOT NULL,
        last_seen_at REAL NOT NULL,
        deliveries INTEGER NOT NULL,
        resolved_at REAL,
        ends_at REAL,
        PRIMARY KEY (fingerprint, starts_at)
      ) WITHOUT ROWID;
      CREATE INDEX alert_episodes_firing ON alert_episodes (alertname) WHERE status = 'firing';

      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        runbook TEXT NOT NULL,
        action TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('triggered', 'awaiting_approval', 'executing', 'verifying',
          'succeeded', 'failed', 'escalated', 'rejected', 'cancelled', 'skipped')),
        trigger TEXT NOT NULL CHECK (trigger IN ('alert', 'manual')),
        fingerprint TEXT NOT NULL,
        starts_at REAL NOT NULL,
        alertname TEXT,
        labels TEXT NOT NULL,
        labels_key TEXT NOT NULL,
        idempotency_key TEXT NOT NULL,
        plan TEXT,
        created_by TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        next_at REAL,
        attempts INTEGER NOT NULL DEFAULT 0,
        interruptions INTEGER NOT NULL DEFAULT 0,
        first_attempt_at REAL,
        verify_deadline REAL,
        decided_by TEXT,
        decided_at REAL,
        cancel_requested_by TEXT,
        reason TEXT
      );
      -- One run per alert episode and action, whatever the delivery path.
      CREATE UNIQUE INDEX runs_alert_episode ON runs (runbook, action, fingerprint, starts_at)
        WHERE trigger = 'alert';
      CREATE INDEX runs_due ON runs (next_at) WHERE next_at IS NOT NULL;
      CREATE INDEX runs_action ON runs (runbook, action, created_at);
      CREATE INDEX runs_object ON runs (runbook, action, labels_key, created_at);
      CREATE INDEX runs_budget ON runs (runbook, action, first_attempt_at);
      CREATE INDEX runs_created ON runs (created_at, id);

      CREATE TABLE run_transitions (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        at REAL NOT NULL,
        from_state TEXT,
        to_state TEXT NOT NULL,
        actor TEXT NOT NULL,
        reason TEXT,
        PRIMARY KEY (run_id, seq)
      ) WITHOUT ROWID;

      -- finished_at NULL: the attempt was in flight (after a crash: interrupted, retried on resume).
      CREATE TABLE run_attempts (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        attempt INTEGER NOT NULL,
        started_at REAL NOT NULL,
        finished_at REAL,
        outcome TEXT CHECK (outcome IN ('ok', 'retryable', 'fatal', 'interrupted')),
        status INTEGER,
        exit_code INTEGER,
        duration_ms REAL,
        error TEXT,
        output TEXT,
        PRIMARY KEY (run_id, attempt)
      ) WITHOUT ROWID;
      CREATE INDEX run_attempts_open ON run_attempts (run_id) WHERE finished_at IS NULL;

      CREATE TABLE action_breakers (
        runbook TEXT NOT NULL,
        action TEXT NOT NULL,
        consecutive_failures INTEGER NOT NULL,
        opened_at REAL,
        updated_at REAL NOT NULL,
        PRIMARY KEY (runbook, action)
      ) WITHOUT ROWID;
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
