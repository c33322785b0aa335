// What one attempt of an action came to, whatever ran it (HTTP or a program).

/**
 * `ok`: done. `retryable`: may succeed if tried again (5xx, 408, 429, timeouts, network errors, exit
 * 75). `fatal`: trying again would not help (4xx, a refused redirect, a missing program).
 */
export type AttemptOutcomeKind = 'ok' | 'retryable' | 'fatal';

export interface AttemptResult {
  outcome: AttemptOutcomeKind;
  /** Short snake_case reason for a failure: `http_503`, `timeout`, `network_error`, `exit_2`, … */
  reason?: string;
  /** HTTP status of the final response. */
  status?: number;
  exitCode?: number;
  durationMs: number;
  /** A human-readable failure message (no secrets: executors mask them). */
  error?: string;
  /** Program output or a response excerpt, capped and masked. */
  output?: string;
  /** A server's Retry-After, when it sent one. */
  retryAfterMs?: number;
}
