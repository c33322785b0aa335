// The answers of one cycle's queries (queries.ts), indexed for the status builder: error ratios by SLA,
// objective and window, and signal values by service and subject. Values are parsed as Prometheus
// writes them; a sample that is not a number counts as absent, as a missing sample would.
import type { Signal } from '../compile/ir.js';
import { METRICS, RECORDED } from '../compile/metrics.js';
import type { RecallCounts } from '../evaluate/measure.js';
import { formatDuration, formatNumber } from '../lib/units.js';
import { catchUpSeconds, isStalled } from '../signals/stream.js';
import { sampleValue, type VectorSample } from './client.js';
import { PART_LABEL, type CycleQueries, type RatePart } from './queries.js';

/** The last answer of each family (an absent family has not answered yet, or has no query). */
export interface FamilyResults {
  recorded?: VectorSample[];
  gauges?: VectorSample[];
  rates?: VectorSample[];
  custom?: VectorSample[];
}

export interface StreamReading {
  lag: number;
  consumeRate: number;
  /** Infinity when the lag does not drain. */
  catchUpSeconds?: number;
  stalled: boolean;
}

type Quantile = Extract<Signal, { kind: 'component-quantile' }>;
type Recall = Extract<Signal, { kind: 'recall' }>;
type NullRate = Extract<Signal, { kind: 'null-rate' }>;

const SEP = '\u0000';

function key(...parts: string[]): string {
  return parts.join(SEP);
}

function valueOf(sample: VectorSample): number {
  const text = sample.value?.[1];
  return typeof text === 'string' ? sampleValue(text) : NaN;
}

function push<T>(map: Map<string, T[]>, k: string, value: T): void {
  const list = map.get(k);
  if (list === undefined) map.set(k, [value]);
  else list.push(value);
}

/** Maximum of the finite-or-infinite numbers (NaN ignored unless nothing else). */
function max(values: readonly number[] | undefined): number | undefined {
  if (values === undefined || values.length === 0) return undefined;
  let out = NaN;
  for (const v of values) if (Number.isNaN(out) || v > out) out = v;
  return out;
}

/** Indexed answers of one cycle. */
export class Readings {
  /** `sla, slo, window` → ratio. */
  private readonly ratios = new Map<string, number>();
  private readonly targets = new Set<string>();
  private readonly quantiles = new Map<string, number>();
  private readonly nulls = new Map<string, Array<{ feature: string; rate: number }>>();
  private readonly recalls = new Map<string, RecallCounts>();
  private readonly gauges = new Map<string, number[]>();
  private readonly gaugeFeatures = new Map<string, Set<string>>();
  private readonly tombstones = new Map<string, number[]>();
  /** Whether the recorded family answered (else no SLA's rules can be judged missing). */
  readonly recordedAnswered: boolean;

  constructor(queries: CycleQueries, results: FamilyResults) {
    this.recordedAnswered = results.recorded !== undefined;
    for (const sample of results.recorded ?? []) {
      const { __name__: name, sla, slo } = sample.metric;
      if (name === undefined || sla === undefined) continue;
      if (name === RECORDED.objective) {
        this.targets.add(sla);
        continue;
      }
      const prefix = RECORDED.errorRatio('');
      if (!name.startsWith(prefix) || slo === undefined) continue;
      const value = valueOf(sample);
      const k = key(sla, slo, name.slice(prefix.length));
      if (Number.isFinite(value) && !this.ratios.has(k)) this.ratios.set(k, value);
    }
    this.indexParts(queries.rates?.parts ?? [], results.rates ?? []);
    this.indexParts(queries.custom?.parts ?? [], results.custom ?? []);
    this.indexGauges(results.gauges ?? []);
  }

  private indexParts(parts: readonly RatePart[], samples: readonly VectorSample[]): void {
    const byId = new Map(parts.map((p) => [p.id, p]));
    for (const sample of samples) {
      const part = byId.get(sample.metric[PART_LABEL] ?? '');
      if (part === undefined) continue;
      const value = valueOf(sample);
      const { service = '' } = sample.metric;
      switch (part.kind) {
        case 'ratio':
          if (Number.isFinite(value))
            this.ratios.set(key(part.sla, part.slo, formatDuration(part.windowMs)), value);
          break;
        case 'component-quantile':
          this.quantiles.set(
            key(service, sample.metric.component ?? '', String(part.quantile), String(part.windowMs)),
            value,
          );
          break;
        case 'null-rate':
          push(this.nulls, key(service, String(part.windowMs)), {
            feature: sample.metric.feature ?? '',
            rate: value,
          });
          break;
        case 'recall': {
          const k = key(service, sample.metric.index ?? '', sample.metric.k ?? '', String(part.windowMs));
          const reading = this.recalls.get(k) ?? {};
          reading[part.counter] = value;
          this.recalls.set(k, reading);
          break;
        }
      }
    }
    for (const list of this.nulls.values()) list.sort((a, b) => a.feature.localeCompare(b.feature));
  }

