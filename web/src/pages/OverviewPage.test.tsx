import { act, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { alert, slaStatus, transition } from '../test-support/fixtures';
import { renderLive } from '../test-support/live';
import { OverviewPage } from './OverviewPage';

describe('OverviewPage', () => {
  it('shows a loading state until the first snapshot, and an error state while the stream is down without data', () => {
    const { store } = renderLive(<OverviewPage />);
    expect(screen.getByRole('status').textContent).toContain('Loading SLA status');
    act(() => store.dispatch({ type: 'down', atMs: 1 }));
    expect(screen.getByRole('alert').textContent).toContain('Cannot reach the control plane');
  });

  it('shows empty states when nothing is loaded or active', () => {
    renderLive(<OverviewPage />, [{ type: 'snapshot', data: { statuses: [], alerts: [] }, atMs: 1 }]);
    expect(screen.getByText('No active alerts')).toBeTruthy();
    expect(screen.getByText('No SLAs loaded')).toBeTruthy();
  });

  it('puts the worst SLA first and updates live when an alert arrives', () => {
    const { store } = renderLive(<OverviewPage />, [
      {
        type: 'snapshot',
        data: {
          statuses: [
            slaStatus({ name: 'fraud-scoring', status: 'ok', alerts: { firing: 0, pending: 0 } }),
            slaStatus({ name: 'recommendations', status: 'ok', alerts: { firing: 0, pending: 0 } }),
          ],
          alerts: [],
        },
        atMs: 1,
      },
    ]);
    expect(screen.getByTestId('verdict').textContent).toContain('All 2 SLAs are within their targets.');
    act(() => {
      store.dispatch({ type: 'alert', data: transition(), atMs: 2 });
      store.dispatch({
        type: 'status',
        data: slaStatus({ name: 'recommendations', status: 'critical', alerts: { firing: 1, pending: 0 } }),
        atMs: 2,
      });
    });
    expect(screen.getByTestId('verdict').textContent).toContain('1 of 2 SLAs is breaching.');
    const cards = screen.getAllByRole('article');
    expect(cards.map((c) => c.getAttribute('data-sla'))).toEqual(['recommendations', 'fraud-scoring']);
    expect(
      document.querySelector('[data-live-alerts] tr[data-fingerprint="e21583575e0396e2"]'),
    ).not.toBeNull();
  });

  it('lists active alerts from the snapshot', () => {
    renderLive(<OverviewPage />, [
      { type: 'snapshot', data: { statuses: [slaStatus()], alerts: [alert()] }, atMs: 1 },
    ]);
    expect(screen.getByRole('link', { name: 'VectorRecallBelowTarget' })).toBeTruthy();
  });
});
