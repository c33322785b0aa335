// What an attacker with write access to the database could do to the audit tables, as raw SQL, for
// the tests that prove verification notices it.
import Sqlite from 'better-sqlite3';
import type { AuditRow } from '../audit-rows.js';
import type { Store } from '../store.js';

export const AUDIT_COLUMNS = [
  'seq',
  'at',
  'kind',
  'actor',
  'subject',
  'data',
  'prev_hash',
  'hash',
  'signature',
] as const;
export type AuditColumn = (typeof AUDIT_COLUMNS)[number];

export type AuditTamper =
  /** Overwrite one column of one entry. */
  | { op: 'edit'; seq: number; column: AuditColumn; value: string | number | null }
  /** Remove one entry. */
  | { op: 'delete'; seq: number }
  /** Exchange two entries' places (every column but seq). */
  | { op: 'swap'; a: number; b: number }
  /** Put a whole row (from another chain, say) in place of the entry at `row.seq`. */
  | { op: 'replace'; row: AuditRow }
  /** Remove the signed head. */
  | { op: 'delete_head' }
  /** Overwrite one column of the signed head. */
  | { op: 'edit_head'; column: 'seq' | 'hash' | 'signature'; value: string | number }
  /** Drop both audit tables. */
  | { op: 'drop_tables' };

const SELECT =
  'SELECT seq, at, kind, actor, subject, data, prev_hash AS prevHash, hash, signature FROM audit_entries';

/** The stored row at `seq`. */
export function auditRow(db: Sqlite.Database, seq: number): AuditRow {
  const row = db.prepare(`${SELECT} WHERE seq = ?`).get(seq) as AuditRow | undefined;
  if (row === undefined) throw new Error(`no audit entry ${seq}`);
  return row;
}

/** Every stored row, in seq order. */
export function auditRowsOf(db: Sqlite.Database): AuditRow[] {
  return db.prepare(`${SELECT} ORDER BY seq`).all() as AuditRow[];
}

function writeRow(db: Sqlite.Database, seq: number, row: AuditRow): void {
  db.prepare(
    'UPDATE audit_entries SET at = @at, kind = @kind, actor = @actor, subject = @subject, data = @data, ' +
      'prev_hash = @prevHash, hash = @hash, signature = @signature WHERE seq = @target',
  ).run({ ...row, target: seq });
}

/** Applies one tampering to the audit tables of `db`. */
export function tamperAudit(db: Sqlite.Database, t: AuditTamper): void {
  switch (t.op) {
    case 'edit':
      if (!(AUDIT_COLUMNS as readonly string[]).includes(t.column)) throw new Error(`no column ${t.column}`);
      if (
        db.prepare(`UPDATE audit_entries SET ${t.column} = ? WHERE seq = ?`).run(t.value, t.seq).changes !== 1
      ) {
        throw new Error(`no audit entry ${t.seq}`);
      }
      return;
    case 'delete':
      if (db.prepare('DELETE FROM audit_entries WHERE seq = ?').run(t.seq).changes !== 1) {
        throw new Error(`no audit entry ${t.seq}`);
      }
      return;
    case 'swap': {
      const a = auditRow(db, t.a);
      const b = auditRow(db, t.b);
      db.transaction(() => {
        writeRow(db, t.a, b);
        writeRow(db, t.b, a);
      })();
      return;
    }
    case 'replace':
      writeRow(db, t.row.seq, t.row);
      return;
    case 'delete_head':
      db.prepare('DELETE FROM audit_head').run();
      return;
    case 'edit_head':
      if (!['seq', 'hash', 'signature'].includes(t.column)) throw new Error(`no column ${t.column}`);
      db.prepare(`UPDATE audit_head SET ${t.column} = ?`).run(t.value);
      return;
    case 'drop_tables':
      db.exec('DROP TABLE audit_entries; DROP TABLE audit_head;');
      return;
  }
}

/** Applies one tampering to an open store's audit tables. */
export function tamperStore(store: Store, t: AuditTamper): void {
  tamperAudit(store.sqlite(), t);
}

/** Applies one tampering to a closed database file, leaving it checkpointed as the server would. */
export function tamperFile(file: string, t: AuditTamper): void {
  const db = new Sqlite(file, { fileMustExist: true });
  try {
    tamperAudit(db, t);
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

/** The rows of a store's audit log, for tests that splice rows between chains. */
export function storeAuditRows(store: Store): AuditRow[] {
  return auditRowsOf(store.sqlite());
}
