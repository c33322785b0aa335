// Benchmark (npm run bench:prometheus): what the compiled rules of 100 SLAs cost Prometheus to evaluate,
// with the recording rules `slactl compile` emits (A) against the same alerts with every recorded-ratio
// reference replaced by the recording rule's own expression, and no recording rules (B).
//
// 1. Generates the SLAs of bench:compile (bench/sla-generator.ts), compiles them in memory through
//    compileSources (what `slactl compile` runs), keeps the rule files (A) and rewrites their alert
//    groups into B with the PromQL parser; promtool checks both.
// 2. For each variant in turn, on the same data: a synthetic exporter on 127.0.0.1 serves the series
//    the collector (job "slactl") and the teams' own instrumentation (custom SLIs, one job per service)
//    would export, as closed-form functions of time (diurnal traffic, incidents on a few services);
//    promtool backfills the history (full history for every series an SLI ratio rule reads, the last
//    hour for the rest) and the gap up to the start; Prometheus 2.42 starts on it, scrapes the exporter
//    and, once its start-up compaction is done and the CPU of scraping alone has been measured, loads
//    the variant's rules. Then Prometheus' own /metrics is sampled every evaluation interval.
// 3. Checks that both variants have the same active alerts (labels and state), and prints the table.
//
// Environment: BENCH_SLAS (100), BENCH_HISTORY_DAYS (4), BENCH_SCRAPE_SECONDS (30, also the backfill
// resolution), BENCH_EVAL_SECONDS (15), BENCH_BASELINE_SECONDS (60), BENCH_MEASURE_SECONDS (180),
// BENCH_KEEP=1 keeps the temporary folders.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parser } from '@prometheus-io/lezer-promql';
import { parse as parseYaml } from 'yaml';
import { compileSources } from '../server/cli/compile-pool.js';
import { bucketLayout, COLLECTOR_METRICS, leLabel } from '../server/collector/map.js';
import { DEFAULT_SETTINGS, type SlaPlan } from '../server/compile/ir.js';
import { METRICS, RECORDED } from '../server/compile/metrics.js';
import { buildPlan } from '../server/compile/plan.js';
import {
  escapeLabelValue,
  firstError,
  matchesAll,
  parseMatcherList,
  querySelectors,
  type LabelMatcher,
} from '../server/compile/promql.js';
import { toYaml, type YamlValue } from '../server/compile/yaml-out.js';
import { parseExposition } from '../server/evaluate/test-support/scrape.js';
import { formatDuration, formatNumber, parseDuration } from '../server/lib/units.js';
import {
  backfill,
  prometheusAlerts,
  PROMTOOL_BIN,
  startPrometheus,
  type PrometheusServer,
  type ScrapeTarget,
} from '../server/test-support/prometheus.js';
import { normalCdf } from './analytic.js';
import { generate } from './sla-generator.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** promtool writes one block per aligned 2 h range (its only block size in 2.42). */
const BLOCK_MS = 2 * HOUR;
/** History of the series no long window reads: more than their longest window (10m) and the lookback. */
const SHORT_HISTORY_MS = HOUR;
/** The scrape job of the collector's /metrics; custom SLIs' series come from one job per service. */
const COLLECTOR_JOB = 'slactl';

// ---------------------------------------------------------------------------------------------------
// Configuration

interface Config {
  slas: number;
  historyMs: number;
  scrapeSeconds: number;
  evalSeconds: number;
  baselineSeconds: number;
  measureSeconds: number;
  keep: boolean;
}

function envNumber(name: string, fallback: number, min: number, max: number, integer: boolean): number {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new Error(
      `${name} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, got ${JSON.stringify(text)}`,
    );
  }
  return value;
}

function readConfig(): Config {
  return {
    slas: envNumber('BENCH_SLAS', 100, 1, 1000, true),
    historyMs: envNumber('BENCH_HISTORY_DAYS', 4, 0.25, 30, false) * DAY,
    scrapeSeconds: envNumber('BENCH_SCRAPE_SECONDS', 30, 5, 120, true),
    evalSeconds: envNumber('BENCH_EVAL_SECONDS', 15, 5, 120, true),
    baselineSeconds: envNumber('BENCH_BASELINE_SECONDS', 60, 0, 600, true),
    measureSeconds: envNumber('BENCH_MEASURE_SECONDS', 180, 30, 3600, true),
    keep: process.env.BENCH_KEEP === '1',
  };
}

const out = (text: string): void => void process.stdout.write(`${text}\n`);
const started = performance.now();
const progress = (text: string): void =>
  void process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${text}\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------------
// Rule files: the compiled ones (A) and the inlined variant (B)

interface RecordingRule {
  record: string;
  expr: string;
  labels: Record<string, string>;
}

interface RuleGroup {
  name: string;
  rules: Array<Record<string, YamlValue>>;
}

interface RuleFile {
  name: string;
  groups: RuleGroup[];
}

/** The kind of a compiled group, from its name (ruleGroupNames in emit-rules.ts). */
type GroupKind = 'sli' | 'slo-window' | 'alerts';
const GROUP_KINDS: readonly GroupKind[] = ['sli', 'slo-window', 'alerts'];

function groupKind(groupName: string): GroupKind {
  for (const kind of GROUP_KINDS) if (groupName.endsWith(`-${kind}`)) return kind;
  throw new Error(`rule group ${groupName} is none of ${GROUP_KINDS.join(', ')}`);
}

function parseRuleFile(name: string, text: string): RuleFile {
  const doc = parseYaml(text) as { groups?: RuleGroup[] } | null;
  if (doc === null || !Array.isArray(doc.groups)) throw new Error(`${name}: no groups`);
  return { name, groups: doc.groups };
}

function recordingRulesOf(file: RuleFile): RecordingRule[] {
  return file.groups.flatMap((g) =>
    g.rules
      .filter((r) => typeof r.record === 'string')
      .map((r) => ({
        record: r.record as string,
        expr: r.expr as string,
        labels: (r.labels ?? {}) as Record<string, string>,
      })),
  );
}

/**
 * Replaces every selector of a recorded series in `expr` with `(<the recording rule's expression>)`,
 * recursively. The selector must pick exactly one recording rule of the file by its static labels.
 * The inlined expression lacks the rule's static labels (sla, service, slo), which changes nothing the
 * alert shows: both sides of the `and` lose them alike, and the alerting rule sets the same labels.
 */
