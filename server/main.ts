// Composition root: builds the control plane from its parts and runs it. `slactl serve` (and `npm start`)
// call startServer; tests call it with an in-memory clock or store directory of their own.
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SpanStatusCode } from '@opentelemetry/api';
import pino, { type Logger } from 'pino';
import type { Clock } from './lib/clock.js';
import { systemClock } from './lib/clock.js';
import { formatDuration } from './lib/units.js';
import type { CompileSettings, SlaPlan } from './compile/ir.js';
import { openStore } from './store/store.js';
import { SignalReader } from './collector/derived.js';
import { Evaluator } from './evaluate/evaluator.js';
import type { Evaluation, SlaStatus } from './evaluate/types.js';
import { createApp, dataSourceJson, type DataSourceState, type EvaluationView } from './http/app.js';
import { dashboardRouter } from './http/dashboard.js';
import { Authenticator, bootstrapAdminToken } from './http/auth.js';
import type { ServerConfig } from './http/config.js';
import { ApiError } from './http/errors.js';
import { createServerMetrics } from './http/metrics.js';
import { EventHub } from './http/sse.js';
import { startTracing, TracedCollector, tracer } from './http/tracing.js';
import { openAuditLog, type AuditLog } from './audit/log.js';
import { AuditError } from './audit/errors.js';
import type { DecisionTree } from './triage/types.js';
import { triage } from './triage/evaluate.js';
import type { Runbook } from './remediate/runbook-types.js';
import { EMPTY_REMEDIATION_CONFIG, Targets, type RemediationConfig } from './remediate/targets.js';
import { RunRows } from './store/runs-rows.js';
import { RunEngine } from './remediate/run-engine.js';
import { AlertReceiver, alertFromTransition } from './remediate/receiver.js';
import type { InboundAlert } from './remediate/alertmanager.js';
import { auditRouter } from './http/audit-routes.js';
import { remediationRouter } from './http/remediation-routes.js';
import { runbookRouter } from './http/runbook-routes.js';
import { triageRouter } from './http/triage-routes.js';
import { DemoSimulator, httpIngestClient, type IngestClient } from './demo/simulator.js';
import { demoRouter } from './demo/router.js';
import { PrometheusClient } from './prometheus/client.js';
import { PrometheusSource } from './prometheus/source.js';
import { querySeriesFromPrometheus } from './prometheus/series.js';

export const DATABASE_FILE = 'slactl.db';
/** The environment name the demo target's in-process token is read from (never set outside). */
const DEMO_TARGET_TOKEN_ENV = 'SLACTL_DEMO_TARGET_TOKEN';

export interface StartOptions {
  config: ServerConfig;
  plans: SlaPlan[];
  compileSettings: CompileSettings;
  clock?: Clock;
  log?: Logger;
  /** Start the evaluation loop and the demo's real-time loop (tests drive both by hand with false). */
  loops?: boolean;
  demoSeed?: number;
  /** The incident decision tree (runbooks/decision-tree.yaml); without it there is no triage route. */
  tree?: DecisionTree;
  /** Loaded runbooks (runbooks/*.md); their actions run through the remediation engine. */
  runbooks?: Runbook[];
  /** slactl.yaml `remediation:` (targets, allowed hosts and commands, secrets). */
  remediation?: RemediationConfig;
  /** Where relative secret files of `remediation` are read from (slactl.yaml's folder). */
  remediationBaseDir?: string;
}

export interface RunningServer {
  url: string;
  port: number;
  /** The first-start admin token and its file, when slactl manages one. */
  admin?: { token: string; file: string; created: boolean };
  /**
   * Runs one evaluation cycle of the embedded evaluator now (the loop calls the same); undefined with
   * Prometheus as the data source, where `refresh` polls it.
   */
  evaluateNow(): Evaluation | undefined;
  /** One cycle of whichever source serves statuses and alerts: an evaluation, or a poll of Prometheus. */
  refresh(): Promise<void>;
  /** The data source's state, as /api/v1/slas reports it. */
  dataSource(): DataSourceState;
  demo?: DemoSimulator;
  /** Remediation runs (tests drive it with `settle()` when loops are off). */
  engine: RunEngine;
  audit: AuditLog;
  /** Stops intake, drains in-flight requests, flushes the store. */
  close(): Promise<void>;
}

