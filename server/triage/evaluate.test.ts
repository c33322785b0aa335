// Walking the committed tree against real evaluator output, one failure mode at a time, and the walk's
// semantics (several matches, nothing matching, pending alerts, signals without data) on small trees.
import { describe, expect, it } from 'vitest';
import type { AlertInstance, SlaStatus } from '../evaluate/types.js';
import { formatDiagnostic } from '../lib/diagnostics.js';
import { NO_MATCH, NO_MATCH_HEALTHY, NO_MATCH_NO_DATA, triage, type TriageInput } from './evaluate.js';
import { checkTreeSource } from './load.js';
import { committedTree, inputAt, MINUTE, T0 } from './test-support/fixtures.js';
import type { DecisionTree, TriageResult } from './types.js';

const tree = committedTree();
const at = T0 + 30 * MINUTE;

function small(nodes: string, root: string): DecisionTree {
  const text = `apiVersion: slactl/v1\nkind: DecisionTree\nmetadata: { name: small }\nroot: ${root}\nnodes:\n${nodes}`;
  const result = checkTreeSource('small.yaml', text);
  if (!result.ok) throw new Error(result.diagnostics.map(formatDiagnostic).join('\n'));
  return result.value;
}

/** A copy of an input with its status changed by `patch`, and alerts added. */
function patched(
  input: TriageInput,
  patch: (s: SlaStatus) => void,
  alerts: AlertInstance[] = [],
): TriageInput {
  const status = structuredClone(input.status);
  patch(status);
  return { ...input, status, alerts: [...input.alerts, ...alerts] };
}

/** An alert instance shaped as the evaluator makes them. */
function alert(
  alertname: string,
  subject: Record<string, string>,
  state: 'firing' | 'pending',
  value: number,
  at: number,
  sla = 'recs',
): AlertInstance {
  const labels = Object.fromEntries(
    Object.entries({
      alertname,
      service: 'recs-api',
      severity: 'warning',
      sla,
      team: 'ranking',
      ...subject,
    }).sort(([a], [b]) => a.localeCompare(b)),
  );
  return {
    alertname,
    labels,
    annotations: {},
    state,
    activeAt: at - 10 * MINUTE,
    ...(state === 'firing' ? { firedAt: at } : {}),
    value,
    sla,
    fingerprint: '0123456789abcdef',
  };
}

/** The questions of the primary path, indented, with their answers and where the walk ends. */
function walk(result: TriageResult): string[] {
  return result.path.map(
    (s) =>
      `${'  '.repeat(s.depth)}${s.node} ${s.matched ? 'yes' : 'no'}${s.terminal ? ` => ${s.runbook}` : ''}`,
  );
}

