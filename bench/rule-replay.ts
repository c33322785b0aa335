// Prometheus' rule engine replayed over the past: every alerting rule of a rule file is evaluated with
// query_range by a real Prometheus at the scrape times, and Prometheus' `for` semantics turn the answers
// into alert episodes (pending → firing → resolved). Recording rules that an alert reads are inlined, each
// with its rule labels put on by label_replace, which is what the rule engine computes when it evaluates
// the recording group just before the alert group at the same instant.
// Rule semantics: https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { TemplatePart, ValueStyle } from '../server/compile/emit-rules.js';
import { renderTemplate } from '../server/evaluate/alert-state.js';
import { parseDuration } from '../server/lib/units.js';
import { sampleValue, type PrometheusClient } from '../server/prometheus/client.js';

export interface RecordingRule {
  record: string;
  expr: string;
  labels: Record<string, string>;
}

export interface AlertingRule {
  /** Position among the file's alerting rules: with the labels, an alert's identity. */
  index: number;
  group: string;
  alert: string;
  expr: string;
  forMs: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RuleFile {
  file: string;
  recording: RecordingRule[];
  alerting: AlertingRule[];
}

function durationMs(text: unknown, where: string): number {
  if (text === undefined) return 0;
  const parsed = parseDuration(text);
  if (!parsed.ok) throw new Error(`${where}: ${parsed.message}`);
  return parsed.value;
}

function stringMap(value: unknown, where: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${where}: expected a map`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string') throw new Error(`${where}.${k}: expected a string`);
    if (v.includes('{{') && where.endsWith('labels'))
      throw new Error(`${where}.${k}: templated rule labels are not supported by the replay`);
    out[k] = v;
  }
  return out;
}

/** Reads a Prometheus rule file (the committed alerts/<sla>.rules.yaml). */
export function loadRuleFile(file: string): RuleFile {
  const doc = parse(readFileSync(file, 'utf8')) as { groups?: unknown };
  if (!Array.isArray(doc?.groups)) throw new Error(`${file}: no groups`);
  const recording: RecordingRule[] = [];
  const alerting: AlertingRule[] = [];
  for (const [g, group] of (doc.groups as Array<Record<string, unknown>>).entries()) {
    const name = typeof group.name === 'string' ? group.name : `#${g}`;
    if (!Array.isArray(group.rules)) throw new Error(`${file}: group ${name} has no rules`);
    for (const [r, rule] of (group.rules as Array<Record<string, unknown>>).entries()) {
      const where = `${file}: groups[${g}].rules[${r}]`;
      if (typeof rule.expr !== 'string') throw new Error(`${where}: expr is not a string`);
      if (typeof rule.record === 'string') {
        recording.push({
          record: rule.record,
          expr: rule.expr,
          labels: stringMap(rule.labels, `${where}.labels`),
        });
      } else if (typeof rule.alert === 'string') {
        alerting.push({
          index: alerting.length,
          group: name,
          alert: rule.alert,
          expr: rule.expr,
          forMs: durationMs(rule.for, `${where}.for`),
          labels: stringMap(rule.labels, `${where}.labels`),
          annotations: stringMap(rule.annotations, `${where}.annotations`),
        });
      } else {
        throw new Error(`${where}: neither record nor alert`);
      }
    }
  }
  return { file, recording, alerting };
}

const NAME = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
const MATCHER = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!=|!~|=)\s*"((?:[^"\\]|\\.)*)"\s*(,)?/y;

