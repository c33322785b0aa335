// Every collected signal series in the Prometheus text format 0.0.4, under the names and labels of
// docs/metrics.md, so Prometheus can scrape slactl and evaluate the compiled rules itself.
// @see https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
import { METRICS } from '../compile/metrics.js';
import { formatNumber } from '../lib/units.js';
import type { Labels, SeriesRef, SeriesStore } from '../store/types.js';
import type { SignalReader } from './derived.js';
import { COLLECTOR_METRICS } from './map.js';

type PromType = 'counter' | 'gauge' | 'histogram';

interface FamilySpec {
  name: string;
  type: PromType;
  help: string;
}

const COUNTERS: FamilySpec[] = [
  { name: METRICS.requests, type: 'counter', help: 'Requests served.' },
  { name: METRICS.requestErrors, type: 'counter', help: 'Requests that failed (ok=false).' },
  { name: METRICS.featureLookups, type: 'counter', help: 'Feature lookups at inference time.' },
  { name: METRICS.featureNulls, type: 'counter', help: 'Feature lookups that returned null.' },
  {
    name: METRICS.recallProbes,
    type: 'counter',
    help: 'Recall probes (queries run exactly and through the ANN index).',
  },
  {
    name: METRICS.recallHits,
    type: 'counter',
    help: 'Exact top-k ids the ANN search also returned, summed over probes.',
  },
  {
    name: METRICS.recallExpected,
    type: 'counter',
    help: 'Exact top-k ids expected (k per probe), summed over probes.',
  },
  {
    name: COLLECTOR_METRICS.distributionObservations,
    type: 'counter',
    help: 'Distribution observations per bin of the reference taken at the reference label (ms).',
  },
];

const HISTOGRAMS: FamilySpec[] = [
  { name: METRICS.requestDuration, type: 'histogram', help: 'End-to-end request latency in seconds.' },
  {
    name: METRICS.componentLatency,
    type: 'histogram',
    help: 'Latency of one serving-path component in seconds.',
  },
];

const GAUGES: FamilySpec[] = [
  { name: METRICS.streamLag, type: 'gauge', help: 'Consumer lag in messages.' },
  { name: METRICS.streamConsumeRate, type: 'gauge', help: 'Messages consumed per second.' },
  { name: METRICS.streamProduceRate, type: 'gauge', help: 'Messages produced per second.' },
  { name: METRICS.indexVectors, type: 'gauge', help: 'Vectors in the index, tombstoned ones included.' },
  { name: METRICS.indexTombstones, type: 'gauge', help: 'Tombstoned (deleted, not yet compacted) vectors.' },
  { name: COLLECTOR_METRICS.indexMemory, type: 'gauge', help: 'Estimated HNSW index memory in bytes.' },
  {
    name: COLLECTOR_METRICS.featureNewestEvent,
    type: 'gauge',
    help: 'Newest event time seen for the feature, unix seconds.',
  },
];

/** Escapes a label value: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/**
 * A sample value: 12 significant digits, so float noise of summed seconds (7.2000000000000055) does not
 * reach the page; rounding is monotonic, so counters stay monotonic. Infinities as `+Inf`/`-Inf`.
 */
function formatValue(value: number): string {
  return formatNumber(value);
}

/** `{a="x",b="y"}` with labels sorted by name and `le` last. */
function formatLabels(labels: Labels, le?: string): string {
  const keys = Object.keys(labels)
    .filter((k) => k !== 'le')
    .sort();
  const parts = keys.map((k) => `${k}="${escapeLabelValue(labels[k]!)}"`);
  if (le !== undefined) parts.push(`le="${escapeLabelValue(le)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

class Writer {
  private readonly lines: string[] = [];

  family(spec: FamilySpec, samples: Array<[string, string]>): void {
    if (samples.length === 0) return;
    this.lines.push(`# HELP ${spec.name} ${escapeHelp(spec.help)}`, `# TYPE ${spec.name} ${spec.type}`);
    samples.sort((a, b) => compare(a[0], b[0]));
    for (const [series, value] of samples) this.lines.push(`${series} ${value}`);
  }

  raw(lines: string[]): void {
    for (const line of lines) this.lines.push(line);
  }

  toString(): string {
    return this.lines.length === 0 ? '' : `${this.lines.join('\n')}\n`;
  }
}

function leValue(le: string | undefined): number {
  if (le === undefined) return NaN;
  return le === '+Inf' ? Infinity : Number(le);
}

