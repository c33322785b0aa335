// Turns an ingest body into raw (not yet validated) signals: `{"signals": [...]}` as application/json,
// or one signal per line as application/x-ndjson. Size and batch limits are checked here, before any
// signal is looked at, so an oversized body costs as little as possible.
import { IngestError, ProblemList } from './errors.js';

/** Signals as they arrived (not yet validated), with their NDJSON lines (1-based) for NDJSON bodies. */
export interface RawBatch {
  values: readonly unknown[];
  /** Parallel to `values`; absent for a JSON body. */
  lines?: readonly number[];
}

export interface BodyLimits {
  /** Largest body in bytes (UTF-8). */
  maxBodyBytes: number;
  /** Most signals in one body. */
  maxBatch: number;
}

export type BodyFormat = 'json' | 'ndjson';

const NDJSON_TYPES = new Set(['application/x-ndjson', 'application/ndjson', 'application/jsonl']);

/** The body format a Content-Type names, or undefined when ingest does not accept it. */
export function bodyFormat(contentType: string | undefined): BodyFormat | undefined {
  if (contentType === undefined) return undefined;
  const semi = contentType.indexOf(';');
  const media = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (media === 'application/json') return 'json';
  if (NDJSON_TYPES.has(media)) return 'ndjson';
  return undefined;
}

/** UTF-8 size of a string, computed only when it could exceed `limit`. */
function exceedsBytes(text: string, limit: number): number | undefined {
  // A UTF-16 code unit is at most 3 UTF-8 bytes: short bodies need no exact count.
  if (text.length * 3 <= limit) return undefined;
  const bytes = Buffer.byteLength(text, 'utf8');
  return bytes > limit ? bytes : undefined;
}

/** Checks the body size; 413 when it is larger than the limit. */
export function checkBodySize(text: string, maxBodyBytes: number): void {
  const bytes = exceedsBytes(text, maxBodyBytes);
  if (bytes !== undefined) {
    throw new IngestError(
      413,
      'body_too_large',
      `body of ${bytes} bytes exceeds the limit of ${maxBodyBytes} bytes; send smaller batches`,
    );
  }
}

/** The 413 answer to a batch with more signals than allowed. */
export function batchTooLarge(count: number, maxBatch: number): IngestError {
  return new IngestError(
    413,
    'batch_too_large',
    `batch of ${count} signals exceeds the limit of ${maxBatch}; split it into smaller batches`,
  );
}

/** Parses an ingest body into raw signals. Throws IngestError (413, 415, 400) with positions. */
export function parseSignalsBody(
  text: string,
  contentType: string | undefined,
  limits: BodyLimits,
): RawBatch {
  const format = bodyFormat(contentType);
  if (format === undefined) {
    throw new IngestError(
      415,
      'unsupported_media_type',
      `Content-Type ${contentType === undefined ? 'is missing' : `"${contentType}" is not accepted`}: ` +
        'send application/json ({"signals": [...]}) or application/x-ndjson (one signal per line)',
    );
  }
  checkBodySize(text, limits.maxBodyBytes);
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return format === 'json' ? parseJsonBody(body, limits.maxBatch) : parseNdjsonBody(body, limits.maxBatch);
}

/** Rewrites V8's "at position N" into a line and column of the given text. */
function describeJsonError(error: unknown, text: string, singleLine: boolean): string {
  // V8 may quote a piece of the input; keep the message on one line.
  const raw = (error instanceof Error ? error.message : String(error))
    .replace(/\r/g, '\\r')
    .replace(/\n/g, '\\n');
  const match = / at position (\d+)(?: \(line \d+ column \d+\))?/.exec(raw);
  if (!match) return raw;
  const position = Number(match[1]);
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < position; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  const column = position - lineStart + 1;
  const where = singleLine ? `column ${column}` : `line ${line}, column ${column}`;
  return `${raw.slice(0, match.index)} at ${where}${raw.slice(match.index + match[0].length)}`;
}

function parseJsonBody(text: string, maxBatch: number): RawBatch {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new IngestError(400, 'invalid_json', [
      { message: `invalid JSON: ${describeJsonError(error, text, false)}` },
    ]);
  }
  const shape = 'expected {"signals": [...]}';
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    const got = Array.isArray(parsed) ? 'a list' : JSON.stringify(parsed);
    throw new IngestError(400, 'invalid_body', `body: ${shape}, got ${got}`);
  }
  const problems = new ProblemList();
  for (const key of Object.keys(parsed)) {
    if (key !== 'signals') problems.add({ message: `body: unknown field "${key}" (${shape})`, field: key });
  }
  const signals = (parsed as { signals?: unknown }).signals;
  if (signals === undefined)
    problems.add({ message: `body: missing "signals" (${shape})`, field: 'signals' });
  else if (!Array.isArray(signals)) {
    problems.add({ message: `signals: expected a list of signals, got ${typeof signals}`, field: 'signals' });
  }
  problems.throwIfAny(400, 'invalid_body');
  const list = signals as unknown[];
  if (list.length > maxBatch) throw batchTooLarge(list.length, maxBatch);
  return { values: list };
}

function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

function parseNdjsonBody(text: string, maxBatch: number): RawBatch {
  const lines = text.split('\n');
  let count = 0;
  for (const line of lines) if (!isBlank(line)) count++;
  if (count > maxBatch) throw batchTooLarge(count, maxBatch);
  const values: unknown[] = [];
  const numbers: number[] = [];
  const problems = new ProblemList();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (isBlank(line)) continue;
    try {
      values.push(JSON.parse(line));
      numbers.push(i + 1);
    } catch (error) {
      problems.add({
        message: `line ${i + 1}: invalid JSON: ${describeJsonError(error, line, true)}`,
        line: i + 1,
        index: values.length + problems.size,
      });
    }
  }
  problems.throwIfAny(400, 'invalid_json');
  return { values, lines: numbers };
}