function inlineRecorded(expr: string, rules: readonly RecordingRule[], depth = 0): string {
  if (depth > 8) throw new Error(`recording rules nest deeper than 8 levels in ${expr}`);
  const tree = parser.parse(expr);
  const error = firstError(tree);
  if (error !== undefined) throw new Error(`PromQL syntax error at offset ${error} of ${expr}`);
  const recordedNames = new Set(rules.map((r) => r.record));
  const edits: Array<{ from: number; to: number; text: string }> = [];
  tree.iterate({
    enter: (n) => {
      if (['OffsetExpr', 'StepInvariantExpr', 'SubqueryExpr'].includes(n.name)) {
        throw new Error(`cannot inline into an expression with offset, @ or a subquery: ${expr}`);
      }
      if (n.name !== 'VectorSelector') return true;
      const text = expr.slice(n.from, n.to);
      const read = querySelectors(text);
      if (!read.ok || read.selectors.length !== 1) throw new Error(`cannot read selector ${text}`);
      const matchers = read.selectors[0]!;
      const name = matchers.find((m) => m.name === '__name__' && m.op === '=')?.value;
      if (name === undefined || !recordedNames.has(name)) return false;
      if (n.node.parent?.name === 'MatrixSelector') {
        throw new Error(`cannot inline a range over a recorded series: ${text}`);
      }
      const labelMatchers = matchers.filter((m) => m.name !== '__name__');
      const candidates = rules.filter((r) => r.record === name && matchesAll(labelMatchers, r.labels));
      if (candidates.length !== 1) {
        throw new Error(`${text} selects ${candidates.length} recording rules, expected exactly one`);
      }
      edits.push({
        from: n.from,
        to: n.to,
        text: `(${inlineRecorded(candidates[0]!.expr, rules, depth + 1)})`,
      });
      return false;
    },
  });
  let result = expr;
  for (const edit of edits.sort((a, b) => b.from - a.from)) {
    result = result.slice(0, edit.from) + edit.text + result.slice(edit.to);
  }
  return result;
}

/** Variant B of a compiled rule file: its alert groups, recorded ratios inlined, no recording rules. */
function inlinedVariant(file: RuleFile): RuleFile {
  const recording = recordingRulesOf(file);
  const groups = file.groups
    .filter((g) => g.rules.every((r) => typeof r.alert === 'string'))
    .map((g) => ({
      name: g.name,
      rules: g.rules.map((r) => ({ ...r, expr: inlineRecorded(r.expr as string, recording) })),
    }));
  for (const g of groups) {
    for (const r of g.rules) {
      const left = querySelectors(r.expr);
      if (
        !left.ok ||
        left.selectors.some((s) => s.some((m) => m.name === '__name__' && m.value.includes(':')))
      )
        throw new Error(`${file.name}: a recorded series is left in ${r.expr}`);
    }
  }
  return { name: file.name, groups };
}

/** The text of a rule file as written for Prometheus. */
function ruleFileText(file: RuleFile, header: string): string {
  return toYaml({ groups: file.groups as unknown as YamlValue[] }, header);
}

function writeRuleFiles(dir: string, names: readonly string[], texts: readonly string[]): string[] {
  mkdirSync(dir, { recursive: true });
  return names.map((name, i) => {
    const file = path.join(dir, name);
    writeFileSync(file, texts[i]!);
    return file;
  });
}

/** `promtool check rules` over the files; throws with promtool's output when any is invalid. */
function promtoolCheck(files: readonly string[]): number {
  const result = spawnSync(PROMTOOL_BIN, ['check', 'rules', ...files], { encoding: 'utf8' });
  const text = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) throw new Error(`promtool check rules failed (${result.status}):\n${text}`);
  return [...text.matchAll(/SUCCESS: (\d+) rules found/g)].reduce((n, m) => n + Number(m[1]), 0);
}

// ---------------------------------------------------------------------------------------------------
// Data: what the collector and the teams' instrumentation export, as functions of time

type Labels = Record<string, string>;
type SeriesType = 'counter' | 'gauge' | 'histogram';

interface Series {
  /** The family (`# TYPE` name): a counter's name without `_total`, a histogram's base name. */
  family: string;
  type: SeriesType;
  /** The sample name: `x_total`, `x_bucket`, `x_count`, `x_sum`, or the gauge's name. */
  name: string;
  /** The exported labels (the scrape adds `job` and `instance`). */
  labels: Labels;
  job: string;
  /** The value at a time (ms); counters are whole numbers, non-decreasing. */
  value: (tMs: number) => number;
  /** Backfilled over the whole history (an SLI ratio rule reads it), else over SHORT_HISTORY_MS. */
  long: boolean;
}

/** A constant value from a time on (relative to the origin, ms; the first piece starts at -Infinity). */
interface Piece<T> {
  fromMs: number;
  value: T;
}

/** Requests per second with a ±25% daily cycle; `total` is the closed-form count since `t0Ms`. */
class Traffic {
  private readonly omega = (2 * Math.PI) / (DAY / SECOND);
  constructor(
    private readonly perSecond: number,
    private readonly phaseSeconds: number,
    private readonly t0Ms: number,
  ) {}

  total(tMs: number): number {
    const t = tMs / SECOND;
    const t0 = this.t0Ms / SECOND;
    const a = 0.25 / this.omega;
    const cos = (s: number) => Math.cos(this.omega * (s + this.phaseSeconds));
    return this.perSecond * (t - t0 - a * (cos(t) - cos(t0)));
  }

  /** Σ over pieces of weight × requests in the piece, up to `tMs` (origin-relative piece times). */
  weighted<T>(
    pieces: ReadonlyArray<Piece<T>>,
    originMs: number,
    tMs: number,
    weight: (v: T) => number,
  ): number {
    let sum = 0;
    for (let k = 0; k < pieces.length; k++) {
      const from = Math.max(this.t0Ms, originMs + pieces[k]!.fromMs);
      const to = Math.min(tMs, originMs + (pieces[k + 1]?.fromMs ?? Infinity));
      if (to > from) sum += weight(pieces[k]!.value) * (this.total(to) - this.total(from));
    }
    return sum;
  }
}

/** A log-normal latency distribution. */
interface Latency {
  medianSeconds: number;
  sigma: number;
}
const latencyCdf = (l: Latency, le: number): number =>
  le === Infinity ? 1 : normalCdf(Math.log(le / l.medianSeconds) / l.sigma);
const latencyMean = (l: Latency): number => l.medianSeconds * Math.exp((l.sigma * l.sigma) / 2);

/** What happens to a service: the incidents, by service index (5% of services each). */
interface Scenario {
  /** Error ratio as a multiple of the availability budget. */
  errors: Array<Piece<number>>;
  /** Median latency as a share of the p99 threshold. */
  latency: Array<Piece<number>>;
  staleFeature: boolean;
  recall: Array<Piece<number>>;
}

function scenarioOf(index: number): Scenario {
  const scenario: Scenario = {
    errors: [{ fromMs: -Infinity, value: 0.2 }],
    latency: [{ fromMs: -Infinity, value: 0.3 }],
    staleFeature: false,
    recall: [{ fromMs: -Infinity, value: 0.97 }],
  };
  switch (index % 20) {
    case 3: // an error storm for the last 4 h: every burn-rate tier of availability
      scenario.errors.push({ fromMs: -4 * HOUR, value: 40 });
      break;
    case 7: // a slow burn for two days: the ticket-slow tier
      scenario.errors.push({ fromMs: -2 * DAY, value: 2 });
      break;
    case 11: // a latency regression for the last 4 h: ~40% of requests over the p99 threshold
      scenario.latency.push({ fromMs: -4 * HOUR, value: 0.92 });
      break;
    case 13: // a stale feature pipeline and a degraded index
      scenario.staleFeature = true;
      scenario.recall.push({ fromMs: -30 * MINUTE, value: 0.9 });
      break;
  }
  return scenario;
}

