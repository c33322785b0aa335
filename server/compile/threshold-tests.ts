// The promtool tests of threshold alerts (component latency, feature freshness, recall, tombstones, null
// rate, drift, stream lag): per alert, a healthy value and a breaching one either side of its threshold,
// the series that give the alert expression those values, and the alert it must fire, exactly.
import { formatNumber } from '../lib/units.js';
import type { Signal, SlaPlan, ThresholdAlert } from './ir.js';
import type { AlertRuleSpec } from './emit-rules.js';
import { METRICS } from './metrics.js';
import { renderAnnotations, renderExpectedAlert } from './rule-test-yaml.js';
import type { TestGroup } from './rule-test-yaml.js';
import { at, inputSeries, MARGIN, minutes, RATE } from './test-series.js';
import type { SeriesSpec, Timeline } from './test-series.js';

/** Minutes of healthy data before a threshold alert's breach. */
const THRESHOLD_HISTORY = MARGIN + 1;
/** Denominator of synthesized ratios, so that every ratio with up to 6 decimals is exact. */
const SCALE = 1_000_000;

type Domain = 'ratio' | 'nonnegative';

const nice = (x: number): number => Number(x.toPrecision(3));

function domainOf(signal: Signal): Domain {
  return signal.kind === 'recall' || signal.kind === 'tombstone-ratio' || signal.kind === 'null-rate'
    ? 'ratio'
    : 'nonnegative';
}

/** A healthy and a breaching value of a signal for `value <op> threshold`, or why there is none. */
export function chooseValues(
  op: '>' | '<',
  threshold: number,
  domain: Domain,
  breachAtZero = 1,
): { healthy: number; breach: number } | string {
  const max = domain === 'ratio' ? 1 : Infinity;
  const pick = (x: number, ok: (v: number) => boolean) => (ok(nice(x)) ? nice(x) : x);
  const breaches = (v: number) => (op === '>' ? v > threshold : v < threshold) && v >= 0 && v <= max;
  const healthyOk = (v: number) => !(op === '>' ? v > threshold : v < threshold) && v >= 0 && v <= max;
  let healthy: number;
  let breach: number;
  if (op === '>') {
    if (threshold < 0 || threshold >= max)
      return `a ${domain} value cannot be both above and below ${threshold}`;
    healthy = threshold === 0 ? 0 : pick(threshold / 2, healthyOk);
    breach =
      threshold === 0
        ? breachAtZero
        : pick(2 * threshold > max ? (threshold + max) / 2 : 2 * threshold, breaches);
  } else {
    if (threshold <= 0 || threshold > max)
      return `a ${domain} value cannot be both above and below ${threshold}`;
    breach = pick(threshold / 2, breaches);
    healthy = pick(threshold === max ? max : max === 1 ? (threshold + 1) / 2 : 2 * threshold, healthyOk);
  }
  if (!breaches(breach) || !healthyOk(healthy)) return `found no values either side of ${threshold}`;
  return { healthy, breach };
}

interface ThresholdScenario {
  series: SeriesSpec[];
  /** Value of the alert expression during the breach, as Prometheus computes it. */
  value: number;
  /** Labels of the expression's result for the breaching subject. */
  resultLabels: Record<string, string>;
}

const HEALTHY_FEATURE = 'slactl_test_healthy_feature';
const BREACHING_FEATURE = 'slactl_test_breaching_feature';

/** Scales a ratio to an integer count per SCALE, returning both (so the expected value is the exact quotient). */
function scaled(ratio: number): [number, number] {
  const count = Math.round(ratio * SCALE);
  return [count, count / SCALE];
}

