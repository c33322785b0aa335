// HTTP routes of remediation: the Alertmanager webhook, runs (list, inspect, trigger, approve, reject,
// cancel, dry run) and actions (breakers, budgets). Every state-changing route needs a token of the
// right scope, and the token's identity is recorded as the actor. Errors are ApiErrors, answered by the
// app's error middleware in the one error shape of the API.
import express, { type Request, type RequestHandler, type Router } from 'express';
import { parseWebhook } from '../remediate/alertmanager.js';
import { RemediationError } from '../remediate/errors.js';
import type { AlertReceiver } from '../remediate/receiver.js';
import type { RunEngine } from '../remediate/run-engine.js';
import type { Authenticator } from './auth.js';
import { ApiError } from './errors.js';

export interface RemediationRouteDeps {
  engine: RunEngine;
  receiver: AlertReceiver;
  auth: Pick<Authenticator, 'require'>;
  now: () => number;
  /** Largest webhook body, default 1 MiB (Alertmanager sends at most a few hundred KiB). */
  maxWebhookBytes?: number;
}

const STATUS: Record<RemediationError['kind'], number> = {
  invalid: 400,
  not_found: 404,
  conflict: 409,
  unavailable: 422,
};

/** The audit actor of a request: `token:<id> (<name>)`. */
export function actorOf(req: Request): string {
  const p = req.principal;
  return p === undefined ? 'unknown' : `token:${p.tokenId} (${p.name})`;
}

function toApiError(error: unknown, now: number): unknown {
  if (!(error instanceof RemediationError)) return error;
  const headers: Record<string, string> = {};
  if (error.retryAtMs !== undefined)
    headers['Retry-After'] = String(Math.max(1, Math.ceil((error.retryAtMs - now) / 1000)));
  return new ApiError(
    STATUS[error.kind],
    error.code,
    error.message,
    error.problems.map((p) => ({ ...(p.field !== undefined ? { field: p.field } : {}), message: p.message })),
    headers,
  );
}

/** The remediation routes; mount with `app.use(remediationRouter(…))` before the 404 handler. */
export function remediationRouter(deps: RemediationRouteDeps): Router {
  const { engine, receiver, auth } = deps;
  const router = express.Router();
  const read = auth.require('read');
  const operate = auth.require('operate');
  // Alertmanager authenticates with `http_config.authorization` (a bearer token from a credentials
  // file). It gets `ingest`, the scope of every machine that pushes data in: a leaked webhook token
  // can deliver alerts (which only start declared actions, inside their guard rails) but can never
  // approve, trigger or cancel a run, which takes `operate`.
  const ingest = auth.require('ingest');
  const json = (limit: number): RequestHandler[] => [
    (req, _res, next) => {
      const length = Number(req.headers['content-length'] ?? 0);
      const hasBody = length > 0 || req.headers['transfer-encoding'] !== undefined;
      if (hasBody && !req.is('application/json')) {
        next(
          new ApiError(415, 'unsupported_media_type', 'Content-Type must be application/json', [
            { field: 'Content-Type', message: `got ${JSON.stringify(req.headers['content-type'] ?? '')}` },
          ]),
        );
        return;
      }
      next();
    },
    express.json({ limit, type: 'application/json' }),
  ];
  const small = json(16 * 1024);
  const handle =
    (fn: (req: Request) => { status?: number; body: unknown }): RequestHandler =>
    (req, res, next) => {
      try {
        const { status, body } = fn(req);
        res.status(status ?? 200).json(body);
      } catch (error) {
        next(toApiError(error, deps.now()));
      }
    };

  router.post(
    '/api/v1/alertmanager',
    ingest,
    ...json(deps.maxWebhookBytes ?? 1024 * 1024),
    handle((req) => {
      const parsed = parseWebhook(req.body);
      if (!parsed.ok) {
        throw new ApiError(
          400,
          'invalid_payload',
          `not an Alertmanager webhook payload (version 4): ${parsed.problems.map((p) => (p.field !== '' ? `${p.field}: ${p.message}` : p.message)).join('; ')}`,
          parsed.problems.map((p) => ({ ...(p.field !== '' ? { field: p.field } : {}), message: p.message })),
        );
      }
      // Stored (with the runs it starts) before the answer: a 200 means the delivery is durable.
      const summary = receiver.receive(
        parsed.alerts.map((a) => a.alert),
        actorOf(req),
        parsed.rejected,
      );
      return {
        body: {
          received: summary.alerts,
          new: summary.new,
          duplicates: summary.duplicates,
          resolved: summary.resolved,
          runs: summary.runs,
          rejected: parsed.rejected,
        },
      };
    }),
  );

  router.get(
    '/api/v1/runs',
    read,
    handle((req) => {
      const page = engine.list(req.query);
      return { body: { data: page.runs, next: page.next } };
    }),
  );

  router.post(
    '/api/v1/runs',
    operate,
    ...small,
    handle((req) => ({ status: 201, body: { data: engine.trigger(req.body, actorOf(req)) } })),
  );

  // Read scope: a dry run changes nothing and shows no secret, only what a run would send.
  router.post(
    '/api/v1/runs/dry-run',
    read,
    ...small,
    handle((req) => ({ body: { data: engine.dryRun(req.body) } })),
  );

  router.get(
    '/api/v1/runs/:id',
    read,
    handle((req) => ({ body: { data: engine.get(String(req.params.id)) } })),
  );

  for (const verb of ['approve', 'reject', 'cancel'] as const) {
    router.post(
      `/api/v1/runs/:id/${verb}`,
      operate,
      ...small,
      handle((req) => ({ body: { data: engine[verb](String(req.params.id), actorOf(req), req.body) } })),
    );
  }

  router.get(
    '/api/v1/remediation/actions',
    read,
    handle(() => ({ body: { data: engine.actions() } })),
  );

  router.post(
    '/api/v1/remediation/actions/:runbook/:action/reset',
    operate,
    handle((req) => ({
      body: {
        data: engine.resetBreaker(String(req.params.runbook), String(req.params.action), actorOf(req)),
      },
    })),
  );

  return router;
}
