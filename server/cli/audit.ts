// `slactl audit verify`: checks the data dir's audit chain end to end (hashes, signatures, links, the
// signed head) and names the first entry that was edited, removed or moved. Reads only: safe while the
// server runs, on a copy, and on a read-only mount.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { AuditError } from '../audit/errors.js';
import { readAuditVerifyKey, type AuditVerifyKey } from '../audit/key.js';
import { verifyAuditReader, type AuditVerification } from '../audit/verify.js';
import { DATABASE_FILE } from '../main.js';
import { openAuditReader } from '../store/audit-rows.js';
import { StoreError } from '../store/errors.js';
import { UsageError, type Io } from './io.js';

export interface AuditOptions {
  action: string | undefined;
  args: string[];
  dataDir: string;
  format: 'text' | 'json';
  /** A public key file kept elsewhere, to verify against instead of the data dir's. */
  publicKey?: string;
}

interface Failed {
  code: string;
  message: string;
}

function verify(
  dataDir: string,
  publicKeyFile: string | undefined,
): { database: string; key: AuditVerifyKey | undefined; result: AuditVerification } | Failed {
  const database = path.join(dataDir, DATABASE_FILE);
  if (!existsSync(database)) {
    return { code: 'no_database', message: `no database at ${database}; is --data-dir right?` };
  }
  try {
    const key = readAuditVerifyKey(dataDir, publicKeyFile);
    const reader = openAuditReader(database);
    try {
      return { database, key, result: verifyAuditReader(reader, key?.publicKey) };
    } finally {
      reader.close();
    }
  } catch (error) {
    if (error instanceof AuditError) return { code: error.code, message: error.message };
    if (error instanceof StoreError) return { code: 'unreadable_database', message: error.message };
    throw error;
  }
}

/** Runs `slactl audit <action>`: exit 0 when the chain is intact, 1 when it is not (or cannot be read). */
export function auditCommand(io: Io, options: AuditOptions): number {
  if (options.action !== 'verify') {
    throw new UsageError(
      options.action === undefined
        ? 'audit needs an action: verify'
        : `unknown audit action "${options.action}" (actions: verify)`,
    );
  }
  if (options.args.length > 0)
    throw new UsageError(`audit verify takes no arguments, got "${options.args[0]}"`);
  const dataDir = path.resolve(io.cwd, options.dataDir);
  const publicKeyFile = options.publicKey === undefined ? undefined : path.resolve(io.cwd, options.publicKey);
  const outcome = verify(dataDir, publicKeyFile);

  if ('code' in outcome) {
    if (options.format === 'json') io.out(`${JSON.stringify({ ok: false, error: outcome })}\n`);
    else io.err(`slactl: audit verify: ${outcome.message}\n`);
    return 1;
  }
  const { database, key, result } = outcome;
  const keyInfo = key === undefined ? null : { fingerprint: key.fingerprint, source: key.source };
  if (options.format === 'json') {
    io.out(
      `${JSON.stringify(
        result.ok
          ? { ok: true, database, entries: result.entries, head: result.head ?? null, key: keyInfo }
          : { ok: false, database, entries: result.entries, failure: result.failure, key: keyInfo },
      )}\n`,
    );
    return result.ok ? 0 : 1;
  }
  const signer = key === undefined ? '' : ` with ${key.fingerprint} (${key.source})`;
  if (!result.ok) {
    const { failure } = result;
    const verified =
      result.entries === 0
        ? 'no entry before it verified'
        : `entries 1–${result.entries} before it verified${signer}`;
    io.out(
      `audit log TAMPERED at entry ${failure.seq} (${failure.reason}): ${failure.message}\n${verified}\n`,
    );
    return 1;
  }
  if (result.head === undefined) {
    io.out(`audit log is empty (${database})\n`);
    return 0;
  }
  io.out(
    `audit log intact: ${result.entries === 1 ? '1 entry' : `${result.entries} entries`}, ` +
      `head ${result.head.seq} ${result.head.hash}\nverified${signer}\n`,
  );
  return 0;
}