function thresholdScenario(alert: ThresholdAlert, v: { healthy: number; breach: number }): ThresholdScenario {
  const s = alert.signal;
  const gauge = (
    name: string,
    labels: Record<string, string>,
    healthy: number,
    breach: number,
    recovery?: number,
  ) => ({
    name,
    labels,
    kind: 'gauge' as const,
    healthy,
    breach,
    ...(recovery === undefined ? {} : { recovery }),
  });
  const counter = (name: string, labels: Record<string, string>, healthy: number, breach: number) => ({
    name,
    labels,
    kind: 'counter' as const,
    healthy,
    breach,
  });
  switch (s.kind) {
    case 'component-quantile': {
      const labels = { service: s.service, component: s.component };
      const lo = Math.min(v.healthy, v.breach);
      const hi = Math.max(v.healthy, v.breach);
      // Observations at `hi` land in +Inf, where histogram_quantile answers the highest finite bound (hi
      // exactly); at `lo` they fill the first bucket, interpolated from 0 to quantile × lo.
      const inInf = (x: number) => (x === hi ? 0 : RATE);
      const bucket = (le: string, healthy: number, breach: number) =>
        counter(`${METRICS.componentLatency}_bucket`, { ...labels, le }, healthy, breach);
      return {
        series: [
          bucket(formatNumber(lo), inInf(v.healthy), inInf(v.breach)),
          bucket(formatNumber(hi), inInf(v.healthy), inInf(v.breach)),
          bucket('+Inf', RATE, RATE),
          counter(`${METRICS.componentLatency}_count`, labels, RATE, RATE),
        ],
        value: v.breach === hi ? hi : s.quantile * lo,
        resultLabels: {},
      };
    }
    case 'feature-age': {
      const labels = { service: s.service, feature: s.feature };
      return {
        series: [gauge(METRICS.featureAge, labels, v.healthy, v.breach)],
        value: v.breach,
        resultLabels: labels,
      };
    }
    case 'recall': {
      const labels = { service: s.service, index: s.index, k: formatNumber(s.k) };
      const [healthyHits] = scaled(v.healthy);
      const [breachHits, value] = scaled(v.breach);
      // Twice the minimum within the shortest stretch the window covers (the healthy check comes early).
      const covered = Math.max(1, Math.min(THRESHOLD_HISTORY, minutes(s.windowMs)));
      const probes = Math.max(1, Math.ceil((2 * s.minProbes) / covered));
      return {
        series: [
          counter(METRICS.recallHits, labels, healthyHits, breachHits),
          counter(METRICS.recallExpected, labels, SCALE, SCALE),
          counter(METRICS.recallProbes, labels, probes, probes),
        ],
        value,
        resultLabels: {},
      };
    }
    case 'tombstone-ratio': {
      const labels = { service: s.service, index: s.index };
      const [healthy] = scaled(v.healthy);
      const [breach, value] = scaled(v.breach);
      return {
        series: [
          gauge(METRICS.indexTombstones, labels, healthy, breach),
          gauge(METRICS.indexVectors, labels, SCALE, SCALE),
        ],
        value,
        resultLabels: labels,
      };
    }
    case 'null-rate': {
      const [healthy] = scaled(v.healthy);
      const [breach, value] = scaled(v.breach);
      const series = [HEALTHY_FEATURE, BREACHING_FEATURE].flatMap((feature) => {
        const labels = { service: s.service, feature };
        return [
          counter(METRICS.featureNulls, labels, healthy, feature === BREACHING_FEATURE ? breach : healthy),
          counter(METRICS.featureLookups, labels, SCALE, SCALE),
        ];
      });
      return { series, value, resultLabels: { feature: BREACHING_FEATURE } };
    }
    case 'drift-psi': {
      const series = [HEALTHY_FEATURE, BREACHING_FEATURE].map((feature) =>
        gauge(
          METRICS.driftPsi,
          { service: s.service, feature },
          v.healthy,
          feature === BREACHING_FEATURE ? v.breach : v.healthy,
        ),
      );
      return { series, value: v.breach, resultLabels: { feature: BREACHING_FEATURE } };
    }
    case 'stream-catchup': {
      const labels = { service: s.service, consumer_group: s.consumerGroup };
      return {
        series: [gauge(METRICS.streamCatchUp, labels, v.healthy, v.breach)],
        value: v.breach,
        resultLabels: labels,
      };
    }
    case 'stream-stalled': {
      // Healthy: the same lag, but consumed (the guard keeps it silent); breach: nothing consumed.
      const labels = { service: s.service, consumer_group: s.consumerGroup };
      return {
        series: [
          gauge(METRICS.streamLag, labels, v.breach, v.breach, v.healthy),
          gauge(METRICS.streamConsumeRate, labels, RATE, 0, RATE),
        ],
        value: v.breach,
        resultLabels: labels,
      };
    }
  }
}

