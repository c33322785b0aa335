// OTLP/HTTP JSON metrics (`POST /v1/metrics`) mapped onto the same series as the signal API. A fixed,
// documented set of metric names is understood (docs/api.md, "OTLP"); other metrics are counted and
// ignored, so a service can point its whole OpenTelemetry SDK at slactl.
//
// Shapes follow the OTLP protobuf JSON mapping: lowerCamelCase fields, int64 as decimal strings (numbers
// are accepted too), enums as integers or their names.
// @see https://github.com/open-telemetry/opentelemetry-proto/blob/main/opentelemetry/proto/metrics/v1/metrics.proto
// @see https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding
import { ProblemList } from './errors.js';
import type { SignalMapper, SingleSeries } from './map.js';
import { isLabelSafe } from './schema.js';
import { timeProblem, type TimeBounds } from './time-bounds.js';

type PointKind = 'histogram' | 'gauge' | 'sum';

interface MetricRule {
  kind: PointKind;
  /** The attribute that names the subject (`component`, `feature`, …), if any. */
  subject?: string;
  /** Where a value goes: a single series, or one of the two histograms. */
  target: SingleSeries | 'request' | 'component';
}

/** The OpenTelemetry metric names slactl maps, and how. */
export const OTLP_METRICS: Readonly<Record<string, MetricRule>> = {
  'http.server.request.duration': { kind: 'histogram', target: 'request' },
  'slactl.component.latency': { kind: 'histogram', subject: 'component', target: 'component' },
  'slactl.feature.event_time': { kind: 'gauge', subject: 'feature', target: 'featureNewest' },
  'slactl.feature.lookups': { kind: 'sum', subject: 'feature', target: 'lookups' },
  'slactl.feature.nulls': { kind: 'sum', subject: 'feature', target: 'nulls' },
  'slactl.stream.lag': { kind: 'gauge', subject: 'consumer_group', target: 'lag' },
  'slactl.stream.consume_rate': { kind: 'gauge', subject: 'consumer_group', target: 'consume' },
  'slactl.stream.produce_rate': { kind: 'gauge', subject: 'consumer_group', target: 'produce' },
  'slactl.index.vectors': { kind: 'gauge', subject: 'index', target: 'vectors' },
  'slactl.index.tombstones': { kind: 'gauge', subject: 'index', target: 'tombstones' },
};

const TEMPORALITY_DELTA = 1;
const TEMPORALITY_CUMULATIVE = 2;

/** A data point read from the body, validated and ready to map. */
interface Point {
  rule: MetricRule;
  service: string;
  subject: string;
  t: number;
  /** Identity of the point's stream, for cumulative → delta. */
  stream: string;
  cumulative: boolean;
  /** Start of the cumulative stream, ms (0 when unknown). */
  startMs: number;
  value: number;
  /** Histograms: bucket bounds in seconds, counts per bucket, sum in seconds, and whether they failed. */
  bounds: number[];
  counts: number[];
  sum: number;
  error: boolean;
}

/** The last cumulative value of a stream. */
interface Cumulative {
  startMs: number;
  value: number;
  counts: number[];
  sum: number;
}

/** State changes of one body, kept apart until its updates are applied. */
export type OtlpState = Map<string, Cumulative>;

// Streams whose last cumulative value is remembered; the oldest is forgotten beyond this.
const MAX_STREAMS = 100_000;

/** Reads OTLP bodies and turns cumulative sums and histograms into deltas. */
export class OtlpMapping {
  private readonly last = new Map<string, Cumulative>();

  /** `startedAtMs`: the collector's start, to tell new cumulative streams from ones seen before it. */
  constructor(private readonly startedAtMs: number) {}

  /** Validates the body and extracts the points of known metrics; throws IngestError 400 with JSON paths. */
  read(body: unknown, bounds: TimeBounds): { points: Point[]; ignored: number } {
    const reader = new BodyReader(bounds);
    reader.readRequest(body);
    reader.problems.throwIfAny(400, 'invalid_otlp');
    return { points: reader.points, ignored: reader.ignored };
  }

