import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { alert } from '../test-support/fixtures';
import { AlertTable } from './AlertTable';

describe('AlertTable', () => {
  it('lists alerts worst first with state and severity in words, value, SLA, and links', () => {
    render(
      <AlertTable
        alerts={[
          alert({
            fingerprint: 'p1',
            state: 'pending',
            alertname: 'FeatureStale',
            labels: { severity: 'warning', feature: 'item_ctr_1h' },
            value: 700,
          }),
          alert(),
        ]}
      />,
    );
    const rows = screen.getAllByRole('row').slice(1);
    expect(rows.map((r) => r.getAttribute('data-fingerprint'))).toEqual(['e21583575e0396e2', 'p1']);
    expect(rows[0]!.textContent).toContain('Firing · critical');
    expect(rows[0]!.textContent).toContain('recall 81.0%');
    expect(rows[0]!.textContent).toContain('index=products');
    expect(rows[1]!.textContent).toContain('Pending · warning');
    expect(rows[1]!.textContent).toContain('feature=item_ctr_1h');
    expect(within(rows[0]!).getByRole('link', { name: 'VectorRecallBelowTarget' }).getAttribute('href')).toBe(
      '/alerts/e21583575e0396e2',
    );
    expect(within(rows[0]!).getByRole('link', { name: 'recommendations' }).getAttribute('href')).toBe(
      '/slas/recommendations',
    );
    const runbook = within(rows[0]!).getByRole('link', { name: /Runbook/ });
    expect(runbook.getAttribute('href')).toBe('https://runbooks.example/vector-index-degradation');
    expect(runbook.getAttribute('rel')).toContain('noopener');
  });

  it('says when an alert has no runbook', () => {
    render(<AlertTable alerts={[alert({ annotations: {} })]} showSla={false} />);
    expect(screen.getByText('none')).toBeTruthy();
    expect(screen.queryByRole('columnheader', { name: 'SLA' })).toBeNull();
  });
});
