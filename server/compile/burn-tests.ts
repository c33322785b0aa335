// The promtool tests of burn-rate alerts: per objective, a model of every tier's windows through 30
// minutes of healthy traffic, a breach of only bad events and a recovery, and the input series that drive
// it (synthesized for the team's own selectors when the SLI is custom); then the idle tests, which prove
// that a service with no traffic records no error ratio.
import { formatDuration, formatNumber } from '../lib/units.js';
import type { RatioObjective, Sli, SlaPlan } from './ir.js';
import { tierWindows } from './emit-rules.js';
import type { AlertRuleSpec } from './emit-rules.js';
import { solveLabels } from './label-solver.js';
import { METRICS, RECORDED } from './metrics.js';
import {
  counterSumQuery,
  eq,
  matcherAccepts,
  parseMatcherList,
  querySelectors,
  regexEscape,
  selector,
} from './promql.js';
import type { LabelMatcher } from './promql.js';
import { renderAnnotations, renderExpectedAlert } from './rule-test-yaml.js';
import type { ExpectedAlert, ExprTest, TestGroup } from './rule-test-yaml.js';
import { at, inputSeries, MARGIN, MINUTE, minutes, RATE, run, seriesName, toSeries } from './test-series.js';
import type { SeriesSpec, Timeline } from './test-series.js';

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

/** The series of an objective's breach and the objectives (of the same alert) they drive. */
export interface Scenario {
  series: SeriesSpec[];
  members: Member[];
}

/**
 * What the burn-rate and idle tests of one SLA share, each worked out once: the SLIs' readers (custom ones
 * parse PromQL), each objective's scenario, and each burn rule's expected alert.
 */
export interface BurnTestContext {
  plan: SlaPlan;
  rules: readonly AlertRuleSpec[];
  readerOf(sli: Sli): Reader;
  scenarioOf(objective: RatioObjective): Scenario | string;
  expectedOf(rule: AlertRuleSpec, objective: RatioObjective): ExpectedAlert;
}

/** A context for the burn-rate and idle tests of one SLA. */
export function burnTestContext(plan: SlaPlan, rules: readonly AlertRuleSpec[]): BurnTestContext {
  const readers = new Map<Sli, Reader>();
  const scenarios = new Map<RatioObjective, Scenario | string>();
  const expected = new Map<AlertRuleSpec, ExpectedAlert>();
  const context: BurnTestContext = {
    plan,
    rules,
    readerOf: (sli) => {
      let r = readers.get(sli);
      if (r === undefined) readers.set(sli, (r = reader(sli)));
      return r;
    },
    scenarioOf: (objective) => {
      let s = scenarios.get(objective);
      if (s === undefined) scenarios.set(objective, (s = scenario(context, objective)));
      return s;
    },
    expectedOf: (rule, objective) => {
      let e = expected.get(rule);
      if (e === undefined) expected.set(rule, (e = expectedBurnAlert(plan, rule, objective)));
      return e;
    },
  };
  return context;
}

const leLabel = (thresholdSeconds: number): string => formatNumber(thresholdSeconds);

