// Emits alerts/<sla>.rules.test.yaml: promtool unit tests that drive every alert of an SLA through a
// healthy period, a breach and a recovery, with input series synthesized from the plan and the expected
// alerts (labels and annotations, exactly) computed from a small model of the rules.
import { formatDuration, formatNumber } from '../lib/units.js';
import type { CompileSettings, RatioObjective, Signal, Sli, SlaPlan, ThresholdAlert } from './ir.js';
import { alertRules, generatedHeader, tierWindows } from './emit-rules.js';
import type { AlertRuleSpec, TemplatePart, ValueStyle } from './emit-rules.js';
import { METRICS, RECORDED } from './metrics.js';
import {
  counterSumQuery,
  eq,
  matcherAccepts,
  parseMatcherList,
  querySelectors,
  selector,
  isLabelName,
  isMetricName,
} from './promql.js';
import type { LabelMatcher } from './promql.js';
import { toYaml } from './yaml-out.js';

const MINUTE = 60_000;
/** Minutes kept between an evaluation and any instant the model places only to within a minute or two. */
const MARGIN = 3;
/**
 * Minutes of healthy traffic before a burn-rate breach. Not the 3 days the longest window spans: promtool
 * evaluates every rule of the file every minute (~100µs a rule, ~7ms a step for a full SLA), so a 3-day
 * history costs ~40s a test group; the model below accounts for windows that reach back before the data.
 */
const HISTORY = 30;
/**
 * Minutes after a burn-rate breach at which every alert must have resolved. The traffic after the breach
 * is a surge of good events that dilutes every short window below its threshold within these minutes,
 * rather than waiting out the longest short window (6h) at the old rate: same rule, 360 fewer steps.
 */
const RECOVERY = 6;
/** Minutes of healthy data before a threshold alert's breach. */
const THRESHOLD_HISTORY = MARGIN + 1;
/** Events per minute in synthesized traffic. */
const RATE = 100;
/** Denominator of synthesized ratios, so that every ratio with up to 6 decimals is exact. */
const SCALE = 1_000_000;

// ---------------------------------------------------------------------------------------------------
// Go's number formatting (fmt %f / %g, Prometheus' humanize* template functions), so that the expected
// annotations are byte-for-byte what Prometheus renders. Go rounds the exact binary value, ties to even.

interface Decimal {
  /** Significant digits without trailing zeros; value = 0.<digits> × 10^dp. */
  digits: string;
  dp: number;
}