  /** Feeds the points into the mapper (cumulative ones as deltas); returns the state to commit. */
  feed(points: readonly Point[], mapper: SignalMapper): OtlpState {
    const pending: OtlpState = new Map();
    for (const p of points) {
      let value = p.value;
      let counts = p.counts;
      let sum = p.sum;
      if (p.cumulative) {
        const previous = pending.get(p.stream) ?? this.last.get(p.stream);
        pending.set(p.stream, { startMs: p.startMs, value: p.value, counts: p.counts, sum: p.sum });
        const delta = cumulativeDelta(previous, p, this.startedAtMs);
        value = delta.value;
        counts = delta.counts;
        sum = delta.sum;
      }
      const target = p.rule.target;
      if (target === 'request') {
        let total = 0;
        for (const c of counts) total += c;
        mapper.addHistogram(
          { kind: 'request', service: p.service, errors: p.error ? total : 0 },
          p.t,
          p.bounds,
          counts,
          sum,
        );
      } else if (target === 'component') {
        mapper.addHistogram(
          { kind: 'component', service: p.service, component: p.subject },
          p.t,
          p.bounds,
          counts,
          sum,
        );
      } else {
        mapper.addSample(target, p.service, p.subject, p.t, value);
      }
    }
    return pending;
  }

  /** Remembers the cumulative values of an applied body. */
  commit(state: OtlpState): void {
    for (const [stream, value] of state) {
      this.last.delete(stream);
      this.last.set(stream, value);
    }
    while (this.last.size > MAX_STREAMS) this.last.delete(this.last.keys().next().value!);
  }
}

/**
 * The increase of a cumulative point since the previous one of its stream. A restarted stream (new
 * start time, or a value that went down) counts from zero. The first point of a stream counts in full
 * only when the stream started after the collector did; otherwise it is a baseline, because its value
 * holds an unknown amount of history from before (as the OpenTelemetry Collector's cumulativetodelta
 * processor does by default).
 */
function cumulativeDelta(
  previous: Cumulative | undefined,
  p: Point,
  startedAtMs: number,
): { value: number; counts: number[]; sum: number } {
  const zero = { value: 0, counts: p.counts.map(() => 0), sum: 0 };
  if (previous === undefined) return p.startMs > 0 && p.startMs >= startedAtMs ? p : zero;
  const restarted =
    previous.startMs !== p.startMs ||
    p.value < previous.value ||
    previous.counts.length !== p.counts.length ||
    p.counts.some((c, i) => c < previous.counts[i]!);
  if (restarted) return p;
  return {
    value: p.value - previous.value,
    counts: p.counts.map((c, i) => c - previous.counts[i]!),
    sum: Math.max(0, p.sum - previous.sum),
  };
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A JSON number, or an int64 written as a decimal string. */
function numberOf(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(v)) return Number(v);
  return undefined;
}

/** Nanoseconds (int64, usually a string) to milliseconds; undefined when malformed. */
function nanosToMs(v: unknown): number | undefined {
  if (typeof v === 'string') {
    if (!/^\d+$/.test(v)) return undefined;
    return v.length <= 6 ? 0 : Number(v.slice(0, -6));
  }
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return Math.floor(v / 1e6);
  return undefined;
}

function temporality(v: unknown): number | undefined {
  if (v === TEMPORALITY_DELTA || v === 'AGGREGATION_TEMPORALITY_DELTA') return TEMPORALITY_DELTA;
  if (v === TEMPORALITY_CUMULATIVE || v === 'AGGREGATION_TEMPORALITY_CUMULATIVE')
    return TEMPORALITY_CUMULATIVE;
  return undefined;
}

/** An attribute value (AnyValue) as text, for labels and comparisons. */
function attributeText(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  if (typeof value.stringValue === 'string') return value.stringValue;
  if (value.intValue !== undefined) return numberOf(value.intValue)?.toString();
  if (typeof value.doubleValue === 'number') return String(value.doubleValue);
  if (typeof value.boolValue === 'boolean') return String(value.boolValue);
  return undefined;
}

class BodyReader {
  readonly problems = new ProblemList();
  readonly points: Point[] = [];
  ignored = 0;

  constructor(private readonly bounds: TimeBounds) {}

  private fail(path: string, message: string): void {
    this.problems.add({ message: `${path}: ${message}`, field: path });
  }

