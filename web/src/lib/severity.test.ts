import { describe, expect, it } from 'vitest';
import { alert, slaStatus } from '../test-support/fixtures';
import { alertHealth, compareAlerts, compareSlas, lowestBudget } from './severity';

describe('worst first', () => {
  it('orders SLAs by health, then firing and pending alerts, then budget left, then name', () => {
    const slas = [
      slaStatus({ name: 'b-ok', status: 'ok', alerts: { firing: 0, pending: 0 } }),
      slaStatus({ name: 'a-ok', status: 'ok', alerts: { firing: 0, pending: 0 } }),
      slaStatus({ name: 'warn', status: 'warning', alerts: { firing: 1, pending: 0 } }),
      slaStatus({ name: 'crit-1', status: 'critical', alerts: { firing: 1, pending: 0 } }),
      slaStatus({ name: 'crit-2', status: 'critical', alerts: { firing: 2, pending: 0 } }),
      slaStatus({ name: 'nodata', status: 'no_data', alerts: { firing: 0, pending: 0 } }),
      slaStatus({ name: 'ok-pending', status: 'ok', alerts: { firing: 0, pending: 1 } }),
    ];
    expect(slas.sort(compareSlas).map((s) => s.name)).toEqual([
      'crit-2',
      'crit-1',
      'warn',
      'nodata',
      'ok-pending',
      'a-ok',
      'b-ok',
    ]);
  });

  it('ranks an SLA with less error budget left first among equals', () => {
    const poor = slaStatus({ name: 'z', alerts: { firing: 0, pending: 0 } });
    poor.objectives[0]!.errorBudgetRemaining = -0.2;
    const rich = slaStatus({ name: 'a', alerts: { firing: 0, pending: 0 } });
    expect(lowestBudget(poor)).toBe(-0.2);
    expect([rich, poor].sort(compareSlas).map((s) => s.name)).toEqual(['z', 'a']);
  });

  it('orders alerts firing first, then by severity, then the longest active', () => {
    const alerts = [
      alert({ fingerprint: 'p', state: 'pending', activeAt: 1 }),
      alert({ fingerprint: 'fw', state: 'firing', labels: { severity: 'warning' }, activeAt: 1 }),
      alert({ fingerprint: 'fc-new', state: 'firing', activeAt: 50 }),
      alert({ fingerprint: 'fc-old', state: 'firing', activeAt: 10 }),
    ];
    expect(alerts.sort(compareAlerts).map((a) => a.fingerprint)).toEqual(['fc-old', 'fc-new', 'fw', 'p']);
  });

  it('calls a firing critical alert critical and everything else a warning', () => {
    expect(alertHealth(alert())).toBe('critical');
    expect(alertHealth(alert({ state: 'pending' }))).toBe('warning');
    expect(alertHealth(alert({ labels: { severity: 'warning' } }))).toBe('warning');
  });
});
