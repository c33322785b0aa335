// The demo remediation loop through Prometheus, in simulated time. A real Prometheus cannot evaluate rules
// over simulated time live, so the control plane's /metrics is scraped every 15 simulated seconds, the
// scrapes are backfilled into a real Prometheus (promtool), and the committed alert rules are replayed
// over them with query_range and Prometheus' `for` semantics (rule-replay.ts). Alertmanager's
// notifications follow from the committed alertmanager.yaml (alertmanager-model.ts) and are delivered to
// the control plane's webhook, running in Prometheus mode, at their simulated time.
//
// What Prometheus fires after a remediation depends on what the remediation did, so the loop is a fixed
// point: a simulation delivers the notifications planned so far; at checkpoints its own scrapes are
// replayed and the plan recomputed; when the plan says something should already have been delivered
// that was not (or the other way round), the simulation starts again from the beginning with the new
// plan (the demo is deterministic for its seed: each restart checks that the scrapes before the first
// delivery are identical). It ends when the plan and the simulation agree, the fault's alerts are
// resolved in Prometheus and a remediation run finished.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { COLLECTOR_METRICS } from '../server/collector/map.js';
import { METRICS } from '../server/compile/metrics.js';
import { PrometheusClient } from '../server/prometheus/client.js';
import { freePort } from '../server/test-support/ports.js';
import { startPrometheus, type PrometheusServer } from '../server/test-support/prometheus.js';
import { startTestServer } from '../server/test-support/server.js';
import { notifications, type AlertmanagerRoute, type Notification } from './alertmanager-model.js';
import { OpenMetricsCapture, type Scrape } from './openmetrics.js';
import {
  approveWaiting,
  BY_HAND_AFTER_MS,
  faultTarget,
  HEALTHY_MS,
  injectFault,
  json,
  LIMIT_MS,
  listRuns,
  MINUTE,
  TICK_MS,
  triggerByHand,
  type AlertJson,
} from './remediation-loop.js';
import {
  episodeAnnotations,
  loadRuleFile,
  replayAlerts,
  type AlertEpisode,
  type RuleFile,
} from './rule-replay.js';

/** The signal families of /metrics (docs/metrics.md): what the compiled rules read. */
const SIGNAL_FAMILIES: ReadonlySet<string> = new Set([
  ...Object.values(METRICS),
  ...Object.values(COLLECTOR_METRICS),
]);

/** How often a simulation that delivered something stops to replay its scrapes. */
const CHECKPOINT_MS = 5 * MINUTE;
/** Simulations of one fault before giving up on agreeing with the plan. */
const MAX_SIMULATIONS = 12;

type PlannedEvent =
  { at: number; kind: 'notify'; notification: Notification } | { at: number; kind: 'by_hand' };

function eventKey(e: PlannedEvent): string {
  return e.kind === 'notify' ? `${e.at}|notify|${JSON.stringify(e.notification.payload)}` : `${e.at}|by_hand`;
}

export interface PathOutcome {
  kind: string;
  sla: string;
  expectedAlerts: string[];
  injectedAt?: number;
  /** The first expected alert firing in Prometheus after injection, and when. */
  firstAlert?: string;
  firedAt?: number;
  detectionMs?: number;
  /** Alertmanager's first notification of an expected alert (simulated time). */
  deliveredAt?: number;
  /** When the last of the fault's alerts that fired after injection resolved in Prometheus. */
  resolvedAt?: number;
  /** When a remediation run reached `succeeded`. */
  succeededAt?: number;
  mttrMs?: number;
  runbook?: string;
  action?: string;
  runStates: string[];
  manual: boolean;
  approved: boolean;
  simulations: number;
  checkpoints: number;
  /** Scrapes compared between simulations before their first delivery, and whether all were identical. */
  determinism: { compared: number; identical: boolean };
  /** Series that vanished from a scrape (Prometheus would mark them stale; backfill cannot). */
  vanished: number;
  notifications: Notification[];
  episodes: AlertEpisode[];
  /** The final simulation's scrapes (signal families only), for the promtool cross-check. */
  scrapes: Scrape[];
  problems: string[];
}

