// The audit log's contract with the modules that write to it (remediation, the Alertmanager receiver,
// triage, the HTTP layer). The log itself — hash chain, Ed25519 signatures, verification — lives in
// server/audit/; writers depend only on this interface so tests can pass a recording fake.

/** What happened. Stable strings: they are stored, shown on the dashboard and filtered on by the API. */
export type AuditKind =
  | 'alert_received'
  | 'alert_duplicate'
  | 'triage_path'
  | 'run_created'
  | 'run_transition'
  | 'run_approved'
  | 'run_rejected'
  | 'run_cancelled'
  | 'action_request'
  | 'action_response'
  | 'verification'
  | 'escalation'
  | 'token_created'
  | 'token_revoked';

/** One decision to record. `data` must be JSON-serialisable and must never contain a secret. */
export interface AuditRecord {
  kind: AuditKind;
  /** Who decided: `token:<id> (<name>)`, `system`, `alertmanager`, `evaluator`. */
  actor: string;
  /** What it is about, for filtering: a run id, an alert fingerprint, a token id. */
  subject?: string;
  data: Record<string, unknown>;
}

/** A stored entry: the record plus its place in the chain. */
export interface AuditEntry extends AuditRecord {
  /** 1-based position in the chain. */
  seq: number;
  /** ms since the epoch. */
  at: number;
  /** Hex SHA-256 of the previous entry (64 zeros for the first). */
  prevHash: string;
  /** Hex SHA-256 over the canonical JSON of {seq, at, kind, actor, subject, data, prevHash}. */
  hash: string;
  /** Base64 Ed25519 signature over the same canonical JSON. */
  signature: string;
}

/** Where writers append. Appending is synchronous and durable when it returns. */
export interface AuditSink {
  append(record: AuditRecord): AuditEntry;
}