function signalWindowMs(signal: Signal): number {
  return 'windowMs' in signal ? signal.windowMs : 0;
}

/** What a threshold alert's series are keyed on: two alerts of one name on the same key see each other's data. */
function seriesKey(alert: ThresholdAlert): string {
  const s = alert.signal;
  const subject =
    s.kind === 'component-quantile'
      ? s.component
      : s.kind === 'feature-age'
        ? s.feature
        : s.kind === 'recall' || s.kind === 'tombstone-ratio'
          ? s.index
          : s.kind === 'stream-catchup' || s.kind === 'stream-stalled'
            ? s.consumerGroup
            : '';
  return JSON.stringify([alert.alertname, s.kind, s.service, subject]);
}

function thresholdGroup(
  plan: SlaPlan,
  rule: AlertRuleSpec,
  alert: ThresholdAlert,
  warnings: string[],
  clash: number,
): TestGroup | undefined {
  const subject = Object.values(alert.subject).join(', ');
  const where = `${plan.name}: ${alert.alertname}${subject === '' ? '' : ` (${subject})`}`;
  if (clash > 1) {
    warnings.push(
      `${where}: not tested by promtool: ${clash} ${alert.alertname} alerts read the same series`,
    );
    return undefined;
  }
  const zero = alert.signal.kind === 'stream-stalled' ? 1000 : 1;
  const values = chooseValues(alert.op, alert.threshold, domainOf(alert.signal), zero);
  if (typeof values === 'string') {
    warnings.push(`${where}: not tested by promtool: ${values}`);
    return undefined;
  }
  const found = thresholdScenario(alert, values);
  const w = minutes(signalWindowMs(alert.signal));
  const forMin = minutes(alert.forMs);
  const timeline: Timeline = {
    healthy: THRESHOLD_HISTORY,
    breach: w + forMin + MARGIN,
    recovery: w + MARGIN,
  };
  const h = timeline.healthy;
  const expected = renderExpectedAlert(
    found.resultLabels,
    rule.labels,
    renderAnnotations(rule.annotations, found.value, rule.labels, found.resultLabels),
  );
  return {
    name: `${where}: ${alert.op === '>' ? 'above' : 'below'} ${formatNumber(alert.threshold)}`,
    interval: '1m',
    input_series: inputSeries(found.series, timeline),
    alert_rule_test: [
      { eval_time: at(h), alertname: alert.alertname, exp_alerts: [] },
      { eval_time: at(h + timeline.breach), alertname: alert.alertname, exp_alerts: [expected] },
      { eval_time: at(h + timeline.breach + timeline.recovery), alertname: alert.alertname, exp_alerts: [] },
    ],
  };
}

/**
 * The tests of an SLA's threshold alerts, in rule order: silent when healthy, firing with exact labels and
 * annotations under a breach, resolved after; warnings name the alerts it could not test.
 */
export function thresholdGroups(
  plan: SlaPlan,
  rules: readonly AlertRuleSpec[],
  warnings: string[],
): TestGroup[] {
  // How many threshold alerts read each series: alerts that share one cannot be tested apart.
  const keys = new Map<ThresholdAlert, string>();
  const readers = new Map<string, number>();
  for (const t of plan.thresholds) {
    const key = seriesKey(t);
    keys.set(t, key);
    readers.set(key, (readers.get(key) ?? 0) + 1);
  }
  const groups: TestGroup[] = [];
  for (const rule of rules) {
    if (rule.source.kind !== 'threshold') continue;
    const alert = rule.source.alert;
    const clash = readers.get(keys.get(alert) ?? seriesKey(alert)) ?? 0;
    const group = thresholdGroup(plan, rule, alert, warnings, clash);
    if (group !== undefined) groups.push(group);
  }
  return groups;
}
