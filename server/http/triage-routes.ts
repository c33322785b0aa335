// GET /api/v1/triage?sla=<name>: walks the incident decision tree against the latest evaluation of one
// SLA and answers the path with the evidence at each node. Errors are ApiErrors, answered by the app's
// error middleware in the API's one error shape. GET /api/v1/triage/tree answers the loaded tree itself
// (every node with its question, condition, children and runbook) so a dashboard can draw it whole.
import express, { type RequestHandler, type Router } from 'express';
import type { SlaPlan } from '../compile/ir.js';
import type { AlertInstance, SlaStatus } from '../evaluate/types.js';
import { suggest } from '../lib/diagnostics.js';
import { triage } from '../triage/evaluate.js';
import type { Condition, DecisionTree, Where } from '../triage/types.js';
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

/** A condition as data, without its positions in the file. */
export type ConditionView =
  | { kind: 'alert'; alert: string; where: Where }
  | { kind: 'signal'; signal: string; op?: string; threshold?: number; where: Where }
  | { kind: 'any' | 'all'; of: ConditionView[] };

/** One node of the tree as GET /api/v1/triage/tree answers it. */
export interface TreeNodeView {
  id: string;
  question: string;
  when?: ConditionView;
  children: string[];
  runbook?: string;
  context: string[];
}

export interface TreeView {
  name: string;
  description?: string;
  root: string[];
  nodes: TreeNodeView[];
}

function conditionView(c: Condition): ConditionView {
  switch (c.kind) {
    case 'alert':
      return { kind: 'alert', alert: c.alert, where: c.where };
    case 'signal':
      return {
        kind: 'signal',
        signal: c.signal,
        ...(c.op !== undefined ? { op: c.op } : {}),
        ...(c.threshold !== undefined ? { threshold: c.threshold } : {}),
        where: c.where,
      };
    case 'any':
    case 'all':
      return { kind: c.kind, of: c.of.map(conditionView) };
  }
}

/** The tree as data for clients: ids, questions, conditions, children and runbooks, no file positions. */
export function toTreeView(tree: DecisionTree): TreeView {
  return {
    name: tree.name,
    ...(tree.description !== undefined ? { description: tree.description } : {}),
    root: tree.root,
    nodes: tree.nodes.map((n) => ({
      id: n.id,
      question: n.question,
      ...(n.when !== undefined ? { when: conditionView(n.when) } : {}),
      children: n.children,
      ...(n.runbook !== undefined ? { runbook: n.runbook } : {}),
      context: n.context,
    })),
  };
}

/** The triage route; mount it on the app before its 404 handler. */
export function triageRouter(deps: TriageRouteDeps): Router {
  const router = express.Router();
  const plans = new Map(deps.plans.map((p) => [p.name, p]));
  const treeView = toTreeView(deps.tree);

  router.get('/api/v1/triage/tree', deps.read, (req, res, next) => {
    const unknown = Object.keys(req.query);
    if (unknown.length > 0) {
      next(
        new ApiError(
          400,
          'invalid_query',
          `unknown query parameter${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')} (this route takes none)`,
          unknown.map((field) => ({ field, message: 'unknown query parameter' })),
        ),
      );
      return;
    }
    res.json({ data: treeView });
  });

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
