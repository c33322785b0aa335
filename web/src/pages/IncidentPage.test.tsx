import { screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TreeView, TriageView } from '../api/triage';
import { fakeFetch } from '../test-support/fetch';
import { slaStatus } from '../test-support/fixtures';
import { renderLive } from '../test-support/live';
import { IncidentPage } from './IncidentPage';

afterEach(() => vi.unstubAllGlobals());

const tree: TreeView = {
  name: 'incident-triage',
  root: ['latency', 'quality'],
  nodes: [
    {
      id: 'latency',
      question: 'Is latency elevated?',
      children: [],
      runbook: 'latency-burn',
      context: [],
      when: { kind: 'alert', alert: 'LatencyBurn', where: {} },
    },
    { id: 'quality', question: 'Is quality degraded?', children: ['quality.recall'], context: [] },
    {
      id: 'quality.recall',
      question: 'Is the vector index degrading?',
      children: [],
      runbook: 'vector-index-degradation',
      context: [],
      when: { kind: 'alert', alert: 'VectorRecallBelowTarget', where: {} },
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
      question: 'Is the vector index degrading?',
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
          value: 0.83,
          op: '<',
          threshold: 0.95,
          unit: 'ratio',
        },
      ],
    },
  ],
  leaf: {
    node: 'quality.recall',
    question: 'Is the vector index degrading?',
    runbook: 'vector-index-degradation',
    path: ['quality', 'quality.recall'],
  },
  others: [],
  alerts: { firing: 1, pending: 0 },
};

const snapshot = { type: 'snapshot' as const, data: { statuses: [slaStatus()], alerts: [] }, atMs: 1 };

describe('IncidentPage', () => {
  it('draws the whole tree with the path to the leaf marked in words, its evidence, and the runbook link', async () => {
    const calls = fakeFetch({
      'GET /api/v1/triage/tree': { body: { data: tree } },
      'GET /api/v1/triage': { body: { data: triage } },
    });
    renderLive(<IncidentPage sla="recommendations" />, [snapshot]);
    await screen.findByText('quality.recall: follow runbook vector-index-degradation');
    const mark = (id: string) => document.querySelector(`[data-node="${id}"]`)!.getAttribute('data-mark');
    expect(mark('latency')).toBe('no');
    expect(mark('quality')).toBe('path');
    expect(mark('quality.recall')).toBe('leaf');
    expect(document.querySelector('[data-node="quality.recall"] .tree-state')!.textContent).toBe('answer');
    // The leaf is selected by default: its evidence is shown.
    expect(screen.getByRole('heading', { level: 2, name: 'Is the vector index degrading?' })).toBeTruthy();
    expect(document.querySelector('.evidence')!.textContent).toContain('firing, 0.83 < 0.95');
    expect(screen.getByTestId('leaf-runbook').getAttribute('href')).toBe(
      '/runbooks/vector-index-degradation',
    );
    // Every node is a deep link.
    expect(screen.getByRole('link', { name: /Is latency elevated\?/ }).getAttribute('href')).toBe(
      '/incidents/recommendations?node=latency',
    );
    expect(calls.map((c) => c.path)).toContain('/api/v1/triage?sla=recommendations');
  });

  it('says what failed when the triage cannot be loaded', async () => {
    fakeFetch({
      'GET /api/v1/triage/tree': { body: { data: tree } },
      'GET /api/v1/triage': {
        status: 503,
        body: {
          error: {
            code: 'not_evaluated',
            message: 'SLA "recommendations" has not been evaluated yet; retry shortly',
          },
        },
      },
    });
    renderLive(<IncidentPage sla="recommendations" />, [snapshot]);
    await waitFor(() =>
      expect(screen.getByRole('alert').textContent).toContain('has not been evaluated yet'),
    );
    expect(screen.getByRole('button', { name: 'Try again' })).toBeTruthy();
  });
});
