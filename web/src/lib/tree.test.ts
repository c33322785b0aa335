import { describe, expect, it } from 'vitest';
import type { TreeView, TriageView } from '../api/triage';
import { describeCondition, describeEvidence, treeRows } from './tree';

const tree: TreeView = {
  name: 'incident',
  root: ['latency', 'quality'],
  nodes: [
    {
      id: 'latency',
      question: 'Is latency elevated?',
      when: { kind: 'alert', alert: 'LatencyBurn', where: {} },
      children: ['latency.vector_search'],
      runbook: 'latency-burn',
      context: [],
    },
    {
      id: 'latency.vector_search',
      question: 'Is vector search over budget?',
      when: {
        kind: 'any',
        of: [
          {
            kind: 'alert',
            alert: 'LatencyComponentOverBudget',
            where: { component: { equals: 'vector_search' } },
          },
          { kind: 'signal', signal: 'recall', op: '<', threshold: 0.95, where: {} },
        ],
      },
      children: [],
      runbook: 'vector-index-degradation',
      context: ['recall'],
    },
    { id: 'quality', question: 'Is quality degraded?', children: ['quality.recall', 'latency'], context: [] },
    {
      id: 'quality.recall',
      question: 'Is recall low?',
      when: { kind: 'alert', alert: 'VectorRecallBelowTarget', where: {} },
      children: [],
      runbook: 'vector-index-degradation',
      context: [],
    },
  ],
};

const triage: TriageView = {
  sla: 'recommendations',
  service: 'recs-api',
  health: 'critical',
  evaluatedAt: '2026-11-22T06:35:00.000Z',
  outcome: 'matched',
  summary: 'quality.recall: follow runbook vector-index-degradation',
  path: [
    { node: 'latency', question: 'Is latency elevated?', depth: 0, matched: false, evidence: [] },
    { node: 'quality', question: 'Is quality degraded?', depth: 0, matched: true, evidence: [] },
    {
      node: 'quality.recall',
      question: 'Is recall low?',
      depth: 1,
      matched: true,
      terminal: true,
      runbook: 'vector-index-degradation',
      evidence: [
        {
          source: 'alert',
          name: 'VectorRecallBelowTarget',
          subject: { index: 'products' },
          matched: true,
          state: 'firing',
          value: 0.8314,
          op: '<',
          threshold: 0.95,
          unit: 'ratio',
        },
      ],
    },
  ],
  leaf: {
    node: 'quality.recall',
    question: 'Is recall low?',
    runbook: 'vector-index-degradation',
    path: ['quality', 'quality.recall'],
  },
  others: [],
  alerts: { firing: 1, pending: 0 },
};

describe('treeRows', () => {
  it('lists every node once in depth-first order with its depth and parent', () => {
    const rows = treeRows(tree);
    expect(rows.map((r) => [r.id, r.depth, r.parent])).toEqual([
      ['latency', 0, undefined],
      ['latency.vector_search', 1, 'latency'],
      ['quality', 0, undefined],
      ['quality.recall', 1, 'quality'],
    ]);
    expect(rows.every((r) => r.mark === 'not_asked')).toBe(true);
  });

  it('marks the evaluated path, its leaf, the questions answered no and those never asked', () => {
    const rows = treeRows(tree, triage);
    expect(Object.fromEntries(rows.map((r) => [r.id, r.mark]))).toEqual({
      latency: 'no',
      'latency.vector_search': 'not_asked',
      quality: 'path',
      'quality.recall': 'leaf',
    });
    expect(rows.find((r) => r.id === 'quality.recall')!.step!.evidence[0]!.name).toBe(
      'VectorRecallBelowTarget',
    );
  });

  it('marks the nodes of other matching failure modes', () => {
    const both: TriageView = {
      ...triage,
      others: [
        {
          node: 'latency.vector_search',
          question: '',
          runbook: 'vector-index-degradation',
          path: ['latency', 'latency.vector_search'],
        },
      ],
    };
    const marks = Object.fromEntries(treeRows(tree, both).map((r) => [r.id, r.mark]));
    expect(marks['latency.vector_search']).toBe('other');
  });
});

describe('describeCondition and describeEvidence', () => {
  it('say a condition and a piece of evidence in one line', () => {
    expect(describeCondition(tree.nodes[1]!.when)).toBe(
      'alert LatencyComponentOverBudget {component=vector_search} or signal recall < 0.95',
    );
    expect(describeCondition(undefined)).toBe('any of its children');
    expect(describeEvidence(triage.path[2]!.evidence[0]!)).toBe('firing, 0.831 < 0.95');
    expect(
      describeEvidence({
        source: 'signal',
        name: 'recall',
        subject: {},
        matched: false,
        unit: 'ratio',
        note: 'too few probes',
      }),
    ).toBe('too few probes');
  });
});
