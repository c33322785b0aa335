// Reads a node's `when:` condition. A condition is a mapping with exactly one of `alert`, `signal`, `any`
// or `all`; each problem is a positioned diagnostic. Names are checked later, by checkTree.
import type { Diagnostic } from '../lib/diagnostics.js';
import type { PathSegment, SourceDoc } from '../sla/positions.js';
import { describeValue, diagnosticAt, hintFor, isRecord, locate } from './locate.js';
import type { Condition, Located, Matcher, Where } from './types.js';

const KINDS = ['alert', 'signal', 'any', 'all'] as const;
type Kind = (typeof KINDS)[number];

const KEYS: Record<Kind, readonly string[]> = {
  alert: ['alert', 'where'],
  signal: ['signal', 'above', 'below', 'where'],
  any: ['any'],
  all: ['all'],
};

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface Ctx {
  source: SourceDoc;
  out: Diagnostic[];
}

function error(
  ctx: Ctx,
  path: readonly PathSegment[],
  code: string,
  message: string,
  hint?: string,
  atKey = false,
): void {
  ctx.out.push(diagnosticAt(ctx.source.file, locate(ctx.source, path, atKey), code, message, { hint }));
}

function labelValue(ctx: Ctx, value: unknown, path: readonly PathSegment[]): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  error(
    ctx,
    path,
    'invalid_type',
    `expected a label value (a non-empty string), got ${describeValue(value)}`,
  );
  return undefined;
}

function valueList(ctx: Ctx, value: unknown, path: readonly PathSegment[]): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    error(
      ctx,
      path,
      'invalid_type',
      `expected a non-empty list of label values, got ${describeValue(value)}`,
    );
    return undefined;
  }
  const values = value.map((v, i) => labelValue(ctx, v, [...path, i]));
  return values.every((v): v is string => v !== undefined) ? values : undefined;
}

function matcher(ctx: Ctx, value: unknown, path: readonly PathSegment[]): Matcher | undefined {
  if (typeof value === 'string')
    return labelValue(ctx, value, path) === undefined ? undefined : { equals: value };
  if (Array.isArray(value)) {
    const values = valueList(ctx, value, path);
    return values && { in: values };
  }
  if (isRecord(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'in' || keys[0] === 'notIn')) {
      const values = valueList(ctx, value[keys[0]], [...path, keys[0]]);
      if (!values) return undefined;
      return keys[0] === 'in' ? { in: values } : { notIn: values };
    }
    const extra = keys.find((k) => k !== 'in' && k !== 'notIn');
    if (extra !== undefined) {
      error(
        ctx,
        [...path, extra],
        'unknown_key',
        `unknown key "${extra}"`,
        hintFor(extra, ['in', 'notIn']),
        true,
      );
    } else {
      error(ctx, path, 'invalid_matcher', 'a label matcher holds one of in or notIn, not both');
    }
    return undefined;
  }
  error(
    ctx,
    path,
    'invalid_type',
    `expected a label value, a list of values, or {in: […]} / {notIn: […]}, got ${describeValue(value)}`,
  );
  return undefined;
}

function where(
  ctx: Ctx,
  value: unknown,
  path: readonly PathSegment[],
): { where: Where; whereAt: Record<string, Located> } | undefined {
  if (value === undefined) return { where: {}, whereAt: {} };
  if (!isRecord(value)) {
    error(
      ctx,
      path,
      'invalid_type',
      `expected a mapping of label names to values, got ${describeValue(value)}`,
    );
    return undefined;
  }
  const out: Where = {};
  const at: Record<string, Located> = {};
  let ok = true;
  for (const [label, raw] of Object.entries(value)) {
    if (!LABEL_NAME.test(label)) {
      error(ctx, [...path, label], 'invalid_name', `"${label}" is not a label name`, undefined, true);
      ok = false;
      continue;
    }
    const m = matcher(ctx, raw, [...path, label]);
    if (!m) {
      ok = false;
      continue;
    }
    out[label] = m;
    at[label] = locate(ctx.source, [...path, label], true);
  }
  return ok ? { where: out, whereAt: at } : undefined;
}