/** σ of the healthy latency distribution: 0.2% of requests over the p99 threshold at median 0.3×. */
const LATENCY_SIGMA = 0.418;

function exactLabels(matchers: readonly LabelMatcher[], what: string): Labels {
  const labels: Labels = {};
  for (const m of matchers) {
    if (m.name === '__name__') continue;
    if (m.op !== '=')
      throw new Error(`${what}: only equality matchers can name a series, got ${m.name}${m.op}`);
    labels[m.name] = m.value;
  }
  return labels;
}

/** Splits `job` off a custom SLI's labels: it is the scrape job the series come from. */
function jobOf(labels: Labels, what: string): { job: string; labels: Labels } {
  const { job, ...rest } = labels;
  if (job === undefined) throw new Error(`${what}: a custom SLI without a job matcher`);
  return { job, labels: rest };
}

/** Every series the services export, from their plans; `t0Ms` is where counters start. */
function buildSeries(plans: readonly SlaPlan[], originMs: number, t0Ms: number): Series[] {
  const layout = bucketLayout(plans);
  const series: Series[] = [];
  const seen = new Set<string>();
  const add = (s: Omit<Series, 'long'>): void => {
    const key = `${s.job}\u0000${s.name}\u0000${JSON.stringify(s.labels)}`;
    if (seen.has(key)) return;
    seen.add(key);
    series.push({ ...s, long: false });
  };
  const counter = (family: string, job: string, labels: Labels, value: (t: number) => number): void =>
    add({
      family,
      type: 'counter',
      name: `${family}_total`,
      job,
      labels,
      value: (t) => Math.floor(value(t)),
    });
  const gauge = (name: string, labels: Labels, value: (t: number) => number): void =>
    add({ family: name, type: 'gauge', name, job: COLLECTOR_JOB, labels, value });
  const histogram = (
    family: string,
    job: string,
    labels: Labels,
    bounds: readonly number[],
    traffic: Traffic,
    pieces: ReadonlyArray<Piece<Latency>>,
  ): void => {
    for (const le of [...bounds, Infinity]) {
      add({
        family,
        type: 'histogram',
        name: `${family}_bucket`,
        job,
        labels: { ...labels, le: le === Infinity ? '+Inf' : leLabel(le) },
        value: (t) => Math.floor(traffic.weighted(pieces, originMs, t, (l) => latencyCdf(l, le))),
      });
    }
    add({
      family,
      type: 'histogram',
      name: `${family}_sum`,
      job,
      labels,
      value: (t) => Math.round(traffic.weighted(pieces, originMs, t, latencyMean) * 1000) / 1000,
    });
    add({
      family,
      type: 'histogram',
      name: `${family}_count`,
      job,
      labels,
      value: (t) => Math.floor(traffic.weighted(pieces, originMs, t, () => 1)),
    });
  };

  plans.forEach((plan, index) => {
    const scenario = scenarioOf(index);
    const service = plan.service;
    const traffic = new Traffic(5 + (index % 10) * 5, (index * 7919) % 86_400, t0Ms);
    const base = { service };

    for (const objective of plan.objectives) {
      const sli = objective.sli;
      const what = `${plan.name} ${objective.slo}`;
      if (sli.kind === 'requests') {
        const budget = objective.errorBudget;
        counter(METRICS.requests.replace(/_total$/, ''), COLLECTOR_JOB, base, (t) => traffic.total(t));
        counter(METRICS.requestErrors.replace(/_total$/, ''), COLLECTOR_JOB, base, (t) =>
          traffic.weighted(scenario.errors, originMs, t, (m) => m * budget),
        );
      } else if (sli.kind === 'custom-ratio') {
        const total = querySelectors(sli.total);
        const errors = querySelectors(sli.errors);
        if (!total.ok || !errors.ok || total.selectors.length !== 1)
          throw new Error(`${what}: the custom SLI is not one selector over its total`);
        const matchers = total.selectors[0]!;
        const metric = matchers.find((m) => m.name === '__name__')?.value;
        if (metric === undefined || !metric.endsWith('_total'))
          throw new Error(`${what}: the custom SLI's total is not a counter`);
        const { job, labels } = jobOf(exactLabels(matchers, what), what);
        const budget = objective.errorBudget;
        const codes = ['200', '404', '500', '503'];
        const isError = (code: string) =>
          errors.selectors.some((sel) => matchesAll(sel, { __name__: metric, job, ...labels, code }));
        const errorCodes = codes.filter(isError);
        const okCodes = codes.filter((c) => !isError(c));
        if (errorCodes.length === 0 || okCodes.length === 0)
          throw new Error(`${what}: the status codes are all errors or none is`);
        // Errors split evenly over the error codes; 2% for each other success code; the first takes the rest.
        const share = (code: string, ratio: number): number =>
          isError(code)
            ? ratio / errorCodes.length
            : code === okCodes[0]
              ? 1 - ratio - 0.02 * (okCodes.length - 1)
              : 0.02;
        for (const code of codes) {
          counter(metric.replace(/_total$/, ''), job, { ...labels, code }, (t) =>
            traffic.weighted(scenario.errors, originMs, t, (m) => share(code, m * budget)),
          );
        }
      } else {
        const thresholdSeconds = sli.thresholdSeconds;
        const p99 = plan.objectives.find((o) => o.slo === 'latency-p99')?.sli;
        const p99Seconds =
          p99 !== undefined && (p99.kind === 'latency' || p99.kind === 'custom-histogram')
            ? p99.thresholdSeconds
            : thresholdSeconds;
        const pieces = scenario.latency.map((p) => ({
          fromMs: p.fromMs,
          value: { medianSeconds: p.value * p99Seconds, sigma: LATENCY_SIGMA },
        }));
        if (sli.kind === 'latency') {
          histogram(METRICS.requestDuration, COLLECTOR_JOB, base, layout.request, traffic, pieces);
        } else {
          const read = parseMatcherList(sli.selector);
          if (!read.ok) throw new Error(`${what}: ${read.reason}`);
          const { job, labels } = jobOf(exactLabels(read.matchers, what), what);
          histogram(sli.metric, job, labels, layout.request, traffic, pieces);
        }
      }
    }

    const reference = String(originMs - 30 * DAY);
    for (const alert of plan.thresholds) {
      const signal = alert.signal;
      switch (signal.kind) {
        case 'component-quantile': {
          // Healthy: the component's p99 at 0.8× its budget.
          const budget = alert.threshold;
          const pieces = [{ fromMs: -Infinity, value: { medianSeconds: budget * 0.4, sigma: 0.3 } }];
          histogram(
            METRICS.componentLatency,
            COLLECTOR_JOB,
            { component: signal.component, service },
            layout.component,
            traffic,
            pieces,
          );
          break;
        }
        case 'feature-age': {
          const labels = { feature: signal.feature, service };
          const stale = scenario.staleFeature && signal.feature.endsWith('_a');
          const ageSeconds = stale ? 20 * 60 : 20;
          gauge(METRICS.featureAge, labels, () => ageSeconds);
          gauge(COLLECTOR_METRICS.featureNewestEvent, labels, (t) => Math.floor(t / SECOND) - ageSeconds);
          counter(METRICS.featureLookups.replace(/_total$/, ''), COLLECTOR_JOB, labels, (t) =>
            traffic.total(t),
          );
          counter(
            METRICS.featureNulls.replace(/_total$/, ''),
            COLLECTOR_JOB,
            labels,
            (t) => 0.005 * traffic.total(t),
          );
          gauge(METRICS.driftPsi, labels, () => 0.04 + 0.02 * (index % 3));
          gauge(METRICS.driftJs, labels, () => 0.03);
          for (let bin = 0; bin < 10; bin++) {
            counter(
              COLLECTOR_METRICS.distributionObservations.replace(/_total$/, ''),
              COLLECTOR_JOB,
              { bin: String(bin), feature: signal.feature, reference, service },
              (t) => 0.1 * traffic.total(t),
            );
          }
          break;
        }
        case 'recall': {
          const labels = { index: signal.index, k: formatNumber(signal.k), service };
          const probes = (t: number) => (0.5 * (t - t0Ms)) / SECOND;
          const recallPieces = scenario.recall;
          counter(METRICS.recallProbes.replace(/_total$/, ''), COLLECTOR_JOB, labels, probes);
          counter(
            METRICS.recallExpected.replace(/_total$/, ''),
            COLLECTOR_JOB,
            labels,
            (t) => signal.k * probes(t),
          );
          counter(METRICS.recallHits.replace(/_total$/, ''), COLLECTOR_JOB, labels, (t) => {
            // Probes arrive at a constant rate: integrate the recall pieces over time.
            let hits = 0;
            for (let k = 0; k < recallPieces.length; k++) {
              const from = Math.max(t0Ms, originMs + recallPieces[k]!.fromMs);
              const to = Math.min(t, originMs + (recallPieces[k + 1]?.fromMs ?? Infinity));
              if (to > from) hits += recallPieces[k]!.value * signal.k * ((0.5 * (to - from)) / SECOND);
            }
            return hits;
          });
          break;
        }
        case 'tombstone-ratio': {
          const labels = { index: signal.index, service };
          const vectors = 1_000_000 + 1000 * index;
          gauge(METRICS.indexVectors, labels, () => vectors);
          gauge(METRICS.indexTombstones, labels, () => Math.round(vectors * 0.05));
          gauge(COLLECTOR_METRICS.indexMemory, labels, () => vectors * (768 * 4 + 16 * 8));
          break;
        }
        case 'stream-catchup': {
          const labels = { consumer_group: signal.consumerGroup, service };
          gauge(METRICS.streamLag, labels, () => 120);
          gauge(METRICS.streamConsumeRate, labels, () => 500);
          gauge(METRICS.streamProduceRate, labels, () => 450);
          gauge(METRICS.streamCatchUp, labels, () => 120 / 50);
          break;
        }
        case 'null-rate':
        case 'drift-psi':
        case 'stream-stalled':
          break; // their series come with the features and streams above
      }
    }
  });
  return series;
}

