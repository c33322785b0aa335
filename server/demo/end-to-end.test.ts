// The demo against the real collector, store and evaluator: a healthy half hour fires nothing, and every
// fault fires exactly the alerts it promises for its SLA, which resolve once it is cleared.
import { beforeAll, describe, expect, it } from 'vitest';
import { SignalReader } from '../collector/derived.js';
import { Collector } from '../collector/ingest.js';
import { DEFAULT_SETTINGS, type SlaPlan } from '../compile/ir.js';
import { Evaluator } from '../evaluate/evaluator.js';
import type { AlertInstance } from '../evaluate/types.js';
import { ManualClock } from '../lib/clock.js';
import { openStore } from '../store/store.js';
import { DemoSimulator, type FaultKind } from './simulator.js';
import { examplePlans } from './test-support/fixtures.js';

const START = Date.UTC(2026, 0, 1, 12, 0, 0);
const TICK_MS = 15_000;
const MINUTE = 60_000;
/** How long a fault may take to fire everything it promises. */
const FIRE_WITHIN_MS = 35 * MINUTE;
/**
 * Drift compares the last hour with the reference and holds for 15 minutes, so a shift needs about a
 * third of the window (15–20 minutes) before the hold even starts.
 */
const DRIFT_FIRE_WITHIN_MS = 45 * MINUTE;
/** Burn-rate alerts hold until the fault leaves their 30-minute short window; drift until it leaves the hour. */
const RESOLVE_WITHIN_MS = 60 * MINUTE;

/** The first minutes of a fresh store, when a single error can make a ticket tier pending. */
const WARM_UP_MS = 5 * MINUTE;

/** Every fault kind on every example SLA it applies to. */
const CASES: Array<[FaultKind, string]> = [
  ['index_degradation', 'recommendations'],
  ['index_degradation', 'search-rag'],
  ['tombstone_buildup', 'recommendations'],
  ['tombstone_buildup', 'search-rag'],
  ['pipeline_stall', 'recommendations'],
  ['pipeline_stall', 'fraud-scoring'],
  ['schema_change_nulls', 'recommendations'],
  ['schema_change_nulls', 'fraud-scoring'],
  ['feature_drift', 'recommendations'],
  ['feature_drift', 'fraud-scoring'],
  ['feature_drift', 'search-rag'],
  ['model_slowdown', 'recommendations'],
  ['model_slowdown', 'fraud-scoring'],
  ['model_slowdown', 'search-rag'],
  ['online_store_slowdown', 'recommendations'],
  ['online_store_slowdown', 'fraud-scoring'],
  ['error_spike', 'recommendations'],
  ['error_spike', 'fraud-scoring'],
];

let plans: SlaPlan[];
beforeAll(async () => {
  plans = await examplePlans();
});

/** The demo wired to an in-memory control plane, sending through the collector's public ingest call. */
function controlPlane(selected: SlaPlan[]) {
  const clock = new ManualClock(START);
  const store = openStore({ path: ':memory:' });
  const collector = new Collector({ store, clock, plans: selected });
  const evaluator = new Evaluator({
    plans: selected,
    settings: DEFAULT_SETTINGS,
    store,
    reader: new SignalReader(store),
  });
  const sim = new DemoSimulator({
    plans: selected,
    clock,
    seed: 7,
    client: {
      send: (signals) => {
        collector.ingestSignals(signals);
        return Promise.resolve();
      },
    },
  });
  /** Ticks and evaluates every 15 s until `done` holds or `limitMs` passed; returns the time taken. */
  const runUntil = async (
    limitMs: number,
    done: (alerts: AlertInstance[]) => boolean,
  ): Promise<number | undefined> => {
    const begin = clock.now();
    while (clock.now() - begin < limitMs) {
      clock.advance(TICK_MS);
      await sim.tick();
      const evaluation = evaluator.evaluate(clock.now());
      expect(evaluation.errors).toEqual([]);
      if (done(evaluation.alerts)) return clock.now() - begin;
    }
    return undefined;
  };
  return { clock, sim, store, runUntil };
}

const describeAlert = (a: AlertInstance): string =>
  `${a.alertname}{${Object.entries(a.labels)
    .filter(([k]) => ['component', 'feature', 'index', 'consumer_group', 'slo', 'burn_tier'].includes(k))
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}} ${a.state}`;

describe('the demo against the collector, store and evaluator', () => {
  it('covers every fault kind on every SLA it applies to', () => {
    const { sim } = controlPlane(plans);
    const applicable = sim.faultKinds().flatMap((k) => k.appliesTo.map((sla) => `${k.kind} ${sla}`));
    expect(CASES.map(([kind, sla]) => `${kind} ${sla}`).sort()).toEqual(applicable.sort());
  });

  it('fires nothing in a healthy half hour of all three SLAs, and after a warm-up nothing is even pending', async () => {
    const { runUntil, store, clock } = controlPlane(plans);
    const firing: string[] = [];
    const pendingAfterWarmUp: string[] = [];
    await runUntil(30 * MINUTE, (alerts) => {
      firing.push(...alerts.filter((a) => a.state === 'firing').map(describeAlert));
      // With an empty store the first minutes hold a few thousand requests, and one unlucky error is
      // above the slowest ticket tier's 1× budget until more traffic arrives: pending, never firing.
      if (clock.now() - START > WARM_UP_MS) pendingAfterWarmUp.push(...alerts.map(describeAlert));
      return false;
    });
    expect(firing).toEqual([]);
    expect(pendingAfterWarmUp).toEqual([]);
    store.close();
  });

  it.each(CASES)('%s on %s fires its expected alerts, and they resolve when cleared', async (kind, sla) => {
    const { sim, runUntil, store } = controlPlane(plans.filter((p) => p.name === sla));
    const healthy: string[] = [];
    await runUntil(30 * MINUTE, (alerts) => {
      healthy.push(...alerts.filter((a) => a.state === 'firing').map(describeAlert));
      return false;
    });
    expect(healthy).toEqual([]);

    const fault = sim.injectFault(kind, sla);
    expect(fault.expectedAlerts.length).toBeGreaterThan(0);
    const fired = new Set<string>();
    const unexpected = new Set<string>();
    const firedAfter = await runUntil(
      kind === 'feature_drift' ? DRIFT_FIRE_WITHIN_MS : FIRE_WITHIN_MS,
      (alerts) => {
        for (const alert of alerts) {
          if (alert.state !== 'firing') continue;
          expect(alert.sla).toBe(sla);
          if (fault.expectedAlerts.includes(alert.alertname)) fired.add(alert.alertname);
          else unexpected.add(describeAlert(alert));
        }
        return fault.expectedAlerts.every((name) => fired.has(name));
      },
    );
    expect([...fired].sort()).toEqual([...fault.expectedAlerts].sort());
    expect([...unexpected]).toEqual([]);
    expect(firedAfter).toBeDefined();

    sim.clearFault(kind, sla);
    let stillFiring: string[] = [];
    const resolvedAfter = await runUntil(RESOLVE_WITHIN_MS, (alerts) => {
      stillFiring = alerts.filter((a) => a.state === 'firing').map(describeAlert);
      return stillFiring.length === 0;
    });
    expect(stillFiring).toEqual([]);
    expect(resolvedAfter).toBeDefined();
    store.close();
  });
});
