// Checks on what callers hand the store. The collector validates signals first; these checks keep a
// programming error from ever reaching SQLite (NaN would be stored as NULL, a negative delta would
// make a counter go backwards).
import { StoreError } from './errors.js';
import type { Labels, ReferenceDistribution, SampleUpdate, Scope, SeriesType } from './types.js';

const SERIES_TYPES: ReadonlySet<string> = new Set<SeriesType>(['counter', 'gauge', 'max']);
const SCOPES: ReadonlySet<string> = new Set<Scope>(['read', 'ingest', 'operate', 'admin']);

/** `name{a="1",b="2"}`, as Prometheus writes a series. */
export function describeSeries(name: string, labels: Labels): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((key) => `${key}=${JSON.stringify(labels[key])}`);
  return `${name}{${pairs.join(',')}}`;
}

/** What is wrong with one update, or undefined when it is valid. */
export function updateProblem(update: SampleUpdate): string | undefined {
  if (typeof update !== 'object' || update === null) return 'an update must be an object';
  const { name, labels, type, t, value } = update;
  if (typeof name !== 'string' || name === '') return 'name must be a non-empty string';
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
    return 'labels must be an object of strings';
  }
  for (const key of Object.keys(labels)) {
    if (key === '') return 'label names must not be empty';
    const labelValue: unknown = labels[key];
    if (typeof labelValue !== 'string') return `label ${key} must be a string, got ${typeof labelValue}`;
  }
  if (typeof type !== 'string' || !SERIES_TYPES.has(type)) {
    return `unknown series type ${JSON.stringify(type)} (expected counter, gauge or max)`;
  }
  if (typeof t !== 'number' || !Number.isFinite(t))
    return `sample time t must be a finite number, got ${String(t)}`;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return `value must be a finite number, got ${String(value)}`;
  }
  if (type === 'counter' && value < 0) return `counter delta must be >= 0, got ${value}`;
  return undefined;
}

/** What is wrong with a reference distribution, or undefined when it is valid. */
export function referenceProblem(reference: ReferenceDistribution): string | undefined {
  if (typeof reference !== 'object' || reference === null) return 'a reference must be an object';
  if (reference.kind === 'numeric') {
    if (!Array.isArray(reference.values)) return 'values must be an array of numbers';
    const bad = reference.values.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
    return bad === -1
      ? undefined
      : `values[${bad}] must be a finite number, got ${String(reference.values[bad])}`;
  }
  if (reference.kind === 'categorical') {
    const { counts } = reference;
    if (typeof counts !== 'object' || counts === null || Array.isArray(counts)) {
      return 'counts must be an object of category → count';
    }
    for (const [category, count] of Object.entries(counts)) {
      if (typeof count !== 'number' || !Number.isFinite(count) || count < 0) {
        return `counts[${JSON.stringify(category)}] must be a finite number >= 0, got ${String(count)}`;
      }
    }
    return undefined;
  }
  return `unknown reference kind ${JSON.stringify((reference as { kind: unknown }).kind)} (expected numeric or categorical)`;
}

/** What is wrong with a token's scopes, or undefined when each is known. */
export function scopesProblem(scopes: readonly string[]): string | undefined {
  if (!Array.isArray(scopes)) return 'scopes must be an array';
  const bad: unknown = scopes.find((s) => typeof s !== 'string' || !SCOPES.has(s));
  return bad === undefined
    ? undefined
    : `unknown scope ${JSON.stringify(bad)} (expected read, ingest, operate or admin)`;
}

/** Query times may be ±Infinity ("since ever", "until now"), never NaN. */
export function checkTimes(method: string, ...times: number[]): void {
  for (const time of times) {
    if (typeof time !== 'number' || Number.isNaN(time)) {
      throw new StoreError(`${method}(): times must be numbers of ms since the epoch, got ${String(time)}`);
    }
  }
}

/** Times that are stored, or pruned by, must be finite: prune(Infinity) would drop everything for good. */
export function checkFinite(method: string, time: number): void {
  if (typeof time !== 'number' || !Number.isFinite(time)) {
    throw new StoreError(
      `${method}(): the time must be a finite number of ms since the epoch, got ${String(time)}`,
    );
  }
}