function name(ctx: Ctx, value: unknown, path: readonly PathSegment[], what: string): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  error(ctx, path, 'invalid_type', `expected ${what} name, got ${describeValue(value)}`);
  return undefined;
}

function threshold(ctx: Ctx, value: unknown, path: readonly PathSegment[]): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  error(
    ctx,
    path,
    'invalid_type',
    `expected a number, got ${describeValue(value)}`,
    'write the threshold in the signal’s unit (ms, seconds, a ratio such as 0.95, or a count)',
  );
  return undefined;
}

/** Reads one condition at `path`; pushes diagnostics and returns undefined when it is invalid. */
export function parseCondition(
  source: SourceDoc,
  value: unknown,
  path: readonly PathSegment[],
  out: Diagnostic[],
): Condition | undefined {
  const ctx: Ctx = { source, out };
  if (!isRecord(value)) {
    error(
      ctx,
      path,
      'invalid_type',
      `expected a condition (a mapping with one of alert, signal, any, all), got ${describeValue(value)}`,
    );
    return undefined;
  }
  // In file order, so a second kind is reported where it was written.
  const kinds = Object.keys(value).filter((k): k is Kind => (KINDS as readonly string[]).includes(k));
  if (kinds.length === 0) {
    const all = [...new Set(Object.values(KEYS).flat())];
    for (const key of Object.keys(value)) {
      error(ctx, [...path, key], 'unknown_key', `unknown key "${key}"`, hintFor(key, all), true);
    }
    error(ctx, path, 'missing_condition', 'a condition needs one of alert, signal, any or all');
    return undefined;
  }
  if (kinds.length > 1) {
    error(
      ctx,
      [...path, kinds[1]!],
      'conflicting_condition',
      `a condition holds one of alert, signal, any or all, not both ${kinds[0]} and ${kinds[1]}`,
      'combine conditions with any: [...] or all: [...]',
      true,
    );
    return undefined;
  }
  const kind = kinds[0]!;
  let ok = true;
  for (const key of Object.keys(value)) {
    if (KEYS[kind].includes(key)) continue;
    ok = false;
    error(
      ctx,
      [...path, key],
      'unknown_key',
      `unknown key "${key}" in ${kind} condition`,
      hintFor(key, KEYS[kind]),
      true,
    );
  }
  const at = locate(source, path);
  switch (kind) {
    case 'alert': {
      const alert = name(ctx, value.alert, [...path, 'alert'], 'an alert');
      const w = where(ctx, value.where, [...path, 'where']);
      if (!ok || alert === undefined || !w) return undefined;
      return { kind, alert, ...w, at, nameAt: locate(source, [...path, 'alert']) };
    }
    case 'signal': {
      const signal = name(ctx, value.signal, [...path, 'signal'], 'a signal');
      const w = where(ctx, value.where, [...path, 'where']);
      if ('above' in value && 'below' in value) {
        error(
          ctx,
          [...path, 'below'],
          'conflicting_condition',
          'a signal condition has above or below, not both',
          undefined,
          true,
        );
        return undefined;
      }
      const bound = 'above' in value ? 'above' : 'below' in value ? 'below' : undefined;
      const limit = bound === undefined ? undefined : threshold(ctx, value[bound], [...path, bound]);
      if (!ok || signal === undefined || !w || (bound !== undefined && limit === undefined)) return undefined;
      return {
        kind,
        signal,
        ...(bound !== undefined && limit !== undefined
          ? { op: bound === 'above' ? ('>' as const) : ('<' as const), threshold: limit }
          : {}),
        ...w,
        at,
        nameAt: locate(source, [...path, 'signal']),
      };
    }
    case 'any':
    case 'all': {
      const list = value[kind];
      if (!Array.isArray(list) || list.length === 0) {
        error(
          ctx,
          [...path, kind],
          'invalid_type',
          `expected a non-empty list of conditions, got ${describeValue(list)}`,
        );
        return undefined;
      }
      const of = list.map((item, i) => parseCondition(source, item, [...path, kind, i], out));
      if (!ok || of.some((c) => c === undefined)) return undefined;
      return { kind, of: of as Condition[], at };
    }
  }
}
