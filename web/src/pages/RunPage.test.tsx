import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunDetail } from '../api/runs';
import { fakeFetch } from '../test-support/fetch';
import { runEvent } from '../test-support/fixtures';
import { renderLive } from '../test-support/live';
import { RunPage } from './RunPage';

afterEach(() => vi.unstubAllGlobals());

function detail(state: RunDetail['state'], updatedAt: string, to: RunDetail['state'][] = []): RunDetail {
  const { transition: _t, ...run } = runEvent({ id: 'RUN1', state, updatedAt });
  void _t;
  return {
    ...run,
    request: {
      kind: 'http',
      target: 'demo',
      method: 'POST',
      url: 'http://h/x',
      headers: {},
      body: { index: 'products' },
    },
    transitions: to.map((s, i) => ({
      at: `2026-11-22T06:00:3${i}.000Z`,
      from: null,
      to: s,
      actor: 'alice',
      reason: null,
    })),
    attempts: [],
  };
}

describe('RunPage', () => {
  it('follows the run through its states as `run` events arrive', async () => {
    let current = detail('executing', '2026-11-22T06:00:30.000Z', ['triggered', 'executing']);
    fakeFetch({ 'GET /api/v1/runs/RUN1': () => ({ body: { data: current } }) });
    const { store } = renderLive(<RunPage id="RUN1" />);
    await waitFor(() =>
      expect(document.querySelector('.run-page')!.getAttribute('data-state')).toBe('executing'),
    );
    current = detail('succeeded', '2026-11-22T06:00:40.000Z', [
      'triggered',
      'executing',
      'verifying',
      'succeeded',
    ]);
    act(() =>
      store.dispatch({
        type: 'run',
        data: runEvent({ id: 'RUN1', state: 'succeeded', updatedAt: '2026-11-22T06:00:40.000Z' }),
        atMs: 2,
      }),
    );
    await waitFor(() =>
      expect(
        [...document.querySelectorAll('[data-testid="run-timeline"] li')].map((li) =>
          li.getAttribute('data-to'),
        ),
      ).toEqual(['triggered', 'executing', 'verifying', 'succeeded']),
    );
    // A finished run offers no decisions.
    expect(screen.queryByRole('button', { name: 'Cancel run' })).toBeNull();
  });

  it('approves a run waiting for approval, with the reason', async () => {
    const calls = fakeFetch({
      'GET /api/v1/runs/RUN1': {
        body: {
          data: detail('awaiting_approval', '2026-11-22T06:00:30.000Z', ['triggered', 'awaiting_approval']),
        },
      },
      'POST /api/v1/runs/RUN1/approve': { body: { data: runEvent({ id: 'RUN1' }) } },
    });
    renderLive(<RunPage id="RUN1" />);
    const approve = await screen.findByRole('button', { name: 'Approve' });
    expect(screen.getByRole('button', { name: 'Reject' })).toBeTruthy();
    fireEvent.change(screen.getByRole('textbox', { name: /Reason/ }), {
      target: { value: 'index looks bad' },
    });
    fireEvent.click(approve);
    await waitFor(() => expect(calls.some((c) => c.path === '/api/v1/runs/RUN1/approve')).toBe(true));
    expect(calls.find((c) => c.path === '/api/v1/runs/RUN1/approve')!.body).toEqual({
      reason: 'index looks bad',
    });
  });

  it('says a run does not exist', async () => {
    fakeFetch({});
    renderLive(<RunPage id="NOPE" />);
    await screen.findByText('No run NOPE');
  });
});
