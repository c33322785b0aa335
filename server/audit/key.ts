// The audit log's Ed25519 key pair in the data dir: `audit-ed25519.key` (PKCS#8 PEM, mode 0600) signs,
// `audit-ed25519.pub` (SPKI PEM, 0644) lets anyone without the private key verify. Both are created
// whole or not at all: the content goes to a temporary file opened with O_EXCL, is synced, and is then
// hard-linked into place, which fails rather than overwrites when another process got there first.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { AuditError } from './errors.js';

export const AUDIT_KEY_FILE = 'audit-ed25519.key';
export const AUDIT_PUBLIC_KEY_FILE = 'audit-ed25519.pub';

/** The signing key, its public half and where they live. */
export interface AuditSigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** `SHA256:` and the unpadded base64 SHA-256 of the public key's DER, as ssh prints it. */
  fingerprint: string;
  file: string;
  publicFile: string;
  /** Whether this call created the key (worth a log line: a new key starts a new chain of trust). */
  created: boolean;
}

/** A public key to verify with, and the file it came from. */
export interface AuditVerifyKey {
  publicKey: KeyObject;
  fingerprint: string;
  source: string;
}

const TEMP_NAME = /^audit-ed25519\.(key|pub)\.\d+\.[0-9a-f]{12}\.tmp$/;
/** Temporary files older than this were left by a crash between write and link. */
const STALE_TEMP_MS = 60_000;

/** The ssh-style fingerprint of a public key. */
export function keyFingerprint(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return `SHA256:${createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`;
}

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Not every platform can fsync a directory; the link itself is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Creates `file` with `content` and `mode` unless it exists, never leaving a partial file behind.
 * Returns true when this call created it, false when the file was already there (it is not touched).
 */
export function writeFileExclusive(file: string, content: string, mode: number): boolean {
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  try {
    try {
      // The umask may have narrowed `mode`; make it exact (never wider than asked).
      fchmodSync(fd, mode);
      writeFileSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(temp, file);
    } catch (error) {
      if (errno(error) === 'EEXIST') return false;
      throw error;
    }
    syncDirectory(path.dirname(file));
    return true;
  } finally {
    rmSync(temp, { force: true });
  }
}

function removeStaleTemps(dataDir: string, nowMs: number): void {
  for (const name of readdirSync(dataDir)) {
    if (!TEMP_NAME.test(name)) continue;
    const file = path.join(dataDir, name);
    try {
      if (nowMs - statSync(file).mtimeMs > STALE_TEMP_MS) rmSync(file, { force: true });
    } catch {
      // Another process removed it first.
    }
  }
}

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

/** Reads the private key, refusing files that group or others may read; undefined when absent. */
function readPrivateKey(file: string): KeyObject | undefined {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO planted at the path must not hang start-up; it fails the isFile check.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    if (errno(error) === 'ENOENT') return undefined;
    throw new AuditError(
      'bad_key',
      `cannot read the audit key ${file}: ${(error as Error).message}; ` +
        'run slactl as the user that owns the data dir',
      { cause: error },
    );
  }
  let pem: string;
  try {
    // Checked on the open descriptor, so the file cannot be swapped between the check and the read.
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new AuditError('bad_key', `the audit key ${file} is not a regular file`);
    if ((stat.mode & 0o077) !== 0) {
      throw new AuditError(
        'bad_key',
        `the audit key ${file} has mode ${octal(stat.mode)}, so group or others may read it; ` +
          `run \`chmod 600 ${file}\` (and consider rotating it)`,
      );
    }
    pem = readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new AuditError('bad_key', `the audit key ${file} is not a PEM private key`, { cause: error });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new AuditError(
      'bad_key',
      `the audit key ${file} is a ${key.asymmetricKeyType ?? 'unknown'} key; slactl signs with Ed25519`,
    );
  }
  return key;
}

