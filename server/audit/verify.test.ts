import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { openAuditReader, type AuditRow } from '../store/audit-rows.js';
import { openStore } from '../store/store.js';
import {
  storeAuditRows,
  tamperFile,
  tamperStore,
  type AuditTamper,
} from '../store/test-support/audit-tamper.js';
import { tempDirs } from '../store/test-support/temp-dirs.js';
import { canonicalJson } from './canonical-json.js';
import { entryBytes, sha256Hex, signBytes } from './chain.js';
import { decodeRow } from './entry.js';
import { readAuditVerifyKey } from './key.js';
import { openAuditLog } from './log.js';
import { appendSamples, openFixture, sampleRecord, T0 } from './test-support/fixtures.js';
import { verifyAuditReader, type AuditFailureReason, type AuditVerification } from './verify.js';

const tempDir = tempDirs('slactl-audit-verify-');

/** The fields of a row as signed, for tests that re-hash or re-sign a tampered row. */
function fieldsOf(row: AuditRow) {
  const decoded = decodeRow(row);
  if (!decoded.ok) throw new Error(decoded.problem);
  return decoded.fields;
}

/** A row with new data whose hash is recomputed (as an attacker without the key could). */
function rehashed(row: AuditRow, data: Record<string, unknown>): AuditRow {
  const hash = sha256Hex(entryBytes({ ...fieldsOf(row), data }));
  return { ...row, data: canonicalJson(data), hash };
}

/** Verifies the closed database file of a data dir, as `slactl audit verify` does. */
function verifyDir(dataDir: string): AuditVerification {
  const reader = openAuditReader(path.join(dataDir, 'slactl.db'));
  try {
    return verifyAuditReader(reader, readAuditVerifyKey(dataDir)?.publicKey);
  } finally {
    reader.close();
  }
}

/** A closed six-entry chain in a fresh data dir, and its rows. */
function chain(entries = 6): { dir: string; file: string; rows: AuditRow[] } {
  const dir = tempDir();
  const f = openFixture(dir);
  appendSamples(f, entries);
  const rows = storeAuditRows(f.store);
  f.close();
  return { dir, file: f.file, rows };
}

