import { spawn } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { openStore } from '../store/store.js';
import { storeAuditRows, tamperStore } from '../store/test-support/audit-tamper.js';
import { tempDirs } from '../store/test-support/temp-dirs.js';
import { entryBytes, GENESIS_HASH, sha256Hex } from './chain.js';
import { AuditError } from './errors.js';
import { AUDIT_KEY_FILE, AUDIT_PUBLIC_KEY_FILE } from './key.js';
import { MAX_DATA_BYTES, openAuditLog } from './log.js';
import { REDACTED } from './redact.js';
import { appendSamples, openFixture, T0 } from './test-support/fixtures.js';
import type { AuditRecord } from './types.js';

const tempDir = tempDirs('slactl-audit-log-');
const here = import.meta.dirname;

function auditError(run: () => unknown): AuditError {
  try {
    run();
  } catch (error) {
    if (error instanceof AuditError) return error;
    throw error;
  }
  throw new Error('expected an AuditError');
}

describe('AuditLog.append', () => {
  it('chains entries: seq from 1, prevHash the previous hash, hash and signature over canonical JSON', () => {
    const f = openFixture(tempDir());
    const first = f.log.append({
      kind: 'alert_received',
      actor: 'alertmanager',
      subject: 'fp-1',
      data: { b: 2, a: 1 },
    });
    f.clock.advance(1_500);
    const second = f.log.append({
      kind: 'triage_path',
      actor: 'system',
      data: { path: ['latency', 'index'] },
    });

    expect(first).toMatchObject({
      seq: 1,
      at: T0,
      kind: 'alert_received',
      subject: 'fp-1',
      prevHash: GENESIS_HASH,
    });
    expect(second).toMatchObject({ seq: 2, at: T0 + 1_500, prevHash: first.hash });
    expect(second).not.toHaveProperty('subject');
    const bytes = entryBytes({ ...first, subject: 'fp-1' });
    expect(bytes.toString()).toBe(
      `{"actor":"alertmanager","at":${T0},"data":{"a":1,"b":2},"kind":"alert_received","prevHash":"${GENESIS_HASH}","seq":1,"subject":"fp-1"}`,
    );
    expect(first.hash).toBe(sha256Hex(bytes));
    const publicKey = createPublicKey(readFileSync(path.join(f.dataDir, AUDIT_PUBLIC_KEY_FILE)));
    expect(verify(null, bytes, publicKey, Buffer.from(first.signature, 'base64'))).toBe(true);
    // The absent subject is hashed as null.
    expect(second.hash).toBe(sha256Hex(entryBytes({ ...second, subject: null })));
    f.close();
  });

  it('is durable: a reopened store pages the same entries and the chain verifies', () => {
    const dir = tempDir();
    const f = openFixture(dir);
    appendSamples(f, 20);
    const before = f.log.page({ limit: 500 }).entries;
    f.close();
    expect(f.log.keyInfo).toMatchObject({ created: true, file: path.join(dir, AUDIT_KEY_FILE) });
    const again = openFixture(dir, new ManualClock(T0 + 60_000));
    expect(again.log.keyInfo).toEqual({ ...f.log.keyInfo, created: false });
    expect(again.log.keyInfo).not.toHaveProperty('privateKey');
    expect(again.log.page({ limit: 500 }).entries).toEqual(before);
    expect(again.log.verify()).toEqual({ ok: true, entries: 20, head: { seq: 20, hash: before[0]!.hash } });
    expect(again.log.append({ kind: 'escalation', actor: 'system', data: {} }).seq).toBe(21);
    again.close();
  });

  it('redacts secret-named fields before hashing, so they never reach the file', () => {
    const dir = tempDir();
    const f = openFixture(dir);
    const entry = f.log.append({
      kind: 'action_request',
      actor: 'system',
      subject: 'run-1',
      data: {
        url: 'https://ops.example/compact',
        headers: { Authorization: 'Bearer s3cr3t-value' },
        apiToken: 'tok-s3cr3t',
      },
    });
    expect(entry.data).toEqual({
      url: 'https://ops.example/compact',
      headers: { Authorization: REDACTED },
      apiToken: REDACTED,
    });
    expect(entry.hash).toBe(sha256Hex(entryBytes({ ...entry, subject: 'run-1' })));
    expect(f.log.verify().ok).toBe(true);
    f.close();
    const bytes = readFileSync(f.file);
    expect(bytes.includes('s3cr3t')).toBe(false);
    expect(bytes.includes('ops.example/compact')).toBe(true);
  });

  it.each<[string, unknown, string, string]>([
    [
      'an unknown kind',
      { kind: 'run_exploded', actor: 'system', data: {} },
      'invalid_record',
      'kind must be one of alert_received, ',
    ],
    [
      'an empty actor',
      { kind: 'escalation', actor: ' ', data: {} },
      'invalid_record',
      'actor must be a non-empty string, got " "',
    ],
    [
      'a missing actor',
      { kind: 'escalation', data: {} },
      'invalid_record',
      'actor must be a non-empty string, got undefined',
    ],
    [
      'a long actor',
      { kind: 'escalation', actor: 'x'.repeat(257), data: {} },
      'invalid_record',
      'actor is 257 characters long; the limit is 256',
    ],
    [
      'an empty subject',
      { kind: 'escalation', actor: 'system', subject: '', data: {} },
      'invalid_record',
      'subject must be a non-empty string, got ""',
    ],
    [
      'a broken subject',
      { kind: 'escalation', actor: 'system', subject: 'a\uD800', data: {} },
      'invalid_record',
      'subject contains an unpaired UTF-16 surrogate',
    ],
    [
      'data that is an array',
      { kind: 'escalation', actor: 'system', data: [] },
      'invalid_record',
      'escalation record: data must be a JSON object',
    ],
    [
      'a NaN in data',
      { kind: 'verification', actor: 'system', data: { checks: [{ p99Ms: Number.NaN }] } },
      'invalid_record',
      'verification record: data.checks[0].p99Ms: NaN is not a finite number',
    ],
    [
      'a Date in data',
      { kind: 'verification', actor: 'system', data: { at: new Date(0) } },
      'invalid_record',
      'verification record: data.at: a Date is not JSON',
    ],
    [
      'oversized data',
      { kind: 'action_response', actor: 'system', data: { body: 'x'.repeat(MAX_DATA_BYTES) } },
      'data_too_large',
      `action_response record: data is ${MAX_DATA_BYTES + 11} bytes as JSON; the limit is ${MAX_DATA_BYTES}`,
    ],
  ])('refuses %s with a clear error and writes nothing', (_name, record, code, message) => {
    const f = openFixture(tempDir());
    f.log.append({ kind: 'alert_received', actor: 'alertmanager', data: {} });
    const error = auditError(() => f.log.append(record as AuditRecord));
    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
    expect(storeAuditRows(f.store)).toHaveLength(1);
    expect(f.log.append({ kind: 'escalation', actor: 'system', data: {} }).seq).toBe(2);
    f.close();
  });

  it('stores whole milliseconds and refuses a clock that is not a time', () => {
    const f = openFixture(tempDir(), new ManualClock(T0 + 0.75));
    expect(f.log.append({ kind: 'escalation', actor: 'system', data: {} }).at).toBe(T0);
    f.clock.set(Number.NaN);
    expect(auditError(() => f.log.append({ kind: 'escalation', actor: 'system', data: {} })).message).toBe(
      'the clock returned NaN, which is not a time in ms since the epoch',
    );
    f.close();
  });

  it('keeps one chain when two connections append in turn', () => {
    const dir = tempDir();
    const a = openFixture(dir);
    const b = openFixture(dir, a.clock);
    for (let i = 0; i < 30; i++) {
      (i % 3 === 0 ? b : a).log.append({ kind: 'run_transition', actor: 'system', data: { i } });
    }
    expect(a.log.verify()).toMatchObject({ ok: true, entries: 30 });
    expect(storeAuditRows(b.store).map((r) => JSON.parse(r.data) as unknown)).toEqual(
      Array.from({ length: 30 }, (_, i) => ({ i })),
    );
    a.close();
    b.close();
  });

  it('keeps one chain when several processes append at once', async () => {
    const dir = tempDir();
    const setup = openFixture(dir);
    setup.log.append({ kind: 'alert_received', actor: 'alertmanager', data: {} });
    setup.close();
    const startAt = Date.now() + 3_000;
    const writers = ['p', 'q', 'r'].map(
      (tag) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(process.execPath, [
            '--import',
            'tsx',
            path.join(here, 'test-support', 'audit-child.ts'),
            'append',
            setup.file,
            dir,
            '400',
            String(startAt),
            tag,
          ]);
          let err = '';
          child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
          child.on('exit', (code) =>
            code === 0 ? resolve() : reject(new Error(`writer ${tag} exited ${code}: ${err}`)),
          );
        }),
    );
    await Promise.all(writers);
    const f = openFixture(dir);
    expect(f.log.verify()).toMatchObject({ ok: true, entries: 1201 });
    const rows = storeAuditRows(f.store).slice(1);
    for (const tag of ['p', 'q', 'r']) {
      const mine = rows
        .map((r) => JSON.parse(r.data) as { writer: string; i: number })
        .filter((d) => d.writer === tag);
      expect(mine.map((d) => d.i)).toEqual(Array.from({ length: 400 }, (_, i) => i));
    }
    f.close();
  });
});