function histogramScenario(
  context: BurnTestContext,
  target: RatioObjective,
  r: Reader & { kind: 'histogram' },
): Scenario | string {
  if (r.matchers.some((m) => m.name === 'le')) return 'its selector constrains le';
  const solved = solveLabels([r.matchers]);
  if (solved === undefined) return `no label values satisfy ${JSON.stringify(r.matchers)}`;
  const members: Member[] = [];
  const thresholds = new Set<number>();
  for (const o of context.plan.objectives) {
    if (o.alertname !== target.alertname) continue;
    const other = o === target ? r : context.readerOf(o.sli);
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

function scenario(context: BurnTestContext, target: RatioObjective): Scenario | string {
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
    const r = context.readerOf(sli);
    if (r.kind !== 'histogram') return r.kind === 'unknown' ? r.reason : 'unexpected reader';
    result = histogramScenario(context, target, r);
  }
  if (typeof result === 'string') return result;
  // Objectives firing the same alertname must either be modelled or not see these series at all.
  for (const o of context.plan.objectives) {
    if (o.alertname !== target.alertname || result.members.some((m) => m.objective === o)) continue;
    if (touches(context.readerOf(o.sli), result.series)) {
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

/** A burn rule's alert as it fires once the breach fills its short window. */
function expectedBurnAlert(plan: SlaPlan, rule: AlertRuleSpec, objective: RatioObjective): ExpectedAlert {
  const seriesLabels = { sla: plan.name, service: plan.service, slo: objective.slo };
  // Once the breach fills the short window its ratio is exactly 1: the burn rate is 1 / error budget.
  const value = 1 / objective.errorBudget;
  return renderExpectedAlert(
    seriesLabels,
    rule.labels,
    renderAnnotations(rule.annotations, value, rule.labels, seriesLabels),
  );
}

function recordedLabels(plan: SlaPlan, objective: RatioObjective, name: string): string {
  return selector(name, [eq('service', plan.service), eq('sla', plan.name), eq('slo', objective.slo)]);
}

/** The burn-rate test of one objective, or undefined (with a warning) when it cannot be modelled. */
export function burnRateGroup(
  context: BurnTestContext,
  objective: RatioObjective,
  warnings: string[],
): TestGroup | undefined {
  const plan = context.plan;
  const where = `${plan.name}: objective ${objective.slo}`;
  if (objective.tiers.length === 0) return undefined;
  const found = context.scenarioOf(objective);
  if (typeof found === 'string') {
    warnings.push(`${where}: burn-rate alerts not tested by promtool: ${found}`);
    return undefined;
  }
  const models = tierModels(found.members, context.rules);
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
  const firingAt = (t: number): ExpectedAlert[] => {
    const firing: ExpectedAlert[] = [];
    for (const m of models) {
      if (m.firesAt !== undefined && m.firesAt < t)
        firing.push(context.expectedOf(m.rule, m.member.objective));
    }
    return firing;
  };
  const alertname = objective.alertname;
  const ratioName = RECORDED.errorRatio(formatDuration(Math.min(...tierWindows(objective))));
  const windowName = RECORDED.errorRatio(formatDuration(plan.windowMs));
  const start = at(h);
  const recorded = (name: string, value: number): ExprTest => ({
    expr: selector(name, [eq('sla', plan.name), eq('slo', objective.slo)]),
    eval_time: start,
    exp_samples: [{ labels: recordedLabels(plan, objective, name), value }],
  });
  return {
    name:
      `${plan.name}: ${objective.slo} burn rate (${objective.sli.kind} SLI): ${HISTORY}m healthy, ` +
      `${timeline.breach}m of only bad events, then good traffic ${surge}× heavier`,
    interval: '1m',
    input_series: inputSeries(series, timeline),
    alert_rule_test: [
      { eval_time: start, alertname, exp_alerts: [] },
      ...breachTimes.map((t) => ({ eval_time: at(h + t), alertname, exp_alerts: firingAt(t) })),
      { eval_time: at(h + timeline.breach + timeline.recovery), alertname, exp_alerts: [] },
    ],
    promql_expr_test: [
      recorded(ratioName, 0),
      recorded(windowName, 0),
      recorded(RECORDED.budgetRemaining, 1),
      recorded(RECORDED.objective, objective.target),
    ],
  };
}

/** The idle tests of an SLA: zero rates, and no series at all, record no error ratio (no division by 0). */
export function idleGroups(context: BurnTestContext): TestGroup[] {
  const plan = context.plan;
  const series = new Map<string, SeriesSpec>();
  const covered: RatioObjective[] = [];
  for (const o of plan.objectives) {
    const found = context.scenarioOf(o);
    if (typeof found === 'string') continue;
    covered.push(o);
    for (const s of found.series) series.set(seriesName(s), s);
  }
  if (covered.length === 0) return [];
  const slo = {
    name: 'slo',
    op: '=~' as const,
    value: covered.map((o) => regexEscape(o.slo)).join('|'),
  };
  const windows = new Set<number>([plan.windowMs, ...covered.flatMap((o) => tierWindows(o))]);
  const exprs = [
    ...[...windows].sort((a, b) => a - b).map((w) => RECORDED.errorRatio(formatDuration(w))),
    RECORDED.budgetRemaining,
  ];
  const evalMinute = 30;
  const tests: ExprTest[] = exprs.map((name) => ({
    expr: selector(name, [eq('sla', plan.name), slo]),
    eval_time: at(evalMinute),
    exp_samples: [],
  }));
  const values = run(0, 0, evalMinute + 1);
  return [
    {
      name: `${plan.name}: idle service (zero rates) records no error ratio`,
      interval: '1m',
      input_series: [...series.keys()].map((name) => ({ series: name, values })),
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
