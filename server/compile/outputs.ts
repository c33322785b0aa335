// Compiles plans into the files of the alerts/ folder, in memory: writing and staleness checks are the
// caller's business.
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

/** Names of the files one SLA compiles into. */
export function outputNames(name: string): { rules: string; tests: string; budget: string } {
  return { rules: `${name}.rules.yaml`, tests: `${name}.rules.test.yaml`, budget: `${name}.budget.json` };
}

/** Emits every output file for the given plans, sorted by name for deterministic output. */
export function compileOutputs(plans: readonly SlaPlan[], settings: CompileSettings): CompiledOutputs {
  const sorted = [...plans].sort((a, b) => a.name.localeCompare(b.name));
  const files = new Map<string, string>();
  const warnings: string[] = [];
  for (const plan of sorted) {
    const names = outputNames(plan.name);
    const alerts = alertRules(plan, settings);
    files.set(names.rules, emitRules(plan, settings, alerts));
    const tests = emitRuleTests(plan, settings, names.rules, alerts);
    files.set(names.tests, tests.text);
    warnings.push(...tests.warnings);
    const budget = emitBudget(plan);
    if (budget !== undefined) files.set(names.budget, budget);
  }
  files.set(ALERTMANAGER_FILE, emitAlertmanager(sorted, settings));
  return { files: new Map([...files.entries()].sort(([a], [b]) => a.localeCompare(b))), warnings };
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
