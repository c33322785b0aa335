import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { slaStatus } from '../test-support/fixtures';
import { SlaCard } from './SlaCard';

describe('SlaCard', () => {
  it('shows health in words, the alert counts, the four dimensions worst first and the maturity level', () => {
    render(<SlaCard status={slaStatus({ status: 'critical' })} />);
    const card = screen.getByRole('article', { name: 'recommendations' });
    expect(within(card).getAllByText('Critical')[0]).toBeTruthy();
    expect(card.getAttribute('data-firing')).toBe('1');
    expect(card.textContent).toContain('1 firing · 1 pending');
    const tiles = within(card).getAllByRole('region');
    expect(tiles.map((t) => t.getAttribute('aria-label'))).toEqual([
      'Recall: Critical',
      'Latency: Warning',
      'Availability: OK',
      'Freshness: OK',
    ]);
    expect(card.textContent).toContain('L1');
    expect(within(card).getByRole('link', { name: 'recommendations' }).getAttribute('href')).toBe(
      '/slas/recommendations',
    );
  });

  it('puts every value next to its target, and says a breach in words for screen readers', () => {
    render(<SlaCard status={slaStatus()} />);
    const recall = screen.getByRole('region', { name: 'Recall: Critical' });
    expect(recall.textContent).toContain('products @10');
    expect(recall.textContent).toContain('breached: 81.0%');
    expect(recall.textContent).toContain('≥ 95%');
    const availability = screen.getByRole('region', { name: 'Availability: OK' });
    expect(availability.textContent).toContain('99.96%');
    expect(availability.textContent).toContain('budget 60.0% left · burn 0.4×');
  });

  it('shows why the last evaluation failed', () => {
    render(<SlaCard status={slaStatus({ error: 'store locked' })} />);
    expect(screen.getByRole('note').textContent).toContain('store locked');
  });
});
