// The common, valid signal checked by hand: the rules of the zod schemas in schema.ts, without building
// a parse result field by field (zod costs more than parsing the JSON). It only ever accepts. Anything
// it is not sure of (an invalid signal, a pre-aggregated histogram, categorical counts, an unknown
// field) gives undefined, and the schema then accepts it or explains what is wrong with the exact
// messages of the contract. A property test holds the two to the same answers (fast-signal.test.ts).
//
// It reads plain JSON data only (values from JSON.parse): an accepted signal is the parsed object
// itself (a copy when a time was RFC 3339 text), so objects with getters must not come here.
import { MAX_ITEMS, MAX_K, MAX_NAME_LENGTH, isLabelSafe, parseRfc3339, type Signal } from './schema.js';

type Fields = Record<string, unknown>;

/** A label-safe name; non-ASCII text goes through the schema's full check. */
function isName(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const n = value.length;
  if (n === 0 || n > MAX_NAME_LENGTH) return false;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return isLabelSafe(value);
  }
  return true;
}

/** A finite number ≥ 0 (z.number().min(0)); NaN and ±Infinity fail both comparisons or the second. */
function isNonNegative(value: unknown): boolean {
  return typeof value === 'number' && value >= 0 && value < Infinity;
}

/** An integer ≥ 0 within the safe range (zod's `.int()`). */
function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isPositiveInt(value: unknown, max: number): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= max;
}

/** A time as the schema's `time()` reads it: ms since the epoch, or RFC 3339 text; NaN when neither. */
function timeOf(value: unknown): number {
  if (typeof value === 'number') return value >= 0 && value < Infinity ? value : NaN;
  if (typeof value === 'string') return parseRfc3339(value) ?? NaN;
  return NaN;
}

/** A list of ids (strings or finite numbers), at most MAX_ITEMS. */
function isIdList(value: unknown): value is unknown[] {
  if (!Array.isArray(value) || value.length > MAX_ITEMS) return false;
  for (let i = 0; i < value.length; i++) {
    const id: unknown = value[i];
    if (typeof id === 'string') continue;
    if (typeof id !== 'number' || !(id > -Infinity && id < Infinity)) return false;
  }
  return true;
}

/** A non-empty list of finite numbers, at most MAX_ITEMS. */
function isValueList(value: unknown): boolean {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_ITEMS) return false;
  for (let i = 0; i < value.length; i++) {
    const v: unknown = value[i];
    if (typeof v !== 'number' || !(v > -Infinity && v < Infinity)) return false;
  }
  return true;
}

/** Per signal type, the fields of the common shape this file checks (besides type, service and ts). */
const FIELDS: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  Object.entries({
    request: ['ok', 'seconds'],
    // Only one observation: the pre-aggregated form (buckets, count, sum) is left to the schema.
    component_latency: ['component', 'seconds'],
    feature_value: ['feature', 'eventTime'],
    null_rate: ['feature', 'nulls', 'total'],
    stream: ['consumerGroup', 'lag', 'consumeRate', 'produceRate'],
    recall_probe: ['index', 'k', 'retrieved', 'exact'],
    index_stats: ['index', 'vectors', 'tombstones', 'dimensions', 'm'],
    // Numeric values only: categorical counts are left to the schema.
    distribution: ['feature', 'values', 'reference'],
  }).map(([type, fields]) => [type, new Set(['type', 'service', 'ts', ...fields])]),
);

/**
 * The signal when `value` is a valid signal of a common shape, or undefined (then the schema decides).
 * Times given as RFC 3339 text come back as ms since the epoch, as the schema's output has them.
 */
export function fastSignal(value: unknown): Signal | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const s = value as Fields;
  // A Map: a `type` such as `toString` or `__proto__` finds nothing.
  const allowed = typeof s.type === 'string' ? FIELDS.get(s.type) : undefined;
  if (allowed === undefined) return undefined;
  // An unknown field (or the pre-aggregated histogram's, or categorical counts) is the schema's to judge.
  for (const key in s) if (!allowed.has(key)) return undefined;
  let ok: boolean;
  let eventTime = 0;
  switch (s.type) {
    case 'request':
      ok = typeof s.ok === 'boolean' && isNonNegative(s.seconds);
      break;
    case 'component_latency':
      ok = isName(s.component) && isNonNegative(s.seconds);
      break;
    case 'feature_value':
      eventTime = timeOf(s.eventTime);
      ok = isName(s.feature) && !Number.isNaN(eventTime);
      break;
    case 'null_rate':
      ok = isName(s.feature) && isCount(s.nulls) && isCount(s.total) && s.nulls <= s.total;
      break;
    case 'stream':
      ok =
        isName(s.consumerGroup) &&
        isNonNegative(s.lag) &&
        isNonNegative(s.consumeRate) &&
        isNonNegative(s.produceRate);
      break;
    case 'recall_probe':
      ok =
        isName(s.index) &&
        isPositiveInt(s.k, MAX_K) &&
        isIdList(s.retrieved) &&
        isIdList(s.exact) &&
        s.exact.length >= s.k;
      break;
    case 'index_stats':
      ok =
        isName(s.index) &&
        isCount(s.vectors) &&
        isCount(s.tombstones) &&
        s.tombstones <= s.vectors &&
        (s.dimensions === undefined || isPositiveInt(s.dimensions, Number.MAX_SAFE_INTEGER)) &&
        (s.m === undefined || isPositiveInt(s.m, Number.MAX_SAFE_INTEGER));
      break;
    case 'distribution':
      ok =
        isName(s.feature) &&
        isValueList(s.values) &&
        (s.reference === undefined || typeof s.reference === 'boolean');
      break;
    default:
      return undefined;
  }
  if (!ok || !isName(s.service)) return undefined;
  const ts = s.ts;
  if (ts === undefined || typeof ts === 'number') {
    if (ts !== undefined && !(ts >= 0 && ts < Infinity)) return undefined;
    if (typeof s.eventTime !== 'string') return s as unknown as Signal;
    return { ...s, eventTime } as unknown as Signal;
  }
  const tsMs = timeOf(ts);
  if (Number.isNaN(tsMs)) return undefined;
  const copy: Fields = { ...s, ts: tsMs };
  if (typeof s.eventTime === 'string') copy.eventTime = eventTime;
  return copy as unknown as Signal;
}
