// Compiles plans into the files of the alerts/ folder, in memory: writing and staleness checks are the
// caller's business. One SLA's files depend on that SLA alone (compileSla), so callers may compile SLAs
// anywhere, in any order, and put the results together with assembleOutputs.
import { emitAlertmanager } from './emit-alertmanager.js';
import { emitBudget } from './emit-budget.js';
import { emitRuleTests } from './emit-rule-tests.js';
import { alertRules, emitRules } from './emit-rules.js';
import type { CompileSettings, SlaPlan } from './ir.js';

export const ALERTMANAGER_FILE = 'alertmanager.yaml';

/** The generated files (name → content, names relative to the output folder) and any warnings. */
export interface CompiledOutputs {
  files: Map<string, string>;
  warnings: string[];
}

/** The files (name, content) and warnings of one SLA. */
export interface SlaOutputs {
  files: Array<[name: string, content: string]>;
  warnings: string[];
}

/** Names of the files one SLA compiles into. */
export function outputNames(name: string): { rules: string; tests: string; budget: string } {
  return { rules: `${name}.rules.yaml`, tests: `${name}.rules.test.yaml`, budget: `${name}.budget.json` };
}

/** Emits the files of one SLA: its rules, their promtool tests and its latency budget table. */
export function compileSla(plan: SlaPlan, settings: CompileSettings): SlaOutputs {
  const names = outputNames(plan.name);
  const alerts = alertRules(plan, settings);
  const files: Array<[string, string]> = [[names.rules, emitRules(plan, settings, alerts)]];
  const tests = emitRuleTests(plan, settings, names.rules, alerts);
  files.push([names.tests, tests.text]);
  const budget = emitBudget(plan);
  if (budget !== undefined) files.push([names.budget, budget]);
  return { files, warnings: tests.warnings };
}

/**
 * Puts compiled SLAs together with the Alertmanager configuration that covers all of them: files sorted
 * by name, warnings in SLA-name order, whatever order the SLAs were compiled in.
 */
export function assembleOutputs(
  compiled: ReadonlyArray<{ plan: SlaPlan; outputs: SlaOutputs }>,
  settings: CompileSettings,
): CompiledOutputs {
  const sorted = [...compiled].sort((a, b) => a.plan.name.localeCompare(b.plan.name));
  const files = new Map<string, string>();
  const warnings: string[] = [];
  for (const { outputs } of sorted) {
    for (const [name, content] of outputs.files) files.set(name, content);
    warnings.push(...outputs.warnings);
  }
  files.set(
    ALERTMANAGER_FILE,
    emitAlertmanager(
      sorted.map((c) => c.plan),
      settings,
    ),
  );
  return { files: new Map([...files.entries()].sort(([a], [b]) => a.localeCompare(b))), warnings };
}

/** Emits every output file for the given plans, sorted by name for deterministic output. */
export function compileOutputs(plans: readonly SlaPlan[], settings: CompileSettings): CompiledOutputs {
  return assembleOutputs(
    plans.map((plan) => ({ plan, outputs: compileSla(plan, settings) })),
    settings,
  );
}

/** Files in the output folder that slactl generated and may replace or remove (never anything else). */
export function isGeneratedName(name: string): boolean {
  return (
    name === ALERTMANAGER_FILE ||
    name.endsWith('.rules.yaml') ||
    name.endsWith('.rules.test.yaml') ||
    name.endsWith('.budget.json')
  );
}