/** Reads an SPKI PEM Ed25519 public key; undefined when the file is absent. */
function readPublicKey(file: string): KeyObject | undefined {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    if (errno(error) === 'ENOENT') return undefined;
    throw new AuditError('bad_key', `cannot read the audit public key ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (pem.includes('PRIVATE KEY-----')) {
    throw new AuditError(
      'bad_key',
      `${file} holds a private key; give the public key (${AUDIT_PUBLIC_KEY_FILE}) instead`,
    );
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new AuditError('bad_key', `${file} is not a PEM public key`, { cause: error });
  }
  if (key.type !== 'public' || key.asymmetricKeyType !== 'ed25519') {
    throw new AuditError('bad_key', `${file} is not an Ed25519 public key`);
  }
  return key;
}

function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  return a.export({ type: 'spki', format: 'der' }).equals(b.export({ type: 'spki', format: 'der' }));
}

/**
 * The data dir's audit signing key, created on first use (several processes starting together end
 * with one key). Refuses a key that group or others may read, and a public key file that does not
 * match the private key.
 */
export function loadOrCreateAuditKey(dataDir: string, nowMs: number = Date.now()): AuditSigningKey {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  removeStaleTemps(dataDir, nowMs);
  const file = path.join(dataDir, AUDIT_KEY_FILE);
  const publicFile = path.join(dataDir, AUDIT_PUBLIC_KEY_FILE);

  let privateKey = readPrivateKey(file);
  let created = false;
  if (privateKey === undefined) {
    const fresh = generateKeyPairSync('ed25519').privateKey;
    const pem = fresh.export({ type: 'pkcs8', format: 'pem' }) as string;
    // Losing the race is fine: the winner's key is complete once its link is visible.
    created = writeFileExclusive(file, pem, 0o600);
    privateKey = readPrivateKey(file);
    if (privateKey === undefined) {
      throw new AuditError('bad_key', `the audit key ${file} disappeared while it was being created`);
    }
  }
  const publicKey = createPublicKey(privateKey);

  let stored = readPublicKey(publicFile);
  if (stored === undefined) {
    writeFileExclusive(publicFile, publicKey.export({ type: 'spki', format: 'pem' }) as string, 0o644);
    stored = readPublicKey(publicFile);
  }
  if (stored === undefined || !samePublicKey(stored, publicKey)) {
    throw new AuditError(
      'key_mismatch',
      `${publicFile} (${stored === undefined ? 'missing' : keyFingerprint(stored)}) is not the public half of ` +
        `${file} (${keyFingerprint(publicKey)}); find out which one was replaced before removing either`,
    );
  }
  return { privateKey, publicKey, fingerprint: keyFingerprint(publicKey), file, publicFile, created };
}

/**
 * The key to verify the data dir's chain with, reading only: `publicKeyFile` when given (a key pinned
 * elsewhere), else `audit-ed25519.pub`, else the public half of the private key. Undefined when the
 * data dir has neither file.
 */
export function readAuditVerifyKey(dataDir: string, publicKeyFile?: string): AuditVerifyKey | undefined {
  if (publicKeyFile !== undefined) {
    const pinned = readPublicKey(publicKeyFile);
    if (pinned === undefined) throw new AuditError('bad_key', `no public key file at ${publicKeyFile}`);
    return { publicKey: pinned, fingerprint: keyFingerprint(pinned), source: publicKeyFile };
  }
  const publicFile = path.join(dataDir, AUDIT_PUBLIC_KEY_FILE);
  const stored = readPublicKey(publicFile);
  if (stored !== undefined)
    return { publicKey: stored, fingerprint: keyFingerprint(stored), source: publicFile };
  const file = path.join(dataDir, AUDIT_KEY_FILE);
  const privateKey = readPrivateKey(file);
  if (privateKey === undefined) return undefined;
  const publicKey = createPublicKey(privateKey);
  return { publicKey, fingerprint: keyFingerprint(publicKey), source: file };
}
