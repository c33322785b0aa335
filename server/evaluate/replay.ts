// Replays recorded signals through the evaluator offline: signals go into the store in time order and
// the evaluator runs every step from the first signal to past the last, as the server would have run
// it live. `slactl replay` uses it to check an SLA change against a past incident.
import type { CompileSettings, SlaPlan } from '../compile/ir.js';
import { alertRules } from '../compile/emit-rules.js';
import type { SeriesStore } from '../store/types.js';
import { Evaluator } from './evaluator.js';
import type { DerivedSignals } from './measure.js';
import type { AlertInstance, EvaluationError, Transition } from './types.js';

/** A recorded signal and its time (ms since the epoch); `source` is carried into ingest errors. */
export interface TimedSignal<S = unknown> {
  ts: number;
  signal: unknown;
  source: S;
}

export interface ReplayDeps<S> {
  /** The SLAs to evaluate. */
  plans: readonly SlaPlan[];
  settings: CompileSettings;
  store: SeriesStore;
  reader: DerivedSignals;
  /**
   * Ingests signals as the collector would at time `at` (the clock reads `at`). Throws to stop the
   * replay; `batch` says which signals were in the failing call.
   */
  ingest: (batch: ReadonlyArray<TimedSignal<S>>, at: number) => void;
}

export interface ReplayTiming {
  /** Evaluation interval, ms. */
  stepMs: number;
  /** Largest number of signals handed to one `ingest` call. */
  maxBatch?: number;
}

export interface ReplayResult {
  /** First and last evaluation times. */
  start: number;
  end: number;
  steps: number;
  transitions: Transition[];
  /** Alerts still active after the last step. */
  active: AlertInstance[];
  errors: Array<EvaluationError & { at: number }>;
}

/** The longest `for` among the plans' alert rules: how long a breach at the last signal needs to fire. */
export function longestFor(plans: readonly SlaPlan[], settings: CompileSettings): number {
  let longest = 0;
  for (const plan of plans)
    for (const rule of alertRules(plan, settings)) longest = Math.max(longest, rule.forMs);
  return longest;
}

/**
 * Runs `signals` (any order; equal times keep their order) through ingest and the evaluator, evaluating
 * every `stepMs` from the first signal's time until one step past the last signal time plus the
 * longest `for`.
 */
export function replay<S>(
  signals: ReadonlyArray<TimedSignal<S>>,
  deps: ReplayDeps<S>,
  options: ReplayTiming,
): ReplayResult {
  if (!(options.stepMs > 0) || !Number.isFinite(options.stepMs)) {
    throw new RangeError(`replay: stepMs must be a positive number of milliseconds, got ${options.stepMs}`);
  }
  const maxBatch = options.maxBatch ?? 1000;
  const ordered = signals
    .map((s, i) => ({ s, i }))
    .sort((a, b) => a.s.ts - b.s.ts || a.i - b.i)
    .map(({ s }) => s);
  const evaluator = new Evaluator({
    plans: deps.plans,
    settings: deps.settings,
    store: deps.store,
    reader: deps.reader,
  });
  const first = ordered[0]?.ts ?? 0;
  const last = ordered[ordered.length - 1]?.ts ?? first;
  const end = last + longestFor(deps.plans, deps.settings) + options.stepMs;
  const transitions: Transition[] = [];
  const errors: ReplayResult['errors'] = [];
  let next = 0;
  let steps = 0;
  let at = first;
  for (; at <= end; at += options.stepMs) {
    while (next < ordered.length && ordered[next]!.ts <= at) {
      let stop = next;
      while (stop < ordered.length && stop - next < maxBatch && ordered[stop]!.ts <= at) stop++;
      deps.ingest(ordered.slice(next, stop), at);
      next = stop;
    }
    const evaluation = evaluator.evaluate(at);
    transitions.push(...evaluation.transitions);
    for (const error of evaluation.errors) errors.push({ ...error, at });
    steps++;
  }
  return { start: first, end: at - options.stepMs, steps, transitions, active: evaluator.alerts(), errors };
}
