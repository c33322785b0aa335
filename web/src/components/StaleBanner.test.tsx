import { act, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { DataSource } from '../api/events';
import { slaStatus } from '../test-support/fixtures';
import { renderLive } from '../test-support/live';
import { ConnectionIndicator, DataSourceBanner, StaleBanner } from './StaleBanner';

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

describe('DataSourceBanner', () => {
  const lastSuccessAt = new Date(Date.now() - 95_000).toISOString();
  const prometheus: DataSource = {
    kind: 'prometheus',
    url: 'http://127.0.0.1:9090',
    healthy: true,
    lastSuccessAt,
    lastAttemptAt: lastSuccessAt,
  };
  const withSource = (dataSource: DataSource | undefined) => ({
    type: 'snapshot' as const,
    data: { statuses: [slaStatus()], alerts: [], ...(dataSource ? { dataSource } : {}) },
    atMs: Date.now(),
  });

  it('is hidden while Prometheus answers, says whose answer is shown and how old while it fails, and goes once it is back', () => {
    const { store } = renderLive(<DataSourceBanner />, [withSource(prometheus)]);
    expect(screen.queryByTestId('data-source-banner')).toBeNull();
    act(() =>
      store.dispatch({
        type: 'dataSource',
        data: {
          ...prometheus,
          healthy: false,
          lastAttemptAt: new Date().toISOString(),
          error: 'Prometheus at http://127.0.0.1:9090 failing since 03:00 (connection refused) <b>x</b>',
        },
        atMs: Date.now(),
      }),
    );
    const banner = screen.getByTestId('data-source-banner');
    expect(banner.getAttribute('role')).toBe('alert');
    expect(banner.textContent).toContain('Prometheus at http://127.0.0.1:9090 is not answering.');
    expect(banner.textContent).toContain('Statuses and alerts are its last complete answer, of');
    expect(banner.textContent).toMatch(/\(1\sm 3\d\ss ago\)/);
    expect(banner.textContent).toContain('charts are unavailable');
    expect(banner.textContent).toContain('no new alert can fire');
    // The server's error text is shown as text, never as markup.
    expect(banner.textContent).toContain('(connection refused) <b>x</b>');
    expect(banner.querySelector('b')).toBeNull();
    act(() => store.dispatch({ type: 'dataSource', data: prometheus, atMs: Date.now() }));
    expect(screen.queryByTestId('data-source-banner')).toBeNull();
  });

  it('says when Prometheus has never answered', () => {
    renderLive(<DataSourceBanner />, [withSource({ ...prometheus, healthy: false, lastSuccessAt: null })]);
    expect(screen.getByTestId('data-source-banner').textContent).toContain(
      'No complete answer has come yet, so statuses and alerts are unknown.',
    );
  });

  it('stays hidden for the embedded evaluator and for servers that do not send a data source', () => {
    const embedded: DataSource = {
      kind: 'embedded',
      healthy: false,
      lastSuccessAt: null,
      lastAttemptAt: null,
    };
    renderLive(<DataSourceBanner />, [
      { type: 'snapshot', data: { statuses: [], alerts: [], dataSource: embedded }, atMs: 0 },
    ]);
    expect(screen.queryByTestId('data-source-banner')).toBeNull();
    renderLive(<DataSourceBanner />, [withSource(undefined)]);
    expect(screen.queryByTestId('data-source-banner')).toBeNull();
  });
});
