// The audit log: appends records as hash-chained entries signed with the data dir's Ed25519 key, and
// pages through them for the API. Each append is one SQLite transaction that reads the newest entry
// and the signed head, checks they agree, and writes the next entry and head; so a crash leaves the
// chain as it was or one entry longer, and a chain cut short is never silently continued.
import type { KeyObject } from 'node:crypto';
import type { Clock } from '../lib/clock.js';
import { AuditRows, type AuditHeadRow, type AuditRow } from '../store/audit-rows.js';
import type { Store } from '../store/store.js';
import { CanonicalJsonError, canonicalJson } from './canonical-json.js';
import { entryBytes, GENESIS_HASH, headBytes, sha256Hex, signBytes, verifyBytes } from './chain.js';
import { decodeRow, entryFromRow } from './entry.js';
import { AuditError } from './errors.js';
import { loadOrCreateAuditKey, type AuditSigningKey } from './key.js';
import { isAuditKind, AUDIT_KINDS } from './kinds.js';
import { redactSecrets } from './redact.js';
import type { AuditEntry, AuditKind, AuditRecord, AuditSink } from './types.js';
import { verifyAuditChain, type AuditVerification } from './verify.js';

/** The largest `data` an entry may carry, as canonical JSON bytes. */
export const MAX_DATA_BYTES = 256 * 1024;
export const MAX_ACTOR_LENGTH = 256;
export const MAX_SUBJECT_LENGTH = 512;
/** The most entries one page may hold. */
export const MAX_PAGE_LIMIT = 500;

/** A page request: ascending after `after` when given, else newest first before `before`. */
export interface AuditPageQuery {
  after?: number;
  before?: number;
  limit: number;
  kinds?: readonly AuditKind[];
  subject?: string;
}

/** One page; `next` is the seq to pass as the same cursor (`after` or `before`) for the next page. */
export interface AuditPage {
  entries: AuditEntry[];
  next?: number;
}

/** What the HTTP layer reads. */
export interface AuditPageSource {
  page(query: AuditPageQuery): AuditPage;
}

export interface AuditLogOptions {
  /** The store whose database holds the chain. */
  store: Store;
  /** Where the signing key lives (created on first use). */
  dataDir: string;
  clock: Clock;
}

const LONE_SURROGATE = /\p{Cs}/u;

function checkText(value: unknown, field: string, maxLength: number): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new AuditError(
      'invalid_record',
      `${field} must be a non-empty string, got ${JSON.stringify(value)}`,
    );
  }
  if (value.length > maxLength) {
    throw new AuditError(
      'invalid_record',
      `${field} is ${value.length} characters long; the limit is ${maxLength}`,
    );
  }
  if (LONE_SURROGATE.test(value)) {
    throw new AuditError('invalid_record', `${field} contains an unpaired UTF-16 surrogate`);
  }
  return value;
}

/** Validates and redacts a writer's record; returns its stored columns (without chain fields). */
function prepare(record: AuditRecord): {
  kind: AuditKind;
  actor: string;
  subject: string | null;
  data: Record<string, unknown>;
  dataText: string;
} {
  if (typeof record !== 'object' || record === null) {
    throw new AuditError('invalid_record', 'an audit record must be an object');
  }
  const { kind, actor, subject, data } = record;
  if (!isAuditKind(kind)) {
    throw new AuditError(
      'invalid_record',
      `kind must be one of ${AUDIT_KINDS.join(', ')}, got ${JSON.stringify(kind)}`,
    );
  }
  checkText(actor, 'actor', MAX_ACTOR_LENGTH);
  if (subject !== undefined) checkText(subject, 'subject', MAX_SUBJECT_LENGTH);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new AuditError('invalid_record', `${kind} record: data must be a JSON object`);
  }
  const redacted = redactSecrets(data);
  let dataText: string;
  try {
    dataText = canonicalJson(redacted, 'data');
  } catch (error) {
    if (error instanceof CanonicalJsonError) {
      throw new AuditError('invalid_record', `${kind} record: ${error.message}`, { cause: error });
    }
    throw error;
  }
  const bytes = Buffer.byteLength(dataText, 'utf8');
  if (bytes > MAX_DATA_BYTES) {
    throw new AuditError(
      'data_too_large',
      `${kind} record: data is ${bytes} bytes as JSON; the limit is ${MAX_DATA_BYTES} (summarise large bodies)`,
    );
  }
  return { kind, actor, subject: subject ?? null, data: redacted, dataText };
}

function sameHead(a: AuditHeadRow | undefined, b: AuditHeadRow | undefined): boolean {
  return (
    a !== undefined && b !== undefined && a.seq === b.seq && a.hash === b.hash && a.signature === b.signature
  );
}

/**
 * Why the newest entry and the signed head disagree, or undefined when they agree. A head identical to
 * `known` (one this process signed or already checked) skips the signature check: it is the slow part.
 */
function tailProblem(
  last: AuditRow | undefined,
  head: AuditHeadRow | undefined,
  publicKey: KeyObject,
  known?: AuditHeadRow,
): string | undefined {
  if (last === undefined && head === undefined) return undefined;
  if (head === undefined) return `the chain has entries up to ${last?.seq} but no signed head`;
  if (!sameHead(head, known) && !verifyBytes(headBytes(head.seq, head.hash), head.signature, publicKey)) {
    return 'the signed head has no valid signature by this key';
  }
  if (last === undefined) return `the signed head names entry ${head.seq} but there are no entries`;
  if (last.seq !== head.seq || last.hash !== head.hash) {
    return `the signed head names entry ${head.seq} but the newest entry is ${last.seq}`;
  }
  return undefined;
}

