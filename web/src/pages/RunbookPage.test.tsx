import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunbookDetail } from '../api/runbooks';
import type { DryRun } from '../api/runs';
import { fakeFetch } from '../test-support/fetch';
import { alert, runEvent, slaStatus } from '../test-support/fixtures';
import { renderLive } from '../test-support/live';
import RunbookPage from './RunbookPage';

afterEach(() => {
  vi.unstubAllGlobals();
  window.history.replaceState(null, '', '/');
});

const runbook: RunbookDetail = {
  id: 'vector-index-degradation',
  title: 'Vector index degradation',
  file: 'runbooks/vector-index-degradation.md',
  triggers: ['VectorRecallBelowTarget'],
  markdown: '# Vector index degradation\n\n## Meaning\n\nRecall dropped.',
  sections: { meaning: 'Recall dropped.', impact: '', diagnosis: '', mitigation: '' },
  actions: [
    {
      id: 'compact-index',
      title: 'Compact the degraded index',
      kind: 'http',
      spec: { kind: 'http', target: 'demo', method: 'POST', path: '/api/v1/demo/remediate/compact-index' },
      params: { index: { label: 'index', pattern: '^[a-z]+$' } },
      auto: true,
      approval: 'none',
      cooldownMs: 1_800_000,
      maxRuns: { count: 3, windowMs: 21_600_000 },
      timeoutMs: 30_000,
      retries: { max: 2, backoffMs: 10_000, maxBackoffMs: 60_000 },
      verify: { alert: 'VectorRecallBelowTarget', withinMs: 900_000 },
      status: {
        runbook: 'vector-index-degradation',
        action: 'compact-index',
        title: 'Compact the degraded index',
        kind: 'http',
        auto: true,
        automatic: false,
        approval: 'none',
        unavailable: null,
        breaker: { open: false, consecutiveFailures: 0, threshold: 3, openedAt: null },
        budget: { count: 3, windowMs: 21_600_000, used: 1 },
        cooldownMs: 1_800_000,
      },
    },
  ],
};

const dry: DryRun = {
  runbook: 'vector-index-degradation',
  action: 'compact-index',
  title: 'Compact the degraded index',
  description: null,
  auto: true,
  approval: 'none',
  idempotencyKey: 'slactl-abc',
  request: {
    kind: 'http',
    target: 'demo',
    method: 'POST',
    url: 'http://127.0.0.1:8080/api/v1/demo/remediate/compact-index',
    headers: { Authorization: 'Bearer ••• (env SLACTL_DEMO_TARGET_TOKEN)', 'Idempotency-Key': 'slactl-abc' },
    body: { index: 'products' },
  },
  refused: null,
  policy: { allowed: true, reason: null, message: null, retryAt: null },
  verify: { alert: 'VectorRecallBelowTarget', withinMs: 900_000 },
  timeoutMs: 30_000,
  retries: { max: 2, backoffMs: 10_000, maxBackoffMs: 60_000 },
};

const live = [{ type: 'snapshot' as const, data: { statuses: [slaStatus()], alerts: [alert()] }, atMs: 1 }];

