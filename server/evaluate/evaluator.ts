// The embedded evaluator: every SLA's compiled alert rules (the same AlertRuleSpec list the Prometheus
// rule files are emitted from) evaluated over slactl's store, with Prometheus' alert state machine,
// plus the status of every SLA for the dashboard.
import { alertRules } from '../compile/emit-rules.js';
import type { CompileSettings, SlaPlan } from '../compile/ir.js';
import type { SeriesStore } from '../store/types.js';
import { AlertTable } from './alert-state.js';
import { Measurements, type DerivedSignals } from './measure.js';
import { prepareRules, ruleSamples, type PreparedRule, type RuleSample } from './rules.js';
import { SeriesCache } from './series.js';
import { configuredDimensions, finishStatus, measureStatus, type MeasuredStatus } from './status.js';
import type {
  AlertInstance,
  Dimension,
  Evaluation,
  EvaluationError,
  SlaStatus,
  Transition,
} from './types.js';

export interface EvaluatorDeps {
  plans: readonly SlaPlan[];
  settings: CompileSettings;
  store: SeriesStore;
  /** The collector's derived signals (feature age, streams, indexes, drift): SignalReader. */
  reader: DerivedSignals;
}

interface PlanState {
  plan: SlaPlan;
  rules: PreparedRule[];
  configured: ReadonlySet<Dimension>;
  table: AlertTable;
  status: SlaStatus;
  /** Whether a cycle has measured this SLA successfully. */
  measured: boolean;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The status of an SLA that has not been evaluated (or whose evaluation failed before any result). */
function unevaluatedStatus(plan: SlaPlan, rules: readonly PreparedRule[], at: number): SlaStatus {
  const measured: MeasuredStatus = {
    status: {
      name: plan.name,
      service: plan.service,
      tier: plan.tier,
      ...(plan.owner !== undefined ? { owner: plan.owner } : {}),
      windowMs: plan.windowMs,
      evaluatedAt: at,
      objectives: [],
      components: [],
      freshness: [],
      recall: [],
      signals: {},
    },
    withData: new Set(),
  };
  return finishStatus(measured, rules, configuredDimensions(rules), []);
}

/** Evaluates every SLA's alert rules and status over the store, one cycle at a time. */
export class Evaluator {
  private readonly states: PlanState[];
  private readonly measurements: Measurements;
  private lastAlerts: AlertInstance[] = [];

  constructor(deps: EvaluatorDeps) {
    const plans: unknown = deps.plans;
    if (!Array.isArray(plans)) throw new TypeError('Evaluator: plans must be an array of SLA plans');
    for (const name of ['store', 'reader', 'settings'] as const) {
      if (deps[name] === undefined || deps[name] === null)
        throw new TypeError(`Evaluator: ${name} is required`);
    }
    const seen = new Set<string>();
    for (const plan of deps.plans) {
      if (seen.has(plan.name)) throw new Error(`Evaluator: two SLAs are named "${plan.name}"`);
      seen.add(plan.name);
    }
    this.measurements = new Measurements(new SeriesCache(deps.store), deps.reader);
    this.states = deps.plans.map((plan) => {
      const rules = prepareRules(alertRules(plan, deps.settings));
      return {
        plan,
        rules,
        configured: configuredDimensions(rules),
        table: new AlertTable(plan.name),
        status: unevaluatedStatus(plan, rules, 0),
        measured: false,
      };
    });
  }

  /** Runs one cycle at `at` (ms since the epoch): evaluates every rule and advances the alert states. */
  evaluate(at: number): Evaluation {
    const started = performance.now();
    this.measurements.begin(at);
    const transitions: Transition[] = [];
    const errors: EvaluationError[] = [];
    for (const state of this.states) {
      let samples: RuleSample[][];
      let measured: MeasuredStatus;
      try {
        samples = state.rules.map((rule) => ruleSamples(rule, this.measurements));
        measured = measureStatus(state.plan, state.rules, samples, this.measurements, at);
      } catch (error) {
        // One SLA's failure must not stop the others; its alerts keep their state until it recovers.
        errors.push({ sla: state.plan.name, message: message(error) });
        const previous = state.measured ? state.status : unevaluatedStatus(state.plan, state.rules, at);
        state.status = { ...previous, error: message(error) };
        continue;
      }
      transitions.push(...state.table.update(state.rules, samples, at));
      state.status = finishStatus(measured, state.rules, state.configured, state.table.states());
      state.measured = true;
    }
    this.lastAlerts = this.states.flatMap((s) => s.table.list());
    return {
      at,
      durationMs: performance.now() - started,
      transitions,
      alerts: this.lastAlerts,
      statuses: this.statuses(),
      errors,
    };
  }

  /** Active alerts (pending and firing) after the last cycle. */
  alerts(): AlertInstance[] {
    return this.lastAlerts;
  }

  /** The status of every SLA after the last cycle, in plan order. */
  statuses(): SlaStatus[] {
    return this.states.map((s) => s.status);
  }
}