/** The hash-chained, signed audit log over a store's database. */
export class AuditLog implements AuditSink, AuditPageSource {
  private readonly rows: AuditRows;
  /** The head last signed or checked by this process. */
  private knownHead: AuditHeadRow | undefined;

  constructor(
    store: Store,
    private readonly key: AuditSigningKey,
    private readonly clock: Clock,
  ) {
    this.rows = new AuditRows(store.sqlite());
    this.checkTail();
  }

  /** The signing key's public facts, for the start-up log: fingerprint, files, whether it is new. */
  get keyInfo(): { fingerprint: string; file: string; publicFile: string; created: boolean } {
    const { fingerprint, file, publicFile, created } = this.key;
    return { fingerprint, file, publicFile, created };
  }

  /** Refuses a chain this key did not write or whose end was cut off (see tailProblem). */
  private checkTail(): void {
    this.rows.read((view) => {
      const last = this.rows.last();
      const head = view.head();
      const problem = tailProblem(last, head, this.key.publicKey);
      if (problem === undefined) {
        this.knownHead = head;
        return;
      }
      // Intact content under a signature this key did not make: the key was replaced, not the chain.
      const decoded = last === undefined ? undefined : decodeRow(last);
      const bytes = decoded?.ok === true ? entryBytes(decoded.fields) : undefined;
      const otherKey =
        last !== undefined &&
        bytes !== undefined &&
        sha256Hex(bytes) === last.hash &&
        !verifyBytes(bytes, last.signature, this.key.publicKey);
      if (last !== undefined && otherKey) {
        throw new AuditError(
          'key_mismatch',
          `the audit key ${this.key.file} (${this.key.fingerprint}) did not sign the newest audit entry ` +
            `(${last.seq}); restore the key that did, or run \`slactl audit verify\` to see what changed`,
        );
      }
      throw new AuditError(
        'chain_tampered',
        `the audit log was tampered with: ${problem}; run \`slactl audit verify\` and keep a copy of the data dir`,
      );
    });
  }

  /** Appends `record` as the next entry, durably, and returns it (with `data` as stored, redacted). */
  append(record: AuditRecord): AuditEntry {
    const { kind, actor, subject, data, dataText } = prepare(record);
    const at = Math.floor(this.clock.now());
    if (!Number.isSafeInteger(at) || at < 0) {
      throw new AuditError(
        'invalid_record',
        `the clock returned ${at}, which is not a time in ms since the epoch`,
      );
    }
    let written: AuditHeadRow | undefined;
    const row = this.rows.append((last, head) => {
      const problem = tailProblem(last, head, this.key.publicKey, this.knownHead);
      if (problem !== undefined) {
        throw new AuditError(
          'chain_tampered',
          `refusing to append to the audit log: ${problem}; run \`slactl audit verify\``,
        );
      }
      const seq = (last?.seq ?? 0) + 1;
      const prevHash = last?.hash ?? GENESIS_HASH;
      const bytes = entryBytes({ seq, at, kind, actor, subject, data, prevHash });
      const hash = sha256Hex(bytes);
      const next = { seq, hash, signature: signBytes(headBytes(seq, hash), this.key.privateKey) };
      written = next;
      return {
        row: {
          seq,
          at,
          kind,
          actor,
          subject,
          data: dataText,
          prevHash,
          hash,
          signature: signBytes(bytes, this.key.privateKey),
        },
        head: next,
      };
    });
    // The head this process signed, never one read back (another writer's is checked on its next read).
    // If a caller's transaction rolls this append back, the cache names a head that is not stored,
    // which only costs one signature check on the next append.
    this.knownHead = written;
    return {
      seq: row.seq,
      at,
      kind,
      actor,
      ...(subject !== null ? { subject } : {}),
      data,
      prevHash: row.prevHash,
      hash: row.hash,
      signature: row.signature,
    };
  }

  /** One page of entries (see AuditPageQuery). */
  page(query: AuditPageQuery): AuditPage {
    const { limit } = query;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
      throw new AuditError(
        'invalid_query',
        `limit must be an integer from 1 to ${MAX_PAGE_LIMIT}, got ${limit}`,
      );
    }
    const rows = this.rows.page({
      limit: limit + 1,
      ...(query.after !== undefined ? { after: query.after } : {}),
      ...(query.before !== undefined ? { before: query.before } : {}),
      ...(query.kinds !== undefined ? { kinds: query.kinds } : {}),
      ...(query.subject !== undefined ? { subject: query.subject } : {}),
    });
    const entries = rows.slice(0, limit).map((row) => {
      const entry = entryFromRow(row);
      if (entry === undefined) {
        throw new AuditError(
          'corrupt_entry',
          `audit entry ${row.seq} cannot be read: it was altered; run \`slactl audit verify\``,
        );
      }
      return entry;
    });
    const lastEntry = entries[entries.length - 1];
    return rows.length > limit && lastEntry !== undefined ? { entries, next: lastEntry.seq } : { entries };
  }

  /** Verifies the whole chain over this process's connection. */
  verify(): AuditVerification {
    return this.rows.read((view) => verifyAuditChain(view, this.key.publicKey));
  }
}

/** Opens the audit log of `store`, creating the data dir's signing key on first use. */
export function openAuditLog(options: AuditLogOptions): AuditLog {
  // Not the injected clock: stale temp files are judged by the filesystem's own times.
  const key = loadOrCreateAuditKey(options.dataDir);
  return new AuditLog(options.store, key, options.clock);
}