/** The labels Prometheus stores a scraped series under: the exported ones plus `job` and `instance`. */
function storedLabels(s: Series, instance: string): Labels {
  return { ...s.labels, instance, job: s.job };
}

/** Marks every series that some selector of the SLI ratio recording rules reads as long-history. */
function markLongHistory(series: Series[], rules: readonly RecordingRule[], instance: string): void {
  const byName = new Map<string, LabelMatcher[][]>();
  for (const rule of rules) {
    if (!rule.record.startsWith(RECORDED.errorRatio(''))) continue;
    const read = querySelectors(rule.expr);
    if (!read.ok) throw new Error(`cannot read the selectors of ${rule.expr}: ${read.reason}`);
    for (const selector of read.selectors) {
      const name = selector.find((m) => m.name === '__name__' && m.op === '=')?.value;
      if (name === undefined) throw new Error(`a selector without a metric name in ${rule.expr}`);
      const list = byName.get(name) ?? [];
      list.push(selector);
      byName.set(name, list);
    }
  }
  for (const s of series) {
    const selectors = byName.get(s.name);
    if (selectors === undefined) continue;
    const labels = { __name__: s.name, ...storedLabels(s, instance) };
    s.long = selectors.some((sel) => matchesAll(sel, labels));
  }
}

const formatLabels = (labels: Labels): string =>
  Object.keys(labels)
    .sort((a, b) => (a === 'le' ? 1 : b === 'le' ? -1 : a < b ? -1 : a > b ? 1 : 0))
    .map((k) => `${k}="${escapeLabelValue(labels[k]!)}"`)
    .join(',');

const formatValue = (v: number): string => (Number.isSafeInteger(v) ? String(v) : formatNumber(v));

/** Series grouped by family, families in first-seen order (each family written once per exposition). */
function byFamily(series: readonly Series[]): Map<string, Series[]> {
  const families = new Map<string, Series[]>();
  for (const s of series) {
    const list = families.get(s.family) ?? [];
    list.push(s);
    families.set(s.family, list);
  }
  return families;
}

interface BackfillStats {
  samples: number;
  seconds: number;
  files: number;
}

/**
 * Backfills [fromMs, toMs] (sample times on the step grid) with promtool, one call per aligned 2 h
 * range: promtool 2.42 re-reads its whole input once per 2 h block, so one file per block is linear.
 */
function backfillRange(
  series: readonly Series[],
  instance: string,
  fromMs: number,
  toMs: number,
  longFromMs: number,
  shortFromMs: number,
  stepMs: number,
  tsdbDir: string,
): BackfillStats {
  const t0 = performance.now();
  const families = byFamily(series);
  const prefixes = new Map(series.map((s) => [s, `${s.name}{${formatLabels(storedLabels(s, instance))}} `]));
  let samples = 0;
  let files = 0;
  const first = Math.ceil(fromMs / stepMs) * stepMs;
  for (let blockStart = Math.floor(first / BLOCK_MS) * BLOCK_MS; blockStart <= toMs; blockStart += BLOCK_MS) {
    const lo = Math.max(first, blockStart);
    const hi = Math.min(toMs, blockStart + BLOCK_MS - 1);
    const lines: string[] = [];
    for (const [family, members] of families) {
      let typed = false;
      for (const s of members) {
        const start = Math.max(lo, Math.ceil((s.long ? longFromMs : shortFromMs) / stepMs) * stepMs);
        if (start > hi) continue;
        if (!typed) {
          lines.push(`# TYPE ${family} ${members[0]!.type}`);
          typed = true;
        }
        const prefix = prefixes.get(s)!;
        for (let t = start; t <= hi; t += stepMs) {
          lines.push(`${prefix}${formatValue(s.value(t))} ${t / SECOND}`);
          samples++;
        }
      }
    }
    if (lines.length === 0) continue;
    lines.push('# EOF');
    backfill(lines.join('\n'), tsdbDir);
    files++;
  }
  return { samples, seconds: (performance.now() - t0) / 1000, files };
}

