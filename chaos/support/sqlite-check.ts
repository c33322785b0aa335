// SQLite's own consistency check of a data dir's database, opened read-only: what an operator runs
// after a full disk or a crash (`sqlite3 slactl.db 'PRAGMA integrity_check'`).
import Sqlite from 'better-sqlite3';

/** `PRAGMA integrity_check` of `file`: `['ok']` when the database is intact, else its complaints. */
export function integrityCheck(file: string): string[] {
  const db = new Sqlite(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('PRAGMA integrity_check').all() as Array<{ integrity_check: string }>).map(
      (row) => row.integrity_check,
    );
  } finally {
    db.close();
  }
}
