// The PromQL one polling cycle sends, batched by expression family across every SLA: the recorded error
// ratios and objective targets (one query), the raw gauges (one query), the built-in rate expressions
// (one query of tagged parts) and the direct error ratios of custom PromQL SLIs (one query), so a cycle
// costs four queries and one alerts call however many SLAs are loaded.
// Each part computes what compile/promql.ts computes for one SLA (errorRatioExpr, signalParts), grouped
// by `service` (and the subject label) instead of selecting one service, so one part answers every SLA.
import type { SlaPlan, Signal, Sli } from '../compile/ir.js';
import { METRICS, RECORDED } from '../compile/metrics.js';
import { escapeLabelValue, errorRatioExpr, regexEscape } from '../compile/promql.js';
import { tierWindows } from '../compile/emit-rules.js';
import { formatDuration, formatNumber } from '../lib/units.js';

/** The label a tagged part's samples carry, naming the part they answer. */
export const PART_LABEL = 'slactl_part';

const HOUR = 3_600_000;

/** One piece of a tagged query: its samples come back labelled `slactl_part="<id>"`. */
export type RatePart =
  | { id: string; kind: 'component-quantile'; quantile: number; windowMs: number; expr: string }
  | { id: string; kind: 'null-rate'; windowMs: number; expr: string }
  | {
      id: string;
      kind: 'recall';
      counter: 'hits' | 'expected' | 'probes';
      windowMs: number;
      expr: string;
    }
  | { id: string; kind: 'ratio'; sla: string; slo: string; windowMs: number; expr: string };

/** A query made of parts joined with `or`, each labelled with its id. */
export interface TaggedQuery {
  expr: string;
  parts: RatePart[];
}

/** The queries of one cycle; a family is absent when no SLA needs it. */
export interface CycleQueries {
  /** Recorded error ratios (SLA window, and 1h where recorded) and objective targets. */
  recorded?: string;
  /** Gauges read as they are: feature age, index sizes, drift, stream state. */
  gauges?: string;
  /** Rate expressions over the built-in metrics (component quantiles, null rates, recall, 1h ratios). */
  rates?: TaggedQuery;
  /** 1h error ratios of custom PromQL SLIs whose rules do not record 1h (a team's query may fail alone). */
  custom?: TaggedQuery;
}

/** `label=~"a|b"` matching exactly these values (Prometheus anchors regex matchers). */
export function anyOf(label: string, values: Iterable<string>): string {
  const sorted = [...new Set(values)].sort();
  return `${label}=~"${escapeLabelValue(sorted.map(regexEscape).join('|'))}"`;
}

/** Joins parts into one expression, each labelled with its id (`label_replace` on an empty regex). */
export function taggedUnion(parts: ReadonlyArray<{ id: string; expr: string }>): string {
  return parts
    .map((p) => `label_replace(${p.expr}, "${PART_LABEL}", "${escapeLabelValue(p.id)}", "", "")`)
    .join(' or ');
}

function isCustom(sli: Sli): boolean {
  return sli.kind === 'custom-ratio' || sli.kind === 'custom-histogram';
}

/** Whether the compiled rules record an objective's error ratio over `windowMs`. */
function recordsWindow(plan: SlaPlan, objective: SlaPlan['objectives'][number], windowMs: number): boolean {
  return windowMs === plan.windowMs || tierWindows(objective).includes(windowMs);
}

/** The gauge names the signals of the plans read. */
function gaugeNames(signals: readonly Signal[]): string[] {
  const names = new Set<string>();
  for (const s of signals) {
    switch (s.kind) {
      case 'feature-age':
        names.add(METRICS.featureAge);
        break;
      case 'tombstone-ratio':
        names.add(METRICS.indexTombstones).add(METRICS.indexVectors);
        break;
      case 'drift-psi':
        names.add(METRICS.driftPsi).add(METRICS.driftJs);
        break;
      case 'stream-catchup':
      case 'stream-stalled':
        names
          .add(METRICS.streamLag)
          .add(METRICS.streamConsumeRate)
          .add(METRICS.streamProduceRate)
          .add(METRICS.streamCatchUp);
        break;
      default:
        break;
    }
  }
  return [...names].sort();
}

/** Groups items by a key, keeping first-seen order. */
function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list === undefined) out.set(k, [item]);
    else list.push(item);
  }
  return out;
}

