// The replay loop: signals in time order, every step evaluated, until the longest `for` has passed.
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../compile/ir.js';
import { longestFor, replay, type TimedSignal } from './replay.js';
import { harness, MINUTE, T0, type Harness } from './test-support/harness.js';
import { FULL_SLA, plansFromYaml } from './test-support/plans.js';

let h: Harness | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

const stream = (minute: number, lag: number, consumeRate: number): TimedSignal<number> => ({
  ts: T0 + minute * MINUTE,
  signal: {
    type: 'stream',
    service: 'recs-api',
    consumerGroup: 'feature-pipeline',
    lag,
    consumeRate,
    produceRate: 10,
    ts: T0 + minute * MINUTE,
  },
  source: minute,
});

describe('replay', () => {
  it('ingests in time order in bounded batches and evaluates past the longest `for`', () => {
    h = harness(plansFromYaml(FULL_SLA));
    const t = h;
    // Out of order on purpose; a stall from minute 2 to minute 9.
    const signals = [
      stream(5, 900, 0),
      stream(0, 10, 100),
      stream(2, 500, 0),
      stream(9, 0, 100),
      stream(1, 10, 100),
    ];
    for (let m = 3; m <= 8; m++) if (m !== 5) signals.push(stream(m, 100 * m, 0));
    const batches: Array<{ at: number; minutes: number[] }> = [];
    const result = replay(
      signals,
      {
        plans: t.plans,
        settings: DEFAULT_SETTINGS,
        store: t.store,
        reader: t.reader,
        ingest: (batch, at) => {
          batches.push({ at, minutes: batch.map((s) => s.source) });
          t.clock.set(at);
          t.collector.ingestSignals(batch.map((s) => s.signal));
        },
      },
      { stepMs: MINUTE, maxBatch: 2 },
    );
    expect(batches.flatMap((b) => b.minutes)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(
      batches.every((b) => b.minutes.length <= 2 && b.minutes.every((m) => T0 + m * MINUTE <= b.at)),
    ).toBe(true);
    const longest = longestFor(t.plans, DEFAULT_SETTINGS);
    expect(longest).toBe(144 * MINUTE); // ticket-slow: 40% of its 6h short window
    expect(result.start).toBe(T0);
    expect(result.end).toBe(T0 + 9 * MINUTE + longest + MINUTE);
    expect(result.steps).toBe((result.end - T0) / MINUTE + 1);
    expect(result.errors).toEqual([]);
    expect(
      result.transitions
        .filter((x) => x.alertname === 'StreamStalled')
        .map((x) => [(x.at - T0) / MINUTE, x.to]),
    ).toEqual([
      [2, 'pending'],
      [7, 'firing'],
      [9, 'resolved'],
    ]);
    expect(result.active).toEqual([]);
  });

  it('refuses a step that is not a positive duration', () => {
    h = harness(plansFromYaml(FULL_SLA));
    const deps = {
      plans: h.plans,
      settings: DEFAULT_SETTINGS,
      store: h.store,
      reader: h.reader,
      ingest: () => {},
    };
    expect(() => replay([], deps, { stepMs: 0 })).toThrow(
      'stepMs must be a positive number of milliseconds, got 0',
    );
  });
});
