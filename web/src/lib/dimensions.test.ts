import { describe, expect, it } from 'vitest';
import { slaStatus } from '../test-support/fixtures';
import { budgetText, dimensionTile, dimensionTiles, objectiveLabel } from './dimensions';

const nb = (s: string) => s.replace(/\u00a0/g, ' ');

describe('dimension tiles', () => {
  it('puts the worst dimensions first, ties in the seed order', () => {
    expect(dimensionTiles(slaStatus()).map((t) => `${t.dimension}:${t.health}`)).toEqual([
      'recall:critical',
      'latency:warning',
      'availability:ok',
      'freshness:ok',
    ]);
  });

  it('shows each latency objective against its target, and the components over budget', () => {
    const tile = dimensionTile(slaStatus(), 'latency');
    expect(tile.lines.map((l) => [l.label, l.value, l.target, l.breach])).toEqual([
      ['p99 ≤ 100ms', '99.5%', '≥ 99%', false],
      ['components over budget', '1', 'of 2', true],
    ]);
    expect(tile.budgetRemaining).toBe(0.5);
    expect(tile.burnRate).toBe(1.2);
    expect(budgetText(tile)).toBe('budget 50.0% left · burn 1.2×');
  });

  it('marks availability below its target as a breach, with enough digits to see it', () => {
    const status = slaStatus();
    status.objectives[0]!.sli = 0.9987;
    const [line] = dimensionTile(status, 'availability').lines;
    expect(line).toMatchObject({ label: 'succeeded', value: '99.87%', target: '≥ 99.9%', breach: true });
  });

  it('lists features by how close they are to their max age', () => {
    const tile = dimensionTile(slaStatus(), 'freshness');
    expect(tile.lines.map((l) => [l.label, nb(l.value), nb(l.target)])).toEqual([
      ['item_ctr_1h', '9 m', '≤ 10 m'],
      ['user_7d_purchase_count', '12 s', '≤ 5 m'],
    ]);
  });

  it('judges recall only with enough probes', () => {
    const status = slaStatus();
    expect(dimensionTile(status, 'recall').lines[0]).toMatchObject({
      value: '81.0%',
      target: '≥ 95%',
      breach: true,
    });
    status.recall[0]!.probes = 5;
    expect(dimensionTile(status, 'recall').lines[0]!.breach).toBe(false);
  });

  it('says when a dimension is not configured or has no data', () => {
    const status = slaStatus({
      recall: [],
      freshness: [],
      dimensions: { latency: 'ok', availability: 'ok', freshness: 'no_data', recall: 'not_configured' },
    });
    expect(dimensionTile(status, 'recall')).toMatchObject({ note: 'Not in this SLA', lines: [] });
    expect(dimensionTile(status, 'freshness')).toMatchObject({ note: 'No data yet', lines: [] });
  });

  it('labels objectives by their threshold', () => {
    expect(
      objectiveLabel({ slo: 'latency-p999', description: '99.9% of requests complete within 250ms' }),
    ).toBe('p999 ≤ 250ms');
    expect(objectiveLabel({ slo: 'availability', description: 'x' })).toBe('succeeded');
    expect(objectiveLabel({ slo: 'custom', description: 'custom' })).toBe('custom');
  });
});
