import { describe, expect, it } from 'vitest';
import { slaStatus } from '../test-support/fixtures';
import { maturityOf } from './maturity';

describe('maturity level', () => {
  it('is Level 2 (Alerted) when latency, availability and every configured AI signal report, and stops there without runbook data', () => {
    const status = slaStatus();
    status.signals.drift = [{ feature: 'prediction', psi: 0.03, js: 0.01 }];
    const m = maturityOf(status);
    expect(m.level).toBe(2);
    expect(m.name).toBe('Alerted');
    expect(m.next).toMatchObject({ level: 3, state: 'unknown' });
    expect(m.checks.map((c) => `${c.level} ${c.label}: ${c.state}`)).toEqual([
      '1 latency measured: pass',
      '1 availability measured: pass',
      '2 AI-specific alerts compiled: pass',
      '2 AI-specific signals arriving: pass',
      '3 runbooks for its alerts: unknown',
      '4 remediation automated: unknown',
    ]);
  });

  it('is Level 1 when an AI signal with rules sends nothing (drift configured, nothing measured)', () => {
    const m = maturityOf(slaStatus());
    expect(m.level).toBe(1);
    const arriving = m.checks.find((c) => c.label === 'AI-specific signals arriving');
    expect(arriving).toMatchObject({ state: 'fail', detail: 'no data for drift' });
  });

  it('is Level 0 without requests in the window', () => {
    const status = slaStatus();
    for (const o of status.objectives) delete o.sli;
    expect(maturityOf(status).level).toBe(0);
    expect(maturityOf(status).next?.detail).toBe('objective defined, no requests received in the window');
  });

  it('is Level 1 with no AI-specific rules at all', () => {
    const m = maturityOf(slaStatus({ freshness: [], recall: [], signals: {} }));
    expect(m.level).toBe(1);
    expect(m.next).toMatchObject({ label: 'AI-specific alerts compiled', state: 'fail' });
  });

  it('reaches Levels 3 and 4 from runbook coverage and automated actions', () => {
    const status = slaStatus({ signals: { nullRate: [{ feature: 'f', rate: 0 }] } });
    const alertnames = ['VectorRecallBelowTarget', 'FeatureStale'];
    expect(
      maturityOf(status, { alertnames, withRunbook: ['FeatureStale'], automatedActions: [] }),
    ).toMatchObject({
      level: 2,
      next: { detail: 'no runbook for VectorRecallBelowTarget' },
    });
    expect(maturityOf(status, { alertnames, withRunbook: alertnames, automatedActions: [] }).level).toBe(3);
    expect(
      maturityOf(status, { alertnames, withRunbook: alertnames, automatedActions: ['compact-index'] }).level,
    ).toBe(4);
  });

  it('stays below Level 3 until an alert of the SLA is known, and says when automation is switched off', () => {
    const status = slaStatus({ signals: { nullRate: [{ feature: 'f', rate: 0 }] } });
    expect(maturityOf(status, { alertnames: [], withRunbook: [], automatedActions: [] })).toMatchObject({
      level: 2,
      next: { state: 'unknown', detail: 'no alert of this SLA seen yet to check' },
    });
    const alertnames = ['VectorRecallBelowTarget'];
    expect(
      maturityOf(status, {
        alertnames,
        withRunbook: alertnames,
        automatedActions: [],
        heldActions: ['compact-index'],
      }),
    ).toMatchObject({
      level: 3,
      next: {
        level: 4,
        detail: 'automatic remediation is off (remediation.auto: false): compact-index wait for a person',
      },
    });
  });
});
