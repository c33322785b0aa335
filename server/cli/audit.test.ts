import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUDIT_KEY_FILE, AUDIT_PUBLIC_KEY_FILE } from '../audit/key.js';
import { appendSamples, openFixture } from '../audit/test-support/fixtures.js';
import { tamperFile } from '../store/test-support/audit-tamper.js';
import { tempDirs } from '../store/test-support/temp-dirs.js';
import { auditCommand, type AuditOptions } from './audit.js';
import { UsageError } from './io.js';

const tempDir = tempDirs('slactl-cli-audit-');

function run(cwd: string, options: Partial<AuditOptions> = {}): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = auditCommand(
    { out: (t) => (out += t), err: (t) => (err += t), cwd },
    { action: 'verify', args: [], dataDir: 'data', format: 'text', ...options },
  );
  return { code, out, err };
}

/** A project dir with `data/` holding a closed chain of `n` entries. */
function project(n: number): { cwd: string; dataDir: string; file: string } {
  const cwd = tempDir();
  const dataDir = path.join(cwd, 'data');
  const f = openFixture(dataDir);
  appendSamples(f, n);
  f.close();
  return { cwd, dataDir, file: f.file };
}

/** Output with the run-specific hash, fingerprint and paths replaced by placeholders. */
function stable(text: string, cwd: string): string {
  return text
    .replaceAll(cwd, '<cwd>')
    .replace(/\b[0-9a-f]{64}\b/g, '<hash>')
    .replace(/SHA256:[A-Za-z0-9+/]{43}/g, '<fingerprint>');
}

function snapshot(dir: string): Record<string, [number, number]> {
  return Object.fromEntries(
    readdirSync(dir).map((name) => {
      const stat = statSync(path.join(dir, name));
      return [name, [stat.size, stat.mtimeMs]];
    }),
  );
}

