// The compiler's alert rule specs (emit-rules' alertRules), made evaluable: each rule's `source` points
// into the plan, and this module computes the vector its PromQL expression would return.
import type { AlertRuleSpec } from '../compile/emit-rules.js';
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
}

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
      };
    }
    return {
      spec,
      index,
      dimension: dimensionOf(source),
      evaluatedBy: 'slactl',
      limit: asWritten(source.alert.threshold),
      budget: NaN,
    };
  });
}

function compare(value: number, op: '>' | '<', limit: number): boolean {
  // NaN compares false either way, as in PromQL.
  return op === '>' ? value > limit : value < limit;
}

/** The samples a rule's expression returns at the cycle's time: empty when the condition is false. */
export function ruleSamples(rule: PreparedRule, m: Measurements): RuleSample[] {
  if (rule.evaluatedBy === 'prometheus') return [];
  const { source } = rule.spec;
  if (source.kind === 'burn') {
    // ratio(short) / budget > factor and ratio(long) / budget > factor; the value is the left side.
    const short = m.errorRatio(source.objective.sli, source.tier.shortWindowMs);
    if (short === undefined) return [];
    const shortBurn = burnRate(short, rule.budget);
    if (!(shortBurn > rule.limit)) return [];
    const long = m.errorRatio(source.objective.sli, source.tier.longWindowMs);
    if (long === undefined || !(burnRate(long, rule.budget) > rule.limit)) return [];
    return [{ labels: {}, value: shortBurn }];
  }
  const { alert } = source;
  const out: RuleSample[] = [];
  for (const reading of m.readings(alert.signal)) {
    if (reading.guard && compare(reading.value, alert.op, rule.limit)) {
      out.push({ labels: reading.labels, value: reading.value });
    }
  }
  return out;
}