function unquote(text: string): string {
  return text.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function quote(text: string): string {
  return JSON.stringify(text);
}

/**
 * `expr` with every selector of a recorded series replaced by the recording rule it selects, wrapped in
 * label_replace calls that put on the rule's labels. A selector must pick exactly one recording rule by
 * equality matchers on the rule's labels; anything else (a range over a recorded series, a regex on a
 * rule label) is refused with the selector named, rather than replayed differently from Prometheus.
 */
export function inlineRecordingRules(expr: string, recording: readonly RecordingRule[]): string {
  const names = new Set(recording.map((r) => r.record));
  let out = '';
  let i = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    if (c === '"' || c === "'" || c === '`') {
      // String literals pass through untouched.
      let j = i + 1;
      while (j < expr.length && expr[j] !== c) j += expr[j] === '\\' ? 2 : 1;
      out += expr.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    NAME.lastIndex = i;
    const match =
      /[a-zA-Z_:]/.test(c) && (i === 0 || !/[a-zA-Z0-9_:]/.test(expr[i - 1]!)) ? NAME.exec(expr) : null;
    if (match === null) {
      out += c;
      i++;
      continue;
    }
    const name = match[0];
    let end = i + name.length;
    if (!names.has(name)) {
      out += name;
      i = end;
      continue;
    }
    const matchers: Array<{ label: string; op: string; value: string }> = [];
    if (expr[end] === '{') {
      let j = end + 1;
      for (;;) {
        while (expr[j] === ' ') j++;
        if (expr[j] === '}') break;
        MATCHER.lastIndex = j;
        const m = MATCHER.exec(expr);
        if (m === null) throw new Error(`cannot read the matchers of ${name} in: ${expr}`);
        matchers.push({ label: m[1]!, op: m[2]!, value: unquote(m[3]!) });
        j = MATCHER.lastIndex;
      }
      end = j + 1;
    }
    const selector = expr.slice(i, end);
    if (
      /^\s*\[/.test(expr.slice(end)) ||
      /^\s*offset\b/.test(expr.slice(end)) ||
      /^\s*@/.test(expr.slice(end))
    )
      throw new Error(`${selector} is read over a range, with offset or @: the replay cannot inline it`);
    const chosen = recording.filter(
      (r) =>
        r.record === name &&
        matchers.every((m) => {
          if (m.op !== '=') throw new Error(`${selector}: only = matchers on recorded series can be inlined`);
          return r.labels[m.label] === m.value;
        }),
    );
    if (chosen.length !== 1)
      throw new Error(
        `${selector} selects ${chosen.length} recording rules, not one: the replay cannot inline it`,
      );
    const rule = chosen[0]!;
    let inlined = `(${rule.expr})`;
    for (const [label, value] of Object.entries(rule.labels))
      inlined = `label_replace(${inlined}, ${quote(label)}, ${quote(value)}, "", "")`;
    out += inlined;
    i = end;
  }
  return out;
}

/** One episode of one alert: from the first evaluation that returned it to the first that did not. */
export interface AlertEpisode {
  rule: AlertingRule;
  alertname: string;
  /** The alert's labels: the sample's (without __name__), the rule's on top, and alertname. */
  labels: Record<string, string>;
  /** The first evaluation that returned it (ms). */
  activeAt: number;
  /** The first evaluation at which it had been returned for `for` (ms); absent if it never fired. */
  firedAt?: number;
  /** The first evaluation that no longer returned it (ms); absent while it still was at the end. */
  endedAt?: number;
  /** The expression's value at firing (or at activation, for an alert that never fired). */
  value: number;
}

export interface ReplayWindow {
  /** The first evaluation (ms): a scrape time. */
  startMs: number;
  /** The last evaluation (ms). */
  endMs: number;
  /** The evaluation interval (ms): the scrape interval, so evaluations fall on scrapes. */
  stepMs: number;
}

function labelKey(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}\u0000${labels[k]}`)
    .join('\u0001');
}

/**
 * Prometheus' `for` over the evaluations of one rule. `present` maps each returned label set to its
 * values by evaluation time. An alert is pending from the first evaluation that returns it, firing at
 * the first evaluation at least `for` after that while still returned, and ends (resolved, or a pending
 * alert dropped) at the first evaluation that does not return it.
 */
export function applyForSemantics(
  rule: AlertingRule,
  present: ReadonlyMap<string, { labels: Record<string, string>; values: ReadonlyMap<number, number> }>,
  window: ReplayWindow,
): AlertEpisode[] {
  const episodes: AlertEpisode[] = [];
  for (const { labels, values } of present.values()) {
    let open: AlertEpisode | undefined;
    for (let t = window.startMs; t <= window.endMs; t += window.stepMs) {
      const value = values.get(t);
      if (value === undefined) {
        if (open !== undefined) {
          open.endedAt = t;
          episodes.push(open);
          open = undefined;
        }
        continue;
      }
      if (open === undefined) open = { rule, alertname: rule.alert, labels, activeAt: t, value };
      if (open.firedAt === undefined) {
        open.value = value;
        if (t - open.activeAt >= rule.forMs) open.firedAt = t;
      }
    }
    if (open !== undefined) episodes.push(open);
  }
  return episodes.sort((a, b) => a.activeAt - b.activeAt || a.rule.index - b.rule.index);
}

/** The alert label set of one returned sample, as the rule engine builds it. */
export function alertLabels(
  rule: AlertingRule,
  metric: Readonly<Record<string, string>>,
): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const [k, v] of Object.entries(metric)) if (k !== '__name__') merged[k] = v;
  Object.assign(merged, rule.labels, { alertname: rule.alert });
  const sorted: Record<string, string> = {};
  for (const k of Object.keys(merged).sort()) sorted[k] = merged[k]!;
  return sorted;
}

/**
 * Evaluates every alerting rule of `rules` with query_range over `window` on the Prometheus behind
 * `client`, and returns the alert episodes, ordered by activation.
 */
export async function replayAlerts(
  client: PrometheusClient,
  rules: RuleFile,
  window: ReplayWindow,
): Promise<AlertEpisode[]> {
  const episodes: AlertEpisode[] = [];
  for (const rule of rules.alerting) {
    const expr = inlineRecordingRules(rule.expr, rules.recording);
    const matrix = await client.queryRange(expr, window.startMs, window.endMs, window.stepMs);
    const present = new Map<string, { labels: Record<string, string>; values: Map<number, number> }>();
    for (const series of matrix) {
      const labels = alertLabels(rule, series.metric);
      const key = labelKey(labels);
      if (present.has(key))
        throw new Error(
          `${rules.file}: rule ${rule.alert} (#${rule.index}) returns two samples with the labels ${key}: Prometheus would fail it`,
        );
      const values = new Map<number, number>();
      for (const [seconds, text] of series.values) values.set(Math.round(seconds * 1000), sampleValue(text));
      present.set(key, { labels, values });
    }
    episodes.push(...applyForSemantics(rule, present, window));
  }
  return episodes.sort((a, b) => a.activeAt - b.activeAt || a.rule.index - b.rule.index);
}

