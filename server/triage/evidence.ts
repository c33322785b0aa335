// Evidence for one condition: the SLA's alert instances (firing ones count, pending ones are shown) and
// the series of a status signal compared with their thresholds.
import type { SlaPlan } from '../compile/ir.js';
import type { AlertInstance, SlaStatus } from '../evaluate/types.js';
import { alertUnit, isAlertName, SIGNALS, type Op, type SignalName } from './catalog.js';
import type { AlertCondition, Evidence, Matcher, SignalCondition, Where } from './types.js';

/** What a triage reads: one SLA's status, the active alerts, and its plan for alert thresholds. */
export interface TriageInput {
  status: SlaStatus;
  /** Active alerts; those of other SLAs are ignored. */
  alerts: readonly AlertInstance[];
  /** The SLA's compiled plan: the limits of null rate and drift, and the threshold of each alert. */
  plan?: SlaPlan;
}

/** Labels that tell alert instances of one alert apart (the rest are the SLA's own labels). */
const SUBJECT_LABELS = ['slo', 'burn_tier', 'component', 'feature', 'index', 'consumer_group'];

function matches(matcher: Matcher, value: string | undefined): boolean {
  if ('equals' in matcher) return value === matcher.equals;
  if ('in' in matcher) return value !== undefined && matcher.in.includes(value);
  return value === undefined || !matcher.notIn.includes(value);
}

function holds(where: Where, labels: Record<string, string>): boolean {
  return Object.entries(where).every(([label, m]) => matches(m, labels[label]));
}

/** The labels a `where` pins to one value, to name what an absent alert or series would have been. */
function pinned(where: Where): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [label, m] of Object.entries(where)) if ('equals' in m) out[label] = m.equals;
  return out;
}

function compare(value: number, op: Op, threshold: number): boolean {
  return op === '>' ? value > threshold : value < threshold;
}

/** The threshold an alert instance was judged against, from the plan. */
function alertThreshold(
  plan: SlaPlan | undefined,
  a: AlertInstance,
): { op: Op; threshold: number } | undefined {
  if (!plan) return undefined;
  const objective = plan.objectives.find((o) => o.alertname === a.alertname && o.slo === a.labels.slo);
  if (objective) {
    const tier = objective.tiers.find((t) => t.id === a.labels.burn_tier);
    return tier && { op: '>', threshold: tier.factor };
  }
  const alert = plan.thresholds.find(
    (t) => t.alertname === a.alertname && Object.entries(t.subject).every(([k, v]) => a.labels[k] === v),
  );
  return alert && { op: alert.op, threshold: alert.threshold };
}

function subjectOf(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const label of SUBJECT_LABELS) if (labels[label] !== undefined) out[label] = labels[label];
  return out;
}

const subjectText = (s: Record<string, string>): string =>
  Object.entries(s)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

/** Evidence of an alert condition: one row per firing or pending instance, or one `inactive` row. */
export function alertEvidence(condition: AlertCondition, input: TriageInput): Evidence[] {
  const name = condition.alert;
  const unit = isAlertName(name) ? alertUnit(name) : 'number';
  const instances = input.alerts.filter(
    (a) => a.sla === input.status.name && a.alertname === name && holds(condition.where, a.labels),
  );
  if (instances.length === 0) {
    return [
      {
        source: 'alert',
        name,
        subject: pinned(condition.where),
        matched: false,
        state: 'inactive',
        unit,
        note: 'not active',
      },
    ];
  }
  return instances
    .map((a): Evidence => {
      const firing = a.state === 'firing';
      const limit = alertThreshold(input.plan, a);
      return {
        source: 'alert',
        name,
        subject: subjectOf(a.labels),
        matched: firing,
        state: a.state,
        ...(Number.isFinite(a.value) ? { value: a.value } : {}),
        ...(limit ?? {}),
        unit,
        since: firing ? (a.firedAt ?? a.activeAt) : a.activeAt,
        activeAt: a.activeAt,
        ...(firing ? {} : { note: 'pending: not firing yet' }),
      };
    })
    .sort(
      (x, y) =>
        Number(y.matched) - Number(x.matched) || subjectText(x.subject).localeCompare(subjectText(y.subject)),
    );
}

/** One series of a status signal. */
interface Series {
  subject: Record<string, string>;
  value: number | undefined;
  /** The SLA's own limit for the series. */
  limit?: number;
  /** Why the value is missing or cannot be judged. */
  note?: string;
  /** False when the value exists but is not judged (too few recall probes). */
  judged?: boolean;
}

function planLimit(plan: SlaPlan | undefined, alertname: string): number | undefined {
  return plan?.thresholds.find((t) => t.alertname === alertname)?.threshold;
}

