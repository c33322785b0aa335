import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../store/test-support/temp-dirs.js';
import { AuditError } from './errors.js';
import {
  AUDIT_KEY_FILE,
  AUDIT_PUBLIC_KEY_FILE,
  keyFingerprint,
  loadOrCreateAuditKey,
  readAuditVerifyKey,
  writeFileExclusive,
} from './key.js';

const tempDir = tempDirs('slactl-audit-key-');
const here = import.meta.dirname;

function mode(file: string): number {
  return statSync(file).mode & 0o777;
}

function auditError(run: () => unknown): AuditError {
  try {
    run();
  } catch (error) {
    if (error instanceof AuditError) return error;
    throw error;
  }
  throw new Error('expected an AuditError');
}

describe('loadOrCreateAuditKey', () => {
  it('creates an Ed25519 key (0600) and its public half (0644) on first use, then reuses them', () => {
    const dir = path.join(tempDir(), 'data');
    const key = loadOrCreateAuditKey(dir);
    expect(key.created).toBe(true);
    expect(key.file).toBe(path.join(dir, AUDIT_KEY_FILE));
    expect(mode(key.file)).toBe(0o600);
    expect(mode(key.publicFile)).toBe(0o644);
    expect(mode(dir)).toBe(0o700);
    expect(readFileSync(key.file, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(readFileSync(key.publicFile, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(key.privateKey.asymmetricKeyType).toBe('ed25519');
    expect(key.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(readdirSync(dir).sort()).toEqual([AUDIT_KEY_FILE, AUDIT_PUBLIC_KEY_FILE]);

    const again = loadOrCreateAuditKey(dir);
    expect(again.fingerprint).toBe(key.fingerprint);
    expect(again.created).toBe(false);
  });

  it('is exact about the mode even under a permissive umask', () => {
    const old = process.umask(0);
    try {
      const key = loadOrCreateAuditKey(tempDir());
      expect(mode(key.file)).toBe(0o600);
      expect(mode(key.publicFile)).toBe(0o644);
    } finally {
      process.umask(old);
    }
  });

  it.each([0o640, 0o604, 0o644, 0o660])('refuses a key file with mode %o, saying how to fix it', (bad) => {
    const dir = tempDir();
    const { file } = loadOrCreateAuditKey(dir);
    chmodSync(file, bad);
    const error = auditError(() => loadOrCreateAuditKey(dir));
    expect(error.code).toBe('bad_key');
    expect(error.message).toBe(
      `the audit key ${file} has mode 0${bad.toString(8)}, so group or others may read it; ` +
        `run \`chmod 600 ${file}\` (and consider rotating it)`,
    );
  });

  it('accepts a stricter 0400 key', () => {
    const dir = tempDir();
    const { file, fingerprint } = loadOrCreateAuditKey(dir);
    chmodSync(file, 0o400);
    expect(loadOrCreateAuditKey(dir).fingerprint).toBe(fingerprint);
  });

  it('refuses a key that is not Ed25519, not a key, or not a file', () => {
    const rsa = tempDir();
    const pem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    writeFileSync(path.join(rsa, AUDIT_KEY_FILE), pem, { mode: 0o600 });
    expect(auditError(() => loadOrCreateAuditKey(rsa)).message).toMatch(
      /is a rsa key; slactl signs with Ed25519$/,
    );

    const garbage = tempDir();
    writeFileSync(path.join(garbage, AUDIT_KEY_FILE), 'not a key', { mode: 0o600 });
    expect(auditError(() => loadOrCreateAuditKey(garbage)).message).toMatch(/is not a PEM private key$/);

    const directory = tempDir();
    mkdirSync(path.join(directory, AUDIT_KEY_FILE), { mode: 0o700 });
    expect(auditError(() => loadOrCreateAuditKey(directory)).message).toMatch(/is not a regular file$/);
  });

  it('follows a symlink to a key kept elsewhere, checking the target’s mode', () => {
    const secrets = tempDir();
    const { file, fingerprint } = loadOrCreateAuditKey(secrets);
    const dir = tempDir();
    symlinkSync(file, path.join(dir, AUDIT_KEY_FILE));
    expect(loadOrCreateAuditKey(dir).fingerprint).toBe(fingerprint);
    chmodSync(file, 0o644);
    expect(auditError(() => loadOrCreateAuditKey(dir)).code).toBe('bad_key');
  });

  it('refuses a public key file that is not the private key’s public half', () => {
    const dir = tempDir();
    const key = loadOrCreateAuditKey(dir);
    const other = generateKeyPairSync('ed25519').publicKey;
    writeFileSync(key.publicFile, other.export({ type: 'spki', format: 'pem' }));
    const error = auditError(() => loadOrCreateAuditKey(dir));
    expect(error.code).toBe('key_mismatch');
    expect(error.message).toContain(keyFingerprint(other));
    expect(error.message).toContain(key.fingerprint);
  });

  it('rewrites a missing public key file from the private key', () => {
    const dir = tempDir();
    const key = loadOrCreateAuditKey(dir);
    const pub = readFileSync(key.publicFile, 'utf8');
    writeFileSync(key.publicFile, '');
    // An empty file is not silently replaced…
    expect(auditError(() => loadOrCreateAuditKey(dir)).code).toBe('bad_key');
    // …but a missing one is recreated.
    rmSync(key.publicFile);
    expect(loadOrCreateAuditKey(dir).fingerprint).toBe(key.fingerprint);
    expect(readFileSync(key.publicFile, 'utf8')).toBe(pub);
  });

  it('removes temporary files a crash left behind, once they are stale', () => {
    const dir = tempDir();
    const stale = path.join(dir, `${AUDIT_KEY_FILE}.123.0123456789ab.tmp`);
    const fresh = path.join(dir, `${AUDIT_PUBLIC_KEY_FILE}.456.0123456789ab.tmp`);
    const unrelated = path.join(dir, 'notes.tmp');
    for (const f of [stale, fresh, unrelated]) writeFileSync(f, 'x', { mode: 0o600 });
    const hourAgo = (Date.now() - 3_600_000) / 1000;
    utimesSync(stale, hourAgo, hourAgo);
    utimesSync(unrelated, hourAgo, hourAgo);
    loadOrCreateAuditKey(dir);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    expect(existsSync(unrelated)).toBe(true);
  });

  it('ends with exactly one key when several processes start at once', async () => {
    const dir = tempDir();
    const startAt = Date.now() + 2_500;
    const children = Array.from(
      { length: 4 },
      () =>
        new Promise<string>((resolve, reject) => {
          const child = spawn(process.execPath, [
            '--import',
            'tsx',
            path.join(here, 'test-support', 'audit-child.ts'),
            'key',
            dir,
            String(startAt),
          ]);
          let out = '';
          let err = '';
          child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
          child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
          child.on('exit', (code) =>
            code === 0 ? resolve(out.trim()) : reject(new Error(`child exited ${code}: ${err}`)),
          );
        }),
    );
    const lines = await Promise.all(children);
    const key = loadOrCreateAuditKey(dir);
    expect(key.created).toBe(false);
    expect(lines.filter((line) => line === `${key.fingerprint} created`)).toHaveLength(1);
    expect(lines.filter((line) => line === `${key.fingerprint} loaded`)).toHaveLength(3);
    expect(readdirSync(dir).sort()).toEqual([AUDIT_KEY_FILE, AUDIT_PUBLIC_KEY_FILE]);
    expect(mode(key.file)).toBe(0o600);
  });
});

describe('writeFileExclusive', () => {
  it('never replaces an existing file, and leaves no temporary file either way', () => {
    const dir = tempDir();
    const file = path.join(dir, 'k');
    expect(writeFileExclusive(file, 'first', 0o600)).toBe(true);
    expect(writeFileExclusive(file, 'second', 0o600)).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe('first');
    expect(readdirSync(dir)).toEqual(['k']);
  });
});

describe('readAuditVerifyKey', () => {
  it('reads the public key file, else derives it from the private key, and never writes', () => {
    const dir = tempDir();
    expect(readAuditVerifyKey(dir)).toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);

    const key = loadOrCreateAuditKey(dir);
    expect(readAuditVerifyKey(dir)).toMatchObject({ fingerprint: key.fingerprint, source: key.publicFile });

    rmSync(key.publicFile);
    expect(readAuditVerifyKey(dir)).toMatchObject({ fingerprint: key.fingerprint, source: key.file });
    expect(readdirSync(dir)).toEqual([AUDIT_KEY_FILE]);
  });

  it('prefers a pinned public key file, and refuses one that is missing or private', () => {
    const dir = tempDir();
    loadOrCreateAuditKey(dir);
    const pinned = path.join(tempDir(), 'pinned.pub');
    const other = generateKeyPairSync('ed25519');
    writeFileSync(pinned, other.publicKey.export({ type: 'spki', format: 'pem' }));
    expect(readAuditVerifyKey(dir, pinned)).toMatchObject({
      fingerprint: keyFingerprint(other.publicKey),
      source: pinned,
    });
    expect(auditError(() => readAuditVerifyKey(dir, path.join(dir, 'nope.pub'))).message).toMatch(
      /^no public key file at /,
    );
    const privatePem = path.join(tempDir(), 'private.pem');
    writeFileSync(privatePem, other.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(auditError(() => readAuditVerifyKey(dir, privatePem)).message).toBe(
      `${privatePem} holds a private key; give the public key (${AUDIT_PUBLIC_KEY_FILE}) instead`,
    );
  });
});
