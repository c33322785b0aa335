// Translates pieces of the plan into PromQL, and reads just enough of a team's own PromQL (custom SLIs)
// to know which series it selects. Every label value goes through escapeLabelValue, whatever its source.
import { parser } from '@prometheus-io/lezer-promql';
import { formatDuration, formatNumber } from '../lib/units.js';
import type { Signal, Sli, ThresholdAlert } from './ir.js';
import { METRICS } from './metrics.js';

export type MatchOp = '=' | '!=' | '=~' | '!~';

/** One label matcher of a selector; `__name__` stands for the metric name. */
export interface LabelMatcher {
  name: string;
  op: MatchOp;
  value: string;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const NEEDS_ESCAPE = /[\\"\n]/;

/** True for a label name Prometheus accepts without quoting. */
export function isLabelName(name: string): boolean {
  return LABEL_NAME.test(name);
}

/** True for a metric name Prometheus accepts without quoting. */
export function isMetricName(name: string): boolean {
  return METRIC_NAME.test(name);
}

/** Escapes a label value for a double-quoted PromQL string: backslash, double quote and newline. */
export function escapeLabelValue(value: string): string {
  // Most values need no escape: one scan instead of three replacements (this runs for every series).
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** An equality matcher. */
export function eq(name: string, value: string): LabelMatcher {
  return { name, op: '=', value };
}

/** Renders one matcher as `name="value"`, escaping the value. */
export function renderMatcher(m: LabelMatcher): string {
  if (!isLabelName(m.name)) throw new Error(`invalid label name ${JSON.stringify(m.name)}`);
  return `${m.name}${m.op}"${escapeLabelValue(m.value)}"`;
}

/** Renders a vector selector such as `metric{a="b",c=~"d"}` (just `metric` without matchers). */
export function selector(metric: string, matchers: readonly LabelMatcher[]): string {
  if (!isMetricName(metric)) throw new Error(`invalid metric name ${JSON.stringify(metric)}`);
  if (matchers.length === 0) return metric;
  // A loop rather than map + join: selectors are built for every rule and every test series.
  let out = `${metric}{${renderMatcher(matchers[0]!)}`;
  for (let i = 1; i < matchers.length; i++) out += `,${renderMatcher(matchers[i]!)}`;
  return `${out}}`;
}

/**
 * The `le` matcher of the bucket at a latency threshold. Prometheus 3 normalises integer `le` values to
 * `1.0` while older exporters write `1`, so integer thresholds match both spellings.
 */
export function leMatcher(thresholdSeconds: number): LabelMatcher {
  const le = formatNumber(thresholdSeconds);
  return Number.isInteger(thresholdSeconds)
    ? { name: 'le', op: '=~', value: `${le}|${le}\\.0` }
    : eq('le', le);
}

/** Replaces every `{{window}}` in a team's query with the range, e.g. `5m`. */
export function substituteWindow(query: string, window: string): string {
  return query.replace(/\{\{\s*window\s*\}\}/g, window);
}

/** The matcher list of a custom histogram SLI as written (`job="recs"`), without braces or a trailing comma. */
export function customSelectorText(selectorText: string): string {
  let text = selectorText.trim();
  if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1).trim();
  return text.replace(/,\s*$/, '');
}

function histogramErrorRatio(
  metric: string,
  matchers: string[],
  thresholdSeconds: number,
  w: string,
): string {
  const braces = (extra: string[]) => {
    const all = [...matchers, ...extra];
    return all.length === 0 ? '' : `{${all.join(',')}}`;
  };
  const bucket = `${metric}_bucket${braces([renderMatcher(leMatcher(thresholdSeconds))])}`;
  const count = `${metric}_count${braces([])}`;
  return `1 - (sum(rate(${bucket}[${w}])) / (sum(rate(${count}[${w}])) > 0))`;
}

/**
 * The share of bad events of an SLI over a window. Idle services (no traffic) yield no sample rather
 * than NaN, and a missing error counter counts as zero errors.
 */
export function errorRatioExpr(sli: Sli, windowMs: number): string {
  const w = formatDuration(windowMs);
  switch (sli.kind) {
    case 'requests': {
      const m = [eq('service', sli.service)];
      const errors = selector(METRICS.requestErrors, m);
      const total = selector(METRICS.requests, m);
      return `(sum(rate(${errors}[${w}])) or vector(0)) / (sum(rate(${total}[${w}])) > 0)`;
    }
    case 'latency':
      return histogramErrorRatio(
        METRICS.requestDuration,
        [renderMatcher(eq('service', sli.service))],
        sli.thresholdSeconds,
        w,
      );
    case 'custom-ratio':
      // `or vector(0)`: a team's error series often does not exist until the first error.
      return `((${substituteWindow(sli.errors, w)}) or vector(0)) / ((${substituteWindow(sli.total, w)}) > 0)`;
    case 'custom-histogram': {
      const text = customSelectorText(sli.selector);
      return histogramErrorRatio(sli.metric, text === '' ? [] : [text], sli.thresholdSeconds, w);
    }
  }
}

/** The PromQL of a signal and the guard that keeps a comparison on it meaningful (no data, no NaN). */
function signalParts(signal: Signal): { value: string; guard?: string } {
  switch (signal.kind) {
    case 'component-quantile': {
      const m = [eq('service', signal.service), eq('component', signal.component)];
      const w = formatDuration(signal.windowMs);
      const bucket = selector(`${METRICS.componentLatency}_bucket`, m);
      const count = selector(`${METRICS.componentLatency}_count`, m);
      return {
        value: `histogram_quantile(${formatNumber(signal.quantile)}, sum by (le) (rate(${bucket}[${w}])))`,
        guard: `and on() (sum(rate(${count}[${w}])) > 0)`,
      };
    }
    case 'feature-age':
      return {
        value: selector(METRICS.featureAge, [eq('service', signal.service), eq('feature', signal.feature)]),
      };
    case 'recall': {
      const m = [eq('service', signal.service), eq('index', signal.index), eq('k', formatNumber(signal.k))];
      const w = formatDuration(signal.windowMs);
      const hits = `sum(rate(${selector(METRICS.recallHits, m)}[${w}]))`;
      const expected = `sum(rate(${selector(METRICS.recallExpected, m)}[${w}]))`;
      const probes = `sum(increase(${selector(METRICS.recallProbes, m)}[${w}]))`;
      return {
        value: `${hits} / (${expected} > 0)`,
        guard: `and on() (${probes} >= ${formatNumber(signal.minProbes)})`,
      };
    }
    case 'tombstone-ratio': {
      // Default one-to-one matching (all labels) rather than on(service, index): two collectors exporting
      // the same index would make on(service, index) a many-to-many error that silences the alert.
      const m = [eq('service', signal.service), eq('index', signal.index)];
      return {
        value: `${selector(METRICS.indexTombstones, m)} / (${selector(METRICS.indexVectors, m)} > 0)`,
      };
    }
    case 'null-rate': {
      const m = [eq('service', signal.service)];
      const w = formatDuration(signal.windowMs);
      const nulls = `sum by (feature) (rate(${selector(METRICS.featureNulls, m)}[${w}]))`;
      const lookups = `sum by (feature) (rate(${selector(METRICS.featureLookups, m)}[${w}]))`;
      return { value: `${nulls} / (${lookups} > 0)` };
    }
    case 'drift-psi':
      return { value: `max by (feature) (${selector(METRICS.driftPsi, [eq('service', signal.service)])})` };
    case 'stream-catchup':
      return {
        value: selector(METRICS.streamCatchUp, [
          eq('service', signal.service),
          eq('consumer_group', signal.consumerGroup),
        ]),
      };
    case 'stream-stalled': {
      const m = [eq('service', signal.service), eq('consumer_group', signal.consumerGroup)];
      return {
        value: selector(METRICS.streamLag, m),
        guard: `and on(service, consumer_group) ${selector(METRICS.streamConsumeRate, m)} == 0`,
      };
    }
  }
}

/** The expression of a threshold alert: the signal compared with the limit, guarded against no data. */
export function thresholdExpr(alert: ThresholdAlert): string {
  const { value, guard } = signalParts(alert.signal);
  const comparison = `${value} ${alert.op} ${formatNumber(alert.threshold)}`;
  return guard === undefined ? comparison : `${comparison} ${guard}`;
}

// ---------------------------------------------------------------------------------------------------
// Reading a team's PromQL (custom SLIs): which series does it select, and is it a plain sum of a rate?

type Tree = ReturnType<typeof parser.parse>;
type SyntaxNode = Tree['topNode'];

/** A query's selectors, or why they could not be read. */
export type SelectorsResult = { ok: true; selectors: LabelMatcher[][] } | { ok: false; reason: string };

/** A query that is `sum(rate(<selector>[{{window}}]))` (or increase), or why it is not. */
export type CounterSumResult =
  { ok: true; fn: 'rate' | 'increase'; matchers: LabelMatcher[] } | { ok: false; reason: string };

const WINDOW_SENTINEL = '999999s';

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c !== null; c = c.nextSibling) if (c.name !== 'LineComment') out.push(c);
  return out;
}

