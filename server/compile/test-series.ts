// Input series of the promtool tests: one sample a minute through three phases. Sample 0…H is healthy;
// the increments between samples H and H+B are the breach; then recovery until the last sample.
import { formatDuration, formatNumber } from '../lib/units.js';
import { eq, isLabelName, isMetricName, selector } from './promql.js';
import type { LabelMatcher } from './promql.js';

export const MINUTE = 60_000;
/** Minutes kept between an evaluation and any instant the model places only to within a minute or two. */
export const MARGIN = 3;
/** Events per minute in synthesized traffic. */
export const RATE = 100;

/** Lengths of the three phases, in minutes (samples H+1…H+B are the breach, then R of recovery). */
export interface Timeline {
  healthy: number;
  breach: number;
  recovery: number;
}

/** A synthesized series: per phase, how much a counter grows a minute, or the value a gauge holds. */
export interface SeriesSpec {
  name: string;
  labels: Record<string, string>;
  kind: 'counter' | 'gauge';
  healthy: number;
  breach: number;
  recovery?: number;
  /** The series first appears at the last healthy sample (an error counter that did not exist yet). */
  absentBeforeBreach?: boolean;
}

/** `count` samples in promtool's expanding notation (`a+bxn` is n+1 samples). */
export function run(start: number, step: number, count: number): string {
  if (count <= 0) return '';
  if (count === 1) return formatNumber(start);
  if (step === 0) return `${formatNumber(start)}x${count - 1}`;
  return `${formatNumber(start)}${step > 0 ? '+' : '-'}${formatNumber(Math.abs(step))}x${count - 1}`;
}

/** Appends a non-empty run to a space-separated list of runs. */
function append(values: string, part: string): string {
  if (part === '') return values;
  return values === '' ? part : `${values} ${part}`;
}

/** The `values` of a series over a timeline. */
export function seriesValues(s: SeriesSpec, t: Timeline): string {
  const recovery = s.recovery ?? s.healthy;
  if (s.kind === 'gauge') {
    return append(
      append(run(s.healthy, 0, t.healthy + 1), run(s.breach, 0, t.breach)),
      run(recovery, 0, t.recovery),
    );
  }
  let values: string;
  let value: number;
  if (s.absentBeforeBreach === true) {
    values = t.healthy <= 0 ? '' : t.healthy === 1 ? '_' : `_x${t.healthy}`;
    values = append(values, run(0, s.breach, t.breach + 1));
    value = s.breach * t.breach;
  } else {
    values = append(
      run(0, s.healthy, t.healthy + 1),
      run(s.healthy * t.healthy + s.breach, s.breach, t.breach),
    );
    value = s.healthy * t.healthy + s.breach * t.breach;
  }
  return append(values, run(value + recovery, recovery, t.recovery));
}

/** The series selector promtool reads: `name{a="1",b="2"}`, labels sorted. */
export function seriesName(s: Pick<SeriesSpec, 'name' | 'labels'>): string {
  const names = Object.keys(s.labels);
  // Insertion sort in place, in the order of Array#sort (UTF-16 code units): a series has a handful of
  // labels, and Array#sort allocates its work space on every call, for every series of every test.
  for (let i = 1; i < names.length; i++) {
    const name = names[i]!;
    let j = i - 1;
    for (; j >= 0 && names[j]! > name; j--) names[j + 1] = names[j]!;
    names[j + 1] = name;
  }
  const matchers: LabelMatcher[] = [];
  for (const n of names) matchers.push(eq(n, s.labels[n]!));
  return selector(s.name, matchers);
}

/** The `input_series` of a test group. */
export function inputSeries(
  series: readonly SeriesSpec[],
  t: Timeline,
): Array<{ series: string; values: string }> {
  return series.map((s) => ({ series: seriesName(s), values: seriesValues(s, t) }));
}

/** A series from a solved label set (with `__name__`), or why promtool could not be given one. */
export function toSeries(
  labels: Record<string, string>,
  rest: Omit<SeriesSpec, 'name' | 'labels'>,
): SeriesSpec | string {
  const { __name__: name, ...plain } = labels;
  if (name === undefined || !isMetricName(name))
    return `cannot name a series for metric ${JSON.stringify(name)}`;
  const bad = Object.keys(plain).find((n) => !isLabelName(n));
  if (bad !== undefined) return `label name ${JSON.stringify(bad)} needs quoting`;
  return { name, labels: plain, ...rest };
}

/** Whole minutes that cover a duration. */
export const minutes = (ms: number): number => Math.ceil(ms / MINUTE);

// The same few eval times come back in every test file: remember them, within a bound.
const EVAL_TIMES = new Map<number, string>();
const EVAL_TIMES_LIMIT = 10_000;

/** An eval time `minute` minutes into a test, as promtool reads it. */
export function at(minute: number): string {
  let text = EVAL_TIMES.get(minute);
  if (text === undefined) {
    if (EVAL_TIMES.size >= EVAL_TIMES_LIMIT) EVAL_TIMES.clear();
    EVAL_TIMES.set(minute, (text = formatDuration(minute * MINUTE)));
  }
  return text;
}