describe('the committed tree, one failure mode at a time', () => {
  // [scenario, minute, primary node, its runbook, other matching nodes]
  const cases: Array<[string, number, string, string, string[]]> = [
    ['availability error spike pages', 66, 'availability', 'availability-burn', []],
    ['latency slowdown', 70, 'latency', 'latency-burn', []],
    ['component over budget', 35, 'latency.vector_search', 'vector-index-degradation', []],
    ['stale feature, then fallback', 20, 'quality.freshness', 'stale-features', ['quality.null_rate']],
    ['stale feature, then fallback', 45, 'quality.null_rate', 'null-rate-spike', []],
    ['recall drop', 30, 'quality.recall.tombstones', 'tombstone-accumulation', []],
    ['recall drop', 50, 'quality.recall', 'vector-index-degradation', []],
    ['stream stall', 30, 'quality.freshness.pipeline', 'pipeline-failure', ['quality.freshness.stream_lag']],
    ['distribution drift', 45, 'quality.drift', 'distribution-drift', []],
  ];
  it.each(cases)('%s at minute %d → %s', (scenario, minute, node, runbook, others) => {
    const result = triage(tree, inputAt(scenario, minute));
    expect(result.outcome).toBe('matched');
    expect(result.leaf).toMatchObject({ node, runbook });
    expect(result.others.map((o) => o.node)).toEqual(others);
    expect(result.path.filter((s) => s.terminal).map((s) => s.node)).toEqual([node]);
    expect(result.evaluatedAt).toBe(T0 + minute * MINUTE);
  });

  it('follows the stale-feature path through the questions that did not hold', () => {
    const result = triage(tree, inputAt('stale feature, then fallback', 20));
    expect(walk(result)).toEqual([
      'latency no',
      'availability no',
      'quality yes',
      '  quality.freshness yes => stale-features',
      '    quality.freshness.pipeline no',
      '    quality.freshness.stream_lag no',
    ]);
    expect(result.summary).toBe(
      'quality.freshness: follow runbook stale-features (1 more failure mode match)',
    );
    const freshness = result.path[3]!;
    // The stale alert fires (its evidence dates from when it fired, with the plan's threshold); the
    // fallback alert, at 900s, is not active yet.
    expect(freshness.evidence.filter((e) => e.source === 'alert' && e.name.startsWith('Feature'))).toEqual([
      {
        source: 'alert',
        name: 'FeatureStale',
        subject: { feature: 'user_7d' },
        matched: true,
        state: 'firing',
        value: 650,
        op: '>',
        threshold: 300,
        unit: 'seconds',
        since: T0 + 17 * MINUTE,
        activeAt: T0 + 15 * MINUTE,
      },
      expect.objectContaining({ name: 'FeatureFallbackRequired', state: 'inactive', matched: false }),
    ]);
    expect(freshness.evidence.find((e) => e.name === 'feature_age_seconds')).toMatchObject({
      matched: true,
      op: '>',
      threshold: 300,
      unit: 'seconds',
    });
  });

  it('shows the latency burn alerts, pending ones marked and not counted', () => {
    const result = triage(tree, inputAt('latency slowdown', 64));
    const latency = result.path[0]!;
    const burns = latency.evidence.filter((e) => e.name === 'SLOLatencyBurnRateHigh');
    expect(burns.length).toBeGreaterThan(0);
    for (const e of burns.filter((b) => b.state === 'pending')) {
      expect(e).toMatchObject({ matched: false, note: 'pending: not firing yet', op: '>', unit: 'burn' });
      expect(e.since).toBe(e.activeAt);
    }
    // The 1-hour burn rate decides while the alerts are pending.
    expect(latency.evidence.find((e) => e.name === 'latency_burn_rate')).toMatchObject({
      matched: true,
      threshold: 1,
    });
    expect(latency.matched).toBe(true);
  });

  const components: Array<[string, string, string]> = [
    ['feature_retrieval', 'latency.feature_retrieval', 'online-store-latency'],
    ['model_inference', 'latency.model_inference', 'compute-saturation'],
  ];
  it.each(components)('a slow %s leads to %s', (component, node, runbook) => {
    const input = patched(
      inputAt('healthy', 30),
      (s) => {
        const c = s.components.find((x) => x.component === component)!;
        c.p99Ms = c.budgetMs * 3;
        c.overBudget = true;
        s.status = 'warning';
      },
      [alert('LatencyComponentOverBudget', { component }, 'firing', 0.06, at)],
    );
    const result = triage(tree, input);
    expect(result.leaf).toMatchObject({ node, runbook, path: ['latency', node] });
    const step = result.path.find((s) => s.node === node)!;
    expect(step.evidence[0]).toMatchObject({
      source: 'alert',
      subject: { component },
      matched: true,
      since: at,
      activeAt: at - 10 * MINUTE,
    });
  });

  it('a component without a branch of its own leads to latency.other_component', () => {
    const input = patched(inputAt('healthy', 30), (s) => {
      s.components.push({ component: 'post_processing', budgetMs: 5, p99Ms: 12, overBudget: true });
    });
    const result = triage(tree, input);
    expect(result.leaf).toMatchObject({ node: 'latency.other_component', runbook: 'component-over-budget' });
    const step = result.path.find((s) => s.node === 'latency.other_component')!;
    expect(step.evidence.filter((e) => e.matched)).toEqual([
      expect.objectContaining({
        name: 'component_p99_ms',
        subject: { component: 'post_processing' },
        value: 12,
        threshold: 5,
      }),
    ]);
  });

  it('when latency is elevated and recall is low, latency comes first and recall is listed too', () => {
    const input = patched(
      inputAt('latency slowdown', 70),
      (s) => {
        s.recall[0]!.recall = 0.8;
      },
      [alert('VectorRecallBelowTarget', { index: 'products' }, 'firing', 0.8, T0 + 70 * MINUTE)],
    );
    const result = triage(tree, input);
    expect(result.leaf).toMatchObject({ node: 'latency', runbook: 'latency-burn', path: ['latency'] });
    expect(result.others).toEqual([
      {
        node: 'quality.recall',
        question: 'Is the vector index degrading (recall below its threshold, tombstones piling up)?',
        runbook: 'vector-index-degradation',
        path: ['quality', 'quality.recall'],
      },
    ]);
    expect(result.summary).toBe('latency: follow runbook latency-burn (1 more failure mode match)');
    // The primary path stops at the first question that holds: quality is not on it.
    expect(walk(result)).toEqual([
      'latency yes => latency-burn',
      '  latency.feature_retrieval no',
      '  latency.vector_search no',
      '  latency.model_inference no',
      '  latency.other_component no',
    ]);
  });

  it('a slow vector search with tombstones piling up ends at the tombstones', () => {
    const input = patched(inputAt('recall drop', 30), (s) => {
      s.components.find((c) => c.component === 'vector_search')!.p99Ms = 40;
    });
    const result = triage(tree, input);
    expect(result.leaf).toMatchObject({
      node: 'quality.recall.tombstones',
      path: ['latency', 'latency.vector_search', 'quality.recall.tombstones'],
    });
    // The same node reached through quality is the same failure mode, not another one.
    expect(result.others).toEqual([]);
  });

  it('says the SLA is healthy when nothing matches and nothing is active', () => {
    const result = triage(tree, inputAt('healthy', 30));
    expect(result).toMatchObject({
      outcome: 'no_match',
      summary: NO_MATCH_HEALTHY,
      others: [],
      health: 'ok',
    });
    expect(result.leaf).toBeUndefined();
    // Every question was asked; the quality group shows its children as the evidence checked.
    expect(walk(result)).toEqual([
      'latency no',
      'availability no',
      'quality no',
      '  quality.freshness no',
      '  quality.null_rate no',
      '  quality.drift no',
      '  quality.recall no',
    ]);
    expect(result.path.every((s) => s.node === 'quality' || s.evidence.length > 0)).toBe(true);
  });

  it('says there is no data yet before any signal arrived', () => {
    const result = triage(tree, inputAt('healthy', 0));
    expect(result).toMatchObject({ outcome: 'no_match', summary: NO_MATCH_NO_DATA, health: 'no_data' });
    expect(result.path[0]!.evidence.find((e) => e.name === 'component_p99_ms')).toMatchObject({
      matched: false,
      note: 'no traffic in the last 5m',
    });
  });

  it('ignores the alerts of other SLAs', () => {
    const input = patched(inputAt('healthy', 30), () => undefined, [
      alert(
        'SLOAvailabilityBurnRateHigh',
        { slo: 'availability', burn_tier: 'page-fast' },
        'firing',
        40,
        at,
        'other',
      ),
    ]);
    const result = triage(tree, input);
    expect(result.outcome).toBe('no_match');
    expect(result.alerts).toEqual({ firing: 0, pending: 0 });
  });
});