/** Where the first syntax error of a parsed expression is (its offset), or undefined when there is none. */
export function firstError(tree: Tree): number | undefined {
  let at: number | undefined;
  tree.iterate({
    enter: (n) => {
      if (at === undefined && n.type.isError) at = n.from;
      return at === undefined;
    },
  });
  return at;
}

/** A string as a regular expression matching exactly it (RE2 metacharacters escaped). */
export function regexEscape(value: string): string {
  return value.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/** Unquotes a PromQL string literal (Go escapes in "" and '', none in backticks). */
export function unquoteString(literal: string): string | undefined {
  const quote = literal[0];
  if (literal.length < 2 || literal[literal.length - 1] !== quote) return undefined;
  const body = literal.slice(1, -1);
  if (quote === '`') return body;
  if (quote !== '"' && quote !== "'") return undefined;
  const simple: Record<string, string> = {
    a: '\x07',
    b: '\b',
    f: '\f',
    n: '\n',
    r: '\r',
    t: '\t',
    v: '\v',
    '\\': '\\',
    "'": "'",
    '"': '"',
  };
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === undefined) return undefined;
    const plain = simple[e];
    if (plain !== undefined) {
      out += plain;
      continue;
    }
    const hexLength = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (hexLength > 0) {
      const hex = body.slice(i + 1, i + 1 + hexLength);
      if (!new RegExp(`^[0-9a-fA-F]{${hexLength}}$`).test(hex)) return undefined;
      out += String.fromCodePoint(parseInt(hex, 16));
      i += hexLength;
    } else if (/[0-7]/.test(e)) {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct)) return undefined;
      out += String.fromCharCode(parseInt(oct, 8));
      i += 2;
    } else {
      return undefined;
    }
  }
  return out;
}