/** One histogram family: per label set, buckets by `le` (+Inf last), then `_sum` and `_count`. */
function histogramLines(store: SeriesStore, spec: FamilySpec, at: number): string[] {
  const groups = new Map<
    string,
    { labels: Labels; buckets: SeriesRef[]; sum?: SeriesRef; count?: SeriesRef }
  >();
  const groupOf = (ref: SeriesRef) => {
    const key = formatLabels(ref.labels);
    let group = groups.get(key);
    if (group === undefined) {
      group = { labels: ref.labels, buckets: [] };
      groups.set(key, group);
    }
    return group;
  };
  for (const ref of store.select(`${spec.name}_bucket`)) groupOf(ref).buckets.push(ref);
  for (const ref of store.select(`${spec.name}_sum`)) groupOf(ref).sum = ref;
  for (const ref of store.select(`${spec.name}_count`)) groupOf(ref).count = ref;
  if (groups.size === 0) return [];
  const lines = [`# HELP ${spec.name} ${escapeHelp(spec.help)}`, `# TYPE ${spec.name} ${spec.type}`];
  for (const key of [...groups.keys()].sort(compare)) {
    const group = groups.get(key)!;
    group.buckets.sort((a, b) => leValue(a.labels.le) - leValue(b.labels.le));
    for (const bucket of group.buckets) {
      lines.push(
        `${spec.name}_bucket${formatLabels(bucket.labels, bucket.labels.le)} ${formatValue(store.total(bucket, at))}`,
      );
    }
    if (group.sum) lines.push(`${spec.name}_sum${key} ${formatValue(store.total(group.sum, at))}`);
    if (group.count) lines.push(`${spec.name}_count${key} ${formatValue(store.total(group.count, at))}`);
  }
  return lines;
}

/** Renders every signal series and the derived gauges at `at` (ms) in the Prometheus text format. */
export function renderSignalMetrics(store: SeriesStore, reader: SignalReader, at: number): string {
  const out = new Writer();
  for (const spec of COUNTERS) {
    out.family(
      spec,
      store
        .select(spec.name)
        .map((ref) => [`${spec.name}${formatLabels(ref.labels)}`, formatValue(store.total(ref, at))]),
    );
  }
  for (const spec of HISTOGRAMS) out.raw(histogramLines(store, spec, at));
  for (const spec of GAUGES) {
    const samples: Array<[string, string]> = [];
    for (const ref of store.select(spec.name)) {
      const latest = store.latest(ref, at);
      if (latest !== undefined)
        samples.push([`${spec.name}${formatLabels(ref.labels)}`, formatValue(latest.value)]);
    }
    out.family(spec, samples);
  }
  renderDerived(out, store, reader, at);
  return out.toString();
}

function renderDerived(out: Writer, store: SeriesStore, reader: SignalReader, at: number): void {
  const ages: Array<[string, string]> = [];
  for (const ref of store.select(COLLECTOR_METRICS.featureNewestEvent)) {
    const { service, feature } = ref.labels;
    if (service === undefined || feature === undefined) continue;
    const age = reader.featureAge(service, feature, at);
    if (age !== undefined)
      ages.push([`${METRICS.featureAge}${formatLabels({ service, feature })}`, formatValue(age)]);
  }
  out.family(
    {
      name: METRICS.featureAge,
      type: 'gauge',
      help: 'Seconds since the newest event time seen for the feature.',
    },
    ages,
  );

  const catchUp: Array<[string, string]> = [];
  for (const ref of store.select(METRICS.streamLag)) {
    const { service, consumer_group: group } = ref.labels;
    if (service === undefined || group === undefined) continue;
    const state = reader.stream(service, group, at);
    if (state !== undefined) {
      catchUp.push([
        `${METRICS.streamCatchUp}${formatLabels({ service, consumer_group: group })}`,
        formatValue(state.catchUpSeconds),
      ]);
    }
  }
  out.family(
    {
      name: METRICS.streamCatchUp,
      type: 'gauge',
      help: 'Seconds to drain the lag at the net consume rate; +Inf when the lag is not draining.',
    },
    catchUp,
  );

  const psi: Array<[string, string]> = [];
  const js: Array<[string, string]> = [];
  const services = new Set(store.listReferences().map((r) => r.service));
  for (const service of services) {
    for (const entry of reader.drift(service, at)) {
      const labels = formatLabels({ service, feature: entry.feature });
      psi.push([`${METRICS.driftPsi}${labels}`, formatValue(entry.psi)]);
      js.push([`${METRICS.driftJs}${labels}`, formatValue(entry.js)]);
    }
  }
  out.family(
    {
      name: METRICS.driftPsi,
      type: 'gauge',
      help: 'Population stability index of the current window against the reference.',
    },
    psi,
  );
  out.family(
    {
      name: METRICS.driftJs,
      type: 'gauge',
      help: 'Jensen-Shannon distance of the current window against the reference.',
    },
    js,
  );
}
