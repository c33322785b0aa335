// Runbooks over HTTP for the dashboard and `runbook_url` links: the list, and one runbook with its
// Markdown (the dashboard renders and sanitises it), its actions with their policy, and their live
// guard-rail state from the run engine (breaker, budget, why an action cannot run here).
import express, { type RequestHandler, type Router } from 'express';
import type { ActionStatus } from '../remediate/run-engine.js';
import type { Runbook, RunbookAction } from '../remediate/runbook-types.js';
import { ApiError } from './errors.js';

export interface RunbookRouteDeps {
  runbooks: readonly Runbook[];
  read: RequestHandler;
  /** The engine's view of every action (RunEngine.actions). */
  actions: () => ActionStatus[];
}

function actionView(action: RunbookAction, status: ActionStatus | undefined) {
  return {
    id: action.id,
    title: action.title,
    ...(action.description !== undefined ? { description: action.description } : {}),
    kind: action.spec.kind,
    spec: action.spec,
    params: action.params,
    auto: action.auto,
    approval: action.approval,
    cooldownMs: action.cooldownMs,
    maxRuns: action.maxRuns,
    timeoutMs: action.timeoutMs,
    retries: action.retries,
    ...(action.verify !== undefined ? { verify: action.verify } : {}),
    ...(action.alerts !== undefined ? { alerts: action.alerts } : {}),
    status: status ?? null,
  };
}

function summary(runbook: Runbook, statuses: Map<string, ActionStatus>) {
  return {
    id: runbook.id,
    title: runbook.title,
    file: runbook.file,
    triggers: runbook.triggers,
    actions: runbook.actions.map((a) => actionView(a, statuses.get(`${runbook.id}/${a.id}`))),
  };
}

/** GET /api/v1/runbooks and GET /api/v1/runbooks/:id (scope `read`). */
export function runbookRouter(deps: RunbookRouteDeps): Router {
  const router = express.Router();
  const byId = new Map(deps.runbooks.map((r) => [r.id, r]));
  const statuses = (): Map<string, ActionStatus> =>
    new Map(deps.actions().map((s) => [`${s.runbook}/${s.action}`, s]));

  router.get('/api/v1/runbooks', deps.read, (_req, res) => {
    const live = statuses();
    res.json({ data: [...byId.values()].map((r) => summary(r, live)) });
  });

  router.get('/api/v1/runbooks/:id', deps.read, (req, res, next) => {
    const id = req.params.id;
    const runbook = typeof id === 'string' ? byId.get(id) : undefined;
    if (runbook === undefined) {
      next(
        new ApiError(404, 'not_found', `no runbook ${JSON.stringify(String(id).slice(0, 100))}`, [
          { field: 'id', message: `known: ${[...byId.keys()].join(', ') || 'none'}` },
        ]),
      );
      return;
    }
    res.json({
      data: { ...summary(runbook, statuses()), markdown: runbook.markdown, sections: runbook.sections },
    });
  });
  return router;
}
