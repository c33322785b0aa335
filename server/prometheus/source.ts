// Prometheus as the control plane's data source: every cycle polls Prometheus (four batched queries and
// the alerts API, in parallel) and builds the same SlaStatus[] and AlertInstance[] the embedded
// evaluator does. When Prometheus is unreachable or a query fails, the last good answers stay served,
// marked stale (the data source state and each SLA's `error`), failures are counted and logged once per
// outage, and the next cycle tries again: nothing here throws out of a poll.
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { alertRules } from '../compile/emit-rules.js';
import type { CompileSettings, SlaPlan } from '../compile/ir.js';
import { prepareRules, type PreparedRule } from '../evaluate/rules.js';
import { configuredDimensions, finishStatus } from '../evaluate/status.js';
import type { AlertInstance, Dimension, SlaStatus, Transition } from '../evaluate/types.js';
import type { DataSourceState } from '../http/app.js';
import { alertTransitions, mapAlerts, type MappedAlert, type PlanRules } from './alerts.js';
import type { PrometheusClient, VectorSample } from './client.js';
import { cycleQueries, type CycleQueries } from './queries.js';
import { Readings, type FamilyResults } from './readings.js';
import { measureFromPrometheus } from './status.js';

/** The requests of one cycle; each fails and recovers on its own. */
export type Family = 'alerts' | 'recorded' | 'gauges' | 'rates' | 'custom';

export interface PrometheusSourceDeps {
  plans: readonly SlaPlan[];
  settings: CompileSettings;
  client: PrometheusClient;
  log?: Logger;
  /** Where the source's own metrics are registered (the server's /metrics registry). */
  registry?: Registry;
}

/** The outcome of one poll. */
export interface PollResult {
  at: number;
  durationMs: number;
  statuses: SlaStatus[];
  alerts: AlertInstance[];
  /** Alert changes since the previous successful alerts answer. */
  transitions: Transition[];
  /** Families that failed this cycle; their previous answers were kept. */
  errors: Array<{ family: Family; message: string }>;
  /** Whether every family but `custom` answered (a failing custom query only marks its own SLAs). */
  healthy: boolean;
}

interface PlanState extends PlanRules {
  configured: ReadonlySet<Dimension>;
  /** Whether the SLA's status reads the custom family (1h ratios of custom SLIs). */
  readsCustom: boolean;
}

interface Failure {
  since: number;
  message: string;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Polls Prometheus and serves the last good statuses and alerts. */
export class PrometheusSource {
  readonly url: string;
  private readonly states: PlanState[];
  private readonly byName: Map<string, PlanState>;
  private readonly queries: CycleQueries;
  private readonly log: Logger | undefined;
  private readonly client: PrometheusClient;
  private results: FamilyResults = {};
  private lastAlerts: MappedAlert[] = [];
  private lastStatuses: SlaStatus[];
  private readonly failing = new Map<Family, Failure>();
  private lastSuccessAt: number | undefined;
  private lastAttemptAt: number | undefined;
  private readonly abort = new AbortController();
  private readonly metrics: { failures: Counter<'family'>; up: Gauge; lastSuccess: Gauge } | undefined;