describe('AuditLog integrity guards', () => {
  it('refuses to continue a chain whose newest entry was removed, instead of hiding the gap', () => {
    const dir = tempDir();
    const f = openFixture(dir);
    appendSamples(f, 5);
    tamperStore(f.store, { op: 'delete', seq: 5 });
    const error = auditError(() => f.log.append({ kind: 'escalation', actor: 'system', data: {} }));
    expect(error.code).toBe('chain_tampered');
    expect(error.message).toBe(
      'refusing to append to the audit log: the signed head names entry 5 but the newest entry is 4; run `slactl audit verify`',
    );
    expect(storeAuditRows(f.store)).toHaveLength(4);
    f.close();
    const reopen = auditError(() => openFixture(dir));
    expect(reopen.code).toBe('chain_tampered');
    expect(reopen.message).toMatch(
      /^the audit log was tampered with: the signed head names entry 5 but the newest entry is 4;/,
    );
  });

  it('tells an edited newest entry from a replaced key at start-up', () => {
    const dir = tempDir();
    const f = openFixture(dir);
    appendSamples(f, 3);
    tamperStore(f.store, { op: 'edit', seq: 3, column: 'data', value: '{"step":99}' });
    tamperStore(f.store, { op: 'delete_head' });
    f.close();
    const error = auditError(() => openFixture(dir));
    expect(error.code).toBe('chain_tampered');
    expect(error.message).toContain('the chain has entries up to 3 but no signed head');
  });

  it('refuses a chain whose head was removed or forged', () => {
    const f = openFixture(tempDir());
    appendSamples(f, 3);
    tamperStore(f.store, {
      op: 'edit_head',
      column: 'signature',
      value: f.log.page({ limit: 1 }).entries[0]!.signature,
    });
    expect(
      auditError(() => f.log.append({ kind: 'escalation', actor: 'system', data: {} })).message,
    ).toContain('the signed head has no valid signature by this key');
    tamperStore(f.store, { op: 'delete_head' });
    expect(
      auditError(() => f.log.append({ kind: 'escalation', actor: 'system', data: {} })).message,
    ).toContain('the chain has entries up to 3 but no signed head');
    f.close();
  });

  it('refuses to start with a key that did not sign the chain', () => {
    const dir = tempDir();
    const f = openFixture(dir);
    appendSamples(f, 2);
    f.close();
    const other = generateKeyPairSync('ed25519');
    rmSync(path.join(dir, AUDIT_PUBLIC_KEY_FILE));
    writeFileSync(path.join(dir, AUDIT_KEY_FILE), other.privateKey.export({ type: 'pkcs8', format: 'pem' }), {
      mode: 0o600,
    });
    const error = auditError(() => openFixture(dir));
    expect(error.code).toBe('key_mismatch');
    expect(error.message).toMatch(/did not sign the newest audit entry \(2\); restore the key that did/);
  });

  it('answers a page with an unreadable entry with an error, not a guess', () => {
    const f = openFixture(tempDir());
    appendSamples(f, 3);
    tamperStore(f.store, { op: 'edit', seq: 2, column: 'data', value: '{"step":' });
    expect(f.log.page({ limit: 1 }).entries).toHaveLength(1);
    const error = auditError(() => f.log.page({ limit: 10 }));
    expect(error.code).toBe('corrupt_entry');
    expect(error.message).toBe('audit entry 2 cannot be read: it was altered; run `slactl audit verify`');
    f.close();
  });

  it('works on an in-memory store too', () => {
    const store = openStore({ path: ':memory:' });
    const log = openAuditLog({ store, dataDir: tempDir(), clock: new ManualClock(T0) });
    log.append({
      kind: 'token_created',
      actor: 'token:abc (admin)',
      subject: 'tok-2',
      data: { tokenId: 'tok-2', scopes: ['read'] },
    });
    expect(log.verify()).toMatchObject({ ok: true, entries: 1 });
    expect(log.page({ limit: 1 }).entries[0]?.data).toEqual({ tokenId: 'tok-2', scopes: ['read'] });
    store.close();
  });
});

