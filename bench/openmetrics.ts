// Scrapes of the Prometheus text format (0.0.4, what slactl's /metrics serves) turned into one OpenMetrics
// document with timestamps, for `promtool tsdb create-blocks-from openmetrics`: the samples a Prometheus
// scraping at those times would have stored, under the same series names.
// @see https://github.com/OpenObservability/OpenMetrics/blob/main/specification/OpenMetrics.md
import { parseExposition, type ScrapedSample } from '../server/evaluate/test-support/scrape.js';

/** One scrape: the body of /metrics and when it was taken (ms since the epoch). */
export interface Scrape {
  atMs: number;
  text: string;
}

export interface OpenMetricsResult {
  /** The document, ending in `# EOF`. */
  text: string;
  series: number;
  samples: number;
  /**
   * Series that were in a scrape and missing from a later one. Prometheus marks those stale at the
   * scrape they vanish from; OpenMetrics cannot say so, so a query within 5 minutes still sees them.
   */
  vanished: string[];
}

type TextType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

interface Family {
  /** The OpenMetrics family name (a counter's without `_total`). */
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'unknown';
  help?: string;
  /** Series (sample name with sorted labels) → values by scrape index. */
  series: Map<string, Map<number, number>>;
}

const TYPE_LINE = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)\s*$/;
const HELP_LINE = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/;

/** The family a text-format sample belongs to, from the TYPE lines seen (histograms and summaries by suffix). */
function familyOf(
  sample: string,
  types: ReadonlyMap<string, TextType>,
): { declared: string; type: TextType } {
  const direct = types.get(sample);
  if (direct !== undefined && direct !== 'histogram') return { declared: sample, type: direct };
  for (const suffix of ['_bucket', '_count', '_sum']) {
    if (!sample.endsWith(suffix)) continue;
    const base = sample.slice(0, -suffix.length);
    const type = types.get(base);
    if (type === 'histogram' || (type === 'summary' && suffix !== '_bucket')) return { declared: base, type };
  }
  return { declared: sample, type: direct ?? 'untyped' };
}

/**
 * The OpenMetrics family for a text-format family. A counter keeps its stored name only as
 * `<family>_total`, so a counter named without `_total` (allowed in the text format) becomes `unknown`,
 * as does an untyped family: Prometheus stores the sample names either way, and they must not change.
 */