function selectorMatchers(node: SyntaxNode, text: string): LabelMatcher[] | string {
  const src = (n: SyntaxNode) => text.slice(n.from, n.to);
  const out: LabelMatcher[] = [];
  for (const part of children(node)) {
    if (part.name === 'Identifier') {
      out.push(eq('__name__', src(part)));
      continue;
    }
    if (part.name !== 'LabelMatchers') return `unexpected ${part.name} in selector`;
    for (const m of children(part)) {
      const [nameNode, opNode, valueNode] = children(m);
      if (m.name === 'QuotedLabelName' && nameNode !== undefined) {
        const metric = unquoteString(src(nameNode));
        if (metric === undefined) return `cannot read ${src(m)}`;
        out.push(eq('__name__', metric));
        continue;
      }
      if (nameNode === undefined || opNode === undefined || valueNode === undefined)
        return `cannot read ${src(m)}`;
      const name =
        m.name === 'QuotedLabelMatcher'
          ? unquoteString(src(children(nameNode)[0] ?? nameNode))
          : src(nameNode);
      const value = unquoteString(src(valueNode));
      const op = src(opNode);
      if (name === undefined || value === undefined || !['=', '!=', '=~', '!~'].includes(op)) {
        return `cannot read matcher ${src(m)}`;
      }
      out.push({ name, op: op as MatchOp, value });
    }
  }
  return out;
}

function parseQuery(query: string): { tree: Tree } | { reason: string } {
  const tree = parser.parse(query);
  const error = firstError(tree);
  if (error !== undefined)
    return { reason: `PromQL syntax error at offset ${error} of ${JSON.stringify(query)}` };
  return { tree };
}

/** Every vector selector of a query (with `{{window}}` filled in), as matcher lists. */
export function querySelectors(query: string): SelectorsResult {
  const text = substituteWindow(query, WINDOW_SENTINEL);
  const parsed = parseQuery(text);
  if ('reason' in parsed) return { ok: false, reason: parsed.reason };
  const selectors: LabelMatcher[][] = [];
  let problem: string | undefined;
  parsed.tree.iterate({
    enter: (n) => {
      if (n.name !== 'VectorSelector') return true;
      const matchers = selectorMatchers(n.node, text);
      if (typeof matchers === 'string') problem ??= matchers;
      else selectors.push(matchers);
      return false;
    },
  });
  return problem === undefined ? { ok: true, selectors } : { ok: false, reason: problem };
}

function unwrapParens(node: SyntaxNode): SyntaxNode {
  let n = node;
  while (n.name === 'ParenExpr') {
    const inner = children(n)[0];
    if (inner === undefined) return n;
    n = inner;
  }
  return n;
}

/**
 * Checks that a counter query is `sum(rate(<selector>[{{window}}]))` (or `increase`, optionally
 * `or vector(0)`), the shape whose value follows its selector's increments, and returns that selector.
 */
