// Property-based tests of the tree loader: whatever is done to the committed tree, loading never throws,
// and a rejection is always explained by a positioned error; a loaded tree can always be walked.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { triage } from './evaluate.js';
import { checkTreeSource } from './load.js';
import { committedTreeText, inputAt } from './test-support/fixtures.js';

const TEXT = committedTreeText();
const INPUT = inputAt('stale feature, then fallback', 20);

function assertExplained(text: string): void {
  const lineCount = text.split('\n').length;
  const result = checkTreeSource('mutated.yaml', text);
  for (const d of result.diagnostics) {
    expect(d.file).toBe('mutated.yaml');
    expect(d.line).toBeGreaterThanOrEqual(1);
    expect(d.line).toBeLessThanOrEqual(lineCount + 1);
    expect(d.column).toBeGreaterThanOrEqual(1);
    expect(d.message.length).toBeGreaterThan(0);
    expect(d.code).toMatch(/^[a-z][a-z0-9_]*$/);
  }
  if (result.ok) {
    // Whatever loads can be walked: one answer, every step a node of the tree.
    const answer = triage(result.value, INPUT);
    const ids = new Set(result.value.nodes.map((n) => n.id));
    for (const step of answer.path) expect(ids.has(step.node)).toBe(true);
    expect(answer.path.filter((s) => s.terminal).length).toBeLessThanOrEqual(1);
  } else {
    expect(result.diagnostics.some((d) => d.severity === 'error')).toBe(true);
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
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(
    'latency',
    'quality.recall',
    'FeatureStale',
    'recall',
    '__proto__',
    'constructor',
    '>',
    '<',
  ),
  fc.array(fc.constantFrom('latency', 'quality', 'availability', 'x'), { maxLength: 3 }),
  fc.dictionary(
    fc.constantFrom('alert', 'signal', 'any', 'all', 'where', 'above', 'in', 'notIn'),
    fc.string(),
    {
      maxKeys: 3,
    },
  ),
);

describe('tree loader under mutation', () => {
  it('never throws on character-level edits and always explains a rejection', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 3 }), fc.string({ maxLength: 4 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (edits) => {
          let mutated = TEXT;
          for (const [at, deleteCount, insert] of edits) {
            const pos = at % (mutated.length + 1);
            mutated = mutated.slice(0, pos) + insert + mutated.slice(pos + deleteCount);
          }
          assertExplained(mutated);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never throws when a value is replaced, a key removed or an unknown key added', () => {
    fc.assert(
      fc.property(fc.nat(), fc.constantFrom('replace', 'delete', 'add'), anyValue, (pick, action, value) => {
        const doc = parseDocument(TEXT);
        const all = paths(doc.contents).filter(
          (p) => p.length > 0 && (action !== 'add' || typeof p[p.length - 1] === 'string'),
        );
        const path = all[pick % all.length]!;
        if (action === 'replace') doc.setIn(path, doc.createNode(value));
        else if (action === 'delete') doc.deleteIn(path);
        else doc.setIn([...path.slice(0, -1), 'unexpectedKey'], doc.createNode(value));
        assertExplained(doc.toString());
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => assertExplained(text)),
      { numRuns: 200 },
    );
  });
});
