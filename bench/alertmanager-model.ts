// When Alertmanager would notify, computed from its configuration instead of waited for: the benchmark
// runs in simulated time, where a real Alertmanager's timers (wall clock) cannot follow. The model is
// Alertmanager 0.25's dispatcher for one route: alerts are grouped by `group_by`; a new group is flushed
// `group_wait` after its first alert arrives, then every `group_interval`; a flush notifies when a firing
// alert is new to the receiver, or (send_resolved) an alert it was told about resolved, or
// `repeat_interval` passed; resolved alerts leave the group once notified, and an empty group is gone
// (the next alert opens a new one, with group_wait again). Inhibition rules mute targets at flush time.
// Prometheus sends an alert when it fires (startsAt = the firing evaluation) and when it resolves.
// @see https://prometheus.io/docs/alerting/latest/configuration/#route
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { anchoredRegex, matchesAll, type LabelMatcher, type MatchOp } from '../server/compile/promql.js';
import { parseDuration } from '../server/lib/units.js';
import { fingerprint } from '../server/evaluate/alert-state.js';
import type { AlertmanagerAlert, AlertmanagerWebhook } from '../server/remediate/alertmanager.js';

export interface InhibitRule {
  source: LabelMatcher[];
  target: LabelMatcher[];
  equal: string[];
}

export interface AlertmanagerRoute {
  file: string;
  receiver: string;
  groupBy: string[];
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  sendResolved: boolean;
  inhibit: InhibitRule[];
}

/** One alert as Prometheus sends it: firing from `firedAt`, resolved at `resolvedAt` if it did. */
export interface SentAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  firedAt: number;
  resolvedAt?: number;
}

