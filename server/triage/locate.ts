// Positions and diagnostics for the decision-tree file, on top of the SLA loader's YAML position helpers.
import { suggest, type Diagnostic, type Severity } from '../lib/diagnostics.js';
import { formatPath, offsetOf, positionAt, type PathSegment, type SourceDoc } from '../sla/positions.js';
import type { Located } from './types.js';

/** The position of a path in the document: its value, or its key when `atKey` is set. */
export function locate(source: SourceDoc, path: readonly PathSegment[], atKey = false): Located {
  const pos = positionAt(source, offsetOf(source, path, atKey));
  return { line: pos.line, column: pos.column, path: formatPath(path) };
}

/** A diagnostic at a located place of a file. */
export function diagnosticAt(
  file: string,
  at: Located,
  code: string,
  message: string,
  options: { severity?: Severity; hint?: string | undefined } = {},
): Diagnostic {
  return {
    code,
    severity: options.severity ?? 'error',
    message,
    file,
    path: at.path,
    line: at.line,
    column: at.column,
    ...(options.hint !== undefined ? { hint: options.hint } : {}),
  };
}

/** `did you mean "x"?` when a candidate is close, else the list of candidates (when short). */
export function hintFor(word: string, candidates: readonly string[]): string | undefined {
  const guess = suggest(word, candidates);
  if (guess !== undefined) return `did you mean "${guess}"?`;
  if (candidates.length > 0 && candidates.length <= 12) return `known: ${candidates.join(', ')}`;
  return undefined;
}

/** Names a YAML value for messages: `a list`, `the string "x"`, `number 3`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${value}`;
  return typeof value;
}

/** True for a YAML mapping read as a plain object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