  constructor(deps: PrometheusSourceDeps) {
    const plans: unknown = deps.plans;
    if (!Array.isArray(plans)) throw new TypeError('PrometheusSource: plans must be an array of SLA plans');
    if (deps.client === undefined) throw new TypeError('PrometheusSource: client is required');
    if (deps.settings === undefined) throw new TypeError('PrometheusSource: settings is required');
    this.client = deps.client;
    this.url = deps.client.url;
    this.log = deps.log;
    this.queries = cycleQueries(deps.plans);
    const customSlas = new Set(
      (this.queries.custom?.parts ?? []).flatMap((p) => (p.kind === 'ratio' ? [p.sla] : [])),
    );
    this.states = deps.plans.map((plan, order) => {
      const rules: PreparedRule[] = prepareRules(alertRules(plan, deps.settings));
      return {
        plan,
        order,
        rules,
        configured: configuredDimensions(rules),
        readsCustom: customSlas.has(plan.name),
      };
    });
    this.byName = new Map(this.states.map((s) => [s.plan.name, s]));
    if (this.byName.size !== this.states.length)
      throw new Error('PrometheusSource: two SLAs have the same name');
    this.lastStatuses = this.build(new Readings(this.queries, {}), [], 0, []);
    if (deps.registry !== undefined) {
      const registers = [deps.registry];
      this.metrics = {
        failures: new Counter({
          name: 'slactl_prometheus_failures_total',
          help: 'Requests to the Prometheus data source that failed, by family (alerts, recorded, gauges, rates, custom, series)',
          labelNames: ['family'],
          registers,
        }),
        up: new Gauge({
          name: 'slactl_prometheus_up',
          help: 'Whether the last poll of the Prometheus data source succeeded (1) or served stale data (0); a failing custom SLI query alone does not count',
          registers,
        }),
        lastSuccess: new Gauge({
          name: 'slactl_prometheus_last_success_timestamp_seconds',
          help: 'When the Prometheus data source last answered a poll, custom SLI queries aside (unix seconds)',
          registers,
        }),
      };
    }
  }

  /** One cycle at `at` (ms since the epoch): never rejects; failed families keep their last answer. */
  async poll(at: number): Promise<PollResult> {
    const started = performance.now();
    this.lastAttemptAt = at;
    const signal = this.abort.signal;
    const q = this.queries;
    const tasks: Array<[Family, Promise<unknown>]> = [['alerts', this.client.alerts(signal)]];
    const instant = (family: Exclude<Family, 'alerts'>, expr: string | undefined) => {
      if (expr !== undefined) tasks.push([family, this.client.query(expr, at, signal)]);
    };
    instant('recorded', q.recorded);
    instant('gauges', q.gauges);
    instant('rates', q.rates?.expr);
    instant('custom', q.custom?.expr);
    const settled = await Promise.allSettled(tasks.map(([, p]) => p));

    const errors: PollResult['errors'] = [];
    let transitions: Transition[] = [];
    const results: FamilyResults = { ...this.results };
    settled.forEach((outcome, i) => {
      const family = tasks[i]![0];
      if (outcome.status === 'rejected') {
        errors.push({ family, message: message(outcome.reason) });
        return;
      }
      if (family === 'alerts') {
        const alerts = mapAlerts(outcome.value as Parameters<typeof mapAlerts>[0], this.byName);
        transitions = alertTransitions(this.lastAlerts, alerts, at);
        this.lastAlerts = alerts;
      } else {
        results[family] = outcome.value as VectorSample[];
      }
    });
    this.results = results;
    this.track(errors, at);
    // A team's failing custom query marks only the SLAs that read it (their `error`), not the source.
    const healthy = errors.every((e) => e.family === 'custom');
    if (healthy) this.lastSuccessAt = at;
    // While a shared family fails, the statuses say they are as of the last poll that answered in full.
    const evaluatedAt = this.lastSuccessAt ?? 0;
    this.lastStatuses = this.build(new Readings(this.queries, results), this.lastAlerts, evaluatedAt, errors);
    this.metrics?.up.set(healthy ? 1 : 0);
    if (healthy) this.metrics?.lastSuccess.set(at / 1000);
    return {
      at,
      durationMs: performance.now() - started,
      statuses: this.lastStatuses,
      alerts: this.lastAlerts,
      transitions,
      errors,
      healthy,
    };
  }

  /** Counts failures; logs once when families start failing (not every cycle), and once when they answer again. */
  private track(errors: PollResult['errors'], at: number): void {
    const failed = new Set(errors.map((e) => e.family));
    const started: PollResult['errors'] = [];
    for (const error of errors) {
      this.metrics?.failures.inc({ family: error.family });
      const known = this.failing.get(error.family);
      if (known !== undefined) known.message = error.message;
      else {
        this.failing.set(error.family, { since: at, message: error.message });
        started.push(error);
      }
    }
    const recovered: Family[] = [];
    let since = at;
    for (const [family, failure] of this.failing) {
      if (failed.has(family)) continue;
      this.failing.delete(family);
      recovered.push(family);
      since = Math.min(since, failure.since);
    }
    if (this.abort.signal.aborted) return;
    if (started.length > 0)
      this.log?.warn(
        {
          url: this.url,
          families: started.map((e) => e.family),
          err: started.map((e) => `${e.family}: ${e.message}`).join('; '),
        },
        'Prometheus data source failing: serving the last good values until it answers',
      );
    if (recovered.length > 0)
      this.log?.info(
        { url: this.url, families: recovered, downMs: at - since },
        'Prometheus data source answers again',
      );
  }

