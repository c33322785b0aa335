import { act, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { slaStatus } from '../test-support/fixtures';
import { renderLive } from '../test-support/live';
import { ConnectionIndicator, StaleBanner } from './StaleBanner';

const snapshot = {
  type: 'snapshot' as const,
  data: { statuses: [slaStatus()], alerts: [] },
  atMs: Date.now() - 5000,
};

describe('StaleBanner', () => {
  it('is hidden while the stream is live, shown as an alert while it is down, and gone once it is back', () => {
    const { store } = renderLive(
      <>
        <ConnectionIndicator />
        <StaleBanner />
      </>,
      [snapshot],
    );
    expect(screen.queryByTestId('stale-banner')).toBeNull();
    expect(screen.getByRole('status').textContent).toBe('Live');
    act(() => store.dispatch({ type: 'down', atMs: Date.now() - 2000 }));
    const banner = screen.getByRole('alert');
    expect(banner.textContent).toContain('Data is stale.');
    expect(banner.textContent).toContain('reconnecting');
    expect(banner.textContent).toContain('What you see is as of');
    expect(screen.getByRole('status').textContent).toBe('Stale · reconnecting');
    act(() => store.dispatch({ type: 'open', atMs: Date.now() }));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('says when the session ended', () => {
    renderLive(<StaleBanner />, [snapshot, { type: 'signed_out' }]);
    expect(screen.getByRole('alert').textContent).toContain('Signed out.');
  });
});
