// The audit log's rows: one table of hash-chained entries and a one-row table with the signed head
// (migration 2). Appends read the newest row and write the next inside one IMMEDIATE transaction, so
// two writers on one database queue up instead of forking the chain. Verification reads through
// `openAuditReader`, which never writes to the database file.
import { existsSync, readFileSync, statSync, type Stats } from 'node:fs';
import Sqlite from 'better-sqlite3';
import { StoreError } from './errors.js';

/** An entry as stored: `data` is canonical JSON text, `subject` null when the record has none. */
export interface AuditRow {
  seq: number;
  at: number;
  kind: string;
  actor: string;
  subject: string | null;
  data: string;
  prevHash: string;
  hash: string;
  signature: string;
}

/** The newest entry's seq and hash, signed, as of the last append. */
export interface AuditHeadRow {
  seq: number;
  hash: string;
  signature: string;
}

/** One page of entries: ascending after `after` when it is given, else descending before `before`. */
export interface AuditPageQuery {
  after?: number;
  before?: number;
  limit: number;
  /** Only entries of these kinds (any of them). */
  kinds?: readonly string[];
  /** Only entries about this subject. */
  subject?: string;
}

/** One consistent state of the chain, read only. */
export interface AuditChainView {
  head(): AuditHeadRow | undefined;
  /** Every entry, in seq order. */
  rows(): IterableIterator<AuditRow>;
  count(): number;
}

/** Where the reader found the audit tables. */
export type AuditTablesState =
  /** Both tables are there. */
  | 'present'
  /** The database predates the audit log (schema < 2): there is nothing to verify. */
  | 'not_created'
  /** The schema says they exist but they are gone: someone dropped them. */
  | 'dropped';

/** A read-only handle on a database file's audit log. */
export interface AuditReader {
  /** `shared` reads the live database (through the server's WAL); `image` an in-memory copy of it. */
  readonly mode: 'shared' | 'image';
  readonly schemaVersion: number;
  readonly tables: AuditTablesState;
  /** Runs `fn` over one snapshot (a single read transaction). */
  read<T>(fn: (view: AuditChainView) => T): T;
  close(): void;
}

const AUDIT_SCHEMA_VERSION = 2;
const COLUMNS = 'seq, at, kind, actor, subject, data, prev_hash AS prevHash, hash, signature';
/** Largest file verified from an in-memory image; bigger ones are read in place. */
const MAX_IMAGE_BYTES = 1024 * 1024 * 1024;

type Statement = Sqlite.Statement<unknown[]>;

/** Read queries over the audit tables of one connection, prepared once. */
class AuditQueries implements AuditChainView {
  private readonly selectLast: Statement;
  private readonly selectHead: Statement;
  private readonly selectAll: Statement;
  private readonly selectCount: Statement;

  constructor(protected readonly db: Sqlite.Database) {
    this.selectLast = db.prepare(`SELECT ${COLUMNS} FROM audit_entries ORDER BY seq DESC LIMIT 1`);
    this.selectHead = db.prepare('SELECT seq, hash, signature FROM audit_head WHERE id = 1');
    this.selectAll = db.prepare(`SELECT ${COLUMNS} FROM audit_entries ORDER BY seq`);
    this.selectCount = db.prepare('SELECT count(*) FROM audit_entries').pluck();
  }

  /** The newest entry, or undefined when the log is empty. */
  last(): AuditRow | undefined {
    return this.selectLast.get() as AuditRow | undefined;
  }

  head(): AuditHeadRow | undefined {
    return this.selectHead.get() as AuditHeadRow | undefined;
  }

  rows(): IterableIterator<AuditRow> {
    return this.selectAll.iterate() as IterableIterator<AuditRow>;
  }

  count(): number {
    return this.selectCount.get() as number;
  }
}

/** The audit tables of an open store's database, for the audit log to append to and page through. */
export class AuditRows extends AuditQueries {
  private readonly insertRow: Statement;
  private readonly upsertHead: Statement;
  private readonly pages = new Map<string, Statement>();

  constructor(db: Sqlite.Database) {
    super(db);
    this.insertRow = db.prepare(
      'INSERT INTO audit_entries (seq, at, kind, actor, subject, data, prev_hash, hash, signature) ' +
        'VALUES (@seq, @at, @kind, @actor, @subject, @data, @prevHash, @hash, @signature)',
    );
    this.upsertHead = db.prepare(
      'INSERT INTO audit_head (id, seq, hash, signature) VALUES (1, @seq, @hash, @signature) ' +
        'ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, signature = excluded.signature',
    );
  }