export function counterSumQuery(query: string): CounterSumResult {
  const text = substituteWindow(query, WINDOW_SENTINEL);
  const parsed = parseQuery(text);
  if ('reason' in parsed) return { ok: false, reason: parsed.reason };
  const src = (n: SyntaxNode) => text.slice(n.from, n.to);
  const fail = (why: string): CounterSumResult => ({
    ok: false,
    reason: `${JSON.stringify(query)} is not sum(rate(<selector>[{{window}}])): ${why}`,
  });
  const top = children(parsed.tree.topNode)[0];
  if (top === undefined) return fail('empty query');
  let node = unwrapParens(top);
  if (node.name === 'BinaryExpr') {
    const [lhs, op, rhs] = children(node);
    if (
      op?.name !== 'Or' ||
      rhs === undefined ||
      lhs === undefined ||
      src(unwrapParens(rhs)) !== 'vector(0)'
    ) {
      return fail(`unsupported binary expression`);
    }
    node = unwrapParens(lhs);
  }
  if (node.name !== 'AggregateExpr') return fail(`the outermost expression is ${node.name}, not sum(...)`);
  const [opNode, ...rest] = children(node);
  if (opNode === undefined || src(opNode) !== 'sum') return fail('the aggregation is not sum');
  let body = rest[0];
  if (body?.name === 'AggregateModifier') {
    if (!/^by\s*\(\s*\)$/.test(src(body))) return fail(`grouping ${src(body)} keeps labels`);
    body = rest[1];
  }
  const args = body === undefined ? [] : children(body);
  if (args.length !== 1 || args[0] === undefined) return fail('sum takes one argument');
  const call = unwrapParens(args[0]);
  const [fn, callBody] = children(call);
  if (call.name !== 'FunctionCall' || fn === undefined || callBody === undefined)
    return fail('no rate() inside sum');
  if (!['rate', 'increase'].includes(src(fn))) return fail(`${src(fn)}() is not rate() or increase()`);
  const callArgs = children(callBody);
  const matrix = callArgs[0];
  if (callArgs.length !== 1 || matrix === undefined || matrix.name !== 'MatrixSelector') {
    return fail(`${src(fn)}() does not take a plain range selector`);
  }
  const [vector, range] = children(matrix);
  if (vector?.name !== 'VectorSelector' || range === undefined)
    return fail('the range is not over a plain selector');
  if (src(range) !== WINDOW_SENTINEL) return fail(`the range is [${src(range)}], not [{{window}}]`);
  const matchers = selectorMatchers(vector, text);
  const name = src(fn) === 'rate' ? 'rate' : 'increase';
  return typeof matchers === 'string' ? fail(matchers) : { ok: true, fn: name, matchers };
}

/** Parses a matcher list such as `job="recs",route!="/healthz"` (what custom histograms carry). */
export function parseMatcherList(
  selectorText: string,
): { ok: true; matchers: LabelMatcher[] } | { ok: false; reason: string } {
  const inner = customSelectorText(selectorText);
  if (inner === '') return { ok: true, matchers: [] };
  const result = querySelectors(`slactl_selector{${inner}}`);
  if (!result.ok) return result;
  const [only, ...more] = result.selectors;
  if (only === undefined || more.length > 0)
    return { ok: false, reason: `${JSON.stringify(selectorText)} is not a matcher list` };
  const matchers = only.filter((m) => !(m.name === '__name__' && m.value === 'slactl_selector'));
  if (matchers.some((m) => m.name === '__name__'))
    return { ok: false, reason: 'the selector names a metric' };
  return { ok: true, matchers };
}

// ---------------------------------------------------------------------------------------------------
// Evaluating matchers against label sets (JS regular expressions stand in for RE2: fine for the simple
// patterns SLIs use, and every value chosen this way is checked against the same matcher again).

const regexCache = new Map<string, RegExp | null>();

/** Compiles a Prometheus regex matcher value, fully anchored as Prometheus does; null when JS cannot. */
export function anchoredRegex(pattern: string): RegExp | null {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(`^(?:${pattern})$`, 's');
    } catch {
      re = null;
    }
    regexCache.set(pattern, re);
  }
  return re;
}

/** Whether one matcher accepts a label value (an absent label has the value ""), undefined if unknowable. */
export function matcherAccepts(m: LabelMatcher, value: string): boolean | undefined {
  switch (m.op) {
    case '=':
      return value === m.value;
    case '!=':
      return value !== m.value;
    case '=~':
    case '!~': {
      const re = anchoredRegex(m.value);
      if (re === null) return undefined;
      return re.test(value) === (m.op === '=~');
    }
  }
}

/** Whether a label set (with `__name__`) satisfies every matcher. */
export function matchesAll(
  matchers: readonly LabelMatcher[],
  labels: Readonly<Record<string, string>>,
): boolean {
  return matchers.every((m) => matcherAccepts(m, labels[m.name] ?? '') === true);
}