describe('RunbookPage', () => {
  it('shows the policy, dry-runs with the exact call, then runs after a confirmation and opens the run', async () => {
    const calls = fakeFetch({
      'GET /api/v1/runbooks/vector-index-degradation': { body: { data: runbook } },
      'GET /api/v1/runs': { body: { data: [], next: null } },
      'POST /api/v1/runs/dry-run': { body: { data: dry } },
      'POST /api/v1/runs': { status: 201, body: { data: runEvent({ id: 'RUN1' }) } },
    });
    renderLive(<RunbookPage id="vector-index-degradation" />, live);
    await screen.findByRole('heading', { level: 1, name: 'Vector index degradation' });
    expect(screen.getByTestId('policy-compact-index').textContent).toContain('remediation.auto is off');
    expect(screen.getByTestId('policy-compact-index').textContent).toContain('1 of 3 runs per 6h');

    fireEvent.click(screen.getByRole('button', { name: 'Dry-run compact-index' }));
    const dialog = await screen.findByTestId('dry-run-dialog');
    await waitFor(() =>
      expect(screen.getByTestId('request-line').textContent).toBe(
        'POST http://127.0.0.1:8080/api/v1/demo/remediate/compact-index',
      ),
    );
    expect(dialog.textContent).toContain('Bearer ••• (env SLACTL_DEMO_TARGET_TOKEN)');
    expect(calls.find((c) => c.path === '/api/v1/runs/dry-run')!.body).toEqual({
      runbook: 'vector-index-degradation',
      action: 'compact-index',
      labels: alert().labels,
    });
    // Escape closes it; nothing was run.
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(screen.queryByTestId('dry-run-dialog')).toBeNull();
    expect(calls.some((c) => c.method === 'POST' && c.path === '/api/v1/runs')).toBe(false);

    fireEvent.click(screen.getByRole('button', { name: 'Run compact-index' }));
    await screen.findByTestId('confirm-dialog');
    const go = await screen.findByRole('button', { name: 'Run compact-index now' });
    await waitFor(() => expect((go as HTMLButtonElement).disabled).toBe(false));
    await act(async () => {
      fireEvent.click(go);
      await Promise.resolve();
    });
    await waitFor(() => expect(window.location.pathname).toBe('/runs/RUN1'));
    expect(calls.find((c) => c.method === 'POST' && c.path === '/api/v1/runs')!.body).toMatchObject({
      labels: alert().labels,
    });
  });

  it('says a runbook does not exist', async () => {
    fakeFetch({
      'GET /api/v1/runbooks/nope': {
        status: 404,
        body: { error: { code: 'not_found', message: 'no runbook "nope"' } },
      },
    });
    renderLive(<RunbookPage id="nope" />, live);
    await screen.findByText('No runbook nope');
  });

  it('asks for labels by hand when no alert of the runbook is active', async () => {
    fakeFetch({
      'GET /api/v1/runbooks/vector-index-degradation': { body: { data: runbook } },
      'GET /api/v1/runs': { body: { data: [], next: null } },
    });
    renderLive(<RunbookPage id="vector-index-degradation" />, [
      { type: 'snapshot', data: { statuses: [slaStatus()], alerts: [] }, atMs: 1 },
    ]);
    const run = await screen.findByRole('button', { name: 'Run compact-index' });
    expect((run as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByRole('textbox', { name: 'index' }), { target: { value: 'products' } });
    expect((run as HTMLButtonElement).disabled).toBe(false);
  });

  it('fills an action from an alert it answers, even when the page was opened for another alert', async () => {
    fakeFetch({
      'GET /api/v1/runbooks/vector-index-degradation': {
        body: {
          data: {
            ...runbook,
            triggers: ['VectorRecallBelowTarget', 'LatencyComponentOverBudget'],
            actions: [{ ...runbook.actions[0]!, alerts: ['VectorRecallBelowTarget'] }],
          },
        },
      },
      'GET /api/v1/runs': { body: { data: [], next: null } },
    });
    const latency = alert({
      alertname: 'LatencyComponentOverBudget',
      labels: { alertname: 'LatencyComponentOverBudget', component: 'vector_search', sla: 'recommendations' },
      fingerprint: 'aaaa',
    });
    window.history.replaceState(null, '', '/runbooks/vector-index-degradation?alert=aaaa');
    renderLive(<RunbookPage id="vector-index-degradation" />, [
      { type: 'snapshot', data: { statuses: [slaStatus()], alerts: [latency, alert()] }, atMs: 1 },
    ]);
    const labels = await screen.findByTestId('labels-compact-index');
    expect(labels.textContent).toBe(
      'Labels from VectorRecallBelowTarget (firing): alertname=VectorRecallBelowTarget, index=products, service=recs-api, severity=critical, sla=recommendations',
    );
  });
});