export class StartupError extends Error {
  override name = 'StartupError';
}

export async function startServer(options: StartOptions): Promise<RunningServer> {
  const { config, plans } = options;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? pino({ level: config.logLevel, base: { service: 'slactl' } });
  const loops = options.loops ?? true;

  const longest = Math.max(0, ...plans.map((p) => p.windowMs));
  if (longest > config.retentionMs) {
    const sla = plans.find((p) => p.windowMs === longest)!;
    throw new StartupError(
      `retention ${formatDuration(config.retentionMs)} is shorter than the ${formatDuration(longest)} window of SLA ${sla.name}; ` +
        `raise server.retention in slactl.yaml (or SLACTL_RETENTION)`,
    );
  }

  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const store = openStore({
    path: path.join(config.dataDir, DATABASE_FILE),
    retention: { hourMs: config.retentionMs },
  });
  const closers: Array<() => void | Promise<void>> = [() => store.close()];
  // Set once the collector exists: batches still waiting for their group commit are committed first.
  let flushIngest: () => void = () => undefined;
  closers.push(() => flushIngest());
  // OTLP tracing when OTEL_EXPORTER_OTLP_ENDPOINT is set (off otherwise). Stopped last, after the store,
  // so the spans of the final cycles are flushed.
  const stopTracing = startTracing(process.env);
  if (stopTracing) closers.unshift(stopTracing);
  try {
    const auth = new Authenticator(store);
    const adminToken = bootstrapAdminToken(store, config.dataDir, clock.now());
    // The collector opens the `ingest` span of ingest → evaluate → alert around each batch.
    const collector = new TracedCollector(
      { store, clock, plans },
      {
        maxBodyBytes: config.limits.maxBodyBytes,
        maxBatch: config.limits.maxBatch,
        maxSeriesPerService: config.limits.maxSeriesPerService,
        retentionMs: config.retentionMs,
      },
    );
    let audit: AuditLog;
    try {
      audit = openAuditLog({ store, dataDir: config.dataDir, clock });
    } catch (error) {
      if (error instanceof AuditError) throw new StartupError(error.message);
      throw error;
    }
    if (audit.keyInfo.created)
      log.info(
        { fingerprint: audit.keyInfo.fingerprint, file: audit.keyInfo.file },
        'created the audit signing key',
      );
    flushIngest = () => collector.flush();
    const reader = new SignalReader(store);
    const metrics = createServerMetrics();
    // With Prometheus as the data source, statuses and alerts are read from it and the embedded evaluator
    // does not run: its alerts would reach remediation a second time beside Alertmanager's.
    const prometheusClient = config.prometheus
      ? new PrometheusClient({
          url: config.prometheus.url,
          headers: config.prometheus.headers,
          timeoutMs: config.prometheus.timeoutMs,
          ...(config.prometheus.bearerTokenFile !== undefined
            ? { bearerTokenFile: config.prometheus.bearerTokenFile }
            : {}),
        })
      : undefined;
    const source = prometheusClient
      ? new PrometheusSource({
          plans,
          settings: options.compileSettings,
          client: prometheusClient,
          log: log.child({ component: 'prometheus' }),
          registry: metrics.registry,
        })
      : undefined;
    const evaluator = source
      ? undefined
      : new Evaluator({ plans, settings: options.compileSettings, store, reader });
    const hub = new EventHub();
    let lastEvaluation: Evaluation | undefined;
    let ready = false;
    let draining = false;
    const lastStatus = new Map<string, string>();

    const view: EvaluationView = source
      ? {
          alerts: () => source.alerts(),
          statuses: () => source.statuses(),
          lastEvaluatedAt: () => source.lastEvaluatedAt(),
          dataSource: () => source.dataSource(),
        }
      : {
          alerts: () => evaluator?.alerts() ?? [],
          statuses: () => evaluator?.statuses() ?? [],
          lastEvaluatedAt: () => lastEvaluation?.at,
          dataSource: () => {
            const at = lastEvaluation?.at;
            return {
              kind: 'embedded',
              healthy: lastEvaluation !== undefined && lastEvaluation.errors.length === 0,
              ...(at !== undefined ? { lastSuccessAt: at, lastAttemptAt: at } : {}),
              ...(lastEvaluation !== undefined && lastEvaluation.errors.length > 0
                ? { error: lastEvaluation.errors.map((e) => `${e.sla}: ${e.message}`).join('; ') }
                : {}),
            };
          },
        };

    const evaluateNow = (): Evaluation | undefined => {
      if (evaluator === undefined) return undefined;
      return tracer.startActiveSpan('evaluate', (span) => {
        const end = metrics.evaluationDuration.startTimer();
        try {
          const evaluation = evaluator.evaluate(clock.now());
          lastEvaluation = evaluation;
          span.setAttribute('slactl.slas', plans.length);
          span.setAttribute('slactl.transitions', evaluation.transitions.length);
          for (const e of evaluation.errors) {
            metrics.evaluationErrors.inc();
            log.error({ sla: e.sla, err: e.message }, 'evaluating an SLA failed');
          }
          publish(evaluation, true);
          ready = !draining;
          return evaluation;
        } catch (error) {
          // One failed cycle is logged and counted; the next one runs on schedule.
          metrics.evaluationErrors.inc();
          span.recordException(error as Error);
          span.setStatus({ code: SpanStatusCode.ERROR });
          log.error({ err: error }, 'evaluation cycle failed');
          return undefined;
        } finally {
          end();
          span.end();
        }
      });
    };

    // Polling Prometheus: one poll at a time (a slow Prometheus skips cycles rather than piling them up);
    // the server is ready once the first poll ended, answered or not: it then serves what it has, stale
    // or empty, and says so in dataSource.
    let polling: Promise<void> | undefined;
    let lastHealthy: boolean | undefined;
    const pollNow = (): Promise<void> => {
      if (source === undefined) return Promise.resolve();
      polling ??= tracer
        .startActiveSpan('evaluate', async (span) => {
          const end = metrics.evaluationDuration.startTimer();
          try {
            const result = await source.poll(clock.now());
            span.setAttribute('slactl.slas', plans.length);
            span.setAttribute('slactl.transitions', result.transitions.length);
            if (!result.healthy) {
              span.setStatus({ code: SpanStatusCode.ERROR, message: result.errors[0]?.message ?? '' });
            }
            if (!draining) publish(result, false);
            if (lastHealthy !== result.healthy) {
              lastHealthy = result.healthy;
              hub.publish({ event: 'dataSource', data: dataSourceJson(source.dataSource()) });
            }
          } catch (error) {
            // poll() answers failures as data; anything else is a bug, logged, and the loop goes on.
            metrics.evaluationErrors.inc();
            span.recordException(error as Error);
            log.error({ err: error }, 'polling Prometheus failed');
          } finally {
            end();
            span.end();
            ready = !draining;
          }
        })
        .finally(() => {
          polling = undefined;
        });
      return polling;
    };

    // One cycle of whichever source serves statuses and alerts (the embedded evaluation is synchronous).
    const cycle = async (): Promise<void> => {
      if (source) await pollNow();
      else evaluateNow();
    };

    const publish = (
      evaluation: Pick<Evaluation, 'alerts' | 'transitions' | 'statuses'>,
      toReceiver: boolean,
    ): void => {
      const active = evaluation.alerts;
      metrics.alertsActive.set({ state: 'firing' }, active.filter((a) => a.state === 'firing').length);
      metrics.alertsActive.set({ state: 'pending' }, active.filter((a) => a.state === 'pending').length);
      for (const transition of evaluation.transitions) {
        tracer.startActiveSpan('alert', (span) => {
          span.setAttribute('slactl.alertname', transition.alertname);
          span.setAttribute('slactl.transition', `${transition.from}->${transition.to}`);
          hub.publish({ event: 'alert', data: transition });
          span.end();
        });
        if (transition.to === 'firing' || transition.to === 'resolved')
          log.info(
            { alert: transition.alertname, labels: transition.labels, to: transition.to },
            'alert transition',
          );
      }
      for (const status of evaluation.statuses) {
        const key = statusKey(status);
        if (lastStatus.get(status.name) !== key) {
          lastStatus.set(status.name, key);
          hub.publish({ event: 'status', data: status });
        }
      }
      // The embedded evaluator's alerts take the Alertmanager receiver's path: one episode, one run.
      // Prometheus' alerts reach remediation through Alertmanager (POST /api/v1/alertmanager) only.
      if (!toReceiver) return;
      const inbound = evaluation.transitions
        .map((t) => alertFromTransition(t, annotationsOf(evaluation, t.fingerprint)))
        .filter((a): a is InboundAlert => a !== undefined);
      if (inbound.length > 0) {
        try {
          receiver.receive(inbound, 'evaluator');
        } catch (error) {
          log.error({ err: error }, 'recording alerts for remediation failed');
        }
      }
    };

    // Remediation: alerts (the embedded evaluator's and Alertmanager's) → episodes → runs of runbook
    // actions, each decision in the signed audit log. The demo's runbooks call the demo's remediation
    // endpoints on this server through the target `demo`, with an in-process `operate` token.
    const demoTargetToken = config.demo
      ? auth.issueInternal('remediation (demo target)', ['operate'])
      : undefined;
    const targets = new Targets(options.remediation ?? EMPTY_REMEDIATION_CONFIG, {
      baseDir: options.remediationBaseDir ?? process.cwd(),
      env: { ...process.env, ...(demoTargetToken ? { [DEMO_TARGET_TOKEN_ENV]: demoTargetToken } : {}) },
    });
    const runbooks = options.runbooks ?? [];
    const runRows = new RunRows(store);
    const engine = new RunEngine({
      rows: runRows,
      runbooks,
      targets,
      audit,
      clock,
      log: log.child({ component: 'remediation' }),
      publish: (event) => hub.publish(event),
    });
    const planByName = new Map(plans.map((p) => [p.name, p]));
    const tree = options.tree;
    const triagePath = (alert: InboundAlert): Record<string, unknown> | undefined => {
      if (tree === undefined) return undefined;
      const sla = alert.labels.sla;
      const status = view.statuses().find((s) => s.name === sla);
      if (sla === undefined || status === undefined) return undefined;
      const plan = planByName.get(sla);
      const result = triage(tree, { status, alerts: view.alerts(), ...(plan ? { plan } : {}) });
      return {
        sla,
        outcome: result.outcome,
        summary: result.summary,
        path: result.path.filter((step) => step.matched).map((step) => step.node),
        ...(result.leaf ? { node: result.leaf.node, runbook: result.leaf.runbook ?? null } : {}),
      };
    };
    const receiver = new AlertReceiver({ rows: runRows, engine, audit, clock, triage: triagePath });
    closers.push(() => engine.stop()); // closers run in reverse: the engine stops before the store closes

    // The demo talks to the server over HTTP like any other client; its URL is known after listen().
    let baseUrl = '';
    let demo: DemoSimulator | undefined;
    if (config.demo) {
      const token = auth.issueInternal('demo simulator', ['ingest']);
      const client: IngestClient = { send: (signals) => httpIngestClient(baseUrl, token).send(signals) };
      demo = new DemoSimulator({
        plans,
        client,
        clock,
        ...(options.demoSeed === undefined ? {} : { seed: options.demoSeed }),
        logger: log.child({ component: 'demo' }),
      });
    }

    const app = createApp({
      config,
      log,
      auth,
      collector,
      store,
      reader,
      plans,
      metrics,
      hub,
      now: () => clock.now(),
      isReady: () => ready && !draining,
      evaluation: view,
      ...(prometheusClient
        ? {
            seriesQuery: async (query: Record<string, unknown>, now: number) => {
              try {
                return await querySeriesFromPrometheus(prometheusClient, plans, query, now);
              } catch (error) {
                if (error instanceof ApiError && error.status === 502) source?.countFailure('series');
                throw error;
              }
            },
          }
        : {}),
      extraRouters: [
        auditRouter(audit, { read: auth.require('read') }),
        remediationRouter({ engine, receiver, auth, now: () => clock.now() }),
        runbookRouter({ runbooks, read: auth.require('read'), actions: () => engine.actions() }),
        ...(tree
          ? [
              triageRouter({
                read: auth.require('read'),
                latest: () => ({ alerts: view.alerts(), statuses: view.statuses() }),
                tree,
                plans,
              }),
            ]
          : []),
        ...(demo
          ? [demoRouter(demo, { read: auth.require('read'), operate: auth.require('operate') }, { plans })]
          : []),
        dashboardRouter({ verify: (secret) => auth.verify(secret) }), // dashboard (web/) at `/`, after the API
      ],
    });

    const server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(config.port, config.host);
      s.once('listening', () => resolve(s));
      s.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'EADDRINUSE'
            ? new StartupError(`port ${config.port} on ${config.host} is in use; pick another with --port`)
            : error,
        ),
      );
    });
    server.keepAliveTimeout = 5_000;
    const port = (server.address() as AddressInfo).port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    baseUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;

    if (demoTargetToken !== undefined) {
      targets.define(
        'demo',
        { url: baseUrl, headers: { Authorization: { env: DEMO_TARGET_TOKEN_ENV, prefix: 'Bearer ' } } },
        { allowHost: true },
      );
    }
    for (const problem of [...targets.actionProblems(runbooks), ...targets.secretProblems()])
      log.warn({ problem }, 'remediation configuration: an action cannot run');

    if (source) {
      log.info(
        { url: source.url, slas: plans.length },
        'reading statuses, alerts and series from Prometheus',
      );
    }
    void cycle();
    const timers: NodeJS.Timeout[] = [];
    if (loops) {
      timers.push(setInterval(() => void cycle(), config.evaluationIntervalMs));
      timers.push(
        setInterval(() => {
          try {
            store.prune(clock.now());
            receiver.prune(clock.now());
          } catch (error) {
            log.error({ err: error }, 'pruning the store failed');
          }
        }, 10 * 60_000),
      );
      demo?.start();
      engine.start();
    } else {
      // Tests drive the engine with settle(); unfinished runs of a previous process still resume.
      engine.resume();
    }

    let closing: Promise<void> | undefined;
    const close = (): Promise<void> =>
      (closing ??= (async () => {
        draining = true;
        ready = false;
        for (const t of timers) clearInterval(t);
        source?.close();
        await polling;
        await demo?.stop();
        hub.close();
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => server.closeAllConnections(), 10_000).unref();
          server.close(() => {
            clearTimeout(force);
            resolve();
          });
          server.closeIdleConnections();
        });
        for (const closer of closers.reverse()) await closer();
        log.info('stopped');
      })());

    return {
      url: baseUrl,
      port,
      ...(adminToken
        ? { admin: { token: adminToken.secret, file: adminToken.file, created: adminToken.created } }
        : {}),
      evaluateNow,
      refresh: cycle,
      dataSource: () => view.dataSource(),
      ...(demo ? { demo } : {}),
      engine,
      audit,
      close,
    };
  } catch (error) {
    for (const closer of closers.reverse()) await closer();
    throw error;
  }
}

/** The annotations of the alert an evaluator transition belongs to (resolved ones keep none). */
function annotationsOf(evaluation: Pick<Evaluation, 'alerts'>, fingerprint: string): Record<string, string> {
  return evaluation.alerts.find((a) => a.fingerprint === fingerprint)?.annotations ?? {};
}

/** What makes a status worth an event: its verdicts, not every small move of a measured value. */
function statusKey(status: SlaStatus): string {
  // The error too: a data source that fails (or recovers) changes what the dashboard must say.
  return JSON.stringify([status.status, status.dimensions, status.alerts, status.error ?? null]);
}