/** The queries that answer every status field of these plans. */
export function cycleQueries(plans: readonly SlaPlan[]): CycleQueries {
  const out: CycleQueries = {};
  if (plans.length === 0) return out;
  const signals = plans.flatMap((p) => p.thresholds.map((t) => t.signal));

  // Recorded: the SLA window's ratio (always recorded), 1h where a tier records it, the targets.
  const windows = new Set<string>();
  const recordedSlas = new Set<string>();
  for (const plan of plans) {
    for (const objective of plan.objectives) {
      recordedSlas.add(plan.name);
      windows.add(formatDuration(plan.windowMs));
      if (recordsWindow(plan, objective, HOUR)) windows.add(formatDuration(HOUR));
    }
  }
  if (recordedSlas.size > 0) {
    const ratioNames = [...windows].sort().map((w) => regexEscape(RECORDED.errorRatio(w)));
    const names = [...ratioNames, regexEscape(RECORDED.objective)].join('|');
    out.recorded = `{__name__=~"${escapeLabelValue(names)}",${anyOf('sla', recordedSlas)}}`;
  }

  const gauges = gaugeNames(signals);
  const gaugeServices = signals
    .filter((s) =>
      ['feature-age', 'tombstone-ratio', 'drift-psi', 'stream-catchup', 'stream-stalled'].includes(s.kind),
    )
    .map((s) => s.service);
  if (gauges.length > 0) {
    out.gauges = `{__name__=~"${escapeLabelValue(gauges.map(regexEscape).join('|'))}",${anyOf('service', gaugeServices)}}`;
  }

  const parts: RatePart[] = [];
  const customParts: RatePart[] = [];
  const id = () => `p${parts.length}`;

  type Quantile = Extract<Signal, { kind: 'component-quantile' }>;
  const quantiles = signals.filter((s): s is Quantile => s.kind === 'component-quantile');
  for (const group of groupBy(quantiles, (s) => `${s.quantile}/${s.windowMs}`).values()) {
    const { quantile, windowMs } = group[0]!;
    const w = formatDuration(windowMs);
    const svc = anyOf(
      'service',
      group.map((s) => s.service),
    );
    const bucket = `${METRICS.componentLatency}_bucket{${svc}}`;
    const count = `${METRICS.componentLatency}_count{${svc}}`;
    parts.push({
      id: id(),
      kind: 'component-quantile',
      quantile,
      windowMs,
      expr:
        `histogram_quantile(${formatNumber(quantile)}, sum by (service, component, le) (rate(${bucket}[${w}]))) ` +
        `and on(service, component) (sum by (service, component) (rate(${count}[${w}])) > 0)`,
    });
  }

  type NullRate = Extract<Signal, { kind: 'null-rate' }>;
  const nullRates = signals.filter((s): s is NullRate => s.kind === 'null-rate');
  for (const group of groupBy(nullRates, (s) => String(s.windowMs)).values()) {
    const { windowMs } = group[0]!;
    const w = formatDuration(windowMs);
    const svc = anyOf(
      'service',
      group.map((s) => s.service),
    );
    parts.push({
      id: id(),
      kind: 'null-rate',
      windowMs,
      expr:
        `sum by (service, feature) (rate(${METRICS.featureNulls}{${svc}}[${w}])) / ` +
        `(sum by (service, feature) (rate(${METRICS.featureLookups}{${svc}}[${w}])) > 0)`,
    });
  }

  type Recall = Extract<Signal, { kind: 'recall' }>;
  const recalls = signals.filter((s): s is Recall => s.kind === 'recall');
  for (const group of groupBy(recalls, (s) => String(s.windowMs)).values()) {
    const { windowMs } = group[0]!;
    const w = formatDuration(windowMs);
    const svc = anyOf(
      'service',
      group.map((s) => s.service),
    );
    const counters = {
      hits: METRICS.recallHits,
      expected: METRICS.recallExpected,
      probes: METRICS.recallProbes,
    };
    for (const counter of ['hits', 'expected', 'probes'] as const) {
      parts.push({
        id: id(),
        kind: 'recall',
        counter,
        windowMs,
        expr: `sum by (service, index, k) (increase(${counters[counter]}{${svc}}[${w}]))`,
      });
    }
  }

  // Burn rates read the 1h ratio; where no tier records it, the expression is sent as the rules write it.
  for (const plan of plans) {
    for (const objective of plan.objectives) {
      if (recordsWindow(plan, objective, HOUR)) continue;
      const target = isCustom(objective.sli) ? customParts : parts;
      target.push({
        id: isCustom(objective.sli) ? `c${customParts.length}` : id(),
        kind: 'ratio',
        sla: plan.name,
        slo: objective.slo,
        windowMs: HOUR,
        expr: errorRatioExpr(objective.sli, HOUR),
      });
    }
  }

  if (parts.length > 0) out.rates = { expr: taggedUnion(parts), parts };
  if (customParts.length > 0) out.custom = { expr: taggedUnion(customParts), parts: customParts };
  return out;
}
