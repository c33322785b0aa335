// The bytes that are hashed and signed. An entry's hash and signature cover the canonical JSON of
// {seq, at, kind, actor, subject, data, prevHash}, so changing, removing or moving any entry changes
// a hash that the next entry (and the signed head) commits to. The head is signed over a different
// set of keys, so an entry signature can never pass for a head signature or the other way round.
import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/** The prevHash of the first entry: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/** What an entry's hash and signature cover; `subject` is null when the record has none. */
export interface SignedFields {
  seq: number;
  at: number;
  kind: string;
  actor: string;
  subject: string | null;
  data: Record<string, unknown>;
  prevHash: string;
}

/** The canonical JSON bytes of an entry, as hashed and signed. */
export function entryBytes(fields: SignedFields): Buffer {
  const { seq, at, kind, actor, subject, data, prevHash } = fields;
  return Buffer.from(canonicalJson({ seq, at, kind, actor, subject, data, prevHash }), 'utf8');
}

/** The canonical JSON bytes of the chain's head (the newest entry's seq and hash), as signed. */
export function headBytes(seq: number, hash: string): Buffer {
  return Buffer.from(canonicalJson({ head: 'slactl-audit', seq, hash }), 'utf8');
}

/** Hex SHA-256. */
export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Base64 Ed25519 signature. */
export function signBytes(bytes: Buffer, privateKey: KeyObject): string {
  return sign(null, bytes, privateKey).toString('base64');
}

/** Whether `signature` (base64) is a valid Ed25519 signature of `bytes`; malformed input is false. */
export function verifyBytes(bytes: Buffer, signature: string, publicKey: KeyObject): boolean {
  if (!/^[A-Za-z0-9+/]{86}==$/.test(signature)) return false;
  const raw = Buffer.from(signature, 'base64');
  // Base64 has several spellings of the last byte; only the canonical one is the stored signature.
  if (raw.toString('base64') !== signature) return false;
  try {
    return verify(null, bytes, publicKey, raw);
  } catch {
    return false;
  }
}
