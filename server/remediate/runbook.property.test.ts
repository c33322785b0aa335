// Property-based tests: whatever is done to a real runbook, the loader never throws, and it either
// accepts the file or explains why with a positioned error inside the file.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { parseRunbook } from './runbook.js';

const DIR = path.resolve(import.meta.dirname, '../../runbooks');
const EXAMPLES = readdirSync(DIR)
  .filter((f) => f.endsWith('.md') && f !== 'README.md')
  .map((f) => ({ id: f.replace(/\.md$/, ''), text: readFileSync(path.join(DIR, f), 'utf8') }));

const ALERTS = new Set([
  'SLOAvailabilityBurnRateHigh',
  'SLOLatencyBurnRateHigh',
  'LatencyComponentOverBudget',
  'FeatureStale',
  'FeatureFallbackRequired',
  'VectorRecallBelowTarget',
  'VectorTombstoneRatioHigh',
  'FeatureNullRateHigh',
  'DistributionDriftHigh',
  'StreamCatchUpSlow',
  'StreamStalled',
]);

function assertExplained(id: string, text: string): void {
  const file = `runbooks/${id}.md`;
  const lineCount = text.split(/\r?\n/).length;
  const result = parseRunbook({ file, text }, { alertNames: ALERTS });
  for (const d of result.diagnostics) {
    expect(d.file).toBe(file);
    expect(d.line).toBeGreaterThanOrEqual(1);
    expect(d.line).toBeLessThanOrEqual(lineCount + 1);
    expect(d.column).toBeGreaterThanOrEqual(1);
    expect(d.message.length).toBeGreaterThan(0);
    expect(d.code).toMatch(/^[a-z][a-z0-9_]*$/);
  }
  if (!result.ok) expect(result.diagnostics.some((d) => d.severity === 'error')).toBe(true);
  else {
    // An accepted runbook keeps the guarantees the run engine relies on.
    for (const action of result.value.actions) {
      expect(action.auto && action.approval === 'required').toBe(false);
      if (action.spec.kind === 'command') expect(action.spec.argv[0]!.startsWith('/')).toBe(true);
      for (const param of Object.values(action.params)) expect(param.pattern.startsWith('^')).toBe(true);
    }
  }
}

/** The front matter of a runbook and the rest of the file. */
function split(text: string): { front: string; rest: string } {
  const end = text.indexOf('\n---', 4);
  return { front: text.slice(4, end + 1), rest: text.slice(end + 1) };
}

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
    '5m',
    '0s',
    '-5m',
    '{index}',
    'x-{index}',
    '^.*$',
    '^(a|b',
    '/bin/sh',
    'kubectl',
    '//evil.example',
    '../..',
    '\u0000',
  ),
  fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }),
);

describe('runbook loader under mutation', () => {
  it('accepts every runbook in runbooks/ as it is', () => {
    for (const { id, text } of EXAMPLES) {
      const result = parseRunbook({ file: `runbooks/${id}.md`, text }, { alertNames: ALERTS });
      expect(result.diagnostics).toEqual([]);
      expect(result.ok).toBe(true);
    }
  });

  it('never throws on character-level edits and always explains a rejection', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...EXAMPLES),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 3 }), fc.string({ maxLength: 4 })), {
          minLength: 1,
          maxLength: 4,
        }),
        ({ id, text }, edits) => {
          let mutated = text;
          for (const [at, deleteCount, insert] of edits) {
            const pos = at % (mutated.length + 1);
            mutated = mutated.slice(0, pos) + insert + mutated.slice(pos + deleteCount);
          }
          assertExplained(id, mutated);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws when a front-matter value is replaced, a key removed or an unknown key added', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...EXAMPLES),
        fc.nat(),
        fc.constantFrom('replace', 'delete', 'add'),
        anyValue,
        ({ id, text }, pick, action, value) => {
          const { front, rest } = split(text);
          const doc = parseDocument(front);
          const all = paths(doc.contents).filter(
            (p) => p.length > 0 && (action !== 'add' || typeof p[p.length - 1] === 'string'),
          );
          const at = all[pick % all.length]!;
          if (action === 'replace') doc.setIn(at, doc.createNode(value));
          else if (action === 'delete') doc.deleteIn(at);
          else doc.setIn([...at.slice(0, -1), 'unexpectedKey'], doc.createNode(value));
          assertExplained(id, `---\n${doc.toString()}${rest}`);
        },
      ),
      { numRuns: 400 },
    );
  });
});