describe('walk semantics', () => {
  const availabilityOnly = small(
    `  - id: availability
    question: Are requests failing?
    when: { alert: SLOAvailabilityBurnRateHigh }
    runbook: availability-burn
`,
    '[availability]',
  );

  it('asks to escalate when the SLA is unhealthy and no known failure mode matches', () => {
    const result = triage(availabilityOnly, inputAt('recall drop', 30));
    expect(result).toMatchObject({ outcome: 'no_match', summary: NO_MATCH, health: 'critical' });
    expect(result.path).toEqual([
      {
        node: 'availability',
        question: 'Are requests failing?',
        depth: 0,
        matched: false,
        runbook: 'availability-burn',
        evidence: [
          {
            source: 'alert',
            name: 'SLOAvailabilityBurnRateHigh',
            subject: {},
            matched: false,
            state: 'inactive',
            unit: 'burn',
            note: 'not active',
          },
        ],
      },
    ]);
  });

  it('never counts a pending alert', () => {
    const input = patched(inputAt('healthy', 30), () => undefined, [
      alert(
        'SLOAvailabilityBurnRateHigh',
        { slo: 'availability', burn_tier: 'page-fast' },
        'pending',
        20,
        at,
      ),
    ]);
    const result = triage(availabilityOnly, input);
    expect(result.summary).toBe(NO_MATCH);
    expect(result.alerts).toEqual({ firing: 0, pending: 1 });
    expect(result.path[0]!.evidence).toEqual([
      expect.objectContaining({
        state: 'pending',
        matched: false,
        value: 20,
        op: '>',
        threshold: 14.4,
        since: at - 10 * MINUTE,
        note: 'pending: not firing yet',
      }),
    ]);
  });

  it('holds an all-condition only when every part holds, and filters series with in and notIn', () => {
    const both = small(
      `  - id: slow_and_stale
    question: Slow vector search and stale features?
    when:
      all:
        - signal: component_p99_ms
          where: { component: [vector_search, model_inference] }
        - signal: feature_age_seconds
          where: { feature: { notIn: [other] } }
    runbook: latency-burn
`,
      '[slow_and_stale]',
    );
    const slow = patched(inputAt('healthy', 30), (s) => {
      s.components.find((c) => c.component === 'vector_search')!.p99Ms = 40;
    });
    const one = triage(both, slow);
    expect(one.outcome).toBe('no_match');
    expect(one.path[0]!.evidence.map((e) => [e.name, e.subject, e.matched])).toEqual([
      ['component_p99_ms', { component: 'vector_search' }, true],
      ['component_p99_ms', { component: 'model_inference' }, false],
      ['feature_age_seconds', { feature: 'user_7d' }, false],
    ]);
    const stale = patched(slow, (s) => {
      s.freshness[0]!.ageSeconds = 900;
    });
    expect(triage(both, stale).leaf?.node).toBe('slow_and_stale');
  });

  it('ends at an inner node without a runbook with advice to escalate', () => {
    const inner = checkTreeSource(
      't.yaml',
      `apiVersion: slactl/v1
kind: DecisionTree
metadata: { name: t }
root: [stale]
nodes:
  - id: stale
    question: Stale?
    when: { signal: feature_age_seconds, above: 10 }
    children: [stalled]
  - id: stalled
    question: Stalled?
    when: { signal: stream_stalled }
    runbook: pipeline-failure
`,
    );
    if (!inner.ok) throw new Error('expected a tree');
    expect(inner.diagnostics.map((d) => d.code)).toEqual(['no_fallback_runbook']);
    const result = triage(inner.value, inputAt('healthy', 30));
    expect(result.leaf).toEqual({ node: 'stale', question: 'Stale?', path: ['stale'] });
    expect(result.summary).toBe('stale: no runbook for this case; escalate');
  });

  const signal = (condition: string): DecisionTree =>
    small(`  - id: s\n    question: Q?\n    when: ${condition}\n    runbook: r\n`, '[s]');

  it('judges recall only with enough probes', () => {
    const input = patched(inputAt('healthy', 30), (s) => {
      Object.assign(s.recall[0]!, { recall: 0.5, probes: 5 });
    });
    const [e] = triage(signal('{ signal: recall }'), input).path[0]!.evidence;
    expect(e).toMatchObject({
      matched: false,
      value: 0.5,
      op: '<',
      threshold: 0.95,
      note: '5 of 20 probes: not judged',
    });
  });

  it('treats a lag that is not draining as an infinite catch-up time', () => {
    const result = triage(signal('{ signal: stream_catch_up_seconds }'), inputAt('stream stall', 30));
    expect(result.path[0]!.evidence).toEqual([
      {
        source: 'signal',
        name: 'stream_catch_up_seconds',
        subject: { consumer_group: 'feature-pipeline' },
        matched: true,
        op: '>',
        threshold: 60,
        unit: 'seconds',
        note: 'infinite: the lag is not draining',
      },
    ]);
  });

  it('takes the null-rate limit from the plan, or from the tree, and says when there is none', () => {
    const input = inputAt('stale feature, then fallback', 45);
    const planned = triage(signal('{ signal: null_rate }'), input).path[0]!.evidence[0];
    expect(planned).toMatchObject({ matched: true, value: 0.05, threshold: 0.02 });
    const withoutPlan: TriageInput = { status: input.status, alerts: input.alerts };
    const none = triage(signal('{ signal: null_rate }'), withoutPlan).path[0]!.evidence[0];
    expect(none).toMatchObject({ matched: false, value: 0.05, note: 'no limit in this SLA' });
    expect(none).not.toHaveProperty('threshold');
    const given = triage(signal('{ signal: null_rate, above: 0.1 }'), withoutPlan).path[0]!.evidence[0];
    expect(given).toMatchObject({ matched: false, threshold: 0.1 });
  });

  it('says which burn rates Prometheus measures, and which signals an SLA does not have', () => {
    const input = patched(inputAt('healthy', 30), (s) => {
      const latency = s.objectives.find((o) => o.slo === 'latency-p99')!;
      latency.evaluatedBy = 'prometheus';
      delete latency.burnRate;
      s.signals = {};
    });
    const burn = triage(signal('{ signal: latency_burn_rate, above: 1 }'), input).path[0]!.evidence;
    expect(burn).toEqual([
      expect.objectContaining({ matched: false, note: 'measured by Prometheus (custom SLI): see the alert' }),
    ]);
    const drift = triage(signal('{ signal: drift_psi }'), input).path[0]!.evidence;
    expect(drift).toEqual([
      {
        source: 'signal',
        name: 'drift_psi',
        subject: {},
        matched: false,
        unit: 'number',
        note: 'not measured for this SLA',
      },
    ]);
  });
});
