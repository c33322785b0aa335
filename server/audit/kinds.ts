// The audit kinds as a runtime list, for validating writers' records and the API's `kind` filter.
import type { AuditKind } from './types.js';

/** Every AuditKind, in the order a decision usually unfolds. */
export const AUDIT_KINDS = [
  'alert_received',
  'alert_duplicate',
  'triage_path',
  'run_created',
  'run_transition',
  'run_approved',
  'run_rejected',
  'run_cancelled',
  'action_request',
  'action_response',
  'verification',
  'escalation',
  'token_created',
  'token_revoked',
] as const satisfies readonly AuditKind[];

// Fails to compile when types.ts gains a kind this list lacks.
type Unlisted = Exclude<AuditKind, (typeof AUDIT_KINDS)[number]>;
const everyKindListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyKindListed;

const KIND_SET: ReadonlySet<string> = new Set(AUDIT_KINDS);

/** Whether `value` is one of the audit kinds. */
export function isAuditKind(value: unknown): value is AuditKind {
  return typeof value === 'string' && KIND_SET.has(value);
}
