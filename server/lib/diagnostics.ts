// Diagnostics are data: validation returns them, renderers (terminal, JSON, Markdown) print them.

export type Severity = 'error' | 'warning';

/** One problem found in user input, with its position. Lines and columns are 1-based. */
export interface Diagnostic {
  code: string;
  severity: Severity;
  message: string;
  file: string;
  /** Property path inside the document, e.g. `spec.availability.objective`. */
  path: string;
  line: number;
  column: number;
  hint?: string;
}

/** The outcome of checking user input: a value, or the diagnostics that prevent one. */
export type Result<T> =
  { ok: true; value: T; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

/** True when any diagnostic is an error (warnings alone do not fail). */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Sorts diagnostics by file, line, column, then code, so output is stable. */
export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.sort(
    (a, b) =>
      a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.code.localeCompare(b.code),
  );
}

/** Renders a diagnostic as `file:line:col: error[code]: message` with its path and hint beneath. */
export function formatDiagnostic(d: Diagnostic): string {
  let out = `${d.file}:${d.line}:${d.column}: ${d.severity}[${d.code}]: ${d.message}`;
  if (d.path !== '') out += `\n  at ${d.path}`;
  if (d.hint !== undefined) out += `\n  hint: ${d.hint}`;
  return out;
}

/** Levenshtein edit distance, for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate to `word`, if one is close enough to be a plausible typo. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return bestDistance <= limit ? best : undefined;
}
