// Maps property paths inside a parsed YAML document to source positions (1-based line and column).
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { Diagnostic } from '../lib/diagnostics.js';

export type PathSegment = string | number;

/** A located YAML document: the document, its file, and the line counter of that file. */
export interface SourceDoc {
  file: string;
  /** The whole file's text (all documents). */
  text: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

export interface Position {
  line: number;
  column: number;
}

/** Renders a path as `spec.recall[0].min`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

/** The 1-based position of a source offset. */
export function positionAt(source: SourceDoc, offset: number): Position {
  const { line, col } = source.lines.linePos(offset);
  return { line, column: col };
}

function childOf(node: unknown, segment: PathSegment): { key?: Node; value?: unknown } | undefined {
  if (isMap(node)) {
    for (const item of node.items) {
      const key = isScalar(item.key) ? item.key.value : item.key;
      if (key === segment || (typeof segment === 'number' && key === String(segment))) {
        return { ...(isScalar(item.key) ? { key: item.key } : {}), value: item.value };
      }
    }
    return undefined;
  }
  if (isSeq(node) && typeof segment === 'number') {
    const value: unknown = node.items[segment];
    return value === undefined ? undefined : { value };
  }
  return undefined;
}

function nodeStart(node: unknown): number | undefined {
  if (node !== null && typeof node === 'object' && 'range' in node) {
    const range = (node as { range?: [number, number, number] | null }).range;
    if (range) return range[0];
  }
  if (isPair(node)) return nodeStart(node.key);
  return undefined;
}

/**
 * Finds the source offset for a path: the value node when it exists, the key when `atKey` is set,
 * otherwise the nearest ancestor that exists (a missing field is reported at its parent).
 */
export function offsetOf(source: SourceDoc, path: readonly PathSegment[], atKey = false): number {
  let node: unknown = source.doc.contents;
  let best = nodeStart(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const child = childOf(node, path[i]!);
    if (!child) return best;
    const last = i === path.length - 1;
    if (last && atKey && child.key) return nodeStart(child.key) ?? best;
    const start = nodeStart(child.value) ?? (child.key ? nodeStart(child.key) : undefined);
    if (start !== undefined) best = start;
    else if (child.key) best = nodeStart(child.key) ?? best;
    node = child.value;
  }
  return best;
}

/** The YAML node at a path, when it exists. */
export function nodeAt(source: SourceDoc, path: readonly PathSegment[]): unknown {
  let node: unknown = source.doc.contents;
  for (const segment of path) {
    const child = childOf(node, segment);
    if (!child) return undefined;
    node = child.value;
  }
  return node;
}

/**
 * Maps an offset inside a scalar's string value to a source offset. Plain and quoted scalars on one
 * line map directly; block and multi-line scalars are walked character by character, skipping the
 * indentation, quotes and escapes that the value does not contain.
 */
export function offsetInScalar(source: SourceDoc, scalarNode: unknown, valueOffset: number): number {
  if (!isScalar(scalarNode) || typeof scalarNode.value !== 'string' || !scalarNode.range) {
    return nodeStart(scalarNode) ?? 0;
  }
  const value = scalarNode.value;
  const [start, end] = scalarNode.range;
  const raw = source.text.slice(start, end);
  const direct = raw.indexOf(value);
  if (direct >= 0) return start + direct + valueOffset;
  // Greedy walk: advance through the raw text matching the value's characters in order.
  let j = 0;
  for (let i = 0; i < valueOffset && i < value.length; i++) {
    const ch = value[i]!;
    while (j < raw.length && raw[j] !== ch) j++;
    if (j < raw.length) j++;
  }
  while (j < raw.length && /\s/.test(raw[j]!) && !/\s/.test(value[valueOffset] ?? '')) j++;
  return start + Math.min(j, raw.length);
}

/** A YAML parse error or warning as a positioned diagnostic (`yaml_syntax`, or `duplicate_key`). */
export function yamlDiagnostic(
  source: SourceDoc,
  error: { code: string; message: string; pos: [number, number] },
  severity: 'error' | 'warning',
): Diagnostic {
  const pos = positionAt(source, error.pos[0]);
  const firstLine = error.message.split('\n')[0] ?? error.message;
  // yaml appends " at line L, column C" to its messages; the position is already in the prefix.
  const message = firstLine.replace(/ at line \d+, column \d+:?$/, '');
  return {
    code: error.code === 'DUPLICATE_KEY' ? 'duplicate_key' : 'yaml_syntax',
    severity,
    message,
    file: source.file,
    path: '',
    line: pos.line,
    column: pos.column,
  };
}
