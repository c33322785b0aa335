import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditRows, openAuditReader, type AuditChainView, type AuditRow } from './audit-rows.js';
import { StoreError } from './errors.js';
import { migrate, MIGRATIONS } from './migrations.js';
import { openStore, type Store } from './store.js';
import { tempDirs } from './test-support/temp-dirs.js';

const tempDir = tempDirs('slactl-audit-rows-');
const KINDS = ['alert_received', 'run_created', 'action_request'];

/** A row whose chain fields are placeholders: the store does not interpret them. */
function row(seq: number, prevHash: string): AuditRow {
  return {
    seq,
    at: 1_000 * seq,
    kind: KINDS[seq % KINDS.length]!,
    actor: 'system',
    subject: seq % 2 === 0 ? `run-${seq % 4}` : null,
    data: `{"n":${seq}}`,
    prevHash,
    hash: `h${seq}`,
    signature: `s${seq}`,
  };
}

function appendN(rows: AuditRows, n: number): void {
  for (let i = 0; i < n; i++) {
    rows.append((last) => {
      const next = row((last?.seq ?? 0) + 1, last?.hash ?? 'genesis');
      return { row: next, head: { seq: next.seq, hash: next.hash, signature: `head${next.seq}` } };
    });
  }
}

const opened: Store[] = [];
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});

function store(file = ':memory:'): Store {
  const s = openStore({ path: file });
  opened.push(s);
  return s;
}

function all(view: AuditChainView): AuditRow[] {
  return [...view.rows()];
}

describe('AuditRows', () => {
  it('appends rows built from the newest row and head, and moves the head', () => {
    const rows = new AuditRows(store().sqlite());
    expect(rows.last()).toBeUndefined();
    expect(rows.head()).toBeUndefined();
    const seen: Array<[number | undefined, number | undefined]> = [];
    for (let i = 0; i < 3; i++) {
      rows.append((last, head) => {
        seen.push([last?.seq, head?.seq]);
        const next = row((last?.seq ?? 0) + 1, last?.hash ?? 'genesis');
        return { row: next, head: { seq: next.seq, hash: next.hash, signature: 'sig' } };
      });
    }
    expect(seen).toEqual([
      [undefined, undefined],
      [1, 1],
      [2, 2],
    ]);
    expect(rows.last()).toEqual(row(3, 'h2'));
    expect(rows.head()).toEqual({ seq: 3, hash: 'h3', signature: 'sig' });
    expect(rows.count()).toBe(3);
    expect(rows.read(all)).toEqual([row(1, 'genesis'), row(2, 'h1'), row(3, 'h2')]);
  });

  it('writes nothing when the builder throws, and refuses a seq that exists', () => {
    const rows = new AuditRows(store().sqlite());
    appendN(rows, 2);
    expect(() =>
      rows.append(() => {
        throw new Error('refused');
      }),
    ).toThrow('refused');
    expect(() =>
      rows.append(() => ({ row: row(2, 'x'), head: { seq: 2, hash: 'h2', signature: 's' } })),
    ).toThrow(StoreError);
    expect(rows.count()).toBe(2);
    expect(rows.head()).toEqual({ seq: 2, hash: 'h2', signature: 'head2' });
  });

  it('joins a caller’s transaction, so a writer’s own change and its audit entry commit together', () => {
    const s = store();
    const rows = new AuditRows(s.sqlite());
    const db = s.sqlite();
    expect(() =>
      db.transaction(() => {
        appendN(rows, 1);
        throw new Error('the writer failed after auditing');
      })(),
    ).toThrow('the writer failed');
    expect(rows.count()).toBe(0);
    expect(rows.head()).toBeUndefined();
  });

  it('pages newest first, oldest first after a cursor, and filters by kinds and subject', () => {
    const rows = new AuditRows(store().sqlite());
    appendN(rows, 12);
    const seqs = (list: AuditRow[]) => list.map((r) => r.seq);
    expect(seqs(rows.page({ limit: 4 }))).toEqual([12, 11, 10, 9]);
    expect(seqs(rows.page({ limit: 4, before: 3 }))).toEqual([2, 1]);
    expect(seqs(rows.page({ limit: 3, after: 0 }))).toEqual([1, 2, 3]);
    expect(seqs(rows.page({ limit: 10, after: 9 }))).toEqual([10, 11, 12]);
    expect(seqs(rows.page({ limit: 10, after: 2, before: 6 }))).toEqual([3, 4, 5]);
    expect(seqs(rows.page({ limit: 10, kinds: ['run_created'] }))).toEqual([10, 7, 4, 1]);
    expect(seqs(rows.page({ limit: 10, kinds: ['run_created', 'alert_received'] }))).toEqual([
      12, 10, 9, 7, 6, 4, 3, 1,
    ]);
    expect(seqs(rows.page({ limit: 10, subject: 'run-2' }))).toEqual([10, 6, 2]);
    expect(seqs(rows.page({ limit: 10, subject: 'run-2', kinds: ['alert_received'] }))).toEqual([6]);
    expect(rows.page({ limit: 10, kinds: [] })).toEqual([]);
    // Text that looks like SQL is only ever a bound value.
    expect(rows.page({ limit: 10, subject: "' OR 1=1 --", kinds: ["') OR 1=1 --"] })).toEqual([]);
  });
});

