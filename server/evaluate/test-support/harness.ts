// An in-memory control plane for evaluator tests: SQLite store in memory, the real collector and
// signal reader, the evaluator, all on a manual clock.
import { SignalReader } from '../../collector/derived.js';
import { Collector } from '../../collector/ingest.js';
import { DEFAULT_SETTINGS, type SlaPlan } from '../../compile/ir.js';
import { ManualClock } from '../../lib/clock.js';
import { openStore, type Store } from '../../store/store.js';
import type { Labels, SampleUpdate, SeriesStore } from '../../store/types.js';
import { Evaluator } from '../evaluator.js';
import type { Evaluation } from '../types.js';

export const MINUTE = 60_000;
/** A fixed start time, so annotations and timelines are stable. */
export const T0 = Date.UTC(2026, 10, 22, 6, 0, 0);

export interface Harness {
  plans: SlaPlan[];
  clock: ManualClock;
  store: Store;
  reader: SignalReader;
  collector: Collector;
  evaluator: Evaluator;
  /** Applies sample updates straight to the store. */
  apply(updates: SampleUpdate[]): void;
  /** Sends signals through the collector with the clock at `at`. */
  send(signals: object[], at: number): void;
  /** Evaluates at `at` (the clock moves there first). */
  evaluate(at: number): Evaluation;
  close(): void;
}

/** Builds a harness around the given plans; `store` wraps the store (to inject faults). */
export function harness(plans: SlaPlan[], wrap: (store: Store) => SeriesStore = (s) => s): Harness {
  const clock = new ManualClock(T0);
  const store = openStore({ path: ':memory:' });
  const reader = new SignalReader(store);
  const collector = new Collector({ store, clock, plans });
  const evaluator = new Evaluator({ plans, settings: DEFAULT_SETTINGS, store: wrap(store), reader });
  return {
    plans,
    clock,
    store,
    reader,
    collector,
    evaluator,
    apply: (updates) => store.apply(updates),
    send: (signals, at) => {
      clock.set(at);
      collector.ingestSignals(signals);
    },
    evaluate: (at) => {
      clock.set(at);
      return evaluator.evaluate(at);
    },
    close: () => store.close(),
  };
}

/** A counter delta. */
export function counter(name: string, labels: Labels, t: number, value: number): SampleUpdate {
  return { name, labels, type: 'counter', t, value };
}
