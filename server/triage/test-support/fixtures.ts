// Shared by the triage tests: the committed decision tree, and real evaluator output (statuses and alert
// instances) from the evaluator's incident scenarios, run through the collector, store and evaluator.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SlaPlan } from '../../compile/ir.js';
import { harness, MINUTE, T0 } from '../../evaluate/test-support/harness.js';
import { FULL_SLA, planFromYaml } from '../../evaluate/test-support/plans.js';
import { SCENARIOS } from '../../evaluate/test-support/scenarios.js';
import type { Evaluation } from '../../evaluate/types.js';
import { formatDiagnostic } from '../../lib/diagnostics.js';
import type { TriageInput } from '../evidence.js';
import { checkTreeSource, DECISION_TREE_FILE } from '../load.js';
import type { DecisionTree } from '../types.js';

export const REPO = path.resolve(import.meta.dirname, '../../..');
export { MINUTE, T0 };

/** The text of runbooks/decision-tree.yaml. */
export function committedTreeText(): string {
  return readFileSync(path.join(REPO, DECISION_TREE_FILE), 'utf8');
}

/** The committed tree, loaded; throws with the diagnostics when it does not load. */
export function committedTree(): DecisionTree {
  const result = checkTreeSource(DECISION_TREE_FILE, committedTreeText());
  if (!result.ok) throw new Error(result.diagnostics.map(formatDiagnostic).join('\n'));
  return result.value;
}

/** The plan of the evaluator's FULL_SLA (`recs`: every kind of alert). */
export const FULL_PLAN: SlaPlan = planFromYaml(FULL_SLA);

/** Runs an evaluator scenario up to `minute` and returns the evaluation at that minute. */
export function evaluationAt(scenario: string, minute: number): Evaluation {
  const found = SCENARIOS.find((s) => s.name === scenario);
  if (!found)
    throw new Error(`no scenario "${scenario}" (known: ${SCENARIOS.map((s) => s.name).join(', ')})`);
  const h = harness([FULL_PLAN]);
  try {
    let evaluation: Evaluation | undefined;
    for (let m = 0; m <= minute; m++) {
      const at = T0 + m * MINUTE;
      h.send(
        found.signals(m, (seconds) => at - seconds * 1000),
        at,
      );
      evaluation = h.evaluate(at);
      if (evaluation.errors.length > 0)
        throw new Error(`evaluation failed: ${JSON.stringify(evaluation.errors)}`);
    }
    return evaluation!;
  } finally {
    h.close();
  }
}

/** The triage input of FULL_SLA at a minute of a scenario. */
export function inputAt(scenario: string, minute: number): TriageInput {
  const evaluation = evaluationAt(scenario, minute);
  return { status: evaluation.statuses[0]!, alerts: evaluation.alerts, plan: FULL_PLAN };
}
