// Property-based tests: whatever is done to a valid SLA document, the validator never throws, and it
// either accepts the document or explains why with a positioned error.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { checkSlaSources } from './load.js';

const EXAMPLES = ['recommendations', 'search-rag', 'fraud-scoring'].map((name) =>
  readFileSync(new URL(`../../slas/${name}.yaml`, import.meta.url), 'utf8'),
);

function assertExplained(text: string): void {
  const lineCount = text.split('\n').length;
  const result = checkSlaSources([{ file: 'mutated.yaml', text }]);
  for (const d of result.diagnostics) {
    expect(d.file).toBe('mutated.yaml');
    expect(d.line).toBeGreaterThanOrEqual(1);
    expect(d.line).toBeLessThanOrEqual(lineCount + 1);
    expect(d.column).toBeGreaterThanOrEqual(1);
    expect(d.message.length).toBeGreaterThan(0);
    expect(d.code).toMatch(/^[a-z][a-z0-9_]*$/);
  }
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  // Either the document is accepted, or an error says why, or the file is reported as holding nothing.
  if (errors.length === 0 && result.slas.length === 0) {
    expect(result.diagnostics.map((d) => d.code)).toContain('empty_file');
  }
}

/** Paths to every node of a parsed document. */
function paths(node: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [prefix];
  if (isMap(node)) {
    for (const item of node.items) {
      const key = isScalar(item.key) ? item.key.value : undefined;
      if (typeof key === 'string') out.push(...paths(item.value, [...prefix, key]));
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => out.push(...paths(item, [...prefix, i])));
  }
  return out;
}

const anyValue = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(
    '100ms',
    '0s',
    '-5m',
    '99.9%',
    '100%',
    '0%',
    '1e9',
    '{{window}}',
    'sum(rate(x[',
    '\u0000',
    '~',
  ),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
);

describe('validator under mutation', () => {
  it('never throws on character-level edits and always explains a rejection', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...EXAMPLES),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 3 }), fc.string({ maxLength: 4 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (text, edits) => {
          let mutated = text;
          for (const [at, deleteCount, insert] of edits) {
            const pos = at % (mutated.length + 1);
            mutated = mutated.slice(0, pos) + insert + mutated.slice(pos + deleteCount);
          }
          assertExplained(mutated);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws when a value is replaced, a key removed or an unknown key added', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...EXAMPLES),
        fc.nat(),
        fc.constantFrom('replace', 'delete', 'add'),
        anyValue,
        (text, pick, action, value) => {
          const doc = parseDocument(text);
          // An unknown key can only be added beside another key of a mapping.
          const all = paths(doc.contents).filter(
            (p) => p.length > 0 && (action !== 'add' || typeof p[p.length - 1] === 'string'),
          );
          const path = all[pick % all.length]!;
          if (action === 'replace') doc.setIn(path, doc.createNode(value));
          else if (action === 'delete') doc.deleteIn(path);
          else doc.setIn([...path.slice(0, -1), 'unexpectedKey'], doc.createNode(value));
          assertExplained(doc.toString());
        },
      ),
      { numRuns: 300 },
    );
  });
});