function openMetricsFamily(declared: string, type: TextType): { name: string; type: Family['type'] } {
  if (type === 'counter')
    return declared.endsWith('_total')
      ? { name: declared.slice(0, -'_total'.length), type: 'counter' }
      : { name: declared, type: 'unknown' };
  if (type === 'untyped') return { name: declared, type: 'unknown' };
  return { name: declared, type };
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function formatTimestamp(ms: number): string {
  return Number.isInteger(ms / 1000) ? String(ms / 1000) : (ms / 1000).toFixed(3);
}

/** Where a histogram's or summary's sample goes: its label set, then buckets by `le`, `_count`, `_sum`. */
function sampleOrder({ name, labels }: ScrapedSample): { key: string; rank: number; bound: number } {
  const key = Object.entries(labels)
    .filter(([k]) => k !== 'le' && k !== 'quantile')
    .map(([k, v]) => `${k}=${v}`)
    .join('\u0000');
  const le = labels.le ?? labels.quantile;
  return {
    key,
    rank: name.endsWith('_count') ? 1 : name.endsWith('_sum') ? 2 : 0,
    bound: le === undefined ? 0 : le === '+Inf' ? Infinity : Number(le),
  };
}

/**
 * Scrapes (in time order) gathered into one OpenMetrics document: per family one TYPE line, then per
 * series its samples in time order (histograms per label set and time: buckets by `le`, `_count`,
 * `_sum`), each with its scrape's timestamp. Each scrape is parsed once, when added, so a growing
 * capture can be rendered again cheaply.
 */
export class OpenMetricsCapture {
  private readonly families = new Map<string, Family>();
  private readonly types = new Map<string, TextType>();
  private readonly helps = new Map<string, string>();
  private readonly times: number[] = [];
  private readonly order = new Map<string, { key: string; rank: number; bound: number }>();

  /** `keep` selects families by their text-format name (default: all). */
  constructor(private readonly keep: (family: string) => boolean = () => true) {}

  /** How many scrapes were added. */
  get length(): number {
    return this.times.length;
  }

  /** Adds one scrape, later than the previous one. */
  add(scrape: Scrape): void {
    const previous = this.times.at(-1);
    if (previous !== undefined && scrape.atMs <= previous)
      throw new Error(
        `scrape at ${new Date(scrape.atMs).toISOString()} is not later than the previous one: scrapes must be in time order`,
      );
    const index = this.times.length;
    this.times.push(scrape.atMs);
    for (const line of scrape.text.split('\n')) {
      if (!line.startsWith('# ')) continue;
      const type = TYPE_LINE.exec(line);
      if (type) this.types.set(type[1]!, type[2] as TextType);
      const help = HELP_LINE.exec(line);
      if (help) this.helps.set(help[1]!, help[2]!);
    }
    for (const sample of parseExposition(scrape.text)) {
      const { declared, type } = familyOf(sample.name, this.types);
      if (!this.keep(declared)) continue;
      const om = openMetricsFamily(declared, type);
      let family = this.families.get(om.name);
      if (family === undefined) {
        const help = this.helps.get(declared);
        family = { ...om, ...(help !== undefined ? { help } : {}), series: new Map() };
        this.families.set(om.name, family);
      } else if (family.type !== om.type) {
        throw new Error(
          `family ${om.name} is both ${family.type} and ${om.type} (scrape at ${new Date(scrape.atMs).toISOString()})`,
        );
      }
      let values = family.series.get(sample.series);
      if (values === undefined) {
        values = new Map();
        family.series.set(sample.series, values);
        if (family.type === 'histogram' || family.type === 'summary')
          this.order.set(sample.series, sampleOrder(sample));
      }
      values.set(index, sample.value);
    }
  }

  /** The document so far (needs at least one scrape). */
  render(): OpenMetricsResult {
    if (this.times.length === 0) throw new Error('no scrapes to render');
    const lines: string[] = [];
    let samples = 0;
    let seriesCount = 0;
    const vanished: string[] = [];
    const last = this.times.length - 1;
    const stamps = this.times.map(formatTimestamp);
    for (const name of [...this.families.keys()].sort()) {
      const family = this.families.get(name)!;
      lines.push(`# TYPE ${name} ${family.type}`);
      if (family.help !== undefined) lines.push(`# HELP ${name} ${family.help}`);
      const all = [...family.series.keys()].sort();
      for (const series of all) {
        seriesCount++;
        const indexes = [...family.series.get(series)!.keys()];
        const first = indexes[0]!;
        const end = indexes.at(-1)!;
        // A gap, or gone before the last scrape: Prometheus would have written a stale marker.
        if (indexes.length !== end - first + 1 || end < last) vanished.push(series);
      }
      if (family.type !== 'histogram' && family.type !== 'summary') {
        for (const series of all)
          for (const [index, value] of family.series.get(series)!) {
            lines.push(`${series} ${formatValue(value)} ${stamps[index]}`);
            samples++;
          }
        continue;
      }
      // Histograms and summaries: the samples of one label set at one scrape stay together.
      const byKey = new Map<string, string[]>();
      for (const series of all) {
        const { key } = this.order.get(series)!;
        const list = byKey.get(key) ?? [];
        list.push(series);
        byKey.set(key, list);
      }
      for (const key of [...byKey.keys()].sort()) {
        const members = byKey.get(key)!.sort((a, b) => {
          const x = this.order.get(a)!;
          const y = this.order.get(b)!;
          return x.rank - y.rank || (x.bound === y.bound ? 0 : x.bound < y.bound ? -1 : 1);
        });
        const valuesOf = members.map((series) => family.series.get(series)!);
        const indexes = new Set<number>();
        for (const values of valuesOf) for (const index of values.keys()) indexes.add(index);
        for (const index of [...indexes].sort((a, b) => a - b))
          members.forEach((series, i) => {
            const value = valuesOf[i]!.get(index);
            if (value === undefined) return;
            lines.push(`${series} ${formatValue(value)} ${stamps[index]}`);
            samples++;
          });
      }
    }
    lines.push('# EOF');
    return { text: `${lines.join('\n')}\n`, series: seriesCount, samples, vanished };
  }
}
