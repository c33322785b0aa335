// The analytic minimum's arithmetic: the normal distribution, window means with limited history, PSI of
// a shifted mixture, and one fault end to end against its hand-computed formula.
import { describe, expect, it } from 'vitest';
import { alertRules } from '../server/compile/emit-rules.js';
import { DEFAULT_SETTINGS } from '../server/compile/ir.js';
import { rngFor } from '../server/demo/random.js';
import { serviceModel } from '../server/demo/service-model.js';
import { repoPlans } from '../server/test-support/server.js';
import {
  analyticMinimum,
  faultShare,
  firstCrossing,
  mixturePsi,
  normalCdf,
  normalQuantile,
  windowRatio,
} from './analytic.js';

const M = 60_000;

describe('normal distribution', () => {
  it.each([
    [0, 0.5],
    [1.959964, 0.975],
    [-2.326348, 0.01],
  ])('Φ(%f) = %f', (z, p) => {
    expect(normalCdf(z)).toBeCloseTo(p, 6);
    expect(normalQuantile(p)).toBeCloseTo(z, 4);
  });
});

describe('windowRatio', () => {
  it('averages the fault into a full window linearly', () => {
    expect(windowRatio(2.5 * M, 5 * M, 10 * M, 0.2, 0)).toBeCloseTo(0.1, 12);
    expect(windowRatio(6 * M, 5 * M, 10 * M, 0.2, 0)).toBe(0.2);
  });

  it('averages over the data there is when the window is longer than the history', () => {
    // 10 minutes of 1% then 2 minutes of 13%: (0.1 + 0.26) / 12.
    expect(windowRatio(2 * M, 60 * M, 10 * M, 0.13, 0.01)).toBeCloseTo(0.03, 12);
    expect(faultShare(2 * M, 60 * M, 10 * M)).toBeCloseTo(1 / 6, 12);
  });
});

describe('firstCrossing', () => {
  it('finds the threshold to 0.1 s, or says it is never crossed', () => {
    expect(firstCrossing((x) => x >= 123_456)).toBeGreaterThanOrEqual(123_456);
    expect(firstCrossing((x) => x >= 123_456)! - 123_456).toBeLessThanOrEqual(100);
    expect(firstCrossing(() => false)).toBeUndefined();
    expect(firstCrossing(() => true)).toBe(0);
  });
});

describe('mixturePsi', () => {
  it('is 0 without a shift and grows with the shifted share', () => {
    expect(mixturePsi(0.5, 0)).toBeCloseTo(0, 12);
    expect(mixturePsi(0.1, 1.5)).toBeLessThan(mixturePsi(0.3, 1.5));
    // A window fully shifted by 1.5σ against deciles of N(0, 1) (faults.ts: "a PSI near 2").
    expect(mixturePsi(1, 1.5)).toBeGreaterThan(1.5);
    expect(mixturePsi(1, 1.5)).toBeLessThan(2.5);
  });
});

describe('analyticMinimum', () => {
  it('index_degradation on recommendations: recall 98% → 80% crosses 95% after 0.03/0.18 × 10m, then for 5m', async () => {
    const plan = (await repoPlans()).find((p) => p.name === 'recommendations')!;
    const result = analyticMinimum(
      plan,
      serviceModel(plan, rngFor(7, plan.name)),
      alertRules(plan, DEFAULT_SETTINGS),
      'index_degradation',
      ['VectorRecallBelowTarget', 'LatencyComponentOverBudget'],
      0,
      { historyMs: 10 * M, tombstoneRatio: new Map(), featureAgeSeconds: new Map(), driftWindowMs: 60 * M },
    );
    expect(result?.alert).toBe('VectorRecallBelowTarget');
    expect(result!.crossingMs).toBeCloseTo((0.03 / 0.18) * 10 * M, -3);
    expect(result!.minimumMs).toBeCloseTo((0.03 / 0.18) * 10 * M + 5 * M, -3);
    expect(result!.formula).toContain('+ for 5m');
  });

  it('pipeline_stall: a feature aged 5 s at the stall passes its 30 s limit 25 s later, then for 2m', async () => {
    const plan = (await repoPlans()).find((p) => p.name === 'fraud-scoring')!;
    const result = analyticMinimum(
      plan,
      serviceModel(plan, rngFor(7, plan.name)),
      alertRules(plan, DEFAULT_SETTINGS),
      'pipeline_stall',
      ['FeatureStale'],
      0,
      {
        historyMs: 10 * M,
        tombstoneRatio: new Map(),
        featureAgeSeconds: new Map([['card_txn_count_5m', 5]]),
        driftWindowMs: 60 * M,
      },
    );
    expect(result).toMatchObject({ alert: 'FeatureStale', crossingMs: 25_000, minimumMs: 25_000 + 2 * M });
  });
});