describe('AuditLog.page', () => {
  const fixture = () => {
    const f = openFixture(tempDir());
    appendSamples(f, 30);
    return f;
  };
  const seqs = (page: { entries: Array<{ seq: number }> }) => page.entries.map((e) => e.seq);

  it('pages newest first, and `next` continues before the last seq', () => {
    const f = fixture();
    const first = f.log.page({ limit: 12 });
    expect(seqs(first)).toEqual(Array.from({ length: 12 }, (_, i) => 30 - i));
    expect(first.next).toBe(19);
    const second = f.log.page({ limit: 12, before: first.next! });
    expect(seqs(second)).toEqual(Array.from({ length: 12 }, (_, i) => 18 - i));
    const third = f.log.page({ limit: 12, before: second.next! });
    expect(seqs(third)).toEqual([6, 5, 4, 3, 2, 1]);
    expect(third.next).toBeUndefined();
    f.close();
  });

  it('pages oldest first after a seq (tailing), with the same cursor', () => {
    const f = fixture();
    const page = f.log.page({ limit: 10, after: 25 });
    expect(seqs(page)).toEqual([26, 27, 28, 29, 30]);
    expect(page.next).toBeUndefined();
    const exact = f.log.page({ limit: 5, after: 20 });
    expect(seqs(exact)).toEqual([21, 22, 23, 24, 25]);
    expect(exact.next).toBe(25);
    expect(seqs(f.log.page({ limit: 100, after: 10, before: 14 }))).toEqual([11, 12, 13]);
    f.close();
  });

  it('filters by kind and subject, and pages the filtered list', () => {
    const f = fixture();
    const runs = f.log.page({ limit: 500, kinds: ['run_created', 'run_approved'] });
    expect(runs.entries.every((e) => e.kind === 'run_created' || e.kind === 'run_approved')).toBe(true);
    expect(seqs(runs)).toEqual([25, 24, 18, 17, 11, 10, 4, 3]);
    const firstTwo = f.log.page({ limit: 2, kinds: ['run_created', 'run_approved'] });
    expect(firstTwo.next).toBe(24);
    expect(seqs(f.log.page({ limit: 2, kinds: ['run_created', 'run_approved'], before: 24 }))).toEqual([
      18, 17,
    ]);
    const subject = f.log.page({ limit: 500, subject: 'run-1' });
    expect(seqs(subject)).toEqual([14, 13, 11, 10, 9]);
    expect(seqs(f.log.page({ limit: 500, subject: 'run-1', kinds: ['verification'] }))).toEqual([14]);
    expect(f.log.page({ limit: 500, subject: 'nobody' }).entries).toEqual([]);
    f.close();
  });

  it('refuses a limit out of range', () => {
    const f = fixture();
    for (const limit of [0, 501, 1.5, Number.NaN]) {
      expect(auditError(() => f.log.page({ limit })).code).toBe('invalid_query');
    }
    f.close();
  });
});
