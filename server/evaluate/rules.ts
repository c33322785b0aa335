// The compiler's alert rule specs (emit-rules' alertRules), made evaluable: each rule's `source` points
// into the plan, and this module computes the vector its PromQL expression would return.
import type { AlertRuleSpec } from '../compile/emit-rules.js';
import type { Signal, Sli } from '../compile/ir.js';
import { formatNumber } from '../lib/units.js';
import { burnRate } from '../signals/burn.js';
import type { Measurements } from './measure.js';
import type { Dimension } from './types.js';

/** One sample of a rule's result vector: the labels it adds to the rule's own, and its value. */
export interface RuleSample {
  labels: Record<string, string>;
  value: number;
}

/** An alert rule of a plan, with the constants of its expression as Prometheus reads them. */
export interface PreparedRule {
  spec: AlertRuleSpec;
  /** Position among the plan's rules; with the sample labels, the identity of an alert. */
  index: number;
  dimension: Dimension;
  /** `prometheus` for rules on custom PromQL SLIs, which slactl's store cannot answer. */
  evaluatedBy: 'slactl' | 'prometheus';
  /** The comparison constant: the burn factor, or the threshold. */
  limit: number;
  /** The error budget a burn rule divides by (burn rules only). */
  budget: number;
  /**
   * What the expression reads, copied out of `spec.source` when the rule is prepared: every cycle
   * reads it for every rule, and one object made with the rule is cheaper to reach than the plan's.
   */
  reads: RuleReads;
}

/** The inputs of a rule's expression: an SLI over two windows, or a signal compared with `limit`. */
export type RuleReads =
  | { kind: 'burn'; sli: Sli; shortWindowMs: number; longWindowMs: number }
  | { kind: 'threshold'; signal: Signal; op: '>' | '<' };

/** A number as the rule text writes it (formatNumber) and Prometheus parses it back. */
function asWritten(value: number): number {
  return Number(formatNumber(value));
}

/** The SLA dimension an alert speaks for. */
export function dimensionOf(source: AlertRuleSpec['source']): Dimension {
  if (source.kind === 'burn') return source.objective.slo === 'availability' ? 'availability' : 'latency';
  switch (source.alert.signal.kind) {
    case 'component-quantile':
      return 'latency';
    case 'recall':
    case 'tombstone-ratio':
      return 'recall';
    // Stale, null or drifting inputs and lagging pipelines all mean the model reads wrong features.
    case 'feature-age':
    case 'null-rate':
    case 'drift-psi':
    case 'stream-catchup':
    case 'stream-stalled':
      return 'freshness';
  }
}

/** The rules of a plan, in the order of the compiled rule file. */
export function prepareRules(rules: readonly AlertRuleSpec[]): PreparedRule[] {
  return rules.map((spec, index) => {
    const { source } = spec;
    if (source.kind === 'burn') {
      const custom =
        source.objective.sli.kind === 'custom-ratio' || source.objective.sli.kind === 'custom-histogram';
      return {
        spec,
        index,
        dimension: dimensionOf(source),
        evaluatedBy: custom ? 'prometheus' : 'slactl',
        limit: asWritten(source.tier.factor),
        budget: asWritten(source.objective.errorBudget),
        reads: {
          kind: 'burn',
          sli: source.objective.sli,
          shortWindowMs: source.tier.shortWindowMs,
          longWindowMs: source.tier.longWindowMs,
        },
      };
    }
    return {
      spec,
      index,
      dimension: dimensionOf(source),
      evaluatedBy: 'slactl',
      limit: asWritten(source.alert.threshold),
      budget: NaN,
      reads: { kind: 'threshold', signal: source.alert.signal, op: source.alert.op },
    };
  });
}

/**
 * The empty result, shared: most rules return it every cycle. Frozen, so a caller that tried to add to
 * it would fail loudly instead of changing every rule's result.
 */
const NO_SAMPLES = Object.freeze([]) as unknown as RuleSample[];

function compare(value: number, op: '>' | '<', limit: number): boolean {
  // NaN compares false either way, as in PromQL.
  return op === '>' ? value > limit : value < limit;
}

/**
 * The samples a rule's expression returns at the cycle's time: empty when the condition is false (a
 * shared, frozen empty array: do not add to a result).
 */
export function ruleSamples(rule: PreparedRule, m: Measurements): RuleSample[] {
  if (rule.evaluatedBy === 'prometheus') return NO_SAMPLES;
  const { reads } = rule;
  if (reads.kind === 'burn') {
    // ratio(short) / budget > factor and ratio(long) / budget > factor; the value is the left side.
    const short = m.errorRatio(reads.sli, reads.shortWindowMs);
    if (short === undefined) return NO_SAMPLES;
    const shortBurn = burnRate(short, rule.budget);
    if (!(shortBurn > rule.limit)) return NO_SAMPLES;
    const long = m.errorRatio(reads.sli, reads.longWindowMs);
    if (long === undefined || !(burnRate(long, rule.budget) > rule.limit)) return NO_SAMPLES;
    return [{ labels: {}, value: shortBurn }];
  }
  let out = NO_SAMPLES;
  for (const reading of m.readings(reads.signal)) {
    if (reading.guard && compare(reading.value, reads.op, rule.limit)) {
      if (out === NO_SAMPLES) out = [];
      out.push({ labels: reading.labels, value: reading.value });
    }
  }
  return out;
}
