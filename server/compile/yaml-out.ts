// A small, fast YAML writer for generated files (rules, promtool tests, Alertmanager config). Generated
// output is plain data — mappings, sequences, strings, numbers, booleans — so block style with JSON-quoted
// strings where plain ones would be ambiguous covers it; the `yaml` library's general stringifier is ~20×
// slower, which matters when compiling thousands of SLAs. A property test holds it to `yaml`'s parser.

export type YamlValue =
  string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue | undefined };

// Plain scalars that YAML 1.1 or 1.2 would read as something other than a string.
const RESERVED = /^(?:~|null|true|false|yes|no|on|off|y|n)$/i;
const NUMBER_LIKE = /^[-+.]?(?:\d|\.inf|\.nan)/i;
const UNSAFE_START = /^[\s\-?:,[\]{}#&*!|>'"%@`]/;
// Characters or sequences that end or change a plain scalar, and anything non-printable.
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be quoted
const UNSAFE_ANYWHERE = /: |:$| #|\s$|[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;

/** True when a string can be written as a plain scalar and read back as the same string. */
export function isPlainSafe(text: string): boolean {
  return (
    text !== '' &&
    !RESERVED.test(text) &&
    !NUMBER_LIKE.test(text) &&
    !UNSAFE_START.test(text) &&
    !UNSAFE_ANYWHERE.test(text) &&
    !text.startsWith('- ')
  );
}

function scalar(value: string | number | boolean | null): string {
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

function key(text: string): string {
  return isPlainSafe(text) ? text : JSON.stringify(text);
}

function isEmptyCollection(value: YamlValue): boolean {
  if (Array.isArray(value)) return value.length === 0;
  if (value !== null && typeof value === 'object') return Object.values(value).every((v) => v === undefined);
  return false;
}

function write(value: YamlValue, indent: string, out: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      if (item !== null && typeof item === 'object' && !isEmptyCollection(item)) {
        // The first entry of a mapping or sequence goes on the dash's line.
        const nested: string[] = [];
        write(item, `${indent}  `, nested);
        out.push(`${indent}- ${nested[0]!.slice(indent.length + 2)}`, ...nested.slice(1));
      } else {
        out.push(`${indent}- ${inline(item)}`);
      }
    }
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      if (v !== null && typeof v === 'object' && !isEmptyCollection(v)) {
        out.push(`${indent}${key(k)}:`);
        write(v, `${indent}  `, out);
      } else {
        out.push(`${indent}${key(k)}: ${inline(v)}`);
      }
    }
    return;
  }
  out.push(`${indent}${scalar(value)}`);
}

function inline(value: YamlValue): string {
  if (Array.isArray(value)) return '[]';
  if (value !== null && typeof value === 'object') return '{}';
  return scalar(value);
}

/** Writes a value as a YAML document (block style, two-space indentation, trailing newline). */
export function toYaml(value: YamlValue, header = ''): string {
  const out: string[] = [];
  if (value !== null && typeof value === 'object' && !isEmptyCollection(value)) write(value, '', out);
  else out.push(inline(value));
  return `${header}${out.join('\n')}\n`;
}