function seriesOf(signal: SignalName, input: TriageInput): Series[] {
  const { status, plan } = input;
  const noData = (value: number | undefined, note = 'no data'): { note?: string } =>
    value === undefined ? { note } : {};
  switch (signal) {
    case 'latency_burn_rate':
    case 'availability_burn_rate': {
      const dimension = signal === 'latency_burn_rate' ? 'latency' : 'availability';
      return status.objectives
        .filter((o) => o.dimension === dimension)
        .map((o) => ({
          subject: { slo: o.slo },
          value: o.burnRate,
          ...(o.evaluatedBy === 'prometheus'
            ? { note: 'measured by Prometheus (custom SLI): see the alert' }
            : noData(o.burnRate, 'no traffic in the last hour')),
        }));
    }
    case 'component_p99_ms':
      return status.components.map((c) => ({
        subject: { component: c.component },
        value: c.p99Ms,
        limit: c.budgetMs,
        ...noData(c.p99Ms, 'no traffic in the last 5m'),
      }));
    case 'feature_age_seconds':
      return status.freshness.map((f) => ({
        subject: { feature: f.feature },
        value: f.ageSeconds,
        limit: f.maxAgeSeconds,
        ...noData(f.ageSeconds, 'no value seen yet'),
      }));
    case 'recall':
      return status.recall.map((r) => {
        const judged = r.probes >= r.minProbes;
        return {
          subject: { index: r.index },
          value: r.recall,
          limit: r.min,
          judged,
          ...(r.recall === undefined
            ? { note: 'no probes in the window' }
            : judged
              ? {}
              : { note: `${r.probes} of ${r.minProbes} probes: not judged` }),
        };
      });
    case 'tombstone_ratio':
      return status.recall.map((r) => ({
        subject: { index: r.index },
        value: r.tombstoneRatio,
        ...(r.maxTombstoneRatio !== undefined ? { limit: r.maxTombstoneRatio } : {}),
        ...noData(r.tombstoneRatio, 'no index stats yet'),
      }));
    case 'null_rate': {
      const limit = planLimit(plan, 'FeatureNullRateHigh');
      return (status.signals.nullRate ?? []).map((n) => ({
        subject: { feature: n.feature },
        value: n.rate,
        ...(limit !== undefined ? { limit } : {}),
      }));
    }
    case 'drift_psi': {
      const limit = planLimit(plan, 'DistributionDriftHigh');
      return (status.signals.drift ?? []).map((d) => ({
        subject: { feature: d.feature },
        value: d.psi,
        ...(limit !== undefined ? { limit } : {}),
      }));
    }
    case 'stream_lag':
      return (status.signals.streams ?? []).map((s) => ({
        subject: { consumer_group: s.consumerGroup },
        value: s.lag,
        ...noData(s.lag, 'the group has not reported'),
      }));
    case 'stream_catch_up_seconds':
      return (status.signals.streams ?? []).map((s) => ({
        subject: { consumer_group: s.consumerGroup },
        // JSON carries Infinity as null: a status read back from the API means "not draining" then.
        value: (s.catchUpSeconds as number | null | undefined) === null ? Infinity : s.catchUpSeconds,
        limit: s.maxCatchUpSeconds,
        ...noData(s.catchUpSeconds, 'the group has not reported'),
      }));
    case 'stream_stalled':
      return (status.signals.streams ?? []).map((s) => ({
        subject: { consumer_group: s.consumerGroup },
        value: s.stalled === undefined ? undefined : s.stalled ? 1 : 0,
        limit: 0,
        ...(s.stalled === undefined
          ? { note: 'the group has not reported' }
          : s.lag !== undefined
            ? { note: `lag ${s.lag} messages` }
            : {}),
      }));
  }
}

/** Evidence of a signal condition: one row per series that the condition's `where` selects. */
export function signalEvidence(
  condition: Pick<SignalCondition, 'signal' | 'where'> & { op?: Op; threshold?: number },
  input: TriageInput,
  context = false,
): Evidence[] {
  const name = condition.signal as SignalName;
  const spec = SIGNALS[name];
  const op = condition.op ?? spec.op;
  const series = seriesOf(name, input).filter((s) => holds(condition.where, s.subject));
  const extra = context ? { context: true as const } : {};
  if (series.length === 0) {
    return [
      {
        source: 'signal',
        name,
        subject: pinned(condition.where),
        matched: false,
        unit: spec.unit,
        note: 'not measured for this SLA',
        ...extra,
      },
    ];
  }
  return series.map((s): Evidence => {
    const threshold = condition.threshold ?? s.limit;
    const value = s.value;
    const matched =
      !context &&
      value !== undefined &&
      threshold !== undefined &&
      s.judged !== false &&
      compare(value, op, threshold);
    let note = s.note;
    if (value !== undefined && !Number.isFinite(value)) note = note ?? 'infinite: the lag is not draining';
    if (threshold === undefined && note === undefined) note = 'no limit in this SLA';
    return {
      source: 'signal',
      name,
      subject: s.subject,
      matched,
      ...(value !== undefined && Number.isFinite(value) ? { value } : {}),
      ...(threshold !== undefined ? { op, threshold } : {}),
      unit: spec.unit,
      ...(note !== undefined ? { note } : {}),
      ...extra,
    };
  });
}