function exactDecimal(v: number): Decimal {
  if (v === 0) return { digits: '', dp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  const exponent = (view.getUint32(0) >>> 20) & 0x7ff;
  let mantissa = (BigInt(view.getUint32(0) & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  let e2 = -1074;
  if (exponent !== 0) {
    mantissa |= 1n << 52n;
    e2 = exponent - 1075;
  }
  // mantissa × 2^e2 = mantissa × 5^-e2 / 10^-e2 when e2 < 0.
  const digits = e2 >= 0 ? (mantissa << BigInt(e2)).toString() : (mantissa * 5n ** BigInt(-e2)).toString();
  const dp = e2 >= 0 ? digits.length : digits.length + e2;
  return { digits: digits.replace(/0+$/, ''), dp };
}

function roundDecimal(d: Decimal, nd: number): Decimal {
  if (nd < 0 || nd >= d.digits.length) return d;
  const next = d.digits[nd]!;
  const up =
    next === '5' && nd + 1 === d.digits.length ? nd > 0 && Number(d.digits[nd - 1]) % 2 === 1 : next >= '5';
  if (!up) return { digits: d.digits.slice(0, nd).replace(/0+$/, ''), dp: d.dp };
  let i = nd - 1;
  while (i >= 0 && d.digits[i] === '9') i--;
  if (i < 0) return { digits: '1', dp: d.dp + 1 };
  return { digits: d.digits.slice(0, i) + String(Number(d.digits[i]) + 1), dp: d.dp };
}

function fmtF(d: Decimal, prec: number): string {
  let out = d.dp > 0 ? d.digits.slice(0, d.dp).padEnd(d.dp, '0') : '0';
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) {
      const j = d.dp + i - 1;
      out += j >= 0 && j < d.digits.length ? d.digits[j] : '0';
    }
  }
  return out;
}

function special(v: number): string | undefined {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return undefined;
}

/** Go's `fmt.Sprintf("%.<prec>f", v)`. */
export function goFixed(v: number, prec: number): string {
  const s = special(v);
  if (s !== undefined) return s;
  const d = exactDecimal(Math.abs(v));
  const out = fmtF(roundDecimal(d, d.dp + prec), prec);
  return v < 0 || Object.is(v, -0) ? `-${out}` : out;
}

/** Go's `fmt.Sprintf("%.<prec>g", v)`. */
export function goGeneral(v: number, precision: number): string {
  const s = special(v);
  if (s !== undefined) return s;
  let prec = precision === 0 ? 1 : precision;
  const d = roundDecimal(exactDecimal(Math.abs(v)), prec);
  const sign = v < 0 || Object.is(v, -0) ? '-' : '';
  let eprec = prec;
  if (eprec > d.digits.length && d.digits.length >= d.dp) eprec = d.digits.length;
  const exp = d.dp - 1;
  if (exp < -4 || exp >= eprec) {
    if (prec > d.digits.length) prec = d.digits.length;
    let out = d.digits[0] ?? '0';
    if (prec > 1) out += `.${d.digits.slice(1, prec).padEnd(prec - 1, '0')}`;
    const e = d.digits.length === 0 ? 0 : exp;
    return `${sign}${out}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  if (prec > d.dp) prec = d.digits.length;
  return sign + fmtF(d, Math.max(prec - d.dp, 0));
}

/** Prometheus' `humanizeDuration` template function. */
export function humanizeDuration(value: number): string {
  if (!Number.isFinite(value)) return goGeneral(value, 4);
  if (value === 0) return `${goGeneral(value, 4)}s`;
  let v = value;
  if (Math.abs(v) >= 1) {
    const sign = v < 0 ? '-' : '';
    v = Math.abs(v);
    const whole = Math.trunc(v);
    const seconds = whole % 60;
    const minutes = Math.trunc(whole / 60) % 60;
    const hours = Math.trunc(whole / 3600) % 24;
    const days = Math.trunc(whole / 86400);
    if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${goGeneral(v, 4)}s`;
  }
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return `${goGeneral(v, 4)}${prefix}s`;
}

// Rendering a value is exact decimal arithmetic on BigInts, and the same few values (1 / error budget,
// the chosen breach values) come back for every SLA: remember them, within a bound.
const RENDERED_LIMIT = 10_000;
const rendered: Record<ValueStyle, Map<number, string>> = {
  percent: new Map(),
  duration: new Map(),
  number: new Map(),
  'burn-rate': new Map(),
};

/** The text Prometheus renders for `$value` in the given style (see VALUE_TEMPLATES in emit-rules). */
export function renderValue(style: ValueStyle, value: number): string {
  // A Map takes -0 for 0, which renders differently.
  if (Object.is(value, -0)) return renderValueUncached(style, value);
  const byValue = rendered[style];
  let text = byValue.get(value);
  if (text === undefined) {
    if (byValue.size >= RENDERED_LIMIT) byValue.clear();
    text = renderValueUncached(style, value);
    byValue.set(value, text);
  }
  return text;
}

function renderValueUncached(style: ValueStyle, value: number): string {
  switch (style) {
    case 'percent':
      return `${goGeneral(value * 100, 4)}%`;
    case 'duration':
      return humanizeDuration(value);
    case 'number':
      return goGeneral(value, 4);
    case 'burn-rate':
      return goFixed(value, 1);
  }
}

function renderParts(
  parts: readonly TemplatePart[],
  value: number,
  ruleLabels: Readonly<Record<string, string>>,
  seriesLabels: Readonly<Record<string, string>>,
): string {
  return parts
    .map((part) => {
      if ('text' in part) return part.text;
      if ('value' in part) return renderValue(part.value, value);
      return ruleLabels[part.label] ?? seriesLabels[part.label] ?? '';
    })
    .join('');
}

// ---------------------------------------------------------------------------------------------------
// Input series: one sample a minute through three phases. Sample 0…H is healthy; the increments
// between samples H and H+B are the breach; then recovery until the last sample.

interface Timeline {
  healthy: number;
  breach: number;
  recovery: number;
}

/** A synthesized series: per phase, how much a counter grows a minute, or the value a gauge holds. */
interface SeriesSpec {
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
function run(start: number, step: number, count: number): string {
  if (count <= 0) return '';
  if (count === 1) return formatNumber(start);
  if (step === 0) return `${formatNumber(start)}x${count - 1}`;
  return `${formatNumber(start)}${step > 0 ? '+' : '-'}${formatNumber(Math.abs(step))}x${count - 1}`;
}

function seriesValues(s: SeriesSpec, t: Timeline): string {
  const recovery = s.recovery ?? s.healthy;
  if (s.kind === 'gauge') {
    return [run(s.healthy, 0, t.healthy + 1), run(s.breach, 0, t.breach), run(recovery, 0, t.recovery)]
      .filter((p) => p !== '')
      .join(' ');
  }
  const parts: string[] = [];
  let value: number;
  if (s.absentBeforeBreach === true) {
    if (t.healthy > 0) parts.push(t.healthy === 1 ? '_' : `_x${t.healthy}`);
    parts.push(run(0, s.breach, t.breach + 1));
    value = s.breach * t.breach;
  } else {
    parts.push(run(0, s.healthy, t.healthy + 1), run(s.healthy * t.healthy + s.breach, s.breach, t.breach));
    value = s.healthy * t.healthy + s.breach * t.breach;
  }
  parts.push(run(value + recovery, recovery, t.recovery));
  return parts.filter((p) => p !== '').join(' ');
}

function seriesName(s: Pick<SeriesSpec, 'name' | 'labels'>): string {
  const names = Object.keys(s.labels).sort();
  return selector(
    s.name,
    names.map((n) => eq(n, s.labels[n]!)),
  );
}

function inputSeries(series: readonly SeriesSpec[], t: Timeline): Array<{ series: string; values: string }> {
  return series.map((s) => ({ series: seriesName(s), values: seriesValues(s, t) }));
}

const minutes = (ms: number): number => Math.ceil(ms / MINUTE);
const at = (minute: number): string => formatDuration(minute * MINUTE);

// ---------------------------------------------------------------------------------------------------
// Finding label values that a team's selectors accept (or reject), for custom SLIs.

const FALLBACK_VALUES = ['200', 'ok', 'other', 'x', 'slactl_test', 'error', '500', '0', '1', 'true', 'false'];

/** Strings that a simple regex matches (first branch of each group); empty when the regex is beyond us. */
export function regexExamples(pattern: string): string[] {
  let pos = 0;
  const peek = () => pattern[pos];
  const fail = (): never => {
    throw new Error(`unsupported regex ${pattern}`);
  };
  const escape = (c: string): string => {
    const classes: Record<string, string> = { d: '0', w: 'a', s: ' ', D: 'x', W: '-', S: 'x' };
    if (c in classes) return classes[c]!;
    if ('bBAzpPQE'.includes(c)) fail();
    return c;
  };
  const charClass = (): string => {
    const negated = peek() === '^';
    if (negated) pos++;
    let first: string | undefined;
    let i = 0;
    for (; pos < pattern.length && (pattern[pos] !== ']' || i === 0); i++) {
      let c = pattern[pos++]!;
      if (c === '[') fail();
      if (c === '\\') c = escape(pattern[pos++] ?? fail());
      first ??= c;
    }
    if (pattern[pos++] !== ']') fail();
    return negated ? '_' : (first ?? fail());
  };
  const atom = (): string => {
    const c = pattern[pos++]!;
    switch (c) {
      case '(': {
        if (pattern.startsWith('?:', pos)) pos += 2;
        else if (peek() === '?') fail();
        const [first] = alternatives();
        if (pattern[pos++] !== ')') fail();
        return first ?? '';
      }
      case '[':
        return charClass();
      case '.':
        return 'x';
      case '\\':
        return escape(pattern[pos++] ?? fail());
      case '^':
      case '$':
        return '';
      case '*':
      case '+':
      case '?':
      case '{':
        return fail();
      default:
        return c;
    }
  };
  const repeat = (): number => {
    const c = peek();
    let n = 1;
    if (c === '?' || c === '*') n = 0;
    else if (c === '{') {
      const m = /^\{(\d+)(,\d*)?\}/.exec(pattern.slice(pos));
      if (m === null) fail();
      n = Number(m![1]);
      pos += m![0].length - 1;
    } else if (c !== '+') return 1;
    pos++;
    if (peek() === '?') pos++;
    return n;
  };
  const sequence = (): string => {
    let out = '';
    while (pos < pattern.length && peek() !== '|' && peek() !== ')') {
      const a = atom();
      out += a.repeat(repeat());
    }
    return out;
  };
  function alternatives(): string[] {
    const out = [sequence()];
    while (peek() === '|') {
      pos++;
      out.push(sequence());
    }
    return out;
  }
  try {
    const out = alternatives();
    return pos === pattern.length ? out : [];
  } catch {
    return [];
  }
}

function candidates(name: string, matchers: readonly LabelMatcher[]): string[] {
  const out = new Set<string>();
  for (const m of matchers) {
    if (m.name !== name) continue;
    if (m.op === '=' || m.op === '!=') out.add(m.value);
    else for (const example of regexExamples(m.value)) out.add(example);
  }
  for (const value of FALLBACK_VALUES) out.add(value);
  out.delete('');
  // An absent label reads as "", the last resort (never for the metric name).
  return name === '__name__' ? [...out] : [...out, ''];
}

const accepts = (m: LabelMatcher, value: string): boolean => matcherAccepts(m, value) === true;
const rejects = (m: LabelMatcher, value: string): boolean => matcherAccepts(m, value) === false;

/**
 * A label set (with `__name__`) that every list in `must` matches and every list in `mustNot` rejects
 * (by failing at least one of its matchers), or undefined when none of the simple values fit.
 */
export function solveLabels(
  must: ReadonlyArray<readonly LabelMatcher[]>,
  mustNot: ReadonlyArray<readonly LabelMatcher[]> = [],
): Record<string, string> | undefined {
  const all = [...must.flat(), ...mustNot.flat()];
  const choose = (i: number, violated: LabelMatcher[]): Record<string, string> | undefined => {
    if (i < mustNot.length) {
      for (const m of mustNot[i]!) {
        const found = choose(i + 1, [...violated, m]);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    const names = [...new Set([...must.flat(), ...violated].map((m) => m.name))].sort();
    const labels: Record<string, string> = {};
    for (const name of names) {
      const pos = must.flat().filter((m) => m.name === name);
      const neg = violated.filter((m) => m.name === name);
      const value = candidates(name, all).find(
        (c) => pos.every((m) => accepts(m, c)) && neg.every((m) => rejects(m, c)),
      );
      if (value === undefined) return undefined;
      if (value !== '') labels[name] = value;
    }
    const ok =
      must.every((list) => list.every((m) => accepts(m, labels[m.name] ?? ''))) &&
      mustNot.every((list) => list.some((m) => rejects(m, labels[m.name] ?? '')));
    return ok ? labels : undefined;
  };
  return choose(0, []);
}

function toSeries(
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

// ---------------------------------------------------------------------------------------------------
// Burn-rate scenarios.

/** What an objective's SLI reads, to tell whether synthesized series reach it. */
type Reader =
  | { kind: 'histogram'; metric: string; matchers: LabelMatcher[]; thresholdSeconds: number }
  | { kind: 'selectors'; selectors: LabelMatcher[][] }
  | { kind: 'unknown'; reason: string };

function reader(sli: Sli): Reader {
  switch (sli.kind) {
    case 'requests': {
      const m = eq('service', sli.service);
      return {
        kind: 'selectors',
        selectors: [
          [eq('__name__', METRICS.requests), m],
          [eq('__name__', METRICS.requestErrors), m],
        ],
      };
    }
    case 'latency':
      return {
        kind: 'histogram',
        metric: METRICS.requestDuration,
        matchers: [eq('service', sli.service)],
        thresholdSeconds: sli.thresholdSeconds,
      };
    case 'custom-ratio': {
      const selectors: LabelMatcher[][] = [];
      for (const query of [sli.errors, sli.total]) {
        const result = querySelectors(query);
        if (!result.ok) return { kind: 'unknown', reason: result.reason };
        if (result.selectors.length === 0)
          return { kind: 'unknown', reason: `${JSON.stringify(query)} selects no series` };
        selectors.push(...result.selectors);
      }
      return { kind: 'selectors', selectors };
    }
    case 'custom-histogram': {
      const parsed = parseMatcherList(sli.selector);
      if (!parsed.ok) return { kind: 'unknown', reason: parsed.reason };
      return {
        kind: 'histogram',
        metric: sli.metric,
        matchers: parsed.matchers,
        thresholdSeconds: sli.thresholdSeconds,
      };
    }
  }
}

function mayMatch(matchers: readonly LabelMatcher[], labels: Readonly<Record<string, string>>): boolean {
  return matchers.every((m) => matcherAccepts(m, labels[m.name] ?? '') !== false);
}

function touches(r: Reader, series: readonly SeriesSpec[]): boolean {
  return series.some((s) => {
    const labels = { __name__: s.name, ...s.labels };
    if (r.kind === 'unknown') return true;
    if (r.kind === 'selectors') return r.selectors.some((sel) => mayMatch(sel, labels));
    return (
      (s.name === `${r.metric}_bucket` || s.name === `${r.metric}_count`) && mayMatch(r.matchers, s.labels)
    );
  });
}

/** An objective in a scenario: during the breach every one of its events is bad (1) or none is (0). */
interface Member {
  objective: RatioObjective;
  bad: 0 | 1;
}

interface Scenario {
  series: SeriesSpec[];
  members: Member[];
}

const leLabel = (thresholdSeconds: number): string => formatNumber(thresholdSeconds);

function histogramScenario(
  plan: SlaPlan,
  target: RatioObjective,
  r: Reader & { kind: 'histogram' },
): Scenario | string {
  if (r.matchers.some((m) => m.name === 'le')) return 'its selector constrains le';
  const solved = solveLabels([r.matchers]);
  if (solved === undefined) return `no label values satisfy ${JSON.stringify(r.matchers)}`;
  const members: Member[] = [];
  const thresholds = new Set<number>();
  for (const o of plan.objectives) {
    if (o.alertname !== target.alertname) continue;
    const other = o === target ? r : reader(o.sli);
    if (other.kind !== 'histogram' || other.metric !== r.metric || !mayMatch(other.matchers, solved))
      continue;
    // Slow requests land just above the target's threshold: objectives with a higher threshold see none.
    members.push({ objective: o, bad: other.thresholdSeconds <= r.thresholdSeconds ? 1 : 0 });
    thresholds.add(other.thresholdSeconds);
  }
  const base = { ...solved, __name__: `${r.metric}_bucket` };
  const series: SeriesSpec[] = [];
  for (const le of [...thresholds].sort((a, b) => a - b)) {
    const bucket = toSeries(
      { ...base, le: leLabel(le) },
      { kind: 'counter', healthy: RATE, breach: le > r.thresholdSeconds ? RATE : 0 },
    );
    if (typeof bucket === 'string') return bucket;
    series.push(bucket);
  }
  const inf = toSeries({ ...base, le: '+Inf' }, { kind: 'counter', healthy: RATE, breach: RATE });
  const count = toSeries(
    { ...solved, __name__: `${r.metric}_count` },
    { kind: 'counter', healthy: RATE, breach: RATE },
  );
  if (typeof inf === 'string') return inf;
  if (typeof count === 'string') return count;
  series.push(inf, count);
  return { series, members };
}

function customRatioScenario(target: RatioObjective, sli: Sli & { kind: 'custom-ratio' }): Scenario | string {
  const errors = counterSumQuery(sli.errors);
  if (!errors.ok) return errors.reason;
  const total = counterSumQuery(sli.total);
  if (!total.ok) return total.reason;
  if (errors.fn !== total.fn)
    return `errors use ${errors.fn}() but total uses ${total.fn}(): not a share of events`;
  const e = errors.matchers;
  const t = total.matchers;
  const counter = (labels: Record<string, string> | undefined, healthy: number, breach: number) =>
    labels === undefined ? undefined : toSeries(labels, { kind: 'counter', healthy, breach });
  // Preferably one series both queries count (bad) beside one only the total counts (good); otherwise
  // an errors-only series beside a total-only one.
  const good = solveLabels([t], [e]);
  let pair = [counter(solveLabels([e, t]), 0, RATE), counter(good, RATE, 0)];
  if (pair.some((s) => s === undefined))
    pair = [counter(solveLabels([e], [t]), 0, RATE), counter(good, RATE, RATE)];
  const [bad, rest] = pair;
  if (bad === undefined || rest === undefined) {
    return 'found no label values that tell its error series from its other series';
  }
  if (typeof bad === 'string') return bad;
  if (typeof rest === 'string') return rest;
  return { series: [bad, rest], members: [{ objective: target, bad: 1 }] };
}

function scenario(plan: SlaPlan, target: RatioObjective): Scenario | string {
  const sli = target.sli;
  let result: Scenario | string;
  if (sli.kind === 'requests') {
    const labels = { service: sli.service };
    result = {
      series: [
        { name: METRICS.requests, labels, kind: 'counter', healthy: RATE, breach: RATE },
        {
          name: METRICS.requestErrors,
          labels,
          kind: 'counter',
          healthy: 0,
          breach: RATE,
          absentBeforeBreach: true,
        },
      ],
      members: [{ objective: target, bad: 1 }],
    };
  } else if (sli.kind === 'custom-ratio') {
    result = customRatioScenario(target, sli);
  } else {
    const r = reader(sli);
    if (r.kind !== 'histogram') return r.kind === 'unknown' ? r.reason : 'unexpected reader';
    result = histogramScenario(plan, target, r);
  }
  if (typeof result === 'string') return result;
  // Objectives firing the same alertname must either be modelled or not see these series at all.
  for (const o of plan.objectives) {
    if (o.alertname !== target.alertname || result.members.some((m) => m.objective === o)) continue;
    if (touches(reader(o.sli), result.series)) {
      return `objective ${o.slo} fires ${o.alertname} too and may read the same series`;
    }
  }
  return result;
}

interface TierModel {
  member: Member;
  rule: AlertRuleSpec;
  shortMin: number;
  /** Ratio above which both windows must be for the condition to hold (factor × error budget). */
  threshold: number;
  /** Minutes into the breach at which the tier starts firing; undefined when it never does. */
  firesAt?: number;
}

/** Share of bad events over the last w minutes, t minutes into a breach that follows HISTORY healthy ones. */
export function breachRatio(t: number, w: number): number {
  return Math.min(t, w) / Math.min(HISTORY + t, w);
}

/** The first instant the breach ratio over w exceeds a threshold below 1 (it only grows during a breach). */
function crossing(threshold: number, w: number): number {
  // While the window still reaches back before the data, the ratio is t / (HISTORY + t); later min(t, w) / w.
  const early = (threshold * HISTORY) / (1 - threshold);
  return early <= w - HISTORY ? early : threshold * w;
}

function tierModels(members: readonly Member[], rules: readonly AlertRuleSpec[]): TierModel[] {
  const out: TierModel[] = [];
  for (const member of members) {
    for (const rule of rules) {
      if (rule.source.kind !== 'burn' || rule.source.objective !== member.objective) continue;
      const tier = rule.source.tier;
      const threshold = tier.factor * member.objective.errorBudget;
      const shortMin = minutes(tier.shortWindowMs);
      const longMin = minutes(tier.longWindowMs);
      const model: TierModel = { member, rule, shortMin, threshold };
      // The condition holds once both windows' ratios exceed the threshold; the alert fires `for` later.
      if (member.bad === 1 && threshold < 1) {
        model.firesAt =
          Math.max(crossing(threshold, shortMin), crossing(threshold, longMin)) + tier.forMs / MINUTE;
      }
      out.push(model);
    }
  }
  return out;
}

/** How many times heavier the all-good traffic after the breach is than before it (a power of ten). */
function surgeFactor(models: readonly TierModel[]): number {
  let k = 1;
  for (const m of models) {
    if (m.firesAt === undefined || m.shortMin <= RECOVERY) continue;
    // s minutes into the recovery a short window w holds at most (w − s) minutes of bad events against
    // K × s of good ones: keep that ratio under a tenth of the threshold.
    k = Math.max(k, (10 * (m.shortMin - RECOVERY)) / (m.threshold * RECOVERY));
  }
  return 10 ** Math.ceil(Math.log10(k));
}

/** The first minute ≥ start that is MARGIN away from every firing boundary and where every firing tier's short window is all breach. */
function safeMinute(start: number, models: readonly TierModel[]): number {
  for (let t = Math.ceil(start); ; t++) {
    const ok = models.every((m) => {
      if (m.firesAt === undefined) return true;
      if (Math.abs(t - m.firesAt) < MARGIN) return false;
      return t < m.firesAt || t >= m.shortMin + MARGIN;
    });
    if (ok) return t;
  }
}

type AlertTest = {
  eval_time: string;
  alertname: string;
  exp_alerts: Array<{ exp_labels: Record<string, string>; exp_annotations: Record<string, string> }>;
};

type ExprTest = { expr: string; eval_time: string; exp_samples: Array<{ labels: string; value: number }> };

type TestGroup = {
  name: string;
  interval: string;
  input_series: Array<{ series: string; values: string }>;
  alert_rule_test?: AlertTest[];
  promql_expr_test?: ExprTest[];
};

function expectedBurnAlert(model: TierModel, plan: SlaPlan) {
  const seriesLabels = { sla: plan.name, service: plan.service, slo: model.member.objective.slo };
  // Once the breach fills the short window its ratio is exactly 1: the burn rate is 1 / error budget.
  const value = 1 / model.member.objective.errorBudget;
  return {
    exp_labels: { ...seriesLabels, ...model.rule.labels },
    exp_annotations: Object.fromEntries(
      Object.entries(model.rule.annotations).map(([k, parts]) => [
        k,
        renderParts(parts, value, model.rule.labels, seriesLabels),
      ]),
    ),
  };
}

function recordedLabels(plan: SlaPlan, objective: RatioObjective, name: string): string {
  return selector(name, [eq('service', plan.service), eq('sla', plan.name), eq('slo', objective.slo)]);
}

/** An SLA's scenario of each objective, each worked out once (the burn-rate and idle tests both need it). */
type Scenarios = (objective: RatioObjective) => Scenario | string;

function scenarios(plan: SlaPlan): Scenarios {
  const found = new Map<RatioObjective, Scenario | string>();
  return (objective) => {
    let result = found.get(objective);
    if (result === undefined) found.set(objective, (result = scenario(plan, objective)));
    return result;
  };
}

function burnRateGroup(
  plan: SlaPlan,
  objective: RatioObjective,
  rules: readonly AlertRuleSpec[],
  warnings: string[],
  scenarioOf: Scenarios,
): TestGroup | undefined {
  const where = `${plan.name}: objective ${objective.slo}`;
  if (objective.tiers.length === 0) return undefined;
  const found = scenarioOf(objective);
  if (typeof found === 'string') {
    warnings.push(`${where}: burn-rate alerts not tested by promtool: ${found}`);
    return undefined;
  }
  const models = tierModels(found.members, rules);
  const own = models.filter((m) => m.member.objective === objective);
  for (const m of own) {
    if (m.firesAt === undefined) {
      warnings.push(
        `${where}: tier ${m.rule.labels.burn_tier} can never fire (burn factor × error budget ≥ 1), so its test only checks silence`,
      );
    }
  }
  const times = new Set<number>();
  for (const m of own)
    if (m.firesAt !== undefined) times.add(safeMinute(Math.max(m.firesAt, m.shortMin + MARGIN), models));
  if (times.size === 0) times.add(safeMinute(Math.max(60, ...own.map((m) => m.shortMin)) + MARGIN, models));
  const breachTimes = [...times].sort((a, b) => a - b);
  const timeline: Timeline = {
    healthy: HISTORY,
    breach: breachTimes[breachTimes.length - 1]!,
    recovery: RECOVERY,
  };
  const surge = surgeFactor(models);
  const series = found.series.map((s) => ({ ...s, recovery: s.healthy * surge }));
  const h = timeline.healthy;
  // A tier's expected alert is the same at every eval time it fires at: render it once.
  const expected = new Map(models.map((m) => [m, expectedBurnAlert(m, plan)]));
  const firingAt = (t: number) =>
    models.filter((m) => m.firesAt !== undefined && m.firesAt < t).map((m) => expected.get(m)!);
  const alertname = objective.alertname;
  const ratioName = RECORDED.errorRatio(formatDuration(Math.min(...tierWindows(objective))));
  const windowName = RECORDED.errorRatio(formatDuration(plan.windowMs));
  const filter = selector(ratioName, [eq('sla', plan.name), eq('slo', objective.slo)]);
  return {
    name:
      `${plan.name}: ${objective.slo} burn rate (${objective.sli.kind} SLI): ${HISTORY}m healthy, ` +
      `${timeline.breach}m of only bad events, then good traffic ${surge}× heavier`,
    interval: '1m',
    input_series: inputSeries(series, timeline),
    alert_rule_test: [
      { eval_time: at(h), alertname, exp_alerts: [] },
      ...breachTimes.map((t) => ({ eval_time: at(h + t), alertname, exp_alerts: firingAt(t) })),
      { eval_time: at(h + timeline.breach + timeline.recovery), alertname, exp_alerts: [] },
    ],
    promql_expr_test: [
      {
        expr: filter,
        eval_time: at(h),
        exp_samples: [{ labels: recordedLabels(plan, objective, ratioName), value: 0 }],
      },
      {
        expr: selector(windowName, [eq('sla', plan.name), eq('slo', objective.slo)]),
        eval_time: at(h),
        exp_samples: [{ labels: recordedLabels(plan, objective, windowName), value: 0 }],
      },
      {
        expr: selector(RECORDED.budgetRemaining, [eq('sla', plan.name), eq('slo', objective.slo)]),
        eval_time: at(h),
        exp_samples: [{ labels: recordedLabels(plan, objective, RECORDED.budgetRemaining), value: 1 }],
      },
      {
        expr: selector(RECORDED.objective, [eq('sla', plan.name), eq('slo', objective.slo)]),
        eval_time: at(h),
        exp_samples: [
          { labels: recordedLabels(plan, objective, RECORDED.objective), value: objective.target },
        ],
      },
    ],
  };
}

function idleGroups(plan: SlaPlan, scenarioOf: Scenarios): TestGroup[] {
  const series = new Map<string, SeriesSpec>();
  const covered: RatioObjective[] = [];
  for (const o of plan.objectives) {
    const found = scenarioOf(o);
    if (typeof found === 'string') continue;
    covered.push(o);
    for (const s of found.series)
      series.set(seriesName(s), { ...s, healthy: 0, breach: 0, absentBeforeBreach: false });
  }
  if (covered.length === 0) return [];
  const slo = {
    name: 'slo',
    op: '=~' as const,
    value: covered.map((o) => o.slo.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'),
  };
  const windows = new Set<number>([plan.windowMs, ...covered.flatMap((o) => tierWindows(o))]);
  const exprs = [
    ...[...windows].sort((a, b) => a - b).map((w) => RECORDED.errorRatio(formatDuration(w))),
    RECORDED.budgetRemaining,
  ];
  const evalMinute = 30;
  const tests = exprs.map((name) => ({
    expr: selector(name, [eq('sla', plan.name), slo]),
    eval_time: at(evalMinute),
    exp_samples: [],
  }));
  const timeline: Timeline = { healthy: evalMinute, breach: 0, recovery: 0 };
  return [
    {
      name: `${plan.name}: idle service (zero rates) records no error ratio`,
      interval: '1m',
      input_series: [...series.values()].map((s) => ({
        series: seriesName(s),
        values: run(0, 0, timeline.healthy + 1),
      })),
      promql_expr_test: tests,
    },
    {
      name: `${plan.name}: no series at all records no error ratio`,
      interval: '1m',
      input_series: [],
      promql_expr_test: tests,
    },
  ];
}

// ---------------------------------------------------------------------------------------------------
// Threshold scenarios.

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
  readers: ReadonlyMap<string, number>,
): TestGroup | undefined {
  const subject = Object.values(alert.subject).join(', ');
  const where = `${plan.name}: ${alert.alertname}${subject === '' ? '' : ` (${subject})`}`;
  const clash = readers.get(seriesKey(alert)) ?? 0;
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
  const expected = {
    exp_labels: { ...found.resultLabels, ...rule.labels },
    exp_annotations: Object.fromEntries(
      Object.entries(rule.annotations).map(([k, parts]) => [
        k,
        renderParts(parts, found.value, rule.labels, found.resultLabels),
      ]),
    ),
  };
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
 * Renders the promtool unit tests of one SLA's rules file: every alert silent when healthy, firing with
 * exact labels and annotations under a breach, resolved after recovery; warnings name what it could not test.
 */
export function emitRuleTests(
  plan: SlaPlan,
  settings: CompileSettings,
  rulesFileName: string,
  rules: readonly AlertRuleSpec[] = alertRules(plan, settings),
): { text: string; warnings: string[] } {
  const warnings: string[] = [];
  const groups: TestGroup[] = [];
  const scenarioOf = scenarios(plan);
  for (const objective of plan.objectives) {
    const group = burnRateGroup(plan, objective, rules, warnings, scenarioOf);
    if (group !== undefined) groups.push(group);
  }
  // How many threshold alerts read each series: alerts that share one cannot be tested apart.
  const readers = new Map<string, number>();
  for (const t of plan.thresholds) readers.set(seriesKey(t), (readers.get(seriesKey(t)) ?? 0) + 1);
  for (const rule of rules) {
    if (rule.source.kind !== 'threshold') continue;
    const group = thresholdGroup(plan, rule, rule.source.alert, warnings, readers);
    if (group !== undefined) groups.push(group);
  }
  groups.push(...idleGroups(plan, scenarioOf));
  const header = generatedHeader(plan.source, 'Run with `promtool test rules` on this file.');
  return {
    text: toYaml({ rule_files: [rulesFileName], evaluation_interval: '1m', tests: groups }, header),
    warnings,
  };
}
