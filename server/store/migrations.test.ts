import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { StoreError } from './errors.js';
import { migrate, MIGRATIONS, SCHEMA_VERSION, type Migration } from './migrations.js';

function tables(db: Sqlite.Database): string[] {
  return (
    db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all() as string[]
  ).filter((name) => !name.startsWith('sqlite_'));
}

const version = (db: Sqlite.Database): unknown => db.pragma('user_version', { simple: true });

describe('migrate', () => {
  it('brings a fresh database to the latest version, and is then a no-op', () => {
    const db = new Sqlite(':memory:');
    expect(migrate(db, 'fresh.db')).toEqual({ from: 0, to: SCHEMA_VERSION });
    expect(version(db)).toBe(SCHEMA_VERSION);
    expect(tables(db)).toEqual([
      'action_breakers',
      'alert_episodes',
      'audit_entries',
      'audit_head',
      'prune_cutoffs',
      'reference_distributions',
      'run_attempts',
      'run_transitions',
      'runs',
      'samples_10s',
      'samples_1h',
      'samples_1m',
      'series',
      'series_totals',
      'tokens',
    ]);
    expect(migrate(db, 'fresh.db')).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION });
    db.close();
  });

  it('numbers the shipped migrations 1, 2, … in order', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it('applies only the steps a database lacks, SQL or function', () => {
    const db = new Sqlite(':memory:');
    migrate(db, 'x.db');
    const next: Migration = {
      version: SCHEMA_VERSION + 1,
      description: 'add a column',
      up: (d) => d.exec('ALTER TABLE tokens ADD COLUMN note TEXT'),
    };
    expect(migrate(db, 'x.db', [...MIGRATIONS, next])).toEqual({
      from: SCHEMA_VERSION,
      to: SCHEMA_VERSION + 1,
    });
    expect(db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('tokens')).toContain('note');
    db.close();
  });

  it('rolls a failing step back whole and says which one failed', () => {
    const db = new Sqlite(':memory:');
    migrate(db, 'x.db');
    const broken: Migration = {
      version: SCHEMA_VERSION + 1,
      description: 'half a step',
      up: 'CREATE TABLE half (a); INSERT INTO missing VALUES (1);',
    };
    expect(() => migrate(db, 'x.db', [...MIGRATIONS, broken])).toThrow(
      `migration ${SCHEMA_VERSION + 1} (half a step) failed on x.db: no such table: missing`,
    );
    expect(version(db)).toBe(SCHEMA_VERSION);
    expect(tables(db)).not.toContain('half');
    db.close();
  });

  it('refuses a database from a newer build', () => {
    const db = new Sqlite(':memory:');
    db.pragma(`user_version = ${SCHEMA_VERSION + 2}`);
    const attempt = (): unknown => migrate(db, '/data/slactl.db');
    expect(attempt).toThrow(StoreError);
    expect(attempt).toThrow(
      `database at /data/slactl.db was written by a newer slactl (schema ${SCHEMA_VERSION + 2}, this build knows ${SCHEMA_VERSION})`,
    );
    db.close();
  });

  it('refuses a migration list out of order', () => {
    const db = new Sqlite(':memory:');
    const list: Migration[] = [{ version: 2, description: 'skips one', up: '' }];
    expect(() => migrate(db, 'x.db', list)).toThrow(
      'migration list is out of order: entry 0 has version 2, expected 1',
    );
    db.close();
  });
});