describe('slactl audit verify', () => {
  it('says the chain is intact, with the head and the key it checked against (exit 0)', () => {
    const { cwd } = project(12);
    const { code, out, err } = run(cwd);
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(stable(out, cwd)).toMatchInlineSnapshot(`
      "audit log intact: 12 entries, head 12 <hash>
      verified with <fingerprint> (<cwd>/data/audit-ed25519.pub)
      "
    `);
  });

  it('names the first tampered entry and exits 1', () => {
    const { cwd, file } = project(8);
    tamperFile(file, { op: 'edit', seq: 5, column: 'actor', value: 'someone else' });
    const { code, out } = run(cwd);
    expect(code).toBe(1);
    expect(stable(out, cwd)).toMatchInlineSnapshot(`
      "audit log TAMPERED at entry 5 (hash_mismatch): entry 5 does not match its hash: it was edited after it was written
      entries 1–4 before it verified with <fingerprint> (<cwd>/data/audit-ed25519.pub)
      "
    `);
  });

  it('reports deletions, reordering and a damaged first entry', () => {
    const deleted = project(8);
    tamperFile(deleted.file, { op: 'delete', seq: 8 });
    expect(run(deleted.cwd).out).toMatch(
      /^audit log TAMPERED at entry 8 \(missing_entry\): the signed head names entry 8 but the chain ends at 7: entry 8 was removed\n/,
    );
    const swapped = project(8);
    tamperFile(swapped.file, { op: 'swap', a: 2, b: 3 });
    expect(run(swapped.cwd).out).toMatch(
      /^audit log TAMPERED at entry 2 \(out_of_order\): entry 2 holds the entry written as 3/,
    );
    const first = project(3);
    tamperFile(first.file, { op: 'edit', seq: 1, column: 'data', value: '{}' });
    expect(run(first.cwd).out).toMatch(/\nno entry before it verified\n$/);
  });

  it('answers JSON for scripts, intact or not', () => {
    const { cwd, file, dataDir } = project(3);
    const ok = run(cwd, { format: 'json' });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toEqual({
      ok: true,
      database: file,
      entries: 3,
      head: { seq: 3, hash: expect.stringMatching(/^[0-9a-f]{64}$/) as string },
      key: {
        fingerprint: expect.stringMatching(/^SHA256:/) as string,
        source: path.join(dataDir, AUDIT_PUBLIC_KEY_FILE),
      },
    });
    tamperFile(file, { op: 'delete', seq: 2 });
    const bad = run(cwd, { format: 'json' });
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out)).toMatchObject({
      ok: false,
      entries: 1,
      failure: { seq: 2, reason: 'missing_entry', message: 'entry 2 is missing: the next stored entry is 3' },
    });
  });

  it('never writes: the data dir is byte-for-byte and time-for-time the same afterwards', () => {
    const { cwd, dataDir, file } = project(5);
    const before = snapshot(dataDir);
    expect(run(cwd).code).toBe(0);
    expect(run(cwd, { format: 'json' }).code).toBe(0);
    expect(snapshot(dataDir)).toEqual(before);
    tamperFile(file, { op: 'delete', seq: 3 });
    const tampered = snapshot(dataDir);
    expect(run(cwd).code).toBe(1);
    expect(snapshot(dataDir)).toEqual(tampered);
  });

  it('verifies while the server has the database open, including entries not yet checkpointed', () => {
    const cwd = tempDir();
    const f = openFixture(path.join(cwd, 'data'));
    appendSamples(f, 4);
    expect(run(cwd).out).toMatch(/^audit log intact: 4 entries, head 4 /);
    appendSamples(f, 1);
    expect(run(cwd).out).toMatch(/^audit log intact: 5 entries, head 5 /);
    f.close();
  });

  it('checks against a public key pinned elsewhere', () => {
    const { cwd, dataDir } = project(2);
    const pinned = path.join(cwd, 'pinned.pub');
    writeFileSync(pinned, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    const wrong = run(cwd, { publicKey: 'pinned.pub' });
    expect(wrong.code).toBe(1);
    expect(wrong.out).toMatch(/^audit log TAMPERED at entry 1 \(bad_signature\)/);
    const right = run(cwd, { publicKey: path.join(dataDir, AUDIT_PUBLIC_KEY_FILE) });
    expect(right.code).toBe(0);
  });

  it('says an empty log is empty', () => {
    const cwd = tempDir();
    openFixture(path.join(cwd, 'data')).close();
    expect(stable(run(cwd).out, cwd)).toBe('audit log is empty (<cwd>/data/slactl.db)\n');
  });

  it('exits 1 with a message when there is nothing it can verify', () => {
    const cwd = tempDir();
    expect(run(cwd)).toEqual({
      code: 1,
      out: '',
      err: `slactl: audit verify: no database at ${path.join(cwd, 'data', 'slactl.db')}; is --data-dir right?\n`,
    });
    expect(JSON.parse(run(cwd, { format: 'json' }).out)).toEqual({
      ok: false,
      error: {
        code: 'no_database',
        message: `no database at ${path.join(cwd, 'data', 'slactl.db')}; is --data-dir right?`,
      },
    });

    const { cwd: noKey, dataDir } = project(2);
    rmSync(path.join(dataDir, AUDIT_PUBLIC_KEY_FILE));
    rmSync(path.join(dataDir, AUDIT_KEY_FILE));
    const missing = run(noKey);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(
      /^slactl: audit verify: the audit log has entries but there is no public key/,
    );

    const { cwd: loose, dataDir: looseDir } = project(1);
    rmSync(path.join(looseDir, AUDIT_PUBLIC_KEY_FILE));
    chmodSync(path.join(looseDir, AUDIT_KEY_FILE), 0o644);
    expect(run(loose).err).toMatch(/has mode 0644, so group or others may read it/);
  });

  it('treats a wrong action or extra arguments as a usage error (exit 2 in main)', () => {
    const cwd = tempDir();
    expect(() => run(cwd, { action: undefined })).toThrow(new UsageError('audit needs an action: verify'));
    expect(() => run(cwd, { action: 'repair' })).toThrow(
      new UsageError('unknown audit action "repair" (actions: verify)'),
    );
    expect(() => run(cwd, { args: ['now'] })).toThrow(
      new UsageError('audit verify takes no arguments, got "now"'),
    );
  });
});
