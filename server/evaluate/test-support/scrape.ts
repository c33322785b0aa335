// Reads Prometheus text exposition (what /metrics serves) into samples, and turns a series of scrapes
// into promtool `input_series`, so the differential test feeds promtool exactly what Prometheus would
// have scraped.
import { escapeLabelValue } from '../../compile/promql.js';

/** One scraped sample: the series as a PromQL selector with sorted labels, its parts, and its value. */
export interface ScrapedSample {
  series: string;
  /** The metric name. */
  name: string;
  /** The labels, unescaped, in sorted order. */
  labels: Readonly<Record<string, string>>;
  value: number;
}

function unescapeLabel(text: string): string {
  return text.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function parseValue(text: string, line: string): number {
  // Prometheus reads these case-insensitively; prom-client writes `Nan`.
  if (/^\+?inf$/i.test(text)) return Infinity;
  if (/^-inf$/i.test(text)) return -Infinity;
  if (/^nan$/i.test(text)) return NaN;
  const value = Number(text);
  if (text === '' || Number.isNaN(value))
    throw new Error(`unreadable sample value in exposition line: ${line}`);
  return value;
}

/** Parses the text format (version 0.0.4): comments skipped, labels sorted, escapes kept valid. */
export function parseExposition(text: string): ScrapedSample[] {
  const out: ScrapedSample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const brace = line.indexOf('{');
    const space = line.indexOf(' ');
    let name: string;
    let rest: string;
    const labels: Array<[string, string]> = [];
    if (brace !== -1 && (space === -1 || brace < space)) {
      name = line.slice(0, brace);
      let i = brace + 1;
      for (;;) {
        while (line[i] === ',' || line[i] === ' ') i++;
        if (line[i] === '}') break;
        const eq = line.indexOf('=', i);
        if (eq === -1 || line[eq + 1] !== '"')
          throw new Error(`unreadable labels in exposition line: ${line}`);
        const label = line.slice(i, eq).trim();
        let j = eq + 2;
        let value = '';
        while (j < line.length && line[j] !== '"') {
          if (line[j] === '\\') {
            value += line.slice(j, j + 2);
            j += 2;
          } else value += line[j++];
        }
        if (j >= line.length) throw new Error(`unterminated label value in exposition line: ${line}`);
        labels.push([label, unescapeLabel(value)]);
        i = j + 1;
      }
      rest = line.slice(i + 1).trim();
    } else {
      name = line.slice(0, space);
      rest = line.slice(space + 1).trim();
    }
    const [valueText = ''] = rest.split(/\s+/);
    labels.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const series =
      labels.length === 0
        ? name
        : `${name}{${labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
    out.push({ series, name, labels: Object.fromEntries(labels), value: parseValue(valueText, line) });
  }
  return out;
}

/** A promtool sample value. */
function promtoolValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/**
 * Promtool `input_series` from one scrape per interval (scrape i at i × interval): a series missing
 * from a scrape is `_` there, and `stale` at the first scrape it vanished from, as Prometheus marks it.
 */
export function inputSeries(
  scrapes: ReadonlyArray<readonly ScrapedSample[]>,
): Array<{ series: string; values: string }> {
  const all = new Map<string, string[]>();
  scrapes.forEach((scrape, i) => {
    for (const sample of scrape) {
      let values = all.get(sample.series);
      if (values === undefined) {
        values = new Array<string>(scrapes.length).fill('_');
        all.set(sample.series, values);
      }
      values[i] = promtoolValue(sample.value);
    }
  });
  for (const values of all.values()) {
    for (let i = 1; i < values.length; i++) {
      if (values[i] === '_' && values[i - 1] !== '_' && values[i - 1] !== 'stale') values[i] = 'stale';
    }
  }
  return [...all.keys()].sort().map((series) => ({ series, values: all.get(series)!.join(' ') }));
}
