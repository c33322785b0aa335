// Between stored rows and API entries: decoding a row's canonical `data` text and checking that every
// column has the type it was written with (a tampered row may not).
import type { AuditRow } from '../store/audit-rows.js';
import { canonicalJson } from './canonical-json.js';
import type { SignedFields } from './chain.js';
import type { AuditEntry, AuditKind } from './types.js';

/** A row's signed fields, or why they cannot be what was signed. */
export type DecodedRow = { ok: true; fields: SignedFields } | { ok: false; problem: string };

const HEX_64 = /^[0-9a-f]{64}$/;

/** Decodes a stored row, insisting on the exact canonical text and the written column types. */
export function decodeRow(row: AuditRow): DecodedRow {
  const { seq, at, kind, actor, subject, data, prevHash } = row as unknown as Record<string, unknown>;
  if (typeof seq !== 'number' || typeof at !== 'number' || !Number.isSafeInteger(at)) {
    return { ok: false, problem: 'seq or at is not an integer' };
  }
  if (typeof kind !== 'string' || typeof actor !== 'string') {
    return { ok: false, problem: 'kind or actor is not text' };
  }
  if (subject !== null && typeof subject !== 'string') return { ok: false, problem: 'subject is not text' };
  if (typeof prevHash !== 'string' || !HEX_64.test(prevHash)) {
    return { ok: false, problem: 'prevHash is not a hex SHA-256' };
  }
  if (typeof data !== 'string') return { ok: false, problem: 'data is not text' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return { ok: false, problem: 'data is not valid JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, problem: 'data is not a JSON object' };
  }
  // Any other spelling of the same value (spaces, key order, 1.0 for 1) is a change to the bytes.
  let canonical: string;
  try {
    canonical = canonicalJson(parsed, 'data');
  } catch {
    return { ok: false, problem: 'data is not canonical JSON' };
  }
  if (canonical !== data) return { ok: false, problem: 'data is not canonical JSON' };
  return {
    ok: true,
    fields: {
      seq,
      at,
      kind,
      actor,
      subject,
      data: parsed as Record<string, unknown>,
      prevHash,
    },
  };
}

/** The API shape of a stored row whose data decodes; undefined for one that does not. */
export function entryFromRow(row: AuditRow): AuditEntry | undefined {
  const decoded = decodeRow(row);
  if (!decoded.ok) return undefined;
  const { fields } = decoded;
  return {
    seq: fields.seq,
    at: fields.at,
    kind: fields.kind as AuditKind,
    actor: fields.actor,
    ...(fields.subject !== null ? { subject: fields.subject } : {}),
    data: fields.data,
    prevHash: fields.prevHash,
    hash: row.hash,
    signature: row.signature,
  };
}
