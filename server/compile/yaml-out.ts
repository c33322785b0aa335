// A small, fast YAML writer for generated files (rules, promtool tests, Alertmanager config). Generated
// output is plain data — mappings, sequences, strings, numbers, booleans — so block style with JSON-quoted
// strings where plain ones would be ambiguous covers it; the `yaml` library's general stringifier is ~20×
// slower, which matters when compiling thousands of SLAs. A property test holds it to `yaml`'s parser.

export type YamlValue =
  string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue | undefined };

// One pass over everything that makes a plain scalar unsafe: words and numbers YAML 1.1 or 1.2 would read
// as something other than a string (a lone `=` is YAML 1.1's value-key indicator, which PyYAML, so
// yamllint and Ansible, refuses as a string), a start that is an indicator character, sequences that end or change
// a plain scalar, and anything non-printable.
const UNSAFE =
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must be quoted
  /^(?:~|=|null|true|false|yes|no|on|off|y|n)$|^[-+]?(?:\.?\d|\.inf|\.nan)|^[\s\-?:,[\]{}#&*!|>'"%@`]|: |:$| #|\s$|[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/i;

/** True when a string can be written as a plain scalar and read back as the same string. */
export function isPlainSafe(text: string): boolean {
  return text !== '' && !UNSAFE.test(text);
}

/** A scalar as `toYaml` writes it: plain when that reads back the same, JSON-quoted otherwise. */
export function yamlScalar(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return '.nan';
    if (!Number.isFinite(value)) return value > 0 ? '.inf' : '-.inf';
    return String(value);
  }
  // JSON's escapes are a subset of YAML's double-quoted escapes.
  return isPlainSafe(value) ? value : JSON.stringify(value);
}

// Generated files use a few dozen distinct keys (`expr`, `labels`, label names) a million times per 1,000
// SLAs: remember how each is written, within a bound.
const KEYS = new Map<string, string>();
const KEYS_LIMIT = 10_000;

/** A mapping key as `toYaml` writes it. */
export function yamlKey(key: string): string {
  let text = KEYS.get(key);
  if (text === undefined) {
    if (KEYS.size >= KEYS_LIMIT) KEYS.clear();
    text = isPlainSafe(key) ? key : JSON.stringify(key);
    KEYS.set(key, text);
  }
  return text;
}

function isEmptyCollection(value: YamlValue): boolean {
  if (Array.isArray(value)) return value.length === 0;
  if (value !== null && typeof value === 'object') {
    for (const key in value) if (value[key] !== undefined) return false;
    return true;
  }
  return false;
}

function isNested(
  value: YamlValue | undefined,
): value is YamlValue[] | { [key: string]: YamlValue | undefined } {
  return value !== null && typeof value === 'object' && !isEmptyCollection(value);
}

/**
 * Appends the lines of a non-empty collection. `first` prefixes the first line instead of `indent`, so a
 * sequence entry's first key sits on the dash's line (`- name: x`).
 */
function write(
  value: YamlValue[] | { [key: string]: YamlValue | undefined },
  indent: string,
  first: string,
  out: string[],
): void {
  let prefix = first;
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isNested(item)) write(item, inner, `${prefix}- `, out);
      else out.push(`${prefix}- ${inline(item)}`);
      prefix = indent;
    }
    return;
  }
  for (const k in value) {
    const v = value[k];
    if (v === undefined) continue;
    const key = yamlKey(k);
    if (isNested(v)) {
      out.push(`${prefix}${key}:`);
      write(v, inner, inner, out);
    } else {
      out.push(`${prefix}${key}: ${inline(v)}`);
    }
    prefix = indent;
  }
}

function inline(value: YamlValue): string {
  if (Array.isArray(value)) return '[]';
  if (value !== null && typeof value === 'object') return '{}';
  return yamlScalar(value);
}

/** Writes a value as a YAML document (block style, two-space indentation, trailing newline). */
export function toYaml(value: YamlValue, header = ''): string {
  const out: string[] = [];
  if (isNested(value)) write(value, '', '', out);
  else out.push(inline(value));
  return `${header}${out.join('\n')}\n`;
}
