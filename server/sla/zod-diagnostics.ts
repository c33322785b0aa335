// Turns Zod issues into positioned diagnostics with stable codes and "did you mean" hints.
import type { z } from 'zod';
import { suggest, type Diagnostic } from '../lib/diagnostics.js';
import { formatPath, offsetOf, positionAt, type PathSegment, type SourceDoc } from './positions.js';
import type { IssueParams } from './schema.js';

type AnySchema = z.core.$ZodType;

/** Unwraps optional, default, pipe (transform) and similar wrappers. */
function unwrap(schema: AnySchema): AnySchema {
  let current = schema;
  for (;;) {
    const def = current._zod.def as { type: string; innerType?: AnySchema; in?: AnySchema };
    if ((def.type === 'optional' || def.type === 'default' || def.type === 'nullable') && def.innerType) {
      current = def.innerType;
    } else if (def.type === 'pipe' && def.in) {
      current = def.in;
    } else {
      return current;
    }
  }
}

/** Follows a data path through the schema to the schema that validates it. */
export function schemaAt(root: AnySchema, path: readonly PathSegment[]): AnySchema | undefined {
  let current: AnySchema | undefined = unwrap(root);
  for (const segment of path) {
    if (!current) return undefined;
    const def = current._zod.def as {
      type: string;
      shape?: Record<string, AnySchema>;
      element?: AnySchema;
      valueType?: AnySchema;
    };
    if (def.type === 'object' && def.shape && typeof segment === 'string') current = def.shape[segment];
    else if (def.type === 'array' && def.element) current = def.element;
    else if (def.type === 'record' && def.valueType) current = def.valueType;
    else return undefined;
    current = current ? unwrap(current) : undefined;
  }
  return current;
}

/** The keys an object schema at `path` accepts. */
export function knownKeysAt(root: AnySchema, path: readonly PathSegment[]): string[] {
  const schema = schemaAt(root, path);
  const def = schema?._zod.def as { type: string; shape?: Record<string, AnySchema> } | undefined;
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string "${value}"`;
  return `${typeof value} ${JSON.stringify(value) ?? typeof value}`;
}

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
};

function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let current = data;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

/** Converts the Zod issues of one document into diagnostics positioned in its YAML source. */
export function issuesToDiagnostics(
  issues: readonly z.core.$ZodIssue[],
  source: SourceDoc,
  schema: AnySchema,
  data: unknown,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const at = (
    code: string,
    path: readonly PathSegment[],
    message: string,
    hint?: string,
    atKey = false,
  ): Diagnostic => {
    const pos = positionAt(source, offsetOf(source, path, atKey));
    return {
      code,
      severity: 'error',
      message,
      file: source.file,
      path: formatPath(path),
      line: pos.line,
      column: pos.column,
      ...(hint !== undefined ? { hint } : {}),
    };
  };

  for (const issue of issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const field = path.length > 0 ? String(path[path.length - 1]) : '';
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known = knownKeysAt(schema, path);
        for (const key of issue.keys) {
          const guess = suggest(key, known);
          const hint =
            guess !== undefined
              ? `did you mean "${guess}"?`
              : known.length > 0
                ? `allowed: ${known.join(', ')}`
                : undefined;
          out.push(at('unknown_key', [...path, key], `unknown key "${key}"`, hint, true));
        }
        break;
      }
      case 'invalid_type': {
        const input = valueAt(data, path);
        const expected = TYPE_WORDS[issue.expected] ?? issue.expected;
        if (input === undefined) {
          const parent = path.slice(0, -1);
          out.push(
            at(
              'missing_field',
              parent.length > 0 ? parent : path,
              `missing required field "${field}"`,
              undefined,
              parent.length > 0,
            ),
          );
        } else if (path.length === 0) {
          out.push(
            at('invalid_type', path, `expected an SLA document (a mapping), got ${describeValue(input)}`),
          );
        } else {
          out.push(at('invalid_type', path, `expected ${expected}, got ${describeValue(input)}`));
        }
        break;
      }
      case 'invalid_union': {
        const input = valueAt(data, path);
        if (input === undefined) {
          const parent = path.slice(0, -1);
          out.push(
            at('missing_field', parent, `missing required field "${field}"`, undefined, parent.length > 0),
          );
        } else {
          out.push(at('invalid_type', path, `expected a string or number, got ${describeValue(input)}`));
        }
        break;
      }
      case 'invalid_value': {
        const input = valueAt(data, path);
        const options = issue.values.map(String);
        if (field === 'apiVersion') {
          out.push(
            at(
              'unsupported_api_version',
              path,
              `unsupported apiVersion ${JSON.stringify(input)}: this slactl reads ${options.join(', ')}`,
              `set apiVersion: ${options[0]}`,
            ),
          );
        } else if (field === 'kind') {
          out.push(
            at(
              'unsupported_kind',
              path,
              `unsupported kind ${JSON.stringify(input)}`,
              `set kind: ${options[0]}`,
            ),
          );
        } else {
          const guess = typeof input === 'string' ? suggest(input, options) : undefined;
          out.push(
            at(
              'invalid_value',
              path,
              `${JSON.stringify(input)} is not one of ${options.join(', ')}`,
              guess !== undefined ? `did you mean "${guess}"?` : undefined,
            ),
          );
        }
        break;
      }
      case 'invalid_format': {
        const input = valueAt(data, path);
        const code = field === 'name' && path[0] === 'metadata' ? 'invalid_name' : 'invalid_format';
        out.push(at(code, path, `${JSON.stringify(input)} ${issue.message}`));
        break;
      }
      case 'invalid_key': {
        const key = field;
        const detail = issue.issues[0]?.message ?? 'invalid key';
        out.push(at('invalid_name', path, `key "${key}" ${detail}`, undefined, true));
        break;
      }
      case 'too_small':
      case 'too_big': {
        const input = valueAt(data, path);
        const bound =
          issue.code === 'too_small'
            ? `at least ${String(issue.minimum)}`
            : `at most ${String(issue.maximum)}`;
        const exclusive =
          issue.code === 'too_small' && issue.inclusive === false
            ? `greater than ${String(issue.minimum)}`
            : bound;
        out.push(at('out_of_range', path, `${JSON.stringify(input)} is out of range: must be ${exclusive}`));
        break;
      }
      case 'custom': {
        const params = (issue.params ?? {}) as Partial<IssueParams>;
        out.push(at(params.code ?? 'invalid', path, issue.message, params.hint));
        break;
      }
      default:
        out.push(at('invalid', path, issue.message));
    }
  }
  return out;
}
