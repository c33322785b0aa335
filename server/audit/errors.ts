// The audit layer's one error class: a snake_case code for callers to branch on, a message for people.

export type AuditErrorCode =
  /** A writer's record is malformed (unknown kind, empty actor, data that is not JSON). */
  | 'invalid_record'
  /** The record's data is larger than an audit entry may be. */
  | 'data_too_large'
  /** The key file is missing, unreadable, too widely readable or not an Ed25519 key. */
  | 'bad_key'
  /** The key does not match the public key file or the key that signed the chain. */
  | 'key_mismatch'
  /** The newest entries or the signed head disagree: appending would hide the damage. */
  | 'chain_tampered'
  /** A stored entry cannot be decoded (it was altered); `slactl audit verify` says how. */
  | 'corrupt_entry'
  /** A page query is out of range (limit, cursors). */
  | 'invalid_query';

/** An audit failure whose message says what is wrong and what to do. */
export class AuditError extends Error {
  override readonly name = 'AuditError';
  constructor(
    readonly code: AuditErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
