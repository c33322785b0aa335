// GET /api/v1/triage?sla=<name>: walks the incident decision tree against the latest evaluation of one
// SLA and answers the path with the evidence at each node. Errors are ApiErrors, answered by the app's
// error middleware in the API's one error shape.
import express, { type RequestHandler, type Router } from 'express';
import type { SlaPlan } from '../compile/ir.js';
import type { AlertInstance, SlaStatus } from '../evaluate/types.js';
import { suggest } from '../lib/diagnostics.js';
import { triage } from '../triage/evaluate.js';
import type { DecisionTree } from '../triage/types.js';
import { toTriageView } from '../triage/view.js';
import { ApiError } from './errors.js';

export interface TriageRouteDeps {
  /** The app's guard for the `read` scope. */
  read: RequestHandler;
  /** The latest evaluation's active alerts and SLA statuses. */
  latest: () => { alerts: readonly AlertInstance[]; statuses: readonly SlaStatus[] };
  /** The loaded and checked decision tree. */
  tree: DecisionTree;
  /** The compiled plans: thresholds of the alerts, and the null-rate and drift limits. */
  plans: readonly SlaPlan[];
}

const QUERY = ['sla'];

/** The triage route; mount it on the app before its 404 handler. */
export function triageRouter(deps: TriageRouteDeps): Router {
  const router = express.Router();
  const plans = new Map(deps.plans.map((p) => [p.name, p]));

  router.get('/api/v1/triage', deps.read, (req, res, next) => {
    try {
      const unknown = Object.keys(req.query).filter((k) => !QUERY.includes(k));
      if (unknown.length > 0) {
        throw new ApiError(
          400,
          'invalid_query',
          `unknown query parameter${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')} (this route takes sla)`,
          unknown.map((field) => ({ field, message: 'unknown query parameter' })),
        );
      }
      const sla: unknown = req.query.sla;
      if (sla === undefined || sla === '') {
        throw new ApiError(
          400,
          'invalid_query',
          'missing query parameter sla: the name of the SLA to triage',
          [{ field: 'sla', message: 'required' }],
        );
      }
      if (typeof sla !== 'string') {
        throw new ApiError(400, 'invalid_query', 'query parameter sla must be given once', [
          { field: 'sla', message: 'expected one SLA name' },
        ]);
      }
      const latest = deps.latest();
      const status = latest.statuses.find((s) => s.name === sla);
      if (!status) {
        if (plans.has(sla)) {
          throw new ApiError(
            503,
            'not_evaluated',
            `SLA "${sla}" has not been evaluated yet; retry shortly`,
            [],
            {
              'Retry-After': '5',
            },
          );
        }
        const names = latest.statuses.map((s) => s.name);
        const guess = suggest(sla, names);
        throw new ApiError(
          404,
          'not_found',
          `no SLA named ${JSON.stringify(sla)}${guess !== undefined ? ` (did you mean "${guess}"?)` : ''}`,
          [{ field: 'sla', message: `known: ${names.join(', ') || 'none'}` }],
        );
      }
      const result = triage(deps.tree, { status, alerts: latest.alerts, ...optionalPlan(plans.get(sla)) });
      res.json({ data: toTriageView(result) });
    } catch (error) {
      next(error);
    }
  });

  return router;
}

function optionalPlan(plan: SlaPlan | undefined): { plan?: SlaPlan } {
  return plan === undefined ? {} : { plan };
}
