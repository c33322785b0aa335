// Loading the decision tree: every problem is a diagnostic at the exact place to change.
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../lib/diagnostics.js';
import { checkTreeSource, DECISION_TREE_FILE, loadTreeFile } from './load.js';
import { REPO } from './test-support/fixtures.js';

const VALID = `apiVersion: slactl/v1
kind: DecisionTree
metadata:
  name: t
root: [latency, quality]
nodes:
  - id: latency
    question: Is latency elevated?
    when:
      any:
        - alert: SLOLatencyBurnRateHigh
        - signal: latency_burn_rate
          above: 1
    children: [latency.vector_search]
    runbook: latency-burn
  - id: latency.vector_search
    question: Is vector search over budget?
    when:
      signal: component_p99_ms
      where: { component: vector_search }
    runbook: vector-index-degradation
  - id: quality
    question: Is quality degraded?
    children: [quality.recall]
  - id: quality.recall
    question: Is recall low?
    when:
      alert: VectorRecallBelowTarget
    runbook: vector-index-degradation
`;

type Row = [code: string, severity: string, line: number, column: number];

function summary(text: string): Row[] {
  return checkTreeSource('runbooks/decision-tree.yaml', text).diagnostics.map((d) => [
    d.code,
    d.severity,
    d.line,
    d.column,
  ]);
}

/** Replaces `from` (which must occur exactly once) in the valid tree. */
function mutate(from: string, to: string): string {
  expect(VALID.split(from)).toHaveLength(2);
  return VALID.replace(from, to);
}