  private indexGauges(samples: readonly VectorSample[]): void {
    // tombstones / (vectors > 0) matches one-to-one on every label but the name.
    const vectors = new Map<string, number>();
    const tombstoneSamples: VectorSample[] = [];
    for (const sample of samples) {
      const { __name__: name, service = '' } = sample.metric;
      const value = valueOf(sample);
      switch (name) {
        case METRICS.indexVectors:
          vectors.set(identity(sample.metric), value);
          break;
        case METRICS.indexTombstones:
          tombstoneSamples.push(sample);
          break;
        case METRICS.featureAge:
        case METRICS.driftPsi:
        case METRICS.driftJs: {
          const feature = sample.metric.feature ?? '';
          push(this.gauges, key(name, service, feature), value);
          if (name === METRICS.driftPsi) {
            const features = this.gaugeFeatures.get(service) ?? new Set<string>();
            features.add(feature);
            this.gaugeFeatures.set(service, features);
          }
          break;
        }
        case METRICS.streamLag:
        case METRICS.streamConsumeRate:
        case METRICS.streamProduceRate:
        case METRICS.streamCatchUp:
          push(this.gauges, key(name, service, sample.metric.consumer_group ?? ''), value);
          break;
        default:
          break;
      }
    }
    for (const sample of tombstoneSamples) {
      const total = vectors.get(identity(sample.metric));
      if (total === undefined || !(total > 0)) continue;
      push(
        this.tombstones,
        key(sample.metric.service ?? '', sample.metric.index ?? ''),
        valueOf(sample) / total,
      );
    }
  }

  /**
   * An objective's error ratio over a window, undefined without a sample (no traffic, no rules). A 1h
   * ratio the rules do not record comes from the custom family, indexed under the same key.
   */
  errorRatio(sla: string, slo: string, windowMs: number): number | undefined {
    return this.ratios.get(key(sla, slo, formatDuration(windowMs)));
  }

  /** Whether Prometheus holds the SLA's recording rules (its objective targets are recorded). */
  hasRules(sla: string): boolean {
    return this.targets.has(sla);
  }

  /** A component's quantile over its window, only where the component had traffic (the guard). */
  componentQuantile(signal: Quantile): number | undefined {
    return this.quantiles.get(
      key(signal.service, signal.component, String(signal.quantile), String(signal.windowMs)),
    );
  }

  nullRates(signal: NullRate): Array<{ feature: string; rate: number }> {
    return this.nulls.get(key(signal.service, String(signal.windowMs))) ?? [];
  }

  recall(signal: Recall): RecallCounts {
    return (
      this.recalls.get(key(signal.service, signal.index, formatNumber(signal.k), String(signal.windowMs))) ??
      {}
    );
  }

  /** A feature's age, the oldest series' (several exporters may report one feature). */
  featureAge(service: string, feature: string): number | undefined {
    return max(this.gauges.get(key(METRICS.featureAge, service, feature)));
  }

  /** An index's tombstone ratio, the worst series'. */
  tombstoneRatio(service: string, index: string): number | undefined {
    return max(this.tombstones.get(key(service, index)));
  }

  /** PSI and JS distance per feature, the worst series of each, sorted by feature. */
  drift(service: string): Array<{ feature: string; psi: number; js: number }> {
    return [...(this.gaugeFeatures.get(service) ?? [])].sort().map((feature) => ({
      feature,
      psi: max(this.gauges.get(key(METRICS.driftPsi, service, feature))) ?? NaN,
      js: max(this.gauges.get(key(METRICS.driftJs, service, feature))) ?? NaN,
    }));
  }

  /** A consumer group's state; undefined until lag and consume rate are known. */
  stream(service: string, consumerGroup: string): StreamReading | undefined {
    const read = (name: string) => max(this.gauges.get(key(name, service, consumerGroup)));
    const lag = read(METRICS.streamLag);
    const consumeRate = read(METRICS.streamConsumeRate);
    if (lag === undefined || consumeRate === undefined) return undefined;
    const out: StreamReading = { lag, consumeRate, stalled: isStalled(lag, consumeRate) };
    const gauge = read(METRICS.streamCatchUp);
    const produceRate = read(METRICS.streamProduceRate);
    if (gauge !== undefined && !Number.isNaN(gauge)) out.catchUpSeconds = gauge;
    else if (
      produceRate !== undefined &&
      [lag, consumeRate, produceRate].every((v) => Number.isFinite(v) && v >= 0)
    )
      out.catchUpSeconds = catchUpSeconds(lag, consumeRate, produceRate);
    return out;
  }
}

/** A series' labels without its name, as one-to-one matching compares them. */
function identity(metric: Record<string, string>): string {
  return Object.keys(metric)
    .filter((k) => k !== '__name__')
    .sort()
    .map((k) => `${k}${SEP}${metric[k]}`)
    .join(SEP);
}