  /** Counts a failure of a request made outside the poll (the series API). */
  countFailure(family: 'series'): void {
    this.metrics?.failures.inc({ family });
  }

  private staleNote(
    errors: PollResult['errors'],
    families: (f: Family) => boolean,
    asOf: string,
  ): string | undefined {
    const relevant = errors.filter((e) => families(e.family));
    if (relevant.length === 0) return undefined;
    const since = Math.min(...relevant.map((e) => this.failing.get(e.family)?.since ?? Infinity));
    const what = relevant.map((e) => e.message).join('; ');
    return `Prometheus at ${this.url} failing since ${Number.isFinite(since) ? iso(since) : 'now'} (${what}); ${asOf}`;
  }

  private build(
    r: Readings,
    alerts: readonly MappedAlert[],
    at: number,
    errors: PollResult['errors'],
  ): SlaStatus[] {
    const common = this.staleNote(
      errors,
      (f) => f !== 'custom',
      this.lastSuccessAt === undefined
        ? 'no complete answer received yet'
        : `last complete answer at ${iso(this.lastSuccessAt)}`,
    );
    // The other families answered: only the custom SLIs' burn rates are old.
    const custom = this.staleNote(
      errors,
      (f) => f === 'custom',
      "the custom SLIs' burn rates are from its last answer",
    );
    const active = new Map<string, MappedAlert[]>();
    for (const a of alerts) {
      const list = active.get(a.sla);
      if (list === undefined) active.set(a.sla, [a]);
      else list.push(a);
    }
    return this.states.map((state) => {
      const measured = measureFromPrometheus(state.plan, state.rules, r, at);
      const status = finishStatus(measured, state.rules, state.configured, active.get(state.plan.name) ?? []);
      const notes: string[] = [];
      if (common !== undefined) notes.push(common);
      if (custom !== undefined && state.readsCustom) notes.push(custom);
      if (r.recordedAnswered && state.plan.objectives.length > 0 && !r.hasRules(state.plan.name))
        notes.push(
          `Prometheus has no slactl recording rules for SLA ${state.plan.name}: load its compiled rule file ` +
            `(alerts/${state.plan.name}.rules.yaml), or its objectives have no values and its alerts cannot fire`,
        );
      return notes.length === 0 ? status : { ...status, error: notes.join('; ') };
    });
  }

  /** Active alerts of the loaded SLAs after the last poll that reached the alerts API. */
  alerts(): AlertInstance[] {
    return this.lastAlerts;
  }

  /** The status of every SLA, in plan order. */
  statuses(): SlaStatus[] {
    return this.lastStatuses;
  }

  /** When the values were last fully refreshed (undefined before the first full answer). */
  lastEvaluatedAt(): number | undefined {
    return this.lastSuccessAt;
  }

  /** Health of the data source, for the API and the event stream; a failing `custom` family is in `error` only. */
  dataSource(): DataSourceState {
    const errors = [...this.failing.entries()].map(([family, f]) => `${family}: ${f.message}`);
    const shared = [...this.failing.keys()].filter((family) => family !== 'custom');
    return {
      kind: 'prometheus',
      url: this.url,
      healthy: this.lastAttemptAt !== undefined && shared.length === 0,
      ...(this.lastSuccessAt !== undefined ? { lastSuccessAt: this.lastSuccessAt } : {}),
      ...(this.lastAttemptAt !== undefined ? { lastAttemptAt: this.lastAttemptAt } : {}),
      ...(errors.length > 0 ? { error: errors.join('; ') } : {}),
    };
  }

  /** Cancels requests in flight (shutdown). */
  close(): void {
    this.abort.abort();
  }
}
