// checkTree against a deployment (the alerts its plans compile, the runbooks that exist), and the
// committed tree against the real SLAs and the ids that compiled alerts carry.
import { describe, expect, it } from 'vitest';
import { componentFailureMode, FAILURE_MODES, allRunbookIds } from '../compile/failure-modes.js';
import { buildPlan } from '../compile/plan.js';
import { formatDiagnostic } from '../lib/diagnostics.js';
import { loadSlaFiles } from '../sla/load.js';
import { ALERT_NAMES, planAlertNames } from './catalog.js';
import { checkTree } from './check.js';
import { checkTreeSource, DECISION_TREE_FILE } from './load.js';
import { committedTree, committedTreeText, FULL_PLAN, REPO } from './test-support/fixtures.js';
import type { Condition, DecisionTree } from './types.js';

const SMALL = `apiVersion: slactl/v1
kind: DecisionTree
metadata: { name: small }
root: [freshness]
nodes:
  - id: freshness
    question: Are features stale?
    when:
      any:
        - alert: FeatureStale
        - alert: StreamStalled
    runbook: stale-feature
`;

function load(text: string): DecisionTree {
  const result = checkTreeSource('t.yaml', text);
  if (!result.ok) throw new Error(result.diagnostics.map(formatDiagnostic).join('\n'));
  return result.value;
}

describe('checkTree', () => {
  it('reports runbooks that do not exist, with the closest id', () => {
    const diagnostics = checkTree(load(SMALL), { runbookIds: ['stale-features', 'pipeline-failure'] });
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      't.yaml:12:14: error[unknown_runbook]: runbook "stale-feature" does not exist (no runbooks/stale-feature.md)\n' +
        '  at nodes[0].runbook\n' +
        '  hint: did you mean "stale-features"?',
    ]);
  });

  it('warns about an alert no SLA of the deployment defines, which can never hold', () => {
    const diagnostics = checkTree(load(SMALL), { alertNames: ['FeatureStale', 'SLOLatencyBurnRateHigh'] });
    expect(diagnostics.map((d) => [d.code, d.severity, d.line, d.column, d.message])).toEqual([
      [
        'alert_not_compiled',
        'warning',
        11,
        18,
        'no SLA defines alert "StreamStalled", so this condition never holds',
      ],
    ]);
  });

  it('accepts every alert the compiler can generate by default', () => {
    expect(checkTree(load(SMALL))).toEqual([]);
    expect(ALERT_NAMES).toHaveLength(11);
    expect(planAlertNames([FULL_PLAN])).toEqual(ALERT_NAMES);
  });
});

describe('the committed decision tree', () => {
  it('passes checkTree against the compiled plans of slas/ and the runbook ids of failure-modes.ts', async () => {
    const loaded = await loadSlaFiles(['slas'], REPO);
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const plans = loaded.slas.map(buildPlan);
    expect(plans.map((p) => p.name)).toEqual(['fraud-scoring', 'recommendations', 'search-rag']);
    const result = checkTreeSource(DECISION_TREE_FILE, committedTreeText(), {
      alertNames: planAlertNames(plans),
      runbookIds: allRunbookIds(),
    });
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(result.ok).toBe(true);
  });

  const tree = committedTree();
  const byId = new Map(tree.nodes.map((n) => [n.id, n]));

  it('holds exactly the decision nodes of failure-modes.ts, plus the quality group', () => {
    const modes = [
      ...Object.values(FAILURE_MODES),
      ...['feature_retrieval', 'vector_search', 'model_inference'].map(componentFailureMode),
    ];
    const fixed = [...new Set(modes.map((m) => m.decisionNode))].sort();
    expect(fixed).toHaveLength(13);
    expect([...byId.keys()].sort()).toEqual([...fixed, 'quality'].sort());
    // Each node where an alert's decision_node annotation points names that alert's runbook, except
    // quality.freshness, whose alerts (FeatureStale, FeatureFallbackRequired) share stale-features.
    for (const mode of modes)
      expect(byId.get(mode.decisionNode)?.runbook, mode.decisionNode).toBe(mode.runbook);
    expect(byId.get('quality')?.when).toBeUndefined();
  });

  it('asks about latency first, then availability, then quality, as the seed does', () => {
    expect(tree.root).toEqual(['latency', 'availability', 'quality']);
    expect(byId.get('latency')?.children).toEqual([
      'latency.feature_retrieval',
      'latency.vector_search',
      'latency.model_inference',
      'latency.other_component',
    ]);
    expect(byId.get('quality')?.children).toEqual([
      'quality.freshness',
      'quality.null_rate',
      'quality.drift',
      'quality.recall',
    ]);
  });

  it('names, in each node, the alerts whose decision_node annotation points at it', () => {
    const alertsIn = (c: Condition | undefined): string[] =>
      c === undefined
        ? []
        : c.kind === 'alert'
          ? [c.alert]
          : c.kind === 'signal'
            ? []
            : c.of.flatMap(alertsIn);
    for (const plan of [FULL_PLAN]) {
      for (const alert of [...plan.objectives, ...plan.thresholds]) {
        expect(alertsIn(byId.get(alert.decisionNode)?.when), alert.decisionNode).toContain(alert.alertname);
      }
    }
  });
});
