// The Express application: routes, auth, limits and error answers. Built by the composition root
// (server/main.ts) from already-constructed parts, so tests can assemble it around an in-memory store.
import { SpanStatusCode } from '@opentelemetry/api';
import express, { type Request, type RequestHandler, type Router } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { randomUUID } from 'node:crypto';
import type { SlaPlan } from '../compile/ir.js';
import type { Collector, IngestResult } from '../collector/ingest.js';
import { IngestError, type IngestProblem } from '../collector/errors.js';
import type { SignalReader } from '../collector/derived.js';
import { renderSignalMetrics } from '../collector/exposition.js';
import type { AlertInstance, SlaStatus } from '../evaluate/types.js';
import type { SeriesStore } from '../store/types.js';
import { clearedSessionCookie, sessionCookie, type Authenticator } from './auth.js';
import type { ServerConfig } from './config.js';
import { ApiError, errorHandler, sendError } from './errors.js';
import type { ServerMetrics } from './metrics.js';
import { querySeries, QUERY_SIGNALS, type QueryResult } from './series-query.js';
import type { EventHub } from './sse.js';
import { tracer } from './tracing.js';

/** Where statuses and alerts come from, and whether that source answers (docs/api.md#data-source). */
export interface DataSourceState {
  /** `embedded`: slactl's evaluator over its own store; `prometheus`: read from Prometheus' HTTP API. */
  kind: 'embedded' | 'prometheus';
  /** The Prometheus API's base URL (prometheus only). */
  url?: string;
  /** False while the source fails: what is served is the last good answer (stale but available). */
  healthy: boolean;
  /** When the source last answered in full (ms since the epoch). */
  lastSuccessAt?: number;
  /** When it was last asked. */
  lastAttemptAt?: number;
  /** What is failing, while it fails. */
  error?: string;
}

/** What the HTTP layer reads from the evaluator (or the Prometheus data source standing in for it). */
export interface EvaluationView {
  alerts(): AlertInstance[];
  statuses(): SlaStatus[];
  lastEvaluatedAt(): number | undefined;
  /** Where the statuses come from, and whether it answers. */
  dataSource(): DataSourceState;
}

/** The data source state as the API writes it: times in RFC 3339, null when unknown. */
export function dataSourceJson(state: DataSourceState) {
  return {
    kind: state.kind,
    ...(state.url !== undefined ? { url: state.url } : {}),
    healthy: state.healthy,
    lastSuccessAt: isoOrNull(state.lastSuccessAt),
    lastAttemptAt: isoOrNull(state.lastAttemptAt),
    ...(state.error !== undefined ? { error: state.error } : {}),
  };
}

export interface AppDeps {
  config: ServerConfig;
  log: Logger;
  auth: Authenticator;
  collector: Collector;
  store: SeriesStore;
  reader: SignalReader;
  evaluation: EvaluationView;
  plans: SlaPlan[];
  metrics: ServerMetrics;
  hub: EventHub;
  now: () => number;
  /** Ready once the first evaluation ran; false again while draining. */
  isReady: () => boolean;
  /** Routers of optional parts (the demo), mounted before the 404 handler. */
  extraRouters?: Router[];
  /**
   * Answers GET /api/v1/signals/query from elsewhere (Prometheus' query_range); default: the store.
   * Validation errors are ApiErrors, as querySeries throws them.
   */
  seriesQuery?: (query: Record<string, unknown>, now: number) => Promise<QueryResult>;
}

/** A dashboard session lasts a week (an on-call rotation); revoking the token ends it at once. */
const SESSION_MAX_AGE_SECONDS = 7 * 86_400;

const INGEST_TYPES = ['application/json', 'application/x-ndjson', 'application/ndjson'];

/** Prometheus' alert shape: RFC 3339 `activeAt`, the value as a string. */
function prometheusAlert(a: AlertInstance) {
  return {
    labels: a.labels,
    annotations: a.annotations,
    state: a.state,
    activeAt: new Date(a.activeAt).toISOString(),
    value: String(a.value),
  };
}

