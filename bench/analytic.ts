// The analytic minimum detection time of a demo fault: from each expected alert's rule (windows, burn
// factor or threshold, `for`), the fault's strength (FAULT_EFFECTS through effectsOf) and the healthy
// baseline, the earliest moment the rule's condition can hold, plus its `for`. A window's value is the
// mean over the data it holds: 10 minutes of healthy traffic come before the fault, so a window longer
// than the data so far averages over what there is (as rate() and the evaluator do). It works from
// expected rates: the simulation draws its events at random and evaluates every 15 s, so measured
// detection lands some seconds after this minimum (docs/benchmarks.md), and can land before it.
import type { AlertRuleSpec } from '../server/compile/emit-rules.js';
import type { SlaPlan } from '../server/compile/ir.js';
import {
  effectsOf,
  FAULT_EFFECTS,
  HEALTHY_NULL_RATE,
  HEALTHY_RECALL_MISS_RATE,
  latencyExceedance,
  type Fault,
  type FaultKind,
} from '../server/demo/faults.js';
import { LATENCY_SIGMA, type ServiceModel } from '../server/demo/service-model.js';
import { formatDuration } from '../server/lib/units.js';

const MINUTE = 60_000;

/** What was measured at injection, for faults whose baseline moves (tombstones, feature ages). */
export interface Baseline {
  /** The window of data before the fault (ms). */
  historyMs: number;
  /** Tombstone ratio per index at injection. */
  tombstoneRatio: ReadonlyMap<string, number>;
  /** Feature age per feature at injection (seconds). */
  featureAgeSeconds: ReadonlyMap<string, number>;
  /** The window drift is computed over (ms). */
  driftWindowMs: number;
}