describe('openAuditReader', () => {
  function closedDatabase(n: number): string {
    const file = path.join(tempDir(), 'slactl.db');
    const s = openStore({ path: file });
    appendN(new AuditRows(s.sqlite()), n);
    s.close();
    return file;
  }

  it('reads a closed database from an in-memory image, leaving the directory exactly as it was', () => {
    const file = closedDatabase(5);
    const dir = path.dirname(file);
    const before = statSync(file);
    const listing = readdirSync(dir);
    const reader = openAuditReader(file);
    expect(reader.mode).toBe('image');
    expect(reader.tables).toBe('present');
    expect(reader.read((view) => [all(view).map((r) => r.seq), view.head()?.seq, view.count()])).toEqual([
      [1, 2, 3, 4, 5],
      5,
      5,
    ]);
    reader.close();
    const after = statSync(file);
    expect([after.size, after.mtimeMs, after.ino]).toEqual([before.size, before.mtimeMs, before.ino]);
    expect(readdirSync(dir)).toEqual(listing);
  });

  it('works on a read-only copy in a read-only directory', () => {
    const file = closedDatabase(3);
    const dir = path.join(tempDir(), 'evidence');
    mkdirSync(dir);
    const copy = path.join(dir, 'slactl.db');
    copyFileSync(file, copy);
    chmodSync(copy, 0o444);
    chmodSync(dir, 0o555);
    try {
      const reader = openAuditReader(copy);
      expect(reader.read((view) => all(view).length)).toBe(3);
      reader.close();
      expect(readdirSync(dir)).toEqual(['slactl.db']);
      expect(statSync(copy).mode & 0o777).toBe(0o444);
    } finally {
      chmodSync(dir, 0o755);
    }
  });

  it('reads a live database through its WAL, seeing commits not yet checkpointed', () => {
    const file = path.join(tempDir(), 'slactl.db');
    const live = store(file);
    const rows = new AuditRows(live.sqlite());
    appendN(rows, 4);
    expect(existsSync(`${file}-wal`)).toBe(true);
    const size = statSync(file).size;
    const reader = openAuditReader(file);
    expect(reader.mode).toBe('shared');
    expect(reader.read((view) => all(view).map((r) => r.seq))).toEqual([1, 2, 3, 4]);
    // One snapshot per read: a commit after it started is not half-seen.
    expect(
      reader.read((view) => {
        const first = view.count();
        appendN(rows, 1);
        return [first, all(view).length, view.head()?.seq];
      }),
    ).toEqual([4, 4, 4]);
    expect(reader.read((view) => view.count())).toBe(5);
    reader.close();
    expect(statSync(file).size).toBe(size);
  });

  it('tells a database from before the audit log from one whose audit tables were dropped', () => {
    const old = path.join(tempDir(), 'old.db');
    const db = new Sqlite(old);
    migrate(db, old, MIGRATIONS.slice(0, 1));
    db.close();
    const oldReader = openAuditReader(old);
    expect([oldReader.tables, oldReader.schemaVersion]).toEqual(['not_created', 1]);
    expect(oldReader.read((view) => [all(view), view.head(), view.count()])).toEqual([[], undefined, 0]);
    oldReader.close();

    const file = closedDatabase(2);
    const raw = new Sqlite(file);
    raw.exec('DROP TABLE audit_head');
    raw.close();
    const dropped = openAuditReader(file);
    expect(dropped.tables).toBe('dropped');
    dropped.close();
  });

  it('refuses a missing file and a file that is not a database, by name', () => {
    const dir = tempDir();
    expect(() => openAuditReader(path.join(dir, 'none.db'))).toThrow(
      `no database at ${path.join(dir, 'none.db')}`,
    );
    const text = path.join(dir, 'notes.db');
    writeFileSync(text, 'these are not the pages you are looking for');
    expect(() => openAuditReader(text)).toThrow(`${text} is not a SQLite database`);
  });
});