/** One webhook notification and when Alertmanager sends it (ms). */
export interface Notification {
  at: number;
  payload: AlertmanagerWebhook;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

function duration(value: unknown, fallback: string, where: string): number {
  const parsed = parseDuration(value ?? fallback);
  if (!parsed.ok) throw new Error(`${where}: ${parsed.message}`);
  return parsed.value;
}

/**
 * Parses `name="value"`, `name=~"re"`, `name!="value"`, `name!~"re"` (Alertmanager's matcher syntax).
 * Regexes are anchored as Alertmanager anchors them, so they are checked here, where the file is named.
 */
export function parseMatcher(text: string, where: string): LabelMatcher {
  const m = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|([^"\s]*))\s*$/.exec(text);
  if (m === null) throw new Error(`${where}: cannot read the matcher ${JSON.stringify(text)}`);
  const value = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[4]!;
  const op = m[2] as MatchOp;
  if ((op === '=~' || op === '!~') && anchoredRegex(value) === null)
    throw new Error(`${where}: invalid regular expression in the matcher ${JSON.stringify(text)}`);
  return { name: m[1]!, op, value };
}

/** Reads the top-level route, its receiver's webhook and the inhibition rules of an alertmanager.yaml. */
export function loadAlertmanagerRoute(file: string): AlertmanagerRoute {
  const doc = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const route = doc.route as Record<string, unknown> | undefined;
  if (route === undefined) throw new Error(`${file}: no route`);
  if (Array.isArray(route.routes) && route.routes.length > 0)
    throw new Error(`${file}: the model covers the top-level route only, and this one has child routes`);
  const receiverName = typeof route.receiver === 'string' ? route.receiver : '';
  const receivers = (doc.receivers as Array<Record<string, unknown>> | undefined) ?? [];
  const receiver = receivers.find((r) => r.name === receiverName);
  const webhook = (receiver?.webhook_configs as Array<Record<string, unknown>> | undefined)?.[0];
  if (webhook === undefined) throw new Error(`${file}: receiver ${receiverName} has no webhook_configs`);
  const inhibit = ((doc.inhibit_rules as Array<Record<string, unknown>> | undefined) ?? []).map(
    (rule, i) => ({
      source: ((rule.source_matchers as string[] | undefined) ?? []).map((m) =>
        parseMatcher(m, `${file}: inhibit_rules[${i}].source_matchers`),
      ),
      target: ((rule.target_matchers as string[] | undefined) ?? []).map((m) =>
        parseMatcher(m, `${file}: inhibit_rules[${i}].target_matchers`),
      ),
      equal: (rule.equal as string[] | undefined) ?? [],
    }),
  );
  return {
    file,
    receiver: receiverName,
    groupBy: ((route.group_by as string[] | undefined) ?? []).slice(),
    // Alertmanager's defaults when the route leaves them out.
    groupWaitMs: duration(route.group_wait, '30s', `${file}: route.group_wait`),
    groupIntervalMs: duration(route.group_interval, '5m', `${file}: route.group_interval`),
    repeatIntervalMs: duration(route.repeat_interval, '4h', `${file}: route.repeat_interval`),
    sendResolved: webhook.send_resolved !== false,
    inhibit,
  };
}

function firingAt(alert: SentAlert, at: number): boolean {
  return alert.firedAt <= at && (alert.resolvedAt === undefined || at < alert.resolvedAt);
}

/** Whether an inhibition rule mutes `target` at `at`: a firing source with the `equal` labels equal. */
function muted(route: AlertmanagerRoute, target: SentAlert, all: readonly SentAlert[], at: number): boolean {
  return route.inhibit.some(
    (rule) =>
      matchesAll(rule.target, target.labels) &&
      all.some(
        (source) =>
          source !== target &&
          firingAt(source, at) &&
          matchesAll(rule.source, source.labels) &&
          rule.equal.every((l) => (source.labels[l] ?? '') === (target.labels[l] ?? '')),
      ),
  );
}

function groupLabelsOf(
  route: AlertmanagerRoute,
  labels: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of route.groupBy) if (labels[name] !== undefined) out[name] = labels[name];
  return out;
}

function groupKeyOf(groupLabels: Readonly<Record<string, string>>): string {
  const inner = Object.keys(groupLabels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(groupLabels[k])}`)
    .join(', ');
  return `{}:{${inner}}`;
}

function common(maps: ReadonlyArray<Readonly<Record<string, string>>>): Record<string, string> {
  const out: Record<string, string> = {};
  const [first, ...rest] = maps;
  if (first === undefined) return out;
  for (const [k, v] of Object.entries(first)) if (rest.every((m) => m[k] === v)) out[k] = v;
  return out;
}

interface Group {
  key: string;
  labels: Record<string, string>;
  /** Alerts in the group (resolved ones until a flush notified them). */
  alerts: SentAlert[];
  nextFlush: number;
  /** What the receiver was last told: firing and resolved alerts, and when. */
  notifiedFiring: Set<SentAlert>;
  notifiedResolved: Set<SentAlert>;
  notifiedAt?: number;
}

/**
 * The notifications Alertmanager sends for `alerts` up to `untilMs` (inclusive), in time order.
 * `externalUrl` goes into the payloads as Alertmanager's own address.
 */
export function notifications(
  route: AlertmanagerRoute,
  alerts: readonly SentAlert[],
  untilMs: number,
  externalUrl = 'http://127.0.0.1:9093',
): Notification[] {
  const out: Notification[] = [];
  const arrivals = [...alerts].sort((a, b) => a.firedAt - b.firedAt);
  const groups = new Map<string, Group>();
  let next = 0;
  for (;;) {
    const nextArrival = arrivals[next]?.firedAt ?? Infinity;
    const nextFlush = Math.min(...[...groups.values()].map((g) => g.nextFlush));
    const at = Math.min(nextArrival, nextFlush);
    if (at > untilMs || at === Infinity) break;
    if (nextArrival <= nextFlush) {
      const alert = arrivals[next++]!;
      const labels = groupLabelsOf(route, alert.labels);
      const key = groupKeyOf(labels);
      const group = groups.get(key);
      if (group !== undefined) group.alerts.push(alert);
      else
        groups.set(key, {
          key,
          labels,
          alerts: [alert],
          nextFlush: alert.firedAt + route.groupWaitMs,
          notifiedFiring: new Set(),
          notifiedResolved: new Set(),
        });
      continue;
    }
    for (const group of [...groups.values()].filter((g) => g.nextFlush === at)) {
      const visible = group.alerts.filter((a) => !muted(route, a, alerts, at));
      const firing = visible.filter((a) => firingAt(a, at));
      const resolved = visible.filter((a) => !firingAt(a, at));
      // Alertmanager's dedup stage: what the receiver was told decides whether this flush notifies.
      let needs: boolean;
      if (group.notifiedAt === undefined) needs = firing.length > 0;
      else if (firing.some((a) => !group.notifiedFiring.has(a))) needs = true;
      else if (firing.length === 0) needs = group.notifiedFiring.size > 0;
      else if (route.sendResolved && resolved.some((a) => !group.notifiedResolved.has(a))) needs = true;
      else needs = group.notifiedAt <= at - route.repeatIntervalMs;
      if (needs) {
        const sent = route.sendResolved ? visible : firing;
        const payloadAlerts: AlertmanagerAlert[] = sent.map((a) => ({
          status: firingAt(a, at) ? 'firing' : 'resolved',
          labels: a.labels,
          annotations: a.annotations,
          startsAt: new Date(a.firedAt).toISOString(),
          endsAt: firingAt(a, at) ? ZERO_TIME : new Date(a.resolvedAt!).toISOString(),
          generatorURL: '',
          fingerprint: fingerprint(a.labels),
        }));
        out.push({
          at,
          payload: {
            version: '4',
            groupKey: group.key,
            truncatedAlerts: 0,
            status: firing.length > 0 ? 'firing' : 'resolved',
            receiver: route.receiver,
            groupLabels: group.labels,
            commonLabels: common(sent.map((a) => a.labels)),
            commonAnnotations: common(sent.map((a) => a.annotations)),
            externalURL: externalUrl,
            alerts: payloadAlerts,
          },
        });
        group.notifiedFiring = new Set(firing);
        group.notifiedResolved = new Set(resolved);
        group.notifiedAt = at;
      }
      // Resolved alerts leave the group after a flush; an empty group is gone.
      group.alerts = group.alerts.filter((a) => firingAt(a, at));
      if (group.alerts.length === 0) groups.delete(group.key);
      else group.nextFlush = at + route.groupIntervalMs;
    }
  }
  return out;
}
