// The one error type of ingest: a status, a stable code and the problems found, so the HTTP layer can
// answer every rejected body with a message that says what is wrong and where, never a stack trace.

/** Where a problem is: the signal's position in the batch, its NDJSON line, and the field. */
export interface ProblemDetails {
  /** 0-based position of the signal in the batch. */
  index?: number;
  /** 1-based line of an NDJSON body. */
  line?: number;
  /** The offending field, as a path inside the signal (`seconds`, `buckets.0.1`). */
  field?: string;
}

/** One problem found in an ingest body. */
export interface IngestProblem extends ProblemDetails {
  message: string;
}

/** 503: the store could not commit a group of batches (none of their samples was stored). */
export type IngestStatus = 400 | 413 | 415 | 429 | 503;

/** At most this many problems are reported for one body; the rest are counted. */
export const MAX_REPORTED_PROBLEMS = 20;

/** A rejected ingest body. Nothing of the body was stored. */
export class IngestError extends Error {
  override readonly name = 'IngestError';
  readonly status: IngestStatus;
  /** snake_case: `invalid_json`, `invalid_signal`, `batch_too_large`, `series_limit`, `store_unavailable`, … */
  readonly code: string;
  /** Position of the first problem. */
  readonly details: ProblemDetails;
  /** Every problem reported (at most MAX_REPORTED_PROBLEMS). */
  readonly problems: readonly IngestProblem[];
  /** Problems found beyond the reported ones. */
  readonly omitted: number;
  /** Set on overload answers: when to try again (the HTTP layer sends it as `Retry-After`). */
  readonly retryAfterSeconds?: number;

  constructor(
    status: IngestStatus,
    code: string,
    problems: readonly IngestProblem[] | string,
    options: { omitted?: number; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    const list = typeof problems === 'string' ? [{ message: problems }] : problems;
    const omitted = options.omitted ?? 0;
    super(summarise(list, omitted), options.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.code = code;
    this.problems = list;
    this.omitted = omitted;
    const first = list[0];
    const details: ProblemDetails = {};
    if (first?.index !== undefined) details.index = first.index;
    if (first?.line !== undefined) details.line = first.line;
    if (first?.field !== undefined) details.field = first.field;
    this.details = details;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** The JSON body the HTTP layer answers with. */
  toJSON(): {
    error: { code: string; message: string; problems: IngestProblem[]; omitted?: number };
  } {
    const body: { code: string; message: string; problems: IngestProblem[]; omitted?: number } = {
      code: this.code,
      message: this.message,
      problems: [...this.problems],
    };
    if (this.omitted > 0) body.omitted = this.omitted;
    return { error: body };
  }
}

function summarise(problems: readonly IngestProblem[], omitted: number): string {
  if (problems.length === 0) return 'invalid ingest body';
  if (problems.length === 1 && omitted === 0) return problems[0]!.message;
  const total = problems.length + omitted;
  const more = omitted > 0 ? `; and ${omitted} more` : '';
  return `${total} problems: ${problems.map((p) => p.message).join('; ')}${more}`;
}

/** Collects problems up to the reporting limit and counts the rest. */
export class ProblemList {
  readonly problems: IngestProblem[] = [];
  omitted = 0;

  add(problem: IngestProblem): void {
    if (this.problems.length < MAX_REPORTED_PROBLEMS) this.problems.push(problem);
    else this.omitted++;
  }

  get size(): number {
    return this.problems.length + this.omitted;
  }

  /** True once further problems would only be counted, not reported. */
  get full(): boolean {
    return this.problems.length >= MAX_REPORTED_PROBLEMS;
  }

  /** Throws an IngestError with every collected problem, if there is any. */
  throwIfAny(status: IngestStatus, code: string): void {
    if (this.size > 0) throw new IngestError(status, code, this.problems, { omitted: this.omitted });
  }
}

/** A short, single-line rendering of a value for error messages. */
export function preview(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    // JSON values always stringify; anything else (a BigInt, a cycle) is described by its type.
    text = JSON.stringify(value) ?? typeof value;
  } catch {
    text = typeof value;
  }
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
