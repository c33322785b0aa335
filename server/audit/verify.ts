// Verification of the whole chain: walks the entries in seq order and reports the first one that is
// missing, moved, edited, wrongly signed or unlinked, then checks the signed head so that entries
// removed from the end are noticed too. Reads only.
import type { KeyObject } from 'node:crypto';
import type { AuditChainView, AuditReader, AuditRow } from '../store/audit-rows.js';
import { entryBytes, GENESIS_HASH, headBytes, sha256Hex, verifyBytes, type SignedFields } from './chain.js';
import { decodeRow } from './entry.js';
import { AuditError } from './errors.js';

/** Why verification stopped, as a stable code. */
export type AuditFailureReason =
  /** An entry's content no longer matches its hash: edited after it was written. */
  | 'hash_mismatch'
  /** Content and hash agree but the signature does not: rehashed after an edit, or another key. */
  | 'bad_signature'
  /** A valid entry whose prevHash is not the previous entry's hash: spliced in from elsewhere. */
  | 'broken_link'
  /** A seq with no entry: deleted (also from the end, which the signed head reveals). */
  | 'missing_entry'
  /** A valid entry stored at another seq than it was written at: entries were reordered. */
  | 'out_of_order'
  /** The signed head is missing, forged, or behind the entries. */
  | 'head_mismatch';

export interface AuditFailure {
  /** The first entry that cannot be trusted. */
  seq: number;
  reason: AuditFailureReason;
  message: string;
}

export type AuditVerification =
  | { ok: true; entries: number; head?: { seq: number; hash: string } }
  | { ok: false; /** Entries verified before the failure. */ entries: number; failure: AuditFailure };

/** Stop looking for a moved entry's original seq beyond this (the search is linear). */
const MAX_ORIGIN_SEARCH = 10_000_000;

function noKey(): AuditError {
  return new AuditError(
    'bad_key',
    'the audit log has entries but there is no public key to verify them with ' +
      `(audit-ed25519.pub or audit-ed25519.key in the data dir, or --public-key)`,
  );
}

/** The seq a validly hashed and signed entry was written at, when it now sits at another. */
function originalSeq(
  row: AuditRow,
  fields: SignedFields,
  bound: number,
  publicKey: KeyObject,
): number | undefined {
  for (let seq = 1; seq <= Math.min(bound, MAX_ORIGIN_SEARCH); seq++) {
    if (seq === fields.seq) continue;
    const bytes = entryBytes({ ...fields, seq });
    if (sha256Hex(bytes) === row.hash && verifyBytes(bytes, row.signature, publicKey)) return seq;
  }
  return undefined;
}

/** Verifies one snapshot of the chain with `publicKey` (needed only when there are entries). */
export function verifyAuditChain(view: AuditChainView, publicKey: KeyObject | undefined): AuditVerification {
  let expected = 1;
  let prevHash = GENESIS_HASH;
  const fail = (seq: number, reason: AuditFailureReason, message: string): AuditVerification => ({
    ok: false,
    entries: expected - 1,
    failure: { seq, reason, message },
  });
  const head = view.head();

  for (const row of view.rows()) {
    if (row.seq !== expected) {
      return row.seq > expected
        ? fail(expected, 'missing_entry', `entry ${expected} is missing: the next stored entry is ${row.seq}`)
        : fail(row.seq, 'out_of_order', `entry ${row.seq} appears after entry ${expected - 1}`);
    }
    const decoded = decodeRow(row);
    if (!decoded.ok) {
      return fail(row.seq, 'hash_mismatch', `entry ${row.seq} was altered: ${decoded.problem}`);
    }
    if (publicKey === undefined) throw noKey();
    const bytes = entryBytes(decoded.fields);
    if (sha256Hex(bytes) !== row.hash) {
      // A moved entry was written at most at the head's seq (or the row count, if the head is gone).
      const bound = Math.max(head?.seq ?? 0, view.count());
      const origin = originalSeq(row, decoded.fields, bound, publicKey);
      if (origin !== undefined) {
        return fail(
          row.seq,
          'out_of_order',
          `entry ${row.seq} holds the entry written as ${origin}: entries were reordered`,
        );
      }
      return fail(
        row.seq,
        'hash_mismatch',
        `entry ${row.seq} does not match its hash: it was edited after it was written`,
      );
    }
    if (!verifyBytes(bytes, row.signature, publicKey)) {
      return fail(
        row.seq,
        'bad_signature',
        `entry ${row.seq} has no valid signature by this key: it was edited and rehashed, or signed by another key`,
      );
    }
    if (decoded.fields.prevHash !== prevHash) {
      return fail(
        row.seq,
        'broken_link',
        expected === 1
          ? 'entry 1 does not start the chain: its prevHash is not 64 zeros'
          : `entry ${row.seq} does not follow entry ${row.seq - 1}: its prevHash is not that entry's hash`,
      );
    }
    prevHash = row.hash;
    expected++;
  }

  const last = expected - 1;
  if (head === undefined) {
    if (last === 0) return { ok: true, entries: 0 };
    return fail(
      last + 1,
      'head_mismatch',
      `the signed head of the chain is missing, so entries after ${last} may have been removed`,
    );
  }
  if (publicKey === undefined) throw noKey();
  const wellFormed =
    Number.isSafeInteger(head.seq) && typeof head.hash === 'string' && typeof head.signature === 'string';
  if (!wellFormed || !verifyBytes(headBytes(head.seq, head.hash), head.signature, publicKey)) {
    return fail(last + 1, 'head_mismatch', 'the signed head of the chain has no valid signature by this key');
  }
  if (head.seq > last) {
    return fail(
      last + 1,
      'missing_entry',
      `the signed head names entry ${head.seq} but the chain ends at ${last}: ` +
        (head.seq === last + 1
          ? `entry ${head.seq} was removed`
          : `entries ${last + 1}–${head.seq} were removed`),
    );
  }
  if (head.seq < last) {
    return fail(
      head.seq + 1,
      'head_mismatch',
      `the signed head names entry ${head.seq} but the chain goes on to ${last}: the head was rolled back`,
    );
  }
  if (head.hash !== prevHash) {
    return fail(last, 'head_mismatch', `the signed head names another entry ${last} than the one stored`);
  }
  return { ok: true, entries: last, head: { seq: head.seq, hash: head.hash } };
}

/** Verifies the audit log of a reader (see openAuditReader), in one snapshot. */
export function verifyAuditReader(reader: AuditReader, publicKey: KeyObject | undefined): AuditVerification {
  if (reader.tables === 'dropped') {
    return {
      ok: false,
      entries: 0,
      failure: {
        seq: 1,
        reason: 'missing_entry',
        message: `the audit tables are gone from a database at schema ${reader.schemaVersion}: they were dropped`,
      },
    };
  }
  return reader.read((view) => verifyAuditChain(view, publicKey));
}