describe('verifyAuditChain', () => {
  it('accepts an intact chain and an empty one', () => {
    const { dir, rows } = chain();
    expect(verifyDir(dir)).toEqual({ ok: true, entries: 6, head: { seq: 6, hash: rows[5]!.hash } });
    const empty = tempDir();
    openFixture(empty).close();
    expect(verifyDir(empty)).toEqual({ ok: true, entries: 0 });
  });

  type Case = [string, (rows: AuditRow[]) => AuditTamper[], number, AuditFailureReason, string];
  const otherKey = generateKeyPairSync('ed25519').privateKey;
  const cases: Case[] = [
    [
      'data edited',
      () => [{ op: 'edit', seq: 3, column: 'data', value: '{"step":99}' }],
      3,
      'hash_mismatch',
      'entry 3 does not match its hash: it was edited after it was written',
    ],
    [
      'data respelled with the same meaning',
      (r) => [{ op: 'edit', seq: 3, column: 'data', value: JSON.stringify(JSON.parse(r[2]!.data), null, 1) }],
      3,
      'hash_mismatch',
      'entry 3 was altered: data is not canonical JSON',
    ],
    [
      'data made unreadable',
      () => [{ op: 'edit', seq: 2, column: 'data', value: '{"step":' }],
      2,
      'hash_mismatch',
      'entry 2 was altered: data is not valid JSON',
    ],
    [
      'time moved by 1 ms',
      (r) => [{ op: 'edit', seq: 2, column: 'at', value: r[1]!.at + 1 }],
      2,
      'hash_mismatch',
      'entry 2 does not match its hash: it was edited after it was written',
    ],
    [
      'time made text',
      () => [{ op: 'edit', seq: 2, column: 'at', value: 'yesterday' }],
      2,
      'hash_mismatch',
      'entry 2 was altered: seq or at is not an integer',
    ],
    [
      'kind changed',
      () => [{ op: 'edit', seq: 4, column: 'kind', value: 'run_rejected' }],
      4,
      'hash_mismatch',
      'entry 4 does not match its hash: it was edited after it was written',
    ],
    [
      'actor changed',
      () => [{ op: 'edit', seq: 1, column: 'actor', value: 'token:evil (admin)' }],
      1,
      'hash_mismatch',
      'entry 1 does not match its hash: it was edited after it was written',
    ],
    [
      'subject removed',
      () => [{ op: 'edit', seq: 2, column: 'subject', value: null }],
      2,
      'hash_mismatch',
      'entry 2 does not match its hash: it was edited after it was written',
    ],
    [
      'subject added',
      () => [{ op: 'edit', seq: 4, column: 'subject', value: 'run-0' }],
      4,
      'hash_mismatch',
      'entry 4 does not match its hash: it was edited after it was written',
    ],
    [
      'prevHash changed',
      (r) => [{ op: 'edit', seq: 5, column: 'prev_hash', value: r[0]!.hash }],
      5,
      'hash_mismatch',
      'entry 5 does not match its hash: it was edited after it was written',
    ],
    [
      'hash changed',
      (r) => [{ op: 'edit', seq: 6, column: 'hash', value: r[0]!.hash }],
      6,
      'hash_mismatch',
      'entry 6 does not match its hash: it was edited after it was written',
    ],
    [
      'signature taken from another entry',
      (r) => [{ op: 'edit', seq: 3, column: 'signature', value: r[1]!.signature }],
      3,
      'bad_signature',
      'entry 3 has no valid signature by this key: it was edited and rehashed, or signed by another key',
    ],
    [
      'signature respelled in base64',
      (r) => [{ op: 'edit', seq: 3, column: 'signature', value: respell(r[2]!.signature) }],
      3,
      'bad_signature',
      'entry 3 has no valid signature by this key: it was edited and rehashed, or signed by another key',
    ],
    [
      'data edited and rehashed',
      (r) => [{ op: 'replace', row: rehashed(r[2]!, { step: 99 }) }],
      3,
      'bad_signature',
      'entry 3 has no valid signature by this key: it was edited and rehashed, or signed by another key',
    ],
    [
      're-signed with another key',
      (r) => {
        const row = rehashed(r[2]!, { step: 99 });
        return [
          {
            op: 'replace',
            row: { ...row, signature: signBytes(entryBytes({ ...fieldsOf(row) }), otherKey) },
          },
        ];
      },
      3,
      'bad_signature',
      'entry 3 has no valid signature by this key: it was edited and rehashed, or signed by another key',
    ],
    [
      'seq changed',
      () => [{ op: 'edit', seq: 3, column: 'seq', value: 100 }],
      3,
      'missing_entry',
      'entry 3 is missing: the next stored entry is 4',
    ],
    [
      'an entry deleted',
      () => [{ op: 'delete', seq: 3 }],
      3,
      'missing_entry',
      'entry 3 is missing: the next stored entry is 4',
    ],
    [
      'the first entry deleted',
      () => [{ op: 'delete', seq: 1 }],
      1,
      'missing_entry',
      'entry 1 is missing: the next stored entry is 2',
    ],
    [
      'the last entry deleted',
      () => [{ op: 'delete', seq: 6 }],
      6,
      'missing_entry',
      'the signed head names entry 6 but the chain ends at 5: entry 6 was removed',
    ],
    [
      'the last two deleted',
      () => [
        { op: 'delete', seq: 6 },
        { op: 'delete', seq: 5 },
      ],
      5,
      'missing_entry',
      'the signed head names entry 6 but the chain ends at 4: entries 5–6 were removed',
    ],
    [
      'every entry deleted',
      () => [1, 2, 3, 4, 5, 6].map((seq) => ({ op: 'delete', seq }) as const),
      1,
      'missing_entry',
      'the signed head names entry 6 but the chain ends at 0: entries 1–6 were removed',
    ],
    [
      'two entries swapped',
      () => [{ op: 'swap', a: 2, b: 5 }],
      2,
      'out_of_order',
      'entry 2 holds the entry written as 5: entries were reordered',
    ],
    [
      'neighbours swapped',
      () => [{ op: 'swap', a: 3, b: 4 }],
      3,
      'out_of_order',
      'entry 3 holds the entry written as 4: entries were reordered',
    ],
    [
      'the head deleted',
      () => [{ op: 'delete_head' }],
      7,
      'head_mismatch',
      'the signed head of the chain is missing, so entries after 6 may have been removed',
    ],
    [
      'the head forged',
      (r) => [{ op: 'edit_head', column: 'signature', value: r[5]!.signature }],
      7,
      'head_mismatch',
      'the signed head of the chain has no valid signature by this key',
    ],
    [
      'the head pointed elsewhere',
      (r) => [{ op: 'edit_head', column: 'hash', value: r[4]!.hash }],
      7,
      'head_mismatch',
      'the signed head of the chain has no valid signature by this key',
    ],
    [
      'the audit tables dropped',
      () => [{ op: 'drop_tables' }],
      1,
      'missing_entry',
      'the audit tables are gone from a database at schema',
    ],
  ];

  it.each(cases)('names the first bad entry when %s', (_name, tamper, seq, reason, message) => {
    const { dir, file, rows } = chain();
    for (const t of tamper(rows)) tamperFile(file, t);
    const result = verifyDir(dir);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failure).toMatchObject({ seq, reason });
    expect(result.failure.message).toContain(message);
    expect(result.entries).toBe(reason === 'head_mismatch' && seq === 7 ? 6 : Math.min(seq - 1, 6));
  });

  it('notices an entry spliced in from another chain signed with the same key', () => {
    const dir = tempDir();
    const a = openFixture(dir);
    const other = openStore({ path: path.join(dir, 'other.db') });
    const b = openAuditLog({ store: other, dataDir: dir, clock: new ManualClock(T0 + 7) });
    appendSamples(a, 5);
    for (let i = 0; i < 5; i++) b.append(sampleRecord(i + 100));
    tamperStore(a.store, { op: 'replace', row: storeAuditRows(other)[2]! });
    expect(a.log.verify()).toEqual({
      ok: false,
      entries: 2,
      failure: {
        seq: 3,
        reason: 'broken_link',
        message: "entry 3 does not follow entry 2: its prevHash is not that entry's hash",
      },
    });
    a.close();
    other.close();
  });

  it('notices a head rolled back to an earlier signed head', () => {
    const dir = tempDir();
    const f = openFixture(dir);
    appendSamples(f, 4);
    const oldHead = f.store.sqlite().prepare('SELECT seq, hash, signature FROM audit_head').get() as {
      seq: number;
      hash: string;
      signature: string;
    };
    appendSamples(f, 2);
    for (const column of ['seq', 'hash', 'signature'] as const) {
      tamperStore(f.store, { op: 'edit_head', column, value: oldHead[column] });
    }
    expect(f.log.verify()).toMatchObject({
      ok: false,
      failure: {
        seq: 5,
        reason: 'head_mismatch',
        message: 'the signed head names entry 4 but the chain goes on to 6: the head was rolled back',
      },
    });
    f.close();
  });

  it('needs a key only when there is something to verify', () => {
    const dir = tempDir();
    openFixture(dir).close();
    const reader = openAuditReader(path.join(dir, 'slactl.db'));
    expect(verifyAuditReader(reader, undefined)).toEqual({ ok: true, entries: 0 });
    reader.close();
    const { file } = chain(1);
    const withEntries = openAuditReader(file);
    expect(() => verifyAuditReader(withEntries, undefined)).toThrow(/no public key to verify them with/);
    withEntries.close();
  });
});

