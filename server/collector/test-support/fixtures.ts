// Shared set-up of the collector tests: plans compiled from the example SLAs, an in-memory store, a
// manual clock, and a snapshot of everything the store holds (to prove a rejected body changed nothing).
import { readFileSync } from 'node:fs';
import type { SlaPlan } from '../../compile/ir.js';
import { buildPlan } from '../../compile/plan.js';
import { ManualClock } from '../../lib/clock.js';
import { checkSlaSources } from '../../sla/load.js';
import { openStore, type Store } from '../../store/store.js';
import { SignalReader } from '../derived.js';
import { Collector, type CollectorOptions } from '../ingest.js';
import { WRITTEN_SERIES_NAMES } from '../map.js';

/** 2026-01-15T12:00:00Z: a fixed "now" for every test. */
export const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

const planCache = new Map<string, SlaPlan>();

/** The plan of one of the example SLAs in slas/. */
export function examplePlan(name: 'recommendations' | 'fraud-scoring' | 'search-rag'): SlaPlan {
  let plan = planCache.get(name);
  if (plan === undefined) {
    const file = `slas/${name}.yaml`;
    const text = readFileSync(new URL(`../../../${file}`, import.meta.url), 'utf8');
    const result = checkSlaSources([{ file, text }]);
    const loaded = result.slas[0];
    if (loaded === undefined) throw new Error(`${file} did not load: ${JSON.stringify(result.diagnostics)}`);
    plan = buildPlan(loaded);
    planCache.set(name, plan);
  }
  return plan;
}

export interface Harness {
  store: Store;
  clock: ManualClock;
  collector: Collector;
  reader: SignalReader;
}

/** A collector over a fresh in-memory store with the recommendations SLA loaded. */
export function harness(options: Partial<CollectorOptions> = {}, plans?: SlaPlan[]): Harness {
  const store = openStore({ path: ':memory:' });
  const clock = new ManualClock(T0);
  const collector = new Collector(
    { store, clock, plans: plans ?? [examplePlan('recommendations')] },
    options,
  );
  return { store, clock, collector, reader: new SignalReader(store) };
}

/** Every series the collector can write, with its cumulative total or latest value, plus references. */
export function snapshot(store: Store, at: number): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const name of WRITTEN_SERIES_NAMES) {
    for (const ref of store.select(name)) {
      const key = `${name}${JSON.stringify(ref.labels)}`;
      out[key] = ref.type === 'counter' ? store.total(ref, at) : (store.latest(ref, at)?.value ?? 'none');
    }
  }
  for (const ref of store.listReferences()) {
    out[`reference ${ref.service}/${ref.feature}`] = JSON.stringify(
      store.getReference(ref.service, ref.feature),
    );
  }
  return out;
}

/** The NDJSON body of some signals. */
export function ndjson(signals: readonly unknown[]): string {
  return signals.map((s) => JSON.stringify(s)).join('\n');
}