export function createApp(deps: AppDeps): express.Express {
  const { auth, config, metrics } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use(
    pinoHttp({
      logger: deps.log,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // Tokens never reach the log: not the header, the session cookie (sent or set), nor the SSE or
      // login query parameter.
      redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url.replace(/([?&](?:access_token|token)=)[^&]*/g, '$1[redacted]'),
        }),
      },
      // 502 data_source_unavailable is Prometheus being away, already logged once by the source: a
      // warning per request, not an error.
      customLogLevel: (_req, res, err) =>
        res.statusCode === 502
          ? 'warn'
          : err !== undefined || res.statusCode >= 500
            ? 'error'
            : res.statusCode >= 400
              ? 'warn'
              : 'debug',
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    }),
  );

  app.use((req, res, next) => {
    const end = metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path;
      end({
        method: req.method,
        route: route === undefined ? 'unmatched' : `${req.baseUrl}${route}`,
        status: String(res.statusCode),
      });
    });
    next();
  });

  // Signing a browser in: the printed login URL carries the token once; the answer moves it into an
  // HttpOnly, SameSite=Strict cookie and redirects to a clean URL, so the token leaves the address bar
  // and history, and page scripts never see it.
  app.get('/login', (req, res, next) => {
    const token = req.query.token;
    if (typeof token !== 'string' || token === '') {
      next(
        new ApiError(400, 'invalid_query', 'login needs ?token=<token> (printed by slactl serve)', [
          { field: 'token', message: 'required' },
        ]),
      );
      return;
    }
    if (deps.auth.verify(token) === undefined) {
      next(new ApiError(401, 'unauthorized', 'unknown or revoked token'));
      return;
    }
    const target = typeof req.query.next === 'string' ? req.query.next : '/';
    // Only a path on this server: `//host` and `/\host` would leave it (an open redirect).
    const safe = /^\/(?![/\\])[^\s]*$/.test(target) ? target : '/';
    res.setHeader('Set-Cookie', sessionCookie(token, SESSION_MAX_AGE_SECONDS));
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(303, safe);
  });

  app.post('/logout', (_req, res) => {
    res.setHeader('Set-Cookie', clearedSessionCookie());
    res.status(204).end();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    const ready = deps.isReady();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready' });
  });

  const metricsGuard: RequestHandler = config.publicMetrics
    ? (_req, _res, next) => next()
    : auth.require('read');
  app.get('/metrics', metricsGuard, async (_req, res) => {
    metrics.seriesStored.set(
      [...new Set(deps.plans.map((p) => p.service))].reduce((n, s) => n + deps.store.seriesCount(s), 0),
    );
    metrics.sseClients.set(deps.hub.size);
    const own = await metrics.registry.metrics();
    const signals = renderSignalMetrics(deps.store, deps.reader, deps.now());
    res.setHeader('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
    res.send(`${own}\n${signals}`);
  });

  // --- ingest -------------------------------------------------------------------------------------
  let inFlight = 0;
  const limitConcurrency: RequestHandler = (_req, res, next) => {
    if (inFlight >= config.limits.maxConcurrentIngest) {
      metrics.ingestRejected.inc({ code: 'overloaded' });
      sendError(
        res,
        new ApiError(
          429,
          'overloaded',
          `more than ${config.limits.maxConcurrentIngest} ingest requests in flight; retry shortly`,
          [],
          {
            'Retry-After': '1',
          },
        ),
      );
      return;
    }
    inFlight++;
    res.on('close', () => inFlight--);
    next();
  };
  const rawBody = (types: string[]) =>
    express.text({ type: types, limit: config.limits.maxBodyBytes, defaultCharset: 'utf-8' });
  const requireType =
    (types: string[]): RequestHandler =>
    (req, _res, next) => {
      if (!req.is(types)) {
        next(
          new ApiError(415, 'unsupported_media_type', `Content-Type must be one of ${types.join(', ')}`, [
            { field: 'Content-Type', message: `got ${JSON.stringify(req.headers['content-type'] ?? '')}` },
          ]),
        );
        return;
      }
      next();
    };
  const ingestFailure = (error: unknown): unknown => {
    if (error instanceof IngestError) {
      metrics.ingestRejected.inc({ code: error.code });
      // `field` is the full path in the body (`signals[1].seconds`); index and line locate the signal.
      const details = error.problems.map((p) => ({
        ...(p.field !== undefined || p.index !== undefined ? { field: problemPath(p) } : {}),
        ...(p.index !== undefined ? { index: p.index } : {}),
        ...(p.line !== undefined ? { line: p.line } : {}),
        message: p.message,
      }));
      return new ApiError(
        error.status,
        error.code,
        error.message,
        details,
        error.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(error.retryAfterSeconds) },
      );
    }
    return error;
  };

  app.post(
    '/api/v1/signals',
    auth.require('ingest'),
    limitConcurrency,
    requireType(INGEST_TYPES),
    rawBody(INGEST_TYPES),
    async (req, res, next) => {
      const text = typeof req.body === 'string' ? req.body : '';
      try {
        // Group commit: answered only once the batch is committed (with the others of this turn of the
        // event loop); an invalid body is rejected at once.
        const result = await tracedSubmit(() => deps.collector.submitBody(text, req.headers['content-type']));
        metrics.signalsAccepted.inc({ source: 'api' }, result.accepted);
        res.status(202).json({ accepted: result.accepted });
      } catch (error) {
        if (error instanceof IngestError && error.status === 503)
          req.log.error({ err: error.cause }, 'committing an ingest group failed');
        next(ingestFailure(error));
      }
    },
  );

  app.post(
    '/v1/metrics',
    auth.require('ingest'),
    limitConcurrency,
    requireType(['application/json']),
    rawBody(['application/json']),
    (req, res, next) => {
      try {
        let body: unknown;
        try {
          body = JSON.parse(typeof req.body === 'string' ? req.body : '');
        } catch (error) {
          throw new ApiError(
            400,
            'invalid_json',
            `request body is not valid JSON: ${(error as Error).message}`,
          );
        }
        const result = deps.collector.ingestOtlp(body);
        metrics.signalsAccepted.inc({ source: 'otlp' }, result.accepted);
        // OTLP/HTTP answers an ExportMetricsServiceResponse; partialSuccess reports what was skipped.
        res.status(200).json(
          result.ignored > 0
            ? {
                partialSuccess: {
                  rejectedDataPoints: String(result.ignored),
                  errorMessage: `${result.ignored} data points of metrics slactl does not map were ignored`,
                },
              }
            : {},
        );
      } catch (error) {
        next(ingestFailure(error));
      }
    },
  );

  // --- read API -----------------------------------------------------------------------------------
  const read = auth.require('read');
  const planByName = new Map(deps.plans.map((p) => [p.name, p]));

  app.get('/api/v1/slas', read, (_req, res) => {
    res.json({
      data: deps.evaluation.statuses(),
      evaluatedAt: isoOrNull(deps.evaluation.lastEvaluatedAt()),
      dataSource: dataSourceJson(deps.evaluation.dataSource()),
    });
  });

  app.get('/api/v1/slas/:name', read, (req, res, next) => {
    const name = String(req.params.name);
    const plan = planByName.get(name);
    const status = deps.evaluation.statuses().find((s) => s.name === name);
    if (!plan || !status) {
      next(new ApiError(404, 'not_found', `no SLA named ${JSON.stringify(name)}`, [], {}));
      return;
    }
    res.json({
      data: {
        ...status,
        source: plan.source,
        labels: plan.labels,
        budget: plan.budget ?? null,
        alerts: deps.evaluation
          .alerts()
          .filter((a) => a.sla === plan.name)
          .map(prometheusAlert),
      },
    });
  });

  app.get('/api/v1/alerts', read, (_req, res) => {
    res.json({ status: 'success', data: { alerts: deps.evaluation.alerts().map(prometheusAlert) } });
  });

  app.get('/api/v1/signals/query', read, async (req, res, next) => {
    try {
      const data =
        deps.seriesQuery === undefined
          ? querySeries(deps.store, deps.reader, deps.plans, req.query, deps.now())
          : await deps.seriesQuery(req.query, deps.now());
      res.json({ data });
    } catch (error) {
      next(error);
    }
  });
  app.get('/api/v1/signals/query/signals', read, (_req, res) => {
    res.json({ data: QUERY_SIGNALS });
  });

  app.get('/api/v1/events', auth.require('read', { allowQueryToken: true }), (req, res) => {
    deps.hub.connect(req, res, [
      {
        event: 'snapshot',
        data: {
          statuses: deps.evaluation.statuses(),
          alerts: deps.evaluation.alerts(),
          dataSource: dataSourceJson(deps.evaluation.dataSource()),
        },
      },
    ]);
  });

  for (const router of deps.extraRouters ?? []) app.use(router);

  app.use((req: Request, _res, next) => {
    next(new ApiError(404, 'not_found', `no route for ${req.method} ${req.path}`));
  });
  app.use(errorHandler(deps.log));
  return app;
}

/**
 * The `ingest` span (ingest → evaluate → alert) around a group-committed batch: from validation to its
 * commit, with the count accepted or the error code.
 */
function tracedSubmit(submit: () => Promise<IngestResult>): Promise<IngestResult> {
  return tracer.startActiveSpan('ingest', { attributes: { 'slactl.ingest.source': 'api' } }, (span) =>
    submit().then(
      (result) => {
        span.setAttribute('slactl.signals.accepted', result.accepted);
        span.end();
        return result;
      },
      (error: unknown) => {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        if (error instanceof IngestError) span.setAttribute('slactl.error.code', error.code);
        span.end();
        throw error;
      },
    ),
  );
}

/** `signals[3].buckets.0.1` for a problem in the fourth signal; the bare field without a position. */
function problemPath(p: IngestProblem): string {
  if (p.index === undefined) return p.field ?? '';
  return p.field === undefined ? `signals[${p.index}]` : `signals[${p.index}].${p.field}`;
}

function isoOrNull(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}
