// Defence in depth for the audit log: writers must never put a secret in `data`, but if one slips
// through under an obvious name (a header map with Authorization, an `apiToken` field) it is replaced
// before the entry is hashed, so it never reaches the disk or the signed chain.
import { MAX_JSON_DEPTH } from './canonical-json.js';

/** What a redacted value is replaced with. */
export const REDACTED = '[redacted]';

// Words that name a secret wherever they appear in a key.
const SECRET_WORDS = new Set([
  'secret',
  'secrets',
  'password',
  'passwd',
  'passphrase',
  'authorization',
  'cookie',
  'cookies',
  'credential',
  'credentials',
]);
// Words that name a secret only as the key's last word: `accessToken` is one, `tokenId` is not.
const SECRET_TAILS = new Set(['token', 'tokens', 'apikey', 'apikeys', 'privatekey', 'privatekeys']);

/** The words of a key: `x-api-key` → [x, api, key]; `accessToken` → [access, token]. */
function words(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

/** Whether a key names a secret (token, secret, password, authorization, cookie, api key, …). */
export function isSecretKey(key: string): boolean {
  const parts = words(key);
  if (parts.some((w) => SECRET_WORDS.has(w))) return true;
  const last = parts[parts.length - 1];
  if (last === undefined) return false;
  if (SECRET_TAILS.has(last)) return true;
  // `api_key`, `x-api-key`, `private-key`: the two-word spellings of the tails above.
  const lastTwo = parts.slice(-2).join('');
  return SECRET_TAILS.has(lastTwo);
}

/** Absent, empty and yes/no values say nothing secret (`hasPassword: false`), so they stay visible. */
function carriesValue(value: unknown): boolean {
  return value !== null && value !== undefined && value !== '' && typeof value !== 'boolean';
}

function redactValue(value: unknown, ancestors: object[]): unknown {
  // Cyclic, too deep or non-plain values are left as they are: canonical JSON refuses them by path.
  if (typeof value !== 'object' || value === null) return value;
  if (ancestors.includes(value) || ancestors.length > MAX_JSON_DEPTH) return value;
  ancestors.push(value);
  try {
    if (Array.isArray(value)) {
      // A hole must stay a hole for canonical JSON to name it; `map` preserves holes.
      return value.map((item: unknown) => redactValue(item, ancestors));
    }
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return value;
    if (Object.getOwnPropertySymbols(value).length > 0) return value;
    // fromEntries defines own properties, so a `__proto__` key stays data instead of a prototype.
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key,
        isSecretKey(key) && carriesValue(inner) ? REDACTED : redactValue(inner, ancestors),
      ]),
    );
  } finally {
    ancestors.pop();
  }
}

/** A copy of `data` with the value of every secret-named key, at any depth, replaced by REDACTED. */
export function redactSecrets(data: Record<string, unknown>): Record<string, unknown> {
  return redactValue(data, []) as Record<string, unknown>;
}