export interface AnalyticMinimum {
  alert: string;
  /** Fault start → the rule's condition holds (ms). */
  crossingMs: number;
  forMs: number;
  minimumMs: number;
  /** The formula with its numbers, for the docs. */
  formula: string;
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** The z with normalCdf(z) = p (bisection). */
export function normalQuantile(p: number): number {
  let lo = -10;
  let hi = 10;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * The mean of a ratio over a window `windowMs` that holds `historyMs` of the baseline `e0` before the
 * fault and `x` ms of the fault's `e` (or less baseline once the window is full).
 */
export function windowRatio(x: number, windowMs: number, historyMs: number, e: number, e0: number): number {
  if (x >= windowMs) return e;
  if (historyMs + x >= windowMs) return (e * x + e0 * (windowMs - x)) / windowMs;
  return (e * x + e0 * historyMs) / (historyMs + x);
}

/** The share of a window's data that comes after the fault started. */
export function faultShare(x: number, windowMs: number, historyMs: number): number {
  return Math.min(1, x / Math.min(windowMs, historyMs + x));
}

/** The smallest x in [0, maxMs] where the monotonic `holds` is true (0.1 s resolution), or undefined. */
export function firstCrossing(holds: (x: number) => boolean, maxMs = 24 * 60 * MINUTE): number | undefined {
  if (holds(0)) return 0;
  if (!holds(maxMs)) return undefined;
  let lo = 0;
  let hi = maxMs;
  while (hi - lo > 100) {
    const mid = (lo + hi) / 2;
    if (holds(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** PSI of N(shift, 1) mixed in at `share` against the deciles of N(0, 1). */
export function mixturePsi(share: number, shift: number): number {
  const edges = [-Infinity, ...Array.from({ length: 9 }, (_, i) => normalQuantile((i + 1) / 10)), Infinity];
  let psi = 0;
  for (let i = 0; i < 10; i++) {
    const shifted = normalCdf(edges[i + 1]! - shift) - normalCdf(edges[i]! - shift);
    const q = (1 - share) * 0.1 + share * shifted;
    psi += (q - 0.1) * Math.log(q / 0.1);
  }
  return psi;
}

const pct = (v: number, digits = 2): string => `${Number((v * 100).toPrecision(digits + 1))}%`;
const min = (ms: number): string => `${(ms / MINUTE).toFixed(2)} min`;
const dur = (ms: number): string => formatDuration(ms);

/** The earliest firing of one rule under the fault, or undefined when the fault does not move its signal. */
function ruleMinimum(
  rule: AlertRuleSpec,
  model: ServiceModel,
  fault: Fault,
  baseline: Baseline,
): AnalyticMinimum | undefined {
  const effects = effectsOf(model, [fault]);
  const H = baseline.historyMs;
  const done = (crossingMs: number | undefined, formula: string): AnalyticMinimum | undefined =>
    crossingMs === undefined
      ? undefined
      : {
          alert: rule.alert,
          crossingMs,
          forMs: rule.forMs,
          minimumMs: crossingMs + rule.forMs,
          formula: `${formula} + for ${dur(rule.forMs)} = ${min(crossingMs + rule.forMs)}`,
        };
  const source = rule.source;
  if (source.kind === 'burn') {
    const { objective, tier } = source;
    let e: number;
    let e0: number;
    if (objective.sli.kind === 'requests') {
      e = effects.errorRate;
      e0 = model.healthyErrorRate;
    } else if (objective.sli.kind === 'latency' && effects.componentFactors.size > 0) {
      e = latencyExceedance(model, effects.componentFactors, objective.sli.thresholdSeconds);
      e0 = latencyExceedance(model, new Map(), objective.sli.thresholdSeconds);
    } else return undefined;
    if (!(e > e0)) return undefined;
    const limit = tier.factor * objective.errorBudget;
    const cross = (W: number) => firstCrossing((x) => windowRatio(x, W, H, e, e0) > limit);
    const long = cross(tier.longWindowMs);
    const short = cross(tier.shortWindowMs);
    if (long === undefined || short === undefined) return undefined;
    return done(
      Math.max(long, short),
      `${tier.id}: bad ratio ${pct(e)} (healthy ${pct(e0)}) must exceed ${tier.factor}×${pct(objective.errorBudget)} = ${pct(limit)} ` +
        `over ${dur(tier.shortWindowMs)} (x = ${min(short)}) and over ${dur(tier.longWindowMs)} holding 10m of history (x = ${min(long)})`,
    );
  }
  const alert = source.alert;
  const signal = alert.signal;
  switch (signal.kind) {
    case 'component-quantile': {
      const factor = effects.componentFactors.get(signal.component) ?? 1;
      const component = model.components.find((c) => c.component === signal.component);
      if (factor === 1 || component === undefined) return undefined;
      const tail = (f: number) =>
        1 - normalCdf(Math.log(alert.threshold / (component.medianSeconds * f)) / LATENCY_SIGMA);
      const p0 = tail(1);
      const p1 = tail(factor);
      const need = 1 - signal.quantile;
      if (!(p1 > need)) return undefined;
      const x = firstCrossing((x) => {
        const s = faultShare(x, signal.windowMs, H);
        return (1 - s) * p0 + s * p1 > need;
      });
      return done(
        x,
        `${signal.component} ×${factor}: share above ${alert.threshold * 1000}ms goes ${pct(p0)} → ${pct(p1)}; the ${dur(signal.windowMs)} P${signal.quantile * 100} crosses when the fault's share of the window > (${pct(need)} − ${pct(p0)})/(${pct(p1)} − ${pct(p0)}), x = ${min(x ?? 0)}`,
      );
    }
    case 'recall': {
      const e = effects.recallMissRate;
      const e0 = HEALTHY_RECALL_MISS_RATE;
      if (!(e > e0)) return undefined;
      const floor = 1 - alert.threshold;
      const x = firstCrossing((x) => windowRatio(x, signal.windowMs, H, e, e0) > floor);
      return done(
        x,
        `recall ${pct(1 - e0)} → ${pct(1 - e)}; the ${dur(signal.windowMs)} mean falls below ${pct(alert.threshold)} after (${pct(1 - e0)} − ${pct(alert.threshold)})/(${pct(1 - e0)} − ${pct(1 - e)})·${dur(signal.windowMs)} = ${min(x ?? 0)}`,
      );
    }
    case 'null-rate': {
      if (effects.nullFeature === undefined) return undefined;
      const e = FAULT_EFFECTS.schemaNullRate;
      const e0 = HEALTHY_NULL_RATE;
      const x = firstCrossing((x) => windowRatio(x, signal.windowMs, H, e, e0) > alert.threshold);
      return done(
        x,
        `null rate ${pct(e0)} → ${pct(e)}; the ${dur(signal.windowMs)} rate exceeds ${pct(alert.threshold)} after (${pct(alert.threshold)} − ${pct(e0)})/(${pct(e)} − ${pct(e0)})·${dur(signal.windowMs)} = ${min(x ?? 0)}`,
      );
    }
    case 'tombstone-ratio': {
      if (effects.tombstonesSince === undefined) return undefined;
      const b0 = baseline.tombstoneRatio.get(signal.index);
      if (b0 === undefined) return undefined;
      const x = (Math.max(0, alert.threshold - b0) / FAULT_EFFECTS.tombstoneClimbPerMinute) * MINUTE;
      return done(
        x,
        `tombstones climb ${pct(FAULT_EFFECTS.tombstoneClimbPerMinute)}/min from ${pct(b0, 3)}; past ${pct(alert.threshold)} after ${min(x)}`,
      );
    }
    case 'feature-age': {
      if (!effects.stalled) return undefined;
      const a0 = baseline.featureAgeSeconds.get(signal.feature);
      if (a0 === undefined) return undefined;
      const x = Math.max(0, alert.threshold - a0) * 1000;
      return done(
        x,
        `${signal.feature} ages 1 s/s from ${a0.toFixed(1)} s; past ${alert.threshold} s after ${min(x)}`,
      );
    }
    case 'stream-stalled':
    case 'stream-catchup':
      if (!effects.stalled) return undefined;
      return done(0, `${signal.consumerGroup} stops consuming at once (catch-up +Inf, consume rate 0)`);
    case 'drift-psi': {
      if (!(effects.driftShift > 0)) return undefined;
      const W = baseline.driftWindowMs;
      const x = firstCrossing((x) => mixturePsi(faultShare(x, W, H), effects.driftShift) > alert.threshold);
      const share = x === undefined ? 0 : faultShare(x, W, H);
      return done(
        x,
        `N(${effects.driftShift}σ, 1) mixed into the ${dur(W)} window (10m of history): PSI against N(0, 1) deciles > ${alert.threshold} once ${pct(share)} of the window is shifted, x = ${min(x ?? 0)}`,
      );
    }
  }
}

/** The earliest expected alert of a fault and its analytic minimum detection time. */
export function analyticMinimum(
  plan: SlaPlan,
  model: ServiceModel,
  rules: readonly AlertRuleSpec[],
  kind: FaultKind,
  expectedAlerts: readonly string[],
  injectedAt: number,
  baseline: Baseline,
): AnalyticMinimum | undefined {
  const fault: Fault = {
    kind,
    sla: plan.name,
    since: injectedAt,
    expectedAlerts: [...expectedAlerts],
    description: '',
  };
  let best: AnalyticMinimum | undefined;
  for (const rule of rules) {
    if (!expectedAlerts.includes(rule.alert)) continue;
    const m = ruleMinimum(rule, model, fault, baseline);
    if (m !== undefined && (best === undefined || m.minimumMs < best.minimumMs)) best = m;
  }
  return best;
}
