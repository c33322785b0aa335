import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../lib/diagnostics.js';
import { checkSlaSources, loadSlaFiles, readSlaSources } from './load.js';

const VALID = `apiVersion: slactl/v1
kind: SLA
metadata:
  name: recs
  service: recs-api
  tier: low-latency
spec:
  latency:
    p99: 100ms
    budget:
      network: 10ms
      model_inference: 35ms
  availability:
    objective: 99.9%
`;

/** [code, severity, line, column] of each diagnostic, for compact table assertions. */
function summary(text: string, file = 'slas/x.yaml'): Array<[string, string, number, number]> {
  return checkSlaSources([{ file, text }]).diagnostics.map((d) => [d.code, d.severity, d.line, d.column]);
}

/** Replaces `from` (which must occur exactly once) in the valid document. */
function mutate(from: string, to: string): string {
  expect(VALID.split(from)).toHaveLength(2);
  return VALID.replace(from, to);
}

describe('checkSlaSources', () => {
  it('accepts a valid document with units resolved', () => {
    const result = checkSlaSources([{ file: 'a.yaml', text: VALID }]);
    expect(result.diagnostics).toEqual([]);
    expect(result.slas).toHaveLength(1);
    const doc = result.slas[0]!.doc;
    expect(doc.spec.latency?.p99).toBe(100);
    expect(doc.spec.availability?.objective).toBe(0.999);
    expect(Object.keys(doc.spec.latency?.budget ?? {})).toEqual(['network', 'model_inference']);
    expect(result.slas[0]!.line).toBe(4);
  });

  const cases: Array<[string, string, Array<[string, string, number, number]>]> = [
    ['yaml syntax error', 'a: [unclosed\n', [['yaml_syntax', 'error', 2, 1]]],
    [
      'duplicate key',
      mutate('  tier: low-latency\n', '  tier: low-latency\n  tier: streaming\n'),
      [['duplicate_key', 'error', 7, 3]],
    ],
    [
      'unknown key',
      mutate('objective: 99.9%', 'objective: 99.9%\n    objektive: 1'),
      [['unknown_key', 'error', 15, 5]],
    ],
    [
      'missing field',
      mutate('    objective: 99.9%\n', '    {}\n').replace(
        '  availability:\n    {}\n',
        '  availability: {}\n',
      ),
      [['missing_field', 'error', 13, 3]],
    ],
    ['bad duration unit', mutate('p99: 100ms', 'p99: 100q'), [['bad_unit', 'error', 9, 10]]],
    ['duration without unit', mutate('p99: 100ms', 'p99: 100'), [['bad_unit', 'error', 9, 10]]],
    ['objective of 100%', mutate('99.9%', '100%'), [['no_error_budget', 'error', 14, 16]]],
    ['objective of 0', mutate('99.9%', '0'), [['no_error_budget', 'error', 14, 16]]],
    ['ratio above 1', mutate('99.9%', '99.9'), [['bad_unit', 'error', 14, 16]]],
    [
      'p999 below p99',
      mutate('p99: 100ms', 'p99: 100ms\n    p999: 50ms'),
      [['p999_below_p99', 'error', 10, 11]],
    ],
    [
      'budget over p99',
      mutate('model_inference: 35ms', 'model_inference: 95ms'),
      [['budget_exceeds_target', 'error', 11, 7]],
    ],
    ['bad name', mutate('name: recs', 'name: Recs_1'), [['invalid_name', 'error', 4, 9]]],
    ['bad component name', mutate('network: 10ms', 'Network: 10ms'), [['invalid_name', 'error', 11, 7]]],
    [
      'unsupported apiVersion',
      mutate('slactl/v1', 'slactl/v2'),
      [['unsupported_api_version', 'error', 1, 13]],
    ],
    ['unsupported kind', mutate('kind: SLA', 'kind: Service'), [['unsupported_kind', 'error', 2, 7]]],
    ['tier typo', mutate('low-latency', 'low-latensy'), [['invalid_value', 'error', 6, 9]]],
    [
      'reserved label',
      mutate('  tier: low-latency\n', '  tier: low-latency\n  labels: { severity: x }\n'),
      [['reserved_label', 'error', 7, 13]],
    ],
    [
      'template in label',
      mutate('  tier: low-latency\n', '  tier: low-latency\n  labels: { team: "{{x}}" }\n'),
      [['template_syntax', 'error', 7, 19]],
    ],
    [
      'no objectives',
      VALID.slice(0, VALID.indexOf('  latency:')) + '  window: 30d\n',
      [['no_objectives', 'error', 8, 3]],
    ],
    ['window too short', mutate('spec:\n', 'spec:\n  window: 30m\n'), [['window_too_short', 'error', 8, 11]]],
    [
      'window shorter than the slow tiers',
      mutate('spec:\n', 'spec:\n  window: 2d\n'),
      [['window_too_short', 'warning', 8, 11]],
    ],
    ['page tier cannot fire', mutate('99.9%', '90%'), [['page_tier_cannot_fire', 'warning', 14, 16]]],
    ['document that is not a mapping', '- a\n- b\n', [['invalid_type', 'error', 1, 1]]],
    [
      'recall out of range',
      mutate('spec:\n', 'spec:\n  recall:\n    - { index: p, k: 0, min: 1.5 }\n'),
      [
        ['out_of_range', 'error', 9, 22],
        ['bad_unit', 'error', 9, 30],
      ],
    ],
    [
      'fallback not after stale',
      mutate('spec:\n', 'spec:\n  freshness:\n    - feature: f\n      maxAge: 5m\n      fallbackAfter: 5m\n'),
      [['fallback_not_after_stale', 'error', 11, 22]],
    ],
    [
      'duplicate feature',
      mutate(
        'spec:\n',
        'spec:\n  freshness:\n    - { feature: f, maxAge: 5m }\n    - { feature: f, maxAge: 6m }\n',
      ),
      [['duplicate_entry', 'error', 10, 7]],
    ],
    [
      'custom SLI without placeholder and with a syntax error',
      mutate(
        'objective: 99.9%',
        'objective: 99.9%\n    sli:\n      errors: sum(rate(e[5m]))\n      total: sum(rate(t{job=x}[{{window}}]))',
      ),
      [
        ['missing_window_placeholder', 'error', 16, 15],
        ['promql_syntax', 'error', 17, 29],
      ],
    ],
    [
      'PromQL error inside a block scalar',
      mutate(
        'objective: 99.9%',
        'objective: 99.9%\n    sli:\n      errors: |\n        sum(rate(e[{{window}}])\n      total: sum(rate(t[{{window}}]))',
      ),
      [['promql_syntax', 'error', 17, 31]],
    ],
    [
      'bad latency selector',
      mutate('p99: 100ms', 'p99: 100ms\n    sli: { histogram: h, selector: "job=recs" }'),
      [['promql_syntax', 'error', 10, 41]],
    ],
  ];

  it.each(cases)('%s', (_name, text, expected) => {
    expect(summary(text)).toEqual(expected);
  });

  it('reports every problem of a document, not just the first', () => {
    const text = mutate('p99: 100ms', 'p99: 100q')
      .replace('99.9%', '100%')
      .replace('name: recs', 'name: BAD');
    expect(summary(text).map(([code]) => code)).toEqual(['invalid_name', 'bad_unit', 'no_error_budget']);
  });

  it('names both places of a duplicate SLA name across files', () => {
    const result = checkSlaSources([
      { file: 'slas/a.yaml', text: VALID },
      { file: 'slas/b.yaml', text: `# another\n${VALID}` },
    ]);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      'slas/a.yaml:4:9: error[duplicate_name]: SLA name "recs" is used again at slas/b.yaml:5:9\n  at metadata.name\n  hint: names are unique across all SLA files',
      'slas/b.yaml:5:9: error[duplicate_name]: SLA name "recs" is already used at slas/a.yaml:4:9\n  at metadata.name\n  hint: names are unique across all SLA files',
    ]);
    expect(result.slas).toEqual([]);
  });

  it('reads several documents per file and skips empty ones', () => {
    const second = VALID.replace('name: recs', 'name: recs-two');
    const result = checkSlaSources([{ file: 'a.yaml', text: `---\n${VALID}---\n${second}---\n` }]);
    expect(result.diagnostics).toEqual([]);
    expect(result.slas.map((s) => [s.doc.metadata.name, s.line])).toEqual([
      ['recs', 5],
      ['recs-two', 20],
    ]);
  });

  it('suggests the intended key and lists the allowed ones otherwise', () => {
    const result = checkSlaSources([
      { file: 'a.yaml', text: mutate('objective: 99.9%', 'objektive: 99.9%') },
    ]);
    expect(result.diagnostics.map(formatDiagnostic).join('\n')).toMatchInlineSnapshot(`
      "a.yaml:13:3: error[missing_field]: missing required field "objective"
        at spec.availability
      a.yaml:14:5: error[unknown_key]: unknown key "objektive"
        at spec.availability.objektive
        hint: did you mean "objective"?"
    `);
    const other = checkSlaSources([
      { file: 'a.yaml', text: mutate('  availability:\n', '  zzzzzzzz: 1\n  availability:\n') },
    ]);
    expect(other.diagnostics[0]?.hint).toBe(
      'allowed: window, latency, availability, freshness, recall, signals',
    );
  });

  it('reports the budget overrun in the message', () => {
    const result = checkSlaSources([
      { file: 'a.yaml', text: mutate('model_inference: 35ms', 'model_inference: 100ms') },
    ]);
    expect(result.diagnostics[0]?.message).toBe(
      'component budgets sum to 110ms, 10ms over the p99 target of 100ms',
    );
  });
});

