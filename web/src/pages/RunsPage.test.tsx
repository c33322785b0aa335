import { act, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeFetch } from '../test-support/fetch';
import { runEvent } from '../test-support/fixtures';
import { renderLive } from '../test-support/live';
import { RunsPage } from './RunsPage';

afterEach(() => vi.unstubAllGlobals());

const { transition: _t, ...listed } = runEvent({ id: 'OLD', state: 'executing' });
void _t;

describe('RunsPage', () => {
  it('lists runs and keeps them current from the stream, new ones on top', async () => {
    fakeFetch({ 'GET /api/v1/runs': { body: { data: [listed], next: null } } });
    const { store } = renderLive(<RunsPage />);
    await waitFor(() =>
      expect(document.querySelector('tr[data-run="OLD"]')?.getAttribute('data-state')).toBe('executing'),
    );
    act(() => {
      store.dispatch({
        type: 'run',
        data: runEvent({ id: 'OLD', state: 'succeeded', updatedAt: '2026-11-22T06:01:00.000Z' }),
        atMs: 1,
      });
      store.dispatch({ type: 'run', data: runEvent({ id: 'NEW', state: 'awaiting_approval' }), atMs: 2 });
    });
    const rows = [...document.querySelectorAll('[data-testid="runs-table"] tbody tr')];
    expect(rows.map((r) => [r.getAttribute('data-run'), r.getAttribute('data-state')])).toEqual([
      ['NEW', 'awaiting_approval'],
      ['OLD', 'succeeded'],
    ]);
  });

  it('shows the empty and the error state', async () => {
    fakeFetch({ 'GET /api/v1/runs': { body: { data: [], next: null } } });
    const first = renderLive(<RunsPage />);
    await screen.findByText('No runs yet');
    first.unmount();
    fakeFetch({
      'GET /api/v1/runs': { status: 500, body: { error: { code: 'internal', message: 'boom' } } },
    });
    renderLive(<RunsPage />);
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('boom'));
  });
});