const TEMPLATE = /\{\{\s*(.*?)\s*\}\}/g;
const VALUE_STYLES: Record<string, ValueStyle> = {
  '$value | humanizePercentage': 'percent',
  '$value | humanizeDuration': 'duration',
  '$value | printf "%.4g"': 'number',
  '$value | printf "%.1f"': 'burn-rate',
};

/**
 * An annotation of a compiled rule rendered as Prometheus renders it, for the templates slactl's compiler
 * writes (`$labels.x` and `$value` through humanizePercentage, humanizeDuration or printf); any other
 * template is refused by name.
 */
export function renderAnnotation(
  template: string,
  value: number,
  labels: Readonly<Record<string, string>>,
): string {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const m of template.matchAll(TEMPLATE)) {
    if (m.index > last) parts.push({ text: template.slice(last, m.index) });
    const inner = m[1]!;
    const label = /^\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)$/.exec(inner);
    if (label) parts.push({ label: label[1]! });
    else if (VALUE_STYLES[inner] !== undefined) parts.push({ value: VALUE_STYLES[inner] });
    else throw new Error(`the template {{ ${inner} }} is not one slactl's compiler writes: cannot render it`);
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push({ text: template.slice(last) });
  return renderTemplate(parts, value, labels);
}

/** Every annotation of an episode's rule, rendered with its value at firing. */
export function episodeAnnotations(episode: AlertEpisode): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, template] of Object.entries(episode.rule.annotations))
    out[name] = renderAnnotation(template, episode.value, episode.labels);
  return out;
}