/** The same 64 bytes in base64 with the unused low bits of the last character set. */
function respell(signature: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const last = signature.at(-3)!;
  const respelled = alphabet[alphabet.indexOf(last) | 0b1111]!;
  if (respelled === last) throw new Error('signature has no spare bits to respell');
  expect(Buffer.from(signature.slice(0, -3) + respelled + '==', 'base64')).toEqual(
    Buffer.from(signature, 'base64'),
  );
  return signature.slice(0, -3) + respelled + '==';
}

describe('verifyAuditChain, property', () => {
  type Tampering =
    | {
        op: 'edit';
        seq: number;
        column: 'at' | 'kind' | 'actor' | 'subject' | 'data' | 'prev_hash' | 'hash' | 'signature' | 'seq';
        pick: number;
      }
    | { op: 'delete'; seq: number }
    | { op: 'swap'; a: number; b: number }
    | { op: 'rehash'; seq: number; pick: number };

  const dataDir = tempDirs('slactl-audit-prop-');

  /** A new value for a column, different from the row's, derived from `pick`. */
  function editValue(rows: AuditRow[], row: AuditRow, column: string, pick: number): string | number | null {
    const other = rows[pick % rows.length]!;
    switch (column) {
      case 'at':
        return row.at + (pick % 2 === 0 ? 1 + (pick % 1000) : -(1 + (pick % 1000)));
      case 'kind':
        return row.kind === 'escalation' ? 'verification' : 'escalation';
      case 'actor':
        return `${row.actor}${pick % 2 === 0 ? ' ' : 'x'}`;
      case 'subject':
        return row.subject === null ? `run-${pick}` : pick % 2 === 0 ? null : `${row.subject}!`;
      case 'data':
        return pick % 3 === 0
          ? ` ${row.data}`
          : canonicalJson({ ...(JSON.parse(row.data) as Record<string, unknown>), extra: pick });
      case 'prev_hash':
        return other.prevHash !== row.prevHash ? other.prevHash : sha256Hex(Buffer.from(`x${pick}`));
      case 'hash':
        return other.hash !== row.hash ? other.hash : sha256Hex(Buffer.from(`y${pick}`));
      case 'signature':
        return other.signature !== row.signature ? other.signature : respell(row.signature);
      case 'seq':
        return rows.length + 1 + (pick % 50);
      default:
        throw new Error(column);
    }
  }

  const scenario = fc.integer({ min: 1, max: 8 }).chain((n) =>
    fc.tuple(
      fc.constant(n),
      fc.oneof(
        fc.record({
          op: fc.constant('edit' as const),
          seq: fc.integer({ min: 1, max: n }),
          column: fc.constantFrom(
            'at',
            'kind',
            'actor',
            'subject',
            'data',
            'prev_hash',
            'hash',
            'signature',
            'seq',
          ),
          pick: fc.nat(),
        }),
        fc.record({ op: fc.constant('delete' as const), seq: fc.integer({ min: 1, max: n }) }),
        fc.record({
          op: fc.constant('rehash' as const),
          seq: fc.integer({ min: 1, max: n }),
          pick: fc.nat(),
        }),
        ...(n >= 2
          ? [
              fc
                .uniqueArray(fc.integer({ min: 1, max: n }), { minLength: 2, maxLength: 2 })
                .map(([a, b]) => ({ op: 'swap' as const, a: Math.min(a!, b!), b: Math.max(a!, b!) })),
            ]
          : []),
      ) as fc.Arbitrary<Tampering>,
    ),
  );

  it('any single edit, deletion, swap or rehash of a stored entry is detected, naming it', () => {
    const dir = dataDir();
    fc.assert(
      fc.property(scenario, fc.integer({ min: 0, max: 1000 }), ([n, t], seed) => {
        const store = openStore({ path: ':memory:' });
        const log = openAuditLog({ store, dataDir: dir, clock: new ManualClock(T0 + seed) });
        for (let i = 0; i < n; i++) log.append(sampleRecord(i + seed));
        const rows = storeAuditRows(store);
        let expected: { seq: number; reason: AuditFailureReason };
        switch (t.op) {
          case 'edit': {
            const row = rows[t.seq - 1]!;
            tamperStore(store, {
              op: 'edit',
              seq: t.seq,
              column: t.column,
              value: editValue(rows, row, t.column, t.pick),
            });
            const reason: AuditFailureReason =
              t.column === 'seq'
                ? 'missing_entry'
                : t.column === 'signature'
                  ? 'bad_signature'
                  : 'hash_mismatch';
            expected = { seq: t.seq, reason };
            break;
          }
          case 'delete':
            tamperStore(store, { op: 'delete', seq: t.seq });
            expected = { seq: t.seq, reason: 'missing_entry' };
            break;
          case 'swap':
            tamperStore(store, { op: 'swap', a: t.a, b: t.b });
            expected = { seq: t.a, reason: 'out_of_order' };
            break;
          case 'rehash': {
            const row = rows[t.seq - 1]!;
            tamperStore(store, {
              op: 'replace',
              row: rehashed(row, { ...(JSON.parse(row.data) as Record<string, unknown>), forged: t.pick }),
            });
            expected = { seq: t.seq, reason: 'bad_signature' };
            break;
          }
        }
        const result = log.verify();
        store.close();
        expect(result.ok).toBe(false);
        if (!result.ok) {
          expect({ seq: result.failure.seq, reason: result.failure.reason }).toEqual(expected);
          expect(result.entries).toBe(expected.seq - 1);
        }
      }),
      { numRuns: 150 },
    );
  });
});
