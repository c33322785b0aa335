// Identities derived from alerts: the episode fingerprint, the remediated object's key (cooldowns,
// one open run per object), the Idempotency-Key sent with every action call, and run ids.
import { createHash, randomBytes } from 'node:crypto';
import { fingerprint } from '../evaluate/alert-state.js';

/**
 * Labels that tell alerts about the same object apart without naming a different object: the burn
 * tier or severity of an SLO alert, and the alert name itself (FeatureStale and
 * FeatureFallbackRequired about one feature are one object to remediate).
 */
export const NON_IDENTIFYING_LABELS: ReadonlySet<string> = new Set(['alertname', 'severity', 'burn_tier']);

/**
 * The fingerprint of a full label set, computed by slactl rather than taken from the sender, so
 * Alertmanager and the embedded evaluator agree on it (the evaluator's own algorithm).
 */
export function alertFingerprint(labels: Readonly<Record<string, string>>): string {
  return fingerprint(labels);
}

/** The key of the object an alert is about: its labels without the non-identifying ones. */
export function objectKey(labels: Readonly<Record<string, string>>): string {
  const identifying: Record<string, string> = {};
  for (const [name, value] of Object.entries(labels)) {
    if (!NON_IDENTIFYING_LABELS.has(name)) identifying[name] = value;
  }
  return fingerprint(identifying);
}

/** Whether two label sets agree on every identifying label both carry. */
export function sameObject(
  a: Readonly<Record<string, string>>,
  b: Readonly<Record<string, string>>,
): boolean {
  for (const [name, value] of Object.entries(a)) {
    if (NON_IDENTIFYING_LABELS.has(name)) continue;
    if (Object.hasOwn(b, name) && b[name] !== value) return false;
  }
  return true;
}

/**
 * The Idempotency-Key of every call a run makes: a hash of (runbook, action, alert fingerprint,
 * startsAt), so a replayed step, a retry and a second delivery of the alert all carry the same key.
 */
export function idempotencyKey(
  runbook: string,
  action: string,
  alertFingerprint: string,
  startsAtMs: number,
): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([runbook, action, alertFingerprint, new Date(startsAtMs).toISOString()]))
    .digest('hex');
  return `slactl-${digest.slice(0, 40)}`;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID: 48 bits of milliseconds and 80 random bits, Crockford base32, sortable by creation time. */
export function newRunId(nowMs: number): string {
  let time = '';
  let t = Math.max(0, Math.floor(nowMs));
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(16);
  let random = '';
  for (let i = 0; i < 16; i++) random += CROCKFORD[bytes[i]! % 32];
  return time + random;
}

/** Whether `value` looks like a run id (so a bad one is a 404 without a database lookup). */
export function isRunId(value: string): boolean {
  return /^[0-9A-HJKMNP-TV-Z]{26}$/.test(value);
}
