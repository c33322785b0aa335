// Canonical JSON in the manner of RFC 8785 (JCS): object keys sorted by UTF-16 code units, no
// whitespace, numbers and strings serialised as ECMAScript's JSON.stringify does. Equal values give
// equal bytes, which is what a hash chain and a signature need. Values JSON cannot carry exactly
// (NaN, Infinity, undefined, functions, Dates, Maps, lone surrogates, cycles) are refused, not coerced.

/** Why a value has no canonical JSON form. */
export type CanonicalJsonCode =
  'non_finite_number' | 'unsupported_type' | 'lone_surrogate' | 'cycle' | 'too_deep';

/** A value that cannot be encoded; `path` locates it (`data.items[2].size`). */
export class CanonicalJsonError extends Error {
  override readonly name = 'CanonicalJsonError';
  constructor(
    readonly code: CanonicalJsonCode,
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

/** Nesting beyond this is refused rather than risking the stack. */
export const MAX_JSON_DEPTH = 64;

// In `u` mode a paired surrogate is one code point; only unpaired halves match \p{Cs}.
const LONE_SURROGATE = /\p{Cs}/u;

/** The path of a property: `a.b` for identifier-like keys, `a["x y"]` otherwise. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'bigint') return `a bigint (${value}n)`;
  if (typeof value === 'symbol') return 'a symbol';
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor
    ?.name;
  return name ? `a ${name}` : 'an object';
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function encodeString(value: string, path: string): string {
  if (LONE_SURROGATE.test(value)) {
    throw new CanonicalJsonError('lone_surrogate', path, 'string contains an unpaired UTF-16 surrogate');
  }
  return JSON.stringify(value);
}

function encode(value: unknown, path: string, ancestors: object[]): string {
  switch (typeof value) {
    case 'string':
      return encodeString(value, path);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) {
        throw new CanonicalJsonError('non_finite_number', path, `${value} is not a finite number`);
      }
      // ECMAScript's Number-to-String, as RFC 8785 §3.2.2.3 requires; -0 becomes 0.
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (ancestors.includes(value)) {
        throw new CanonicalJsonError('cycle', path, 'value refers to itself');
      }
      if (ancestors.length >= MAX_JSON_DEPTH) {
        throw new CanonicalJsonError('too_deep', path, `nesting deeper than ${MAX_JSON_DEPTH} levels`);
      }
      ancestors.push(value);
      try {
        if (Array.isArray(value)) {
          const items: string[] = [];
          for (let i = 0; i < value.length; i++) {
            if (!(i in value)) {
              throw new CanonicalJsonError('unsupported_type', childPath(path, i), 'array has a hole');
            }
            items.push(encode(value[i], childPath(path, i), ancestors));
          }
          return `[${items.join(',')}]`;
        }
        if (!isPlainObject(value)) {
          const hint = value instanceof Date ? '; convert it with toISOString()' : '';
          throw new CanonicalJsonError(
            'unsupported_type',
            path,
            `${describe(value)} is not JSON; use plain objects and arrays${hint}`,
          );
        }
        if (Object.getOwnPropertySymbols(value).length > 0) {
          throw new CanonicalJsonError('unsupported_type', path, 'object has symbol keys');
        }
        const record = value as Record<string, unknown>;
        // Default sort compares UTF-16 code units, which is the order RFC 8785 §3.2.3 prescribes.
        const keys = Object.keys(record).sort();
        const members = keys.map(
          (key) => `${encodeString(key, path)}:${encode(record[key], childPath(path, key), ancestors)}`,
        );
        return `{${members.join(',')}}`;
      } finally {
        ancestors.pop();
      }
    }
    default:
      throw new CanonicalJsonError('unsupported_type', path, `${describe(value)} is not JSON`);
  }
}

/** The canonical JSON text of `value`; throws CanonicalJsonError naming the offending path. */
export function canonicalJson(value: unknown, rootPath = '$'): string {
  return encode(value, rootPath, []);
}