/** Whether an exposition line is a sample of a signal family (docs/metrics.md). */
function isSignalLine(line: string): boolean {
  if (line === '' || line.startsWith('#')) return false;
  const end = line.search(/[{ ]/);
  const name = end === -1 ? line : line.slice(0, end);
  if (SIGNAL_FAMILIES.has(name)) return true;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return base !== name && SIGNAL_FAMILIES.has(base);
}

/** The signal families of one /metrics body, TYPE and HELP lines included. */
function signalPart(text: string): string {
  const keep: string[] = [];
  for (const line of text.split('\n')) {
    const meta = /^# (?:TYPE|HELP) (\S+)/.exec(line);
    if (meta ? SIGNAL_FAMILIES.has(meta[1]!) : isSignalLine(line)) keep.push(line);
  }
  return `${keep.join('\n')}\n`;
}

/** Whether an episode fires at `at`. */
function firingAt(e: AlertEpisode, at: number): boolean {
  return e.firedAt !== undefined && e.firedAt <= at && (e.endedAt === undefined || at < e.endedAt);
}

interface Replay {
  episodes: AlertEpisode[];
  notifications: Notification[];
  firstAlert?: string;
  firedAt?: number;
  plan: PlannedEvent[];
}

/** The notifications and the by-hand start that follow from the replayed alerts. */
function planFrom(
  episodes: AlertEpisode[],
  route: AlertmanagerRoute,
  expected: readonly string[],
  injectedAt: number,
): Replay {
  const sent = episodes
    .filter((e) => e.firedAt !== undefined)
    .map((e) => ({
      labels: e.labels,
      annotations: episodeAnnotations(e),
      firedAt: e.firedAt!,
      ...(e.endedAt !== undefined ? { resolvedAt: e.endedAt } : {}),
    }));
  const notes = notifications(route, sent, injectedAt + LIMIT_MS + MINUTE);
  const out: Replay = {
    episodes,
    notifications: notes,
    plan: notes.map((n) => ({ at: n.at, kind: 'notify', notification: n })),
  };
  for (let at = injectedAt + TICK_MS; at <= injectedAt + LIMIT_MS; at += TICK_MS) {
    const first = episodes.find((e) => expected.includes(e.alertname) && firingAt(e, at));
    if (first === undefined) continue;
    out.firstAlert = first.alertname;
    out.firedAt = at;
    out.plan.push({ at: at + BY_HAND_AFTER_MS, kind: 'by_hand' });
    break;
  }
  out.plan.sort((a, b) => a.at - b.at || (a.kind === b.kind ? 0 : a.kind === 'notify' ? -1 : 1));
  return out;
}

/** Prometheus on a fixed port that the control plane reads; replaced with fresh data at each checkpoint. */
class ViewPrometheus {
  private server: PrometheusServer | undefined;
  constructor(readonly port: number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Restarts Prometheus with `backfill` (OpenMetrics) as its data. */
  async load(backfill?: string): Promise<PrometheusClient> {
    await this.server?.stop();
    this.server = undefined;
    this.server = await startPrometheus({ port: this.port, ...(backfill !== undefined ? { backfill } : {}) });
    return new PrometheusClient({ url: this.url, timeoutMs: 120_000 });
  }

  async stop(): Promise<void> {
    await this.server?.stop();
    this.server = undefined;
  }
}

/**
 * Measures one fault kind through Prometheus: detection (injection → the first expected alert firing in
 * Prometheus), Alertmanager's delivery, and MTTR (injection → a run succeeded and none of the fault's
 * alerts firing in Prometheus). `hintMs` (the embedded detection) only places the first checkpoint.
 */
export async function measurePrometheusPath(
  kind: string,
  rulesDir: string,
  route: AlertmanagerRoute,
  hintMs: number | undefined,
  log: (line: string) => void = () => undefined,
): Promise<PathOutcome> {
  const view = new ViewPrometheus(await freePort());
  await view.load();
  let plan: PlannedEvent[] = [];
  /** The last scrape of the data the plan was computed from. */
  let planDataEnd = 0;
  let previousHashes: Array<{ at: number; hash: string }> | undefined;
  let previousFirstEvent: number | undefined;
  const outcome: PathOutcome = {
    kind,
    sla: '—',
    expectedAlerts: [],
    runStates: [],
    manual: false,
    approved: false,
    simulations: 0,
    checkpoints: 0,
    determinism: { compared: 0, identical: true },
    vanished: 0,
    notifications: [],
    episodes: [],
    scrapes: [],
    problems: [],
  };
  let rules: RuleFile | undefined;
  // The latest replay, kept across simulations: before its first delivery a simulation repeats the
  // previous one, so the alerts a person sees at the by-hand start come from it until a checkpoint.
  let replay: Replay | undefined;
  try {
    for (;;) {
      if (outcome.simulations >= MAX_SIMULATIONS) {
        outcome.problems.push(
          `no agreement between the plan and the simulation after ${MAX_SIMULATIONS} simulations`,
        );
        return outcome;
      }
      outcome.simulations++;
      const t = await startTestServer({
        demo: true,
        config: { prometheus: { url: view.url, headers: {}, timeoutMs: 30_000 } },
      });
      try {
        const sla = await faultTarget(t, kind);
        if (sla === undefined) return outcome;
        outcome.sla = sla;
        rules ??= loadRuleFile(path.join(rulesDir, `${sla}.rules.yaml`));
        const capture = new OpenMetricsCapture((family) => SIGNAL_FAMILIES.has(family));
        const scrapes: Scrape[] = [];
        const hashes: Array<{ at: number; hash: string }> = [];
        const executed: PlannedEvent[] = [];
        let succeededAt: number | undefined;
        let byHandTried = false;
        let expected: string[] = [];
        let injectedAt = 0;

        const deliver = async (event: PlannedEvent, alerts: () => AlertJson[]) => {
          executed.push(event);
          if (event.kind === 'notify') {
            await json(t, '/api/v1/alertmanager', {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(event.notification.payload),
            });
            return;
          }
          if ((await listRuns(t)).length > 0 || byHandTried) return;
          const relevant = alerts().filter((a) => expected.includes(a.labels.alertname ?? ''));
          if (relevant.length === 0) return;
          byHandTried = true;
          if ((await triggerByHand(t, sla, relevant)) !== undefined) outcome.manual = true;
        };
        const firingAlerts = (at: number): AlertJson[] =>
          (replay?.episodes ?? [])
            .filter((e) => e.labels.sla === sla && firingAt(e, at))
            .map((e) => ({ labels: e.labels, annotations: episodeAnnotations(e), state: 'firing' }));

        const step = async () => {
          t.clock.advance(TICK_MS);
          await t.server.demo!.tick();
          await t.server.refresh();
          const now = t.clock.now();
          const text = signalPart(await (await t.api('/metrics')).text());
          scrapes.push({ atMs: now, text });
          capture.add({ atMs: now, text });
          hashes.push({ at: now, hash: createHash('sha1').update(text).digest('hex') });
          for (const event of plan.filter((e) => e.at === now && e.kind === 'notify'))
            await deliver(event, () => []);
          await t.server.engine.settle();
          for (const event of plan.filter((e) => e.at === now && e.kind === 'by_hand'))
            await deliver(event, () => firingAlerts(now));
          const runs = await listRuns(t);
          if ((await approveWaiting(t, runs)) > 0) outcome.approved = true;
          if (succeededAt === undefined && runs.some((r) => r.state === 'succeeded')) succeededAt = now;
        };

        for (let i = 0; i < HEALTHY_MS / TICK_MS; i++) await step();
        expected = await injectFault(t, kind, sla);
        injectedAt = t.clock.now();
        outcome.expectedAlerts = expected;
        outcome.injectedAt = injectedAt;

        const firstEvent = plan.find((e) => e.at > injectedAt)?.at;
        let nextCheckpoint =
          firstEvent !== undefined && outcome.simulations > 1
            ? firstEvent + CHECKPOINT_MS
            : injectedAt + Math.max(3 * MINUTE, (hintMs ?? 0) + 2 * MINUTE);
        let restart = false;
        for (;;) {
          await step();
          const now = t.clock.now();
          const atLimit = now >= injectedAt + LIMIT_MS;
          if (now < nextCheckpoint && !atLimit) continue;
          outcome.checkpoints++;
          const om = capture.render();
          outcome.vanished = om.vanished.length;
          const client = await view.load(om.text);
          const episodes = await replayAlerts(client, rules, {
            startMs: scrapes[0]!.atMs,
            endMs: now,
            stepMs: TICK_MS,
          });
          replay = planFrom(episodes, route, expected, injectedAt);
          const due = replay.plan.filter((e) => e.at <= now).map(eventKey);
          const done = executed.map(eventKey);
          const agrees = due.length === done.length && due.every((k, i) => k === done[i]);
          if (!agrees) {
            planDataEnd = now;
            const missing = due.filter((k) => !done.includes(k)).map((k) => k.slice(0, 160));
            const extra = done.filter((k) => !due.includes(k)).map((k) => k.slice(0, 160));
            log(
              `${kind}: simulation ${outcome.simulations} disagrees with the plan at +${((now - injectedAt) / MINUTE).toFixed(2)} min ` +
                `(due, not done: ${missing.join(' ; ') || 'none'}; done, not due: ${extra.join(' ; ') || 'none'}): starting again`,
            );
            plan = replay.plan;
            restart = true;
            break;
          }
          // The future: the old plan's while it came from a replay of more data (a previous simulation that
          // agreed so far), else the new replay's.
          if (now >= planDataEnd) {
            plan = [...executed, ...replay.plan.filter((e) => e.at > now)];
            planDataEnd = now;
          }
          nextCheckpoint = now + CHECKPOINT_MS;
          // Resolved for good: every expected alert that fired after injection has ended by now.
          let resolvedAt: number | undefined;
          const fired = episodes.filter(
            (e) =>
              expected.includes(e.alertname) &&
              e.firedAt !== undefined &&
              (e.endedAt ?? Infinity) > injectedAt,
          );
          if (fired.length > 0 && fired.every((e) => e.endedAt !== undefined))
            resolvedAt = Math.max(...fired.map((e) => e.endedAt!));
          let mttrAt: number | undefined;
          if (replay.firedAt !== undefined && succeededAt !== undefined)
            for (let at = Math.max(succeededAt, replay.firedAt); at <= now; at += TICK_MS)
              if (!episodes.some((e) => expected.includes(e.alertname) && firingAt(e, at))) {
                mttrAt = at;
                break;
              }
          if (mttrAt === undefined && !atLimit) continue;
          // Agreed, and finished (or out of time): the outcome of this simulation.
          const runs = await listRuns(t);
          const first = runs.at(-1);
          if (first !== undefined) {
            outcome.runbook = first.runbook;
            outcome.action = first.action;
          }
          outcome.runStates = runs.map((r) => r.state);
          if (replay.firedAt !== undefined) {
            outcome.firstAlert = replay.firstAlert!;
            outcome.firedAt = replay.firedAt;
            outcome.detectionMs = replay.firedAt - injectedAt;
            const delivered = replay.notifications.find(
              (n) =>
                n.at >= replay!.firedAt! &&
                n.payload.alerts.some(
                  (a) => a.status === 'firing' && expected.includes(a.labels.alertname ?? ''),
                ),
            );
            if (delivered !== undefined) outcome.deliveredAt = delivered.at;
          }
          if (resolvedAt !== undefined) outcome.resolvedAt = resolvedAt;
          if (succeededAt !== undefined) outcome.succeededAt = succeededAt;
          if (mttrAt !== undefined) outcome.mttrMs = mttrAt - injectedAt;
          outcome.notifications = replay.notifications.filter((n) => n.at <= now);
          outcome.episodes = episodes;
          outcome.scrapes = scrapes;
          break;
        }
        // Determinism: before its first delivery, a simulation must scrape what the previous one did.
        if (previousHashes !== undefined) {
          const until = Math.min(previousFirstEvent ?? Infinity, executed[0]?.at ?? Infinity);
          for (const [i, h] of hashes.entries()) {
            const before = previousHashes[i];
            if (before === undefined || h.at > until) break;
            outcome.determinism.compared++;
            if (before.at !== h.at || before.hash !== h.hash) outcome.determinism.identical = false;
          }
        }
        previousHashes = hashes;
        previousFirstEvent = executed[0]?.at;
        if (!restart) return outcome;
      } finally {
        await t.stop();
      }
    }
  } finally {
    await view.stop();
  }
}
