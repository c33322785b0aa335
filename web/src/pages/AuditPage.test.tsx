import { screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeFetch } from '../test-support/fetch';
import { renderLive } from '../test-support/live';
import { AuditPage } from './AuditPage';

afterEach(() => vi.unstubAllGlobals());

const entry = (seq: number) => ({
  seq,
  at: 1_795_970_000_000 + seq,
  kind: 'run_created',
  actor: 'session (alice)',
  subject: 'RUN1',
  data: { runbook: 'vector-index-degradation' },
  prevHash: '0'.repeat(64),
  hash: 'a'.repeat(64),
  signature: 'sig',
});

describe('AuditPage', () => {
  it('shows the entries and says the chain verified', async () => {
    fakeFetch({
      'GET /api/v1/audit/verify': {
        body: {
          data: {
            ok: true,
            entries: 2,
            head: { seq: 2, hash: 'a' },
            checkedAt: '2026-11-22T06:00:00.000Z',
            durationMs: 1.5,
          },
        },
      },
      'GET /api/v1/audit': { body: { data: [entry(2), entry(1)] } },
    });
    renderLive(<AuditPage />);
    const banner = await screen.findByTestId('audit-verification');
    expect(banner.getAttribute('data-ok')).toBe('true');
    expect(banner.textContent).toContain('Verified: all 2 entries');
    await waitFor(() =>
      expect(document.querySelectorAll('[data-testid="audit-table"] tbody tr')).toHaveLength(2),
    );
    expect(screen.getAllByRole('link', { name: 'RUN1' })[0]!.getAttribute('href')).toBe(
      '/audit?subject=RUN1',
    );
  });

  it('says where the chain was tampered with', async () => {
    fakeFetch({
      'GET /api/v1/audit/verify': {
        body: {
          data: {
            ok: false,
            entries: 44,
            failure: { seq: 45, reason: 'hash_mismatch', message: 'entry 45 was edited' },
            checkedAt: '2026-11-22T06:00:00.000Z',
            durationMs: 1,
          },
        },
      },
      'GET /api/v1/audit': { body: { data: [] } },
    });
    renderLive(<AuditPage />);
    const banner = await screen.findByTestId('audit-verification');
    expect(banner.getAttribute('data-ok')).toBe('false');
    expect(banner.textContent).toContain('entry 45 cannot be trusted (hash_mismatch)');
    await screen.findByText('No entries');
  });
});