  private list(value: unknown, path: string): unknown[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      this.fail(path, 'expected a list');
      return [];
    }
    return value;
  }

  private attributes(value: unknown, path: string): Map<string, unknown> | undefined {
    const out = new Map<string, unknown>();
    const list = this.list(value, path);
    for (let i = 0; i < list.length; i++) {
      const kv = list[i];
      if (!isObject(kv) || typeof kv.key !== 'string') {
        this.fail(`${path}[${i}]`, 'expected an attribute {"key": …, "value": {…}}');
        return undefined;
      }
      out.set(kv.key, kv.value);
    }
    return out;
  }

  readRequest(body: unknown): void {
    if (!isObject(body)) {
      this.fail('body', 'expected an ExportMetricsServiceRequest object {"resourceMetrics": [...]}');
      return;
    }
    const resources = this.list(body.resourceMetrics, 'resourceMetrics');
    for (let r = 0; r < resources.length && !this.problems.full; r++) {
      this.readResource(resources[r], `resourceMetrics[${r}]`);
    }
  }

  private readResource(rm: unknown, path: string): void {
    if (!isObject(rm)) return this.fail(path, 'expected a ResourceMetrics object');
    const resource = rm.resource;
    const attrs = isObject(resource)
      ? this.attributes(resource.attributes, `${path}.resource.attributes`)
      : new Map();
    if (attrs === undefined) return;
    const scopes = this.list(rm.scopeMetrics, `${path}.scopeMetrics`);
    let service: string | undefined;
    const serviceText = attributeText(attrs.get('service.name'));
    const serviceProblem =
      serviceText === undefined
        ? 'missing resource attribute service.name (it names the slactl service)'
        : !isLabelSafe(serviceText)
          ? `service.name ${JSON.stringify(serviceText)} is not a valid service name (1–200 characters, no control characters)`
          : undefined;
    if (serviceProblem === undefined) service = serviceText;
    for (let s = 0; s < scopes.length && !this.problems.full; s++) {
      const sm = scopes[s];
      const spath = `${path}.scopeMetrics[${s}]`;
      if (!isObject(sm)) {
        this.fail(spath, 'expected a ScopeMetrics object');
        continue;
      }
      const metrics = this.list(sm.metrics, `${spath}.metrics`);
      for (let m = 0; m < metrics.length && !this.problems.full; m++) {
        this.readMetric(
          metrics[m],
          `${spath}.metrics[${m}]`,
          service,
          serviceProblem,
          `${path}.resource.attributes`,
        );
      }
    }
  }

  private readMetric(
    metric: unknown,
    path: string,
    service: string | undefined,
    serviceProblem: string | undefined,
    servicePath: string,
  ): void {
    if (!isObject(metric)) return this.fail(path, 'expected a Metric object');
    if (typeof metric.name !== 'string')
      return this.fail(`${path}.name`, 'expected the metric name (a string)');
    const rule = OTLP_METRICS[metric.name];
    const data = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'].find((k) =>
      isObject(metric[k]),
    );
    if (rule === undefined || !Object.hasOwn(OTLP_METRICS, metric.name)) {
      const points = data === undefined ? [] : (metric[data] as Json).dataPoints;
      this.ignored += Array.isArray(points) ? points.length : 0;
      return;
    }
    if (data !== rule.kind) {
      return this.fail(path, `${metric.name} must be a ${rule.kind}, got ${data ?? 'no data'}`);
    }
    if (service === undefined) return this.fail(servicePath, serviceProblem!);
    const body = metric[data] as Json;
    let cumulative = false;
    if (rule.kind !== 'gauge') {
      const t = temporality(body.aggregationTemporality);
      if (t === undefined) {
        return this.fail(`${path}.${data}.aggregationTemporality`, 'expected 1 (delta) or 2 (cumulative)');
      }
      cumulative = t === TEMPORALITY_CUMULATIVE;
    }
    // Durations in milliseconds (older HTTP instrumentations) are scaled to seconds.
    const scale = rule.kind === 'histogram' && metric.unit === 'ms' ? 0.001 : 1;
    const points = this.list(body.dataPoints, `${path}.${data}.dataPoints`);
    for (let i = 0; i < points.length && !this.problems.full; i++) {
      this.readPoint(
        points[i],
        `${path}.${data}.dataPoints[${i}]`,
        metric.name,
        rule,
        service,
        cumulative,
        scale,
      );
    }
  }

  private readPoint(
    dp: unknown,
    path: string,
    name: string,
    rule: MetricRule,
    service: string,
    cumulative: boolean,
    scale: number,
  ): void {
    if (!isObject(dp)) return this.fail(path, 'expected a data point object');
    // Flag 1 is NO_RECORDED_VALUE: a point that marks a gap, with nothing to count.
    if (((numberOf(dp.flags) ?? 0) & 1) === 1) {
      this.ignored++;
      return;
    }
    const attrs = this.attributes(dp.attributes, `${path}.attributes`);
    if (attrs === undefined) return;
    let subject = '';
    if (rule.subject !== undefined) {
      const text = attributeText(attrs.get(rule.subject));
      if (text === undefined)
        return this.fail(`${path}.attributes`, `missing attribute ${rule.subject} (${name} needs it)`);
      if (!isLabelSafe(text)) {
        return this.fail(
          `${path}.attributes`,
          `attribute ${rule.subject} ${JSON.stringify(text)} is not a valid name`,
        );
      }
      subject = text;
    }
    let t = this.bounds.now;
    if (dp.timeUnixNano !== undefined) {
      const ms = nanosToMs(dp.timeUnixNano);
      if (ms === undefined)
        return this.fail(`${path}.timeUnixNano`, 'expected nanoseconds since the epoch (a decimal string)');
      if (ms > 0) t = ms;
    }
    const problem = timeProblem(t, this.bounds);
    if (problem !== undefined) return this.fail(`${path}.timeUnixNano`, problem);
    let startMs = 0;
    if (dp.startTimeUnixNano !== undefined) {
      const ms = nanosToMs(dp.startTimeUnixNano);
      if (ms === undefined) {
        return this.fail(
          `${path}.startTimeUnixNano`,
          'expected nanoseconds since the epoch (a decimal string)',
        );
      }
      startMs = ms;
    }
    const stream = `${name}\u0000${service}\u0000${[...attrs.keys()]
      .sort()
      .map((k) => `${k}\u0001${attributeText(attrs.get(k)) ?? ''}`)
      .join('\u0000')}`;
    const point: Point = {
      rule,
      service,
      subject,
      t,
      stream,
      cumulative,
      startMs,
      value: 0,
      bounds: [],
      counts: [],
      sum: 0,
      error: false,
    };
    if (rule.kind === 'histogram') {
      if (!this.readHistogram(dp, path, point, scale)) return;
      if (rule.target === 'request') {
        const status = numberOf(attributeText(attrs.get('http.response.status_code')));
        point.error = (status !== undefined && status >= 500) || attrs.has('error.type');
      }
    } else {
      const value = numberOf(dp.asDouble ?? dp.asInt);
      if (value === undefined) return this.fail(path, 'expected asDouble or asInt with a number');
      if (value < 0) return this.fail(path, `expected a value ≥ 0 for ${name}, got ${value}`);
      if (rule.target === 'featureNewest') {
        const problem =
          value * 1000 > this.bounds.now + this.bounds.maxFutureMs
            ? timeProblem(value * 1000, { ...this.bounds, retentionMs: Infinity })
            : undefined;
        if (problem !== undefined) return this.fail(path, `event time ${problem}`);
      }
      point.value = value;
    }
    this.points.push(point);
  }

  private readHistogram(dp: Json, path: string, point: Point, scale: number): boolean {
    const bounds = this.list(dp.explicitBounds, `${path}.explicitBounds`);
    const counts = this.list(dp.bucketCounts, `${path}.bucketCounts`);
    for (let i = 0; i < bounds.length; i++) {
      const b = bounds[i];
      if (typeof b !== 'number' || !Number.isFinite(b)) {
        this.fail(`${path}.explicitBounds[${i}]`, 'expected a number');
        return false;
      }
      if (i > 0 && b <= (bounds[i - 1] as number)) {
        this.fail(`${path}.explicitBounds[${i}]`, 'explicit bounds must increase');
        return false;
      }
      point.bounds.push(b * scale);
    }
    if (counts.length !== 0 && counts.length !== bounds.length + 1) {
      this.fail(
        `${path}.bucketCounts`,
        `expected ${bounds.length + 1} counts (one more than explicitBounds), got ${counts.length}`,
      );
      return false;
    }
    let total = 0;
    for (let i = 0; i < counts.length; i++) {
      const c = numberOf(counts[i]);
      if (c === undefined || c < 0 || !Number.isInteger(c)) {
        this.fail(
          `${path}.bucketCounts[${i}]`,
          'expected a count (an integer ≥ 0, usually a decimal string)',
        );
        return false;
      }
      total += c;
      point.counts.push(c);
    }
    const count = dp.count === undefined ? total : numberOf(dp.count);
    if (count !== total) {
      this.fail(`${path}.count`, `count ${String(dp.count)} differs from the sum of bucketCounts (${total})`);
      return false;
    }
    if (dp.sum !== undefined) {
      const sum = numberOf(dp.sum);
      if (sum === undefined || sum < 0) {
        this.fail(`${path}.sum`, 'expected a number ≥ 0');
        return false;
      }
      point.sum = sum * scale;
    }
    return true;
  }
}

export type { Point as OtlpPoint };