interface Exporter {
  port: number;
  /** Serves these series from now on (both variants share the exporter, so their `instance` label). */
  serve(series: readonly Series[]): void;
  close(): Promise<void>;
}

/** The synthetic exporter: `/metrics` is the collector's, `/metrics/<job>` a team's own. */
async function startExporter(): Promise<Exporter> {
  let byJob = new Map<string, Series[]>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://exporter');
    const job = url.pathname === '/metrics' ? COLLECTOR_JOB : url.pathname.replace(/^\/metrics\//, '');
    const members = byJob.get(job);
    if (req.method !== 'GET' || members === undefined) {
      res.writeHead(404).end();
      return;
    }
    const now = Date.now();
    const lines: string[] = [];
    for (const [family, list] of byFamily(members)) {
      const type = list[0]!.type;
      lines.push(`# TYPE ${type === 'counter' ? `${family}_total` : family} ${type}`);
      for (const s of list) lines.push(`${s.name}{${formatLabels(s.labels)}} ${formatValue(s.value(now))}`);
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    res.end(`${lines.join('\n')}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the exporter has no port');
  return {
    port: address.port,
    serve: (series) => {
      const next = new Map<string, Series[]>();
      for (const s of series) {
        const list = next.get(s.job);
        if (list === undefined) next.set(s.job, [s]);
        else list.push(s);
      }
      byJob = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// ---------------------------------------------------------------------------------------------------
// Reading Prometheus' own metrics

interface Sample {
  name: string;
  labels: Labels;
  value: number;
}

async function scrapeSelf(url: string): Promise<Sample[]> {
  const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET ${url}/metrics: ${res.status}`);
  return parseExposition(await res.text());
}

const sumOf = (
  samples: readonly Sample[],
  name: string,
  where: (l: Labels) => boolean = () => true,
): number => samples.filter((s) => s.name === name && where(s.labels)).reduce((n, s) => n + s.value, 0);

const valueOf = (samples: readonly Sample[], name: string, labels: Labels = {}): number => {
  const found = samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  return found?.value ?? NaN;
};

/** The group's kind from a `rule_group` label (`<file>;<group>`). */
const kindOfRuleGroup = (label: string): GroupKind => groupKind(label.slice(label.indexOf(';') + 1));

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Samples the queries of the given expressions read, summed (query API `stats=all`). */
async function samplesRead(url: string, exprs: readonly string[], atSeconds: number): Promise<number> {
  let total = 0;
  for (const expr of exprs) {
    const body = new URLSearchParams({ query: expr, time: String(atSeconds), stats: 'all' });
    const res = await fetch(`${url}/api/v1/query`, {
      method: 'POST',
      body,
      signal: AbortSignal.timeout(60_000),
    });
    const json = (await res.json()) as {
      status: string;
      error?: string;
      data?: { stats?: { samples?: { totalQueryableSamples?: number } } };
    };
    if (json.status !== 'success') throw new Error(`query ${expr} failed: ${json.error ?? res.status}`);
    const n = json.data?.stats?.samples?.totalQueryableSamples;
    if (n === undefined) throw new Error('this Prometheus does not report query statistics (stats=all)');
    total += n;
  }
  return total;
}

// ---------------------------------------------------------------------------------------------------
// One variant's run

interface ActiveAlert {
  key: string;
  labels: Labels;
  state: string;
  /** Seconds from the rules' load to the alert's activeAt. */
  activeAfterSeconds: number;
  /** Seconds from the rules' load to the snapshot. */
  snapshotAfterSeconds: number;
}

interface VariantResult {
  label: string;
  groups: number;
  rules: number;
  backfill: BackfillStats;
  gapSeconds: number;
  /** Per sample of /metrics: the sum of `prometheus_rule_group_last_duration_seconds` per group kind. */
  cycles: Array<Record<GroupKind | 'total', number>>;
  cpuPerMinute: number;
  baselineCpuPerMinute: number;
  ruleEvalMeanSeconds: number;
  ruleEvalQuantiles: Record<string, number>;
  /** Δ prometheus_rule_group_duration_seconds_sum per cycle (group iterations / groups). */
  groupSecondsPerCycle: number;
  iterations: number;
  missed: number;
  failures: number;
  compactionsDuringMeasure: number;
  samplesReadPerCycle: Record<GroupKind, number>;
  headSeries: number;
  blocks: number;
  blockBytes: number;
  alerts: ActiveAlert[];
}

interface VariantInput {
  label: string;
  files: readonly RuleFile[];
  /** The files' text, as Prometheus loads them. */
  texts: readonly string[];
}

async function runVariant(
  config: Config,
  variant: VariantInput,
  plans: readonly SlaPlan[],
  recording: readonly RecordingRule[],
  exporter: Exporter,
): Promise<VariantResult> {
  const stepMs = config.scrapeSeconds * SECOND;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'slactl-bench-prometheus-'));
  let prometheus: PrometheusServer | undefined;
  try {
    const originMs = Math.floor(Date.now() / stepMs) * stepMs;
    const t0Ms = originMs - config.historyMs - DAY;
    const series = buildSeries(plans, originMs, t0Ms);
    const instance = `127.0.0.1:${exporter.port}`;
    exporter.serve(series);
    markLongHistory(series, recording, instance);
    const tsdb = path.join(dir, 'data');
    progress(
      `${variant.label}: backfilling ${series.length} series (${series.filter((s) => s.long).length} over ${formatDuration(config.historyMs)}, the rest over ${formatDuration(SHORT_HISTORY_MS)}) at ${config.scrapeSeconds}s`,
    );
    const history = backfillRange(
      series,
      instance,
      originMs - config.historyMs,
      originMs,
      originMs - config.historyMs,
      originMs - SHORT_HISTORY_MS,
      stepMs,
      tsdb,
    );
    // The gap the backfill took, so the data reaches the first scrape (no future samples: Prometheus
    // would then reject its own appends as out of bounds).
    const gapEndMs = Math.floor(Date.now() / stepMs) * stepMs;
    const gap = backfillRange(
      series,
      instance,
      originMs + stepMs,
      gapEndMs,
      -Infinity,
      -Infinity,
      stepMs,
      tsdb,
    );
    const backfillStats = {
      samples: history.samples + gap.samples,
      seconds: history.seconds + gap.seconds,
      files: history.files + gap.files,
    };
    progress(
      `${variant.label}: ${backfillStats.samples.toLocaleString('en-US')} samples in ${backfillStats.files} promtool calls, ${backfillStats.seconds.toFixed(0)} s`,
    );

    // Start with empty rule files: first the start-up compaction and the CPU of scraping alone.
    mkdirSync(path.join(dir, 'empty'));
    const placeholders = variant.files.map((f) => {
      const file = path.join(dir, 'empty', f.name);
      writeFileSync(file, 'groups: []\n');
      return file;
    });
    const jobs = [...new Set(series.map((s) => s.job))].sort();
    const scrape: ScrapeTarget[] = jobs.map((job) => ({
      job,
      target: instance,
      ...(job === COLLECTOR_JOB ? {} : { metricsPath: `/metrics/${job}` }),
    }));
    prometheus = await startPrometheus({
      dir,
      ruleFiles: placeholders,
      scrape,
      scrapeIntervalSeconds: config.scrapeSeconds,
      evaluationIntervalSeconds: config.evalSeconds,
    });
    const url = prometheus.url;
    const gapSeconds = (Date.now() - gapEndMs) / 1000;
    progress(`${variant.label}: Prometheus on ${url}; waiting for its start-up compaction`);
    await waitForCompaction(url);

    let baselineCpuPerMinute = NaN;
    if (config.baselineSeconds > 0) {
      const cpu0 = valueOf(await scrapeSelf(url), 'process_cpu_seconds_total');
      const t0 = Date.now();
      await sleep(config.baselineSeconds * SECOND);
      const cpu1 = valueOf(await scrapeSelf(url), 'process_cpu_seconds_total');
      baselineCpuPerMinute = ((cpu1 - cpu0) * 60_000) / (Date.now() - t0);
    }

    // Load the rules.
    variant.texts.forEach((text, i) => writeFileSync(prometheus!.ruleFiles[i]!, text));
    await prometheus.reload();
    const loadedAt = Date.now();
    const expectedGroups = variant.files.reduce((n, f) => n + f.groups.length, 0);
    const expectedRules = variant.files.reduce(
      (n, f) => n + f.groups.reduce((m, g) => m + g.rules.length, 0),
      0,
    );
    const loaded = await ruleCounts(url);
    if (loaded.groups !== expectedGroups || loaded.rules !== expectedRules) {
      throw new Error(
        `${variant.label}: Prometheus loaded ${loaded.groups} groups / ${loaded.rules} rules, expected ${expectedGroups} / ${expectedRules}`,
      );
    }
    progress(`${variant.label}: ${loaded.groups} groups, ${loaded.rules} rules loaded; measuring`);
    await sleep(2 * config.evalSeconds * SECOND);

    const m0 = await scrapeSelf(url);
    const cycles: VariantResult['cycles'] = [];
    const measureEnd = Date.now() + config.measureSeconds * SECOND;
    let m1 = m0;
    while (Date.now() < measureEnd) {
      await sleep(Math.min(config.evalSeconds * SECOND, Math.max(0, measureEnd - Date.now())));
      m1 = await scrapeSelf(url);
      const cycle = { sli: 0, 'slo-window': 0, alerts: 0, total: 0 };
      for (const s of m1) {
        if (s.name !== 'prometheus_rule_group_last_duration_seconds') continue;
        cycle[kindOfRuleGroup(s.labels.rule_group ?? '')] += s.value;
        cycle.total += s.value;
      }
      cycles.push(cycle);
    }
    const measuredSeconds = (Date.now() - (measureEnd - config.measureSeconds * SECOND)) / 1000;
    const delta = (name: string) => sumOf(m1, name) - sumOf(m0, name);
    const alerts = await prometheusAlerts(url);
    const snapshotAt = Date.now();

    // What one cycle reads, from the query API's statistics (after the measurement).
    const samplesReadPerCycle = { sli: 0, 'slo-window': 0, alerts: 0 };
    const at = Math.floor(Date.now() / 1000);
    for (const kind of GROUP_KINDS) {
      const exprs = variant.files.flatMap((f) =>
        f.groups
          .filter((g) => groupKind(g.name) === kind)
          .flatMap((g) => g.rules.map((r) => r.expr as string)),
      );
      samplesReadPerCycle[kind] = await samplesRead(url, exprs, at);
    }
    const iterations = delta('prometheus_rule_group_iterations_total');
    return {
      label: variant.label,
      groups: loaded.groups,
      rules: loaded.rules,
      backfill: backfillStats,
      gapSeconds,
      cycles,
      cpuPerMinute: (delta('process_cpu_seconds_total') * 60) / measuredSeconds,
      baselineCpuPerMinute,
      ruleEvalMeanSeconds:
        delta('prometheus_rule_evaluation_duration_seconds_sum') /
        delta('prometheus_rule_evaluation_duration_seconds_count'),
      ruleEvalQuantiles: Object.fromEntries(
        ['0.5', '0.9', '0.99'].map((q) => [
          q,
          valueOf(m1, 'prometheus_rule_evaluation_duration_seconds', { quantile: q }),
        ]),
      ),
      groupSecondsPerCycle:
        (delta('prometheus_rule_group_duration_seconds_sum') * loaded.groups) /
        Math.max(1, delta('prometheus_rule_group_duration_seconds_count')),
      iterations,
      missed: delta('prometheus_rule_group_iterations_missed_total'),
      failures: delta('prometheus_rule_evaluation_failures_total'),
      compactionsDuringMeasure: delta('prometheus_tsdb_compactions_total'),
      samplesReadPerCycle,
      headSeries: valueOf(m1, 'prometheus_tsdb_head_series'),
      blocks: valueOf(m1, 'prometheus_tsdb_blocks_loaded'),
      blockBytes: valueOf(m1, 'prometheus_tsdb_storage_blocks_bytes'),
      alerts: alerts
        .map((a) => ({
          key: alertKey(a.labels),
          labels: a.labels,
          state: a.state,
          activeAfterSeconds: (Date.parse(a.activeAt) - loadedAt) / 1000,
          snapshotAfterSeconds: (snapshotAt - loadedAt) / 1000,
        }))
        .sort((a, b) => a.key.localeCompare(b.key)),
    };
  } finally {
    await prometheus?.stop();
    exporter.serve([]);
    if (config.keep) progress(`${variant.label}: kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

const alertKey = (labels: Labels): string =>
  `${labels.alertname ?? ''}{${formatLabels(Object.fromEntries(Object.entries(labels).filter(([k]) => k !== 'alertname')))}}`;

async function ruleCounts(url: string): Promise<{ groups: number; rules: number }> {
  const res = await fetch(`${url}/api/v1/rules`, { signal: AbortSignal.timeout(30_000) });
  const json = (await res.json()) as { data: { groups: Array<{ rules: unknown[] }> } };
  return {
    groups: json.data.groups.length,
    rules: json.data.groups.reduce((n, g) => n + g.rules.length, 0),
  };
}

/**
 * Waits until the TSDB has compacted the backfilled 2 h blocks (first triggered a minute after the
 * start) and no compaction has run for 10 s, so that none runs while CPU is measured.
 */
async function waitForCompaction(url: string): Promise<void> {
  const deadline = Date.now() + 5 * MINUTE;
  let last = -1;
  for (;;) {
    const m = await scrapeSelf(url);
    const triggered = valueOf(m, 'prometheus_tsdb_compactions_triggered_total');
    const done = valueOf(m, 'prometheus_tsdb_compactions_total');
    const populating = valueOf(m, 'prometheus_tsdb_compaction_populating_block');
    if (triggered >= 1 && populating === 0 && done === last) return;
    if (Date.now() > deadline) throw new Error('the start-up compaction did not finish within 5 minutes');
    last = triggered >= 1 && populating === 0 ? done : -1;
    await sleep(10 * SECOND);
  }
}

// ---------------------------------------------------------------------------------------------------
// Comparing the variants' alerts

interface AlertComparison {
  same: number;
  firing: number;
  pending: number;
  /** Differences explained by timing: `for` ends within two evaluation intervals of the snapshot. */
  timing: string[];
  mismatches: string[];
}

function compareAlerts(
  a: readonly ActiveAlert[],
  b: readonly ActiveAlert[],
  forSecondsOf: (labels: Labels) => number | undefined,
  evalSeconds: number,
): AlertComparison {
  const byKey = (list: readonly ActiveAlert[]) => new Map(list.map((x) => [x.key, x]));
  const ma = byKey(a);
  const mb = byKey(b);
  const result: AlertComparison = { same: 0, firing: 0, pending: 0, timing: [], mismatches: [] };
  for (const key of [...new Set([...ma.keys(), ...mb.keys()])].sort()) {
    const x = ma.get(key);
    const y = mb.get(key);
    if (x !== undefined && y !== undefined && x.state === y.state) {
      result.same++;
      if (x.state === 'firing') result.firing++;
      else result.pending++;
      continue;
    }
    const describe = `${key}: A ${x?.state ?? 'inactive'}, B ${y?.state ?? 'inactive'}`;
    const forSeconds = forSecondsOf((x ?? y)!.labels);
    const nearFor = (v: ActiveAlert | undefined) =>
      v !== undefined &&
      forSeconds !== undefined &&
      Math.abs(v.snapshotAfterSeconds - v.activeAfterSeconds - forSeconds) <= 2 * evalSeconds;
    if (x !== undefined && y !== undefined && (nearFor(x) || nearFor(y))) result.timing.push(describe);
    else result.mismatches.push(describe);
  }
  return result;
}

/** `for` of the alerting rule that produced an alert: the rule whose labels the alert all carries. */
function forLookup(files: readonly RuleFile[]): (labels: Labels) => number | undefined {
  const rules = files.flatMap((f) =>
    f.groups.flatMap((g) =>
      g.rules
        .filter((r) => typeof r.alert === 'string')
        .map((r) => ({
          alert: r.alert as string,
          labels: (r.labels ?? {}) as Labels,
          forSeconds: typeof r.for === 'string' ? durationSeconds(r.for) : 0,
        })),
    ),
  );
  return (labels) =>
    rules.find(
      (r) => r.alert === labels.alertname && Object.entries(r.labels).every(([k, v]) => labels[k] === v),
    )?.forSeconds;
}

/** Seconds of a rule's `for` (written by formatDuration, so always readable by parseDuration). */
function durationSeconds(text: string): number {
  const parsed = parseDuration(text);
  if (!parsed.ok) throw new Error(`unreadable rule duration "${text}": ${parsed.message}`);
  return parsed.value / 1000;
}

// ---------------------------------------------------------------------------------------------------
// Report

const ms = (seconds: number): string =>
  Number.isFinite(seconds) ? `${(seconds * 1000).toFixed(1)} ms` : '—';
const ratio = (b: number, a: number): string =>
  a > 0 && Number.isFinite(b / a) ? `${(b / a).toFixed(2)}×` : '—';
const count = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');

function row(label: string, a: string, b: string, r: string): string {
  return `${label.padEnd(44)} ${a.padStart(24)} ${b.padStart(24)} ${r.padStart(8)}`;
}

function cycleStat(r: VariantResult, kind: GroupKind | 'total'): { p50: number; max: number } {
  const values = r.cycles.map((c) => c[kind]);
  return { p50: quantile(values, 0.5), max: Math.max(...values) };
}

function printResults(
  config: Config,
  a: VariantResult,
  b: VariantResult,
  cmp: AlertComparison,
  meta: Meta,
): void {
  const cpu = os.cpus();
  out('');
  out(
    `bench:prometheus — rule evaluation of the compiled rules of ${config.slas} SLAs, with and without recording rules`,
  );
  out(
    `machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${meta.prometheusVersion}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  out(
    `data: ${count(meta.seriesExported)} series exported (${count(meta.longSeries)} read by SLI ratio rules, backfilled over ${formatDuration(config.historyMs)}; the rest over ${formatDuration(SHORT_HISTORY_MS)}), ${config.scrapeSeconds}s resolution, scraped every ${config.scrapeSeconds}s; backfill ${count(a.backfill.samples)} samples per variant (A ${a.backfill.seconds.toFixed(0)} s, B ${b.backfill.seconds.toFixed(0)} s)`,
  );
  out(
    `evaluation every ${config.evalSeconds}s; ${a.cycles.length} / ${b.cycles.length} samples of /metrics over ${config.measureSeconds}s after ${2 * config.evalSeconds}s of warm-up; blocks: ${count(a.blocks)} (${(a.blockBytes / 2 ** 20).toFixed(0)} MiB), head series at the end: A ${count(a.headSeries)}, B ${count(b.headSeries)}`,
  );
  out('');
  out(row('', 'A: recording rules', 'B: inlined, no recording', 'B / A'));
  out(row('rule groups / rules', `${a.groups} / ${count(a.rules)}`, `${b.groups} / ${count(b.rules)}`, ''));
  const total = (r: VariantResult) => cycleStat(r, 'total');
  out(
    row(
      'per cycle: Σ last group duration, p50 (max)',
      `${ms(total(a).p50)} (${ms(total(a).max)})`,
      `${ms(total(b).p50)} (${ms(total(b).max)})`,
      ratio(total(b).p50, total(a).p50),
    ),
  );
  for (const kind of GROUP_KINDS) {
    const x = cycleStat(a, kind);
    const y = cycleStat(b, kind);
    out(
      row(
        `  ${kind} groups`,
        `${ms(x.p50)} (${ms(x.max)})`,
        b.cycles.some((c) => c[kind] > 0) ? `${ms(y.p50)} (${ms(y.max)})` : '—',
        '',
      ),
    );
  }
  const alertWork = (r: VariantResult) =>
    quantile(
      r.cycles.map((c) => c.sli + c.alerts),
      0.5,
    );
  out(
    row(
      '  A without slo-window (same alerts), p50',
      ms(alertWork(a)),
      ms(alertWork(b)),
      ratio(alertWork(b), alertWork(a)),
    ),
  );
  out(
    row(
      'per cycle: Δ rule_group_duration_seconds_sum',
      ms(a.groupSecondsPerCycle),
      ms(b.groupSecondsPerCycle),
      ratio(b.groupSecondsPerCycle, a.groupSecondsPerCycle),
    ),
  );
  const samples = (r: VariantResult) => GROUP_KINDS.reduce((n, k) => n + r.samplesReadPerCycle[k], 0);
  out(
    row(
      'samples read per cycle (query stats)',
      count(samples(a)),
      count(samples(b)),
      ratio(samples(b), samples(a)),
    ),
  );
  for (const kind of GROUP_KINDS) {
    out(row(`  ${kind} groups`, count(a.samplesReadPerCycle[kind]), count(b.samplesReadPerCycle[kind]), ''));
  }
  out(
    row(
      'rule evaluation: mean (p50 / p99)',
      `${ms(a.ruleEvalMeanSeconds)} (${ms(a.ruleEvalQuantiles['0.5']!)} / ${ms(a.ruleEvalQuantiles['0.99']!)})`,
      `${ms(b.ruleEvalMeanSeconds)} (${ms(b.ruleEvalQuantiles['0.5']!)} / ${ms(b.ruleEvalQuantiles['0.99']!)})`,
      ratio(b.ruleEvalMeanSeconds, a.ruleEvalMeanSeconds),
    ),
  );
  out(
    row(
      'Prometheus CPU, s per minute',
      a.cpuPerMinute.toFixed(3),
      b.cpuPerMinute.toFixed(3),
      ratio(b.cpuPerMinute, a.cpuPerMinute),
    ),
  );
  out(
    row(
      '  before the rules (scrape + TSDB alone)',
      a.baselineCpuPerMinute.toFixed(3),
      b.baselineCpuPerMinute.toFixed(3),
      '',
    ),
  );
  const rulesCpu = (r: VariantResult) => r.cpuPerMinute - r.baselineCpuPerMinute;
  out(
    row(
      '  difference: the rules',
      rulesCpu(a).toFixed(3),
      rulesCpu(b).toFixed(3),
      ratio(rulesCpu(b), rulesCpu(a)),
    ),
  );
  out(
    row(
      'group iterations / missed',
      `${count(a.iterations)} / ${count(a.missed)}`,
      `${count(b.iterations)} / ${count(b.missed)}`,
      '',
    ),
  );
  out(row('rule evaluation failures', count(a.failures), count(b.failures), ''));
  out(
    row(
      'compactions while measuring',
      count(a.compactionsDuringMeasure),
      count(b.compactionsDuringMeasure),
      '',
    ),
  );
  out('');
  out(
    `same alerts: ${cmp.same} active alerts agree in labels and state (${cmp.firing} firing, ${cmp.pending} pending); ` +
      `${cmp.timing.length} differ only by timing (a \`for\` ending within two intervals of the snapshot); ${cmp.mismatches.length} mismatches`,
  );
  for (const line of [
    ...cmp.timing.map((t) => `  timing: ${t}`),
    ...cmp.mismatches.map((m) => `  MISMATCH: ${m}`),
  ]) {
    out(line);
  }
  out(
    `promtool check rules: A ${meta.checkedA} rules in ${config.slas} files, B ${meta.checkedB} rules in ${config.slas} files: SUCCESS`,
  );
}

interface Meta {
  prometheusVersion: string;
  seriesExported: number;
  longSeries: number;
  checkedA: number;
  checkedB: number;
}

// ---------------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const config = readConfig();
  progress(`compiling ${config.slas} generated SLAs`);
  const sources = Array.from({ length: config.slas }, (_, i) => generate(i));
  const { load, outputs } = await compileSources(sources, DEFAULT_SETTINGS, { jobs: 1 });
  if (outputs === undefined)
    throw new Error(`the generated SLAs do not compile: ${JSON.stringify(load.diagnostics[0])}`);
  const plans = load.slas.map(buildPlan);
  const ruleTexts = [...outputs.files]
    .filter(([name]) => name.endsWith('.rules.yaml'))
    .map(([name, bytes]): [string, string] => [name, bytes.toString('utf8')]);
  if (ruleTexts.length !== config.slas)
    throw new Error(`expected ${config.slas} rule files, got ${ruleTexts.length}`);
  const names = ruleTexts.map(([name]) => name);
  const compiled = ruleTexts.map(([name, text]) => parseRuleFile(name, text));
  const inlined = compiled.map(inlinedVariant);
  const recording = compiled.flatMap(recordingRulesOf);
  // A: the files exactly as `slactl compile` writes them; B: the rewritten alert groups.
  const textsA = ruleTexts.map(([, text]) => text);
  const textsB = inlined.map((f) =>
    ruleFileText(
      f,
      '# bench:prometheus, variant B: recorded ratios inlined into the alerts, no recording rules.\n\n',
    ),
  );

  const work = mkdtempSync(path.join(os.tmpdir(), 'slactl-bench-rules-'));
  try {
    const checkedA = promtoolCheck(writeRuleFiles(path.join(work, 'a'), names, textsA));
    const checkedB = promtoolCheck(writeRuleFiles(path.join(work, 'b'), names, textsB));
    progress(`promtool check rules: A ${checkedA} rules, B ${checkedB} rules`);

    const version = spawnSync('/usr/bin/prometheus', ['--version'], { encoding: 'utf8' });
    const prometheusVersion = `Prometheus ${/version (\S+)/.exec(`${version.stdout}${version.stderr}`)?.[1] ?? '?'}`;
    const probe = buildSeries(plans, Date.now(), Date.now() - DAY);
    markLongHistory(probe, recording, '127.0.0.1:0');

    const exporter = await startExporter();
    let a: VariantResult;
    let b: VariantResult;
    try {
      a = await runVariant(
        config,
        { label: 'A', files: compiled, texts: textsA },
        plans,
        recording,
        exporter,
      );
      b = await runVariant(config, { label: 'B', files: inlined, texts: textsB }, plans, recording, exporter);
    } finally {
      await exporter.close();
    }
    const cmp = compareAlerts(a.alerts, b.alerts, forLookup(compiled), config.evalSeconds);
    printResults(config, a, b, cmp, {
      prometheusVersion,
      seriesExported: probe.length,
      longSeries: probe.filter((s) => s.long).length,
      checkedA,
      checkedB,
    });
    if (a.failures > 0 || b.failures > 0) {
      out('rule evaluation failed in a variant: the figures do not compare like with like');
      return 1;
    }
    if (cmp.mismatches.length > 0 || cmp.same === 0) {
      out(
        cmp.same === 0
          ? 'no active alert in either variant: the data did not exercise the alerts'
          : 'the variants disagree',
      );
      return 1;
    }
    return 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(`bench:prometheus: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