  /**
   * Appends the row `build` makes from the newest row and head, read in the same IMMEDIATE
   * transaction, and sets the new head; if `build` throws, nothing is written.
   */
  append(
    build: (
      last: AuditRow | undefined,
      head: AuditHeadRow | undefined,
    ) => { row: AuditRow; head: AuditHeadRow },
  ): AuditRow {
    const step = this.db.transaction(() => {
      const next = build(this.last(), this.head());
      this.insertRow.run(next.row);
      this.upsertHead.run(next.head);
      return next.row;
    });
    try {
      return step.immediate();
    } catch (error) {
      if (error instanceof Sqlite.SqliteError) {
        throw new StoreError(`appending to the audit log failed: ${error.message}`, { cause: error });
      }
      throw error;
    }
  }

  /** One page of entries (see AuditPageQuery), at most `limit` long. */
  page(query: AuditPageQuery): AuditRow[] {
    const ascending = query.after !== undefined;
    const where = ['seq > @after', 'seq < @before'];
    if (query.kinds !== undefined) where.push('kind IN (SELECT value FROM json_each(@kinds))');
    if (query.subject !== undefined) where.push('subject = @subject');
    const sql =
      `SELECT ${COLUMNS} FROM audit_entries WHERE ${where.join(' AND ')} ` +
      `ORDER BY seq ${ascending ? 'ASC' : 'DESC'} LIMIT @limit`;
    let statement = this.pages.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.pages.set(sql, statement);
    }
    return statement.all({
      after: query.after ?? 0,
      before: query.before ?? Number.MAX_SAFE_INTEGER,
      limit: query.limit,
      ...(query.kinds !== undefined ? { kinds: JSON.stringify(query.kinds) } : {}),
      ...(query.subject !== undefined ? { subject: query.subject } : {}),
    }) as AuditRow[];
  }

  /** Runs `fn` over one consistent state of the chain. */
  read<T>(fn: (view: AuditChainView) => T): T {
    return this.db.transaction(() => fn(this))();
  }
}

function unchanged(a: Stats, b: Stats): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}

/**
 * The file as an in-memory database, when nothing has it open (no `-wal`): reading it in place would
 * make SQLite create `-wal` and `-shm` files next to it, owned by whoever verifies (and impossible in
 * a read-only directory). Undefined when the file changed while being read or is too big.
 */
function openImage(file: string): Sqlite.Database | undefined {
  const before = statSync(file);
  if (before.size > MAX_IMAGE_BYTES) return undefined;
  const image = readFileSync(file);
  if (!unchanged(before, statSync(file)) || existsSync(`${file}-wal`)) return undefined;
  if (image.length > 0 && !image.subarray(0, 16).equals(Buffer.from('SQLite format 3\0', 'latin1'))) {
    throw new StoreError(`${file} is not a SQLite database`);
  }
  // Bytes 18 and 19 say "WAL mode"; an in-memory copy has no WAL, so mark the copy as rollback mode.
  if (image.length >= 20) {
    if (image[18] === 2) image[18] = 1;
    if (image[19] === 2) image[19] = 1;
  }
  return new Sqlite(image, { readonly: true });
}

/** Opens the audit log of the database at `file` for reading only; it never writes to the file. */
export function openAuditReader(file: string): AuditReader {
  if (!existsSync(file)) throw new StoreError(`no database at ${file}`);
  let db: Sqlite.Database;
  let mode: 'shared' | 'image' = 'shared';
  try {
    const image = existsSync(`${file}-wal`) ? undefined : openImage(file);
    if (image !== undefined) {
      db = image;
      mode = 'image';
    } else {
      db = new Sqlite(file, { readonly: true, fileMustExist: true });
    }
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw new StoreError(`cannot open database at ${file} for reading: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    const schemaVersion = db.pragma('user_version', { simple: true }) as number;
    const found = db
      .prepare(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('audit_entries', 'audit_head')",
      )
      .pluck()
      .get() as number;
    const tables: AuditTablesState =
      found === 2
        ? 'present'
        : schemaVersion < AUDIT_SCHEMA_VERSION && found === 0
          ? 'not_created'
          : 'dropped';
    const queries = tables === 'present' ? new AuditQueries(db) : undefined;
    const empty: AuditChainView = {
      head: () => undefined,
      rows: () => [][Symbol.iterator](),
      count: () => 0,
    };
    return {
      mode,
      schemaVersion,
      tables,
      read: (fn) => (queries === undefined ? fn(empty) : db.transaction(() => fn(queries))()),
      close: () => db.close(),
    };
  } catch (error) {
    db.close();
    throw new StoreError(`cannot read the audit log in ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
