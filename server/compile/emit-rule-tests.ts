// Emits alerts/<sla>.rules.test.yaml: promtool unit tests that drive every alert of an SLA through a
// healthy period, a breach and a recovery, with input series synthesized from the plan and the expected
// alerts (labels and annotations, exactly) computed from a small model of the rules. The burn-rate model
// is in burn-tests.ts, the threshold one in threshold-tests.ts, the file is written by rule-test-yaml.ts.
import type { CompileSettings, SlaPlan } from './ir.js';
import { burnRateGroup, burnTestContext, idleGroups } from './burn-tests.js';
import { alertRules, generatedHeader } from './emit-rules.js';
import type { AlertRuleSpec } from './emit-rules.js';
import { renderTestFile } from './rule-test-yaml.js';
import type { TestGroup } from './rule-test-yaml.js';
import { thresholdGroups } from './threshold-tests.js';

/**
 * Renders the promtool unit tests of one SLA's rules file: every alert silent when healthy, firing with
 * exact labels and annotations under a breach, resolved after recovery; warnings name what it could not test.
 */
export function emitRuleTests(
  plan: SlaPlan,
  settings: CompileSettings,
  rulesFileName: string,
  rules: readonly AlertRuleSpec[] = alertRules(plan, settings),
): { text: string; warnings: string[] } {
  const warnings: string[] = [];
  const groups: TestGroup[] = [];
  const context = burnTestContext(plan, rules);
  for (const objective of plan.objectives) {
    const group = burnRateGroup(context, objective, warnings);
    if (group !== undefined) groups.push(group);
  }
  groups.push(...thresholdGroups(plan, rules, warnings));
  groups.push(...idleGroups(context));
  const header = generatedHeader(plan.source, 'Run with `promtool test rules` on this file.');
  return { text: renderTestFile(header, [rulesFileName], '1m', groups), warnings };
}