describe('checkTreeSource', () => {
  it('loads a valid tree with its conditions and positions', () => {
    const result = checkTreeSource('t.yaml', VALID);
    expect(result.diagnostics).toEqual([]);
    if (!result.ok) throw new Error('expected a tree');
    const tree = result.value;
    expect(tree.root).toEqual(['latency', 'quality']);
    expect(tree.nodes.map((n) => n.id)).toEqual([
      'latency',
      'latency.vector_search',
      'quality',
      'quality.recall',
    ]);
    const latency = tree.nodes[0]!;
    expect(latency.when).toMatchObject({
      kind: 'any',
      of: [
        { kind: 'alert', alert: 'SLOLatencyBurnRateHigh', where: {} },
        { kind: 'signal', signal: 'latency_burn_rate', op: '>', threshold: 1 },
      ],
    });
    expect(tree.nodes[1]!.when).toMatchObject({
      kind: 'signal',
      signal: 'component_p99_ms',
      where: { component: { equals: 'vector_search' } },
      nameAt: { line: 19, column: 15, path: 'nodes[1].when.signal' },
    });
    expect(tree.nodes[1]!.when).not.toHaveProperty('threshold');
    expect(tree.nodes[2]!.when).toBeUndefined();
    expect(latency.idAt).toEqual({ line: 7, column: 9, path: 'nodes[0].id' });
  });

  const cases: Array<[string, string, Row[]]> = [
    [
      'yaml syntax error',
      mutate('root: [latency, quality]', 'root: [latency, quality'),
      [['yaml_syntax', 'error', 6, 1]],
    ],
    [
      'duplicate key',
      mutate(
        '    question: Is latency elevated?\n',
        '    question: Is latency elevated?\n    question: again\n',
      ),
      [['duplicate_key', 'error', 9, 5]],
    ],
    ['not a mapping', '- a\n- b\n', [['invalid_type', 'error', 1, 1]]],
    ['empty file', '', [['empty_file', 'error', 1, 1]]],
    ['comments only', '# nothing yet\n', [['empty_file', 'error', 1, 1]]],
    ['apiVersion', mutate('slactl/v1', 'slactl/v2'), [['unsupported_api_version', 'error', 1, 13]]],
    ['kind', mutate('kind: DecisionTree', 'kind: Tree'), [['unsupported_kind', 'error', 2, 7]]],
    ['unknown key', mutate('  name: t\n', '  name: t\n  descripton: x\n'), [['unknown_key', 'error', 5, 3]]],
    [
      'missing question',
      mutate('    question: Is vector search over budget?\n', ''),
      [['missing_field', 'error', 16, 5]],
    ],
    ['empty question', mutate('Is vector search over budget?', "''"), [['empty_question', 'error', 17, 15]]],
    ['bad node id', mutate('id: latency\n', 'id: Latency\n'), [['invalid_format', 'error', 7, 9]]],
    [
      'bad runbook id',
      mutate('runbook: latency-burn', 'runbook: Latency_Burn'),
      [['invalid_format', 'error', 15, 14]],
    ],
    [
      'condition not a mapping',
      mutate('    when:\n      alert: VectorRecallBelowTarget', '    when: VectorRecallBelowTarget'),
      [['invalid_type', 'error', 27, 11]],
    ],
    [
      'condition without a kind',
      mutate('alert: VectorRecallBelowTarget', 'alrt: VectorRecallBelowTarget'),
      [
        ['missing_condition', 'error', 28, 7],
        ['unknown_key', 'error', 28, 7],
      ],
    ],
    [
      'condition with two kinds',
      mutate(
        '      signal: component_p99_ms\n',
        '      signal: component_p99_ms\n      alert: LatencyComponentOverBudget\n',
      ),
      [['conflicting_condition', 'error', 20, 7]],
    ],
    [
      'unknown key in a condition',
      mutate(
        'alert: VectorRecallBelowTarget\n',
        'alert: VectorRecallBelowTarget\n      were: { index: products }\n',
      ),
      [['unknown_key', 'error', 29, 7]],
    ],
    [
      'alert name not a string',
      mutate('alert: VectorRecallBelowTarget', 'alert: [a]'),
      [['invalid_type', 'error', 28, 14]],
    ],
    [
      'above and below',
      mutate('          above: 1\n', '          above: 1\n          below: 2\n'),
      [['conflicting_condition', 'error', 14, 11]],
    ],
    ['threshold not a number', mutate('above: 1', 'above: 1%'), [['invalid_type', 'error', 13, 18]]],
    [
      'empty any',
      mutate(
        '      any:\n        - alert: SLOLatencyBurnRateHigh\n        - signal: latency_burn_rate\n          above: 1\n',
        '      any: []\n',
      ),
      [['invalid_type', 'error', 10, 12]],
    ],
    [
      'bad label matcher',
      mutate('{ component: vector_search }', '{ component: { notin: [a] } }'),
      [['unknown_key', 'error', 20, 29]],
    ],
    [
      'bad label name',
      mutate('{ component: vector_search }', '{ 1bad: x }'),
      [['invalid_name', 'error', 20, 16]],
    ],
    [
      'unknown alert',
      mutate('VectorRecallBelowTarget', 'VectorRecallBelowTarge'),
      [['unknown_alert', 'error', 28, 14]],
    ],
    [
      'unknown signal',
      mutate('signal: component_p99_ms', 'signal: component_p99'),
      [['unknown_signal', 'error', 19, 15]],
    ],
    [
      'duplicate id',
      mutate('id: latency.vector_search', 'id: latency'),
      [
        ['unknown_node', 'error', 14, 16],
        ['duplicate_id', 'error', 16, 9],
      ],
    ],
    [
      'cycle',
      mutate(
        '    runbook: vector-index-degradation\n  - id: quality\n',
        '    runbook: vector-index-degradation\n    children: [latency]\n  - id: quality\n',
      ),
      [['cycle', 'error', 22, 16]],
    ],
    [
      'unreachable nodes',
      mutate('root: [latency, quality]', 'root: [latency]'),
      [
        ['unreachable_node', 'error', 22, 9],
        ['unreachable_node', 'error', 25, 9],
      ],
    ],
    [
      'unknown root entry',
      mutate('root: [latency, quality]', 'root: [latency, qualty]'),
      [
        ['unknown_node', 'error', 5, 17],
        ['unreachable_node', 'error', 22, 9],
        ['unreachable_node', 'error', 25, 9],
      ],
    ],
    [
      'empty root',
      mutate('root: [latency, quality]', 'root: []'),
      [
        ['empty_root', 'error', 5, 7],
        ['unreachable_node', 'error', 7, 9],
        ['unreachable_node', 'error', 16, 9],
        ['unreachable_node', 'error', 22, 9],
        ['unreachable_node', 'error', 25, 9],
      ],
    ],
    [
      'leaf without runbook',
      mutate(
        '      alert: VectorRecallBelowTarget\n    runbook: vector-index-degradation\n',
        '      alert: VectorRecallBelowTarget\n',
      ),
      [['missing_runbook', 'error', 25, 9]],
    ],
    [
      'node that can never hold',
      mutate('    children: [quality.recall]\n', ''),
      [
        ['empty_node', 'error', 22, 9],
        ['unreachable_node', 'error', 24, 9],
      ],
    ],
    ['signal without a limit', mutate('          above: 1\n', ''), [['missing_threshold', 'error', 12, 19]]],
    [
      'signal filtered on another label',
      mutate('{ component: vector_search }', '{ index: vector_search }'),
      [['unknown_label', 'error', 20, 16]],
    ],
    [
      'unknown context signal',
      mutate(
        '    runbook: vector-index-degradation\n  - id: quality\n',
        '    runbook: vector-index-degradation\n    context: [recal]\n  - id: quality\n',
      ),
      [['unknown_signal', 'error', 22, 15]],
    ],
  ];

  it.each(cases)('%s', (_name, text, expected) => {
    expect(summary(text)).toEqual(expected);
    expect(checkTreeSource('t.yaml', text).ok).toBe(false);
  });

  const warnings: Array<[string, string, Row[]]> = [
    [
      'runbook on a group node',
      mutate(
        '    children: [quality.recall]\n',
        '    children: [quality.recall]\n    runbook: vector-index-degradation\n',
      ),
      [['unused_runbook', 'warning', 25, 14]],
    ],
    [
      'inner node without a fallback runbook',
      mutate('    runbook: latency-burn\n', ''),
      [['no_fallback_runbook', 'warning', 7, 9]],
    ],
    [
      'child named twice',
      mutate('children: [latency.vector_search]', 'children: [latency.vector_search, latency.vector_search]'),
      [['duplicate_child', 'warning', 14, 39]],
    ],
  ];

  it.each(warnings)('warns about a %s and still loads', (_name, text, expected) => {
    expect(summary(text)).toEqual(expected);
    expect(checkTreeSource('t.yaml', text).ok).toBe(true);
  });

  it('renders diagnostics with the file, position, path and hint', () => {
    const text = mutate('VectorRecallBelowTarget', 'VectorRecallBelowTarge').replace(
      'component_p99_ms',
      'component_p99',
    );
    const out = checkTreeSource('runbooks/decision-tree.yaml', text)
      .diagnostics.map(formatDiagnostic)
      .join('\n');
    expect(out).toMatchInlineSnapshot(`
      "runbooks/decision-tree.yaml:19:15: error[unknown_signal]: unknown signal "component_p99"
        at nodes[1].when.signal
        hint: did you mean "component_p99_ms"?
      runbooks/decision-tree.yaml:28:14: error[unknown_alert]: unknown alert "VectorRecallBelowTarge"
        at nodes[3].when.alert
        hint: did you mean "VectorRecallBelowTarget"?"
    `);
  });
});

describe('loadTreeFile', () => {
  it('reads the committed tree', async () => {
    const result = await loadTreeFile(DECISION_TREE_FILE, REPO);
    expect(result.diagnostics).toEqual([]);
    expect(result.ok && result.value.nodes.length).toBe(14);
  });

  it('reports a missing file as a diagnostic', async () => {
    const result = await loadTreeFile('runbooks/nope.yaml', REPO);
    expect(result).toEqual({
      ok: false,
      diagnostics: [
        {
          code: 'file_not_found',
          severity: 'error',
          message: 'no such file',
          file: 'runbooks/nope.yaml',
          path: '',
          line: 1,
          column: 1,
        },
      ],
    });
  });
});