describe('regressions', () => {
  it('does not count an empty signals block as an objective', () => {
    const text = VALID.slice(0, VALID.indexOf('  latency:')) + '  signals: {}\n';
    expect(summary(text)).toEqual([['no_objectives', 'error', 8, 3]]);
  });

  it('allows one recall entry per index, whatever its k', () => {
    const text = mutate(
      'spec:\n',
      'spec:\n  recall:\n    - { index: p, k: 10, min: 0.9 }\n    - { index: p, k: 5, min: 0.9 }\n',
    );
    expect(summary(text)).toEqual([['duplicate_entry', 'error', 10, 7]]);
  });
});

describe('readSlaSources and loadSlaFiles', () => {
  it('read the same files, and report a missing path as a diagnostic', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'slactl-load-'));
    try {
      mkdirSync(path.join(dir, 'slas', '.hidden'), { recursive: true });
      writeFileSync(path.join(dir, 'slas', 'recs.yaml'), VALID);
      writeFileSync(path.join(dir, 'slas', 'notes.txt'), 'not an SLA');
      writeFileSync(path.join(dir, 'slas', '.hidden', 'skip.yaml'), 'x');
      const paths = ['slas', 'gone.yaml'];
      const missing = {
        code: 'file_not_found',
        severity: 'error',
        message: 'no such file or directory',
        file: 'gone.yaml',
        path: '',
        line: 1,
        column: 1,
      };
      expect(await readSlaSources(paths, dir)).toEqual({
        sources: [{ file: path.join('slas', 'recs.yaml'), text: VALID }],
        missing: [missing],
      });
      const loaded = await loadSlaFiles(paths, dir);
      expect(loaded.files).toEqual([path.join('slas', 'recs.yaml')]);
      expect(loaded.slas.map((s) => s.doc.metadata.name)).toEqual(['recs']);
      expect(loaded.diagnostics).toEqual([missing]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
