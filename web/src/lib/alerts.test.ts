import { describe, expect, it } from 'vitest';
import { alertPath, alertSubject, formatAlertValue, runbookHref } from './alerts';

const ORIGIN = 'http://127.0.0.1:8080';

describe('alert helpers', () => {
  it('names the subject of an alert from its labels', () => {
    expect(alertSubject({ alertname: 'X', index: 'products', service: 's', sla: 'r' })).toBe(
      'index=products',
    );
    expect(alertSubject({ slo: 'latency-p99', burn_tier: 'page-fast' })).toBe(
      'slo=latency-p99 · burn_tier=page-fast',
    );
    expect(alertSubject({ service: 's' })).toBe('');
  });

  it('formats the value in the unit of its rule', () => {
    expect(formatAlertValue({ alertname: 'VectorRecallBelowTarget', value: 0.8314 })).toBe('recall 83.1%');
    expect(formatAlertValue({ alertname: 'SLOAvailabilityBurnRateHigh', value: 14.44 })).toBe('burn 14.4×');
    expect(
      formatAlertValue({ alertname: 'LatencyComponentOverBudget', value: 0.0384 }).replace(/\u00a0/g, ' '),
    ).toBe('P99 38.4 ms');
    expect(formatAlertValue({ alertname: 'Custom', value: 1.23456 })).toBe('1.2346');
    expect(formatAlertValue({ alertname: 'Custom', value: Number.NaN })).toBe('—');
  });

  it('turns a runbook URL on this server into an in-app path and keeps others; refuses other schemes', () => {
    expect(runbookHref({ runbook_url: `${ORIGIN}/runbooks/stale-features` }, ORIGIN)).toBe(
      '/runbooks/stale-features',
    );
    expect(runbookHref({ runbook_url: 'https://wiki.example/rb#x' }, ORIGIN)).toBe(
      'https://wiki.example/rb#x',
    );
    expect(runbookHref({ runbook_url: 'javascript:alert(1)' }, ORIGIN)).toBeUndefined();
    expect(runbookHref({ runbook_url: 'data:text/html,x' }, ORIGIN)).toBeUndefined();
    expect(runbookHref({}, ORIGIN)).toBeUndefined();
  });

  it('links alerts by fingerprint', () => {
    expect(alertPath('e21583575e0396e2')).toBe('/alerts/e21583575e0396e2');
  });
});
