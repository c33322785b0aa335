// The remediation layer's one error class. It sits below the HTTP layer, so it carries a kind rather
// than a status; server/http/remediation-routes.ts maps kinds to statuses (400, 404, 409, 422).

/** What went wrong, for the HTTP status: bad input, no such thing, a state or policy conflict. */
export type RemediationErrorKind = 'invalid' | 'not_found' | 'conflict' | 'unavailable';

export interface RemediationProblem {
  /** The request field at fault (`labels.index`, `action`), when there is one. */
  field?: string;
  message: string;
}

/** A refusal that is safe to show to the caller: no stack, no secret, the field at fault. */
export class RemediationError extends Error {
  override readonly name = 'RemediationError';

  constructor(
    readonly kind: RemediationErrorKind,
    /** snake_case: `unknown_runbook`, `invalid_transition`, `cooldown`, `template_rejected`, … */
    readonly code: string,
    message: string,
    readonly problems: RemediationProblem[] = [],
    /** When a refused request may succeed if repeated (cooldowns and budgets), ms since the epoch. */
    readonly retryAtMs?: number,
  ) {
    super(message);
  }
}
