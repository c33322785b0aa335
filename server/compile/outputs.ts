// Compiles plans into the files of the alerts/ folder, in memory: writing and staleness checks are the
// caller's business. One SLA's files depend on that SLA alone (compileSla), so callers may compile SLAs
// anywhere, in any order, and put the results together with assembleOutputs. The target decides the
// files: plain Prometheus rule files (the default), or prometheus-operator resources (emit-operator.ts).
import type { Diagnostic } from '../lib/diagnostics.js';
import { emitAlertmanager } from './emit-alertmanager.js';
import { emitBudget } from './emit-budget.js';
import {
  ALERTMANAGER_CONFIG_FILE,
  emitAlertmanagerConfig,
  emitPrometheusRule,
  loopbackWebhookWarning,
  operatorNameDiagnostics,
  PROMETHEUS_TARGET,
  prometheusRuleFile,
  type OperatorTarget,
  type OutputTarget,
} from './emit-operator.js';
import { emitRuleTests } from './emit-rule-tests.js';
import { alertRules, emitRules, ruleGroups } from './emit-rules.js';
import type { CompileSettings, SlaPlan } from './ir.js';

export const ALERTMANAGER_FILE = 'alertmanager.yaml';

/**
 * The generated files (name → UTF-8 content, names relative to the output folder), warnings and errors.
 * Contents are bytes, not strings: what gets written or compared with the disk, and kept outside the
 * JavaScript heap, where the ~90 MiB of 1,000 SLAs' files would otherwise be copied by every
 * young-generation collection while the rest compiles (15% of the time of `slactl compile`).
 */
export interface CompiledOutputs {
  files: Map<string, Buffer>;
  warnings: string[];
  /** Errors that only the target finds (an SLA name too long for Kubernetes); none may be written then. */
  diagnostics: Diagnostic[];
}

/** The files (name, UTF-8 content), warnings and target errors of one SLA. */
export interface SlaOutputs {
  files: Array<[name: string, content: Buffer]>;
  warnings: string[];
  diagnostics: Diagnostic[];
}

/**
 * A generated file's text as UTF-8 bytes in memory of its own: not a slice of Node's shared pool, which a
 * worker thread's answer would otherwise clone whole for every small file.
 */
export function fileBytes(text: string): Buffer {
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  bytes.write(text);
  return bytes;
}

/** Names of the files one SLA compiles into with the prometheus target. */
export function outputNames(name: string): { rules: string; tests: string; budget: string } {
  return { rules: `${name}.rules.yaml`, tests: `${name}.rules.test.yaml`, budget: `${name}.budget.json` };
}

/**
 * Emits the files of one SLA. The prometheus target writes its rules, their promtool tests and its
 * latency budget table; prometheus-operator writes one PrometheusRule holding the same rules.
 */
export function compileSla(
  plan: SlaPlan,
  settings: CompileSettings,
  target: OutputTarget = PROMETHEUS_TARGET,
): SlaOutputs {
  if (target.kind === 'prometheus-operator') return compileOperatorSla(plan, settings, target);
  const names = outputNames(plan.name);
  const alerts = alertRules(plan, settings);
  const files: Array<[string, Buffer]> = [[names.rules, fileBytes(emitRules(plan, settings, alerts))]];
  const tests = emitRuleTests(plan, settings, names.rules, alerts);
  files.push([names.tests, fileBytes(tests.text)]);
  const budget = emitBudget(plan);
  if (budget !== undefined) files.push([names.budget, fileBytes(budget)]);
  return { files, warnings: tests.warnings, diagnostics: [] };
}

function compileOperatorSla(plan: SlaPlan, settings: CompileSettings, target: OperatorTarget): SlaOutputs {
  const diagnostics = operatorNameDiagnostics(plan);
  if (diagnostics.length > 0) return { files: [], warnings: [], diagnostics };
  const groups = ruleGroups(plan, settings);
  return {
    files: [[prometheusRuleFile(plan.name), fileBytes(emitPrometheusRule(plan, groups, target))]],
    warnings: [],
    diagnostics: [],
  };
}

/**
 * Puts compiled SLAs together with the Alertmanager configuration that covers all of them: files sorted
 * by name, warnings and diagnostics in SLA-name order, whatever order the SLAs were compiled in.
 */
export function assembleOutputs(
  compiled: ReadonlyArray<{ plan: SlaPlan; outputs: SlaOutputs }>,
  settings: CompileSettings,
  target: OutputTarget = PROMETHEUS_TARGET,
): CompiledOutputs {
  const sorted = [...compiled].sort((a, b) => a.plan.name.localeCompare(b.plan.name));
  const files = new Map<string, Buffer>();
  const warnings: string[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const { outputs } of sorted) {
    for (const [name, content] of outputs.files) files.set(name, content);
    warnings.push(...outputs.warnings);
    diagnostics.push(...outputs.diagnostics);
  }
  const plans = sorted.map((c) => c.plan);
  if (target.kind === 'prometheus-operator') {
    const config = emitAlertmanagerConfig(plans, settings, target);
    if (config !== undefined) {
      files.set(ALERTMANAGER_CONFIG_FILE, fileBytes(config));
      const loopback = loopbackWebhookWarning(settings);
      if (loopback !== undefined) warnings.push(loopback);
    }
  } else {
    files.set(ALERTMANAGER_FILE, fileBytes(emitAlertmanager(plans, settings)));
  }
  return {
    files: new Map([...files.entries()].sort(([a], [b]) => a.localeCompare(b))),
    warnings,
    diagnostics,
  };
}

/** Emits every output file for the given plans, sorted by name for deterministic output. */
export function compileOutputs(
  plans: readonly SlaPlan[],
  settings: CompileSettings,
  target: OutputTarget = PROMETHEUS_TARGET,
): CompiledOutputs {
  return assembleOutputs(
    plans.map((plan) => ({ plan, outputs: compileSla(plan, settings, target) })),
    settings,
    target,
  );
}

/**
 * Files in the output folder that slactl generated for the target and may replace or remove (never
 * anything else, so the two targets can share a folder without removing each other's files).
 */
export function isGeneratedName(name: string, target: OutputTarget = PROMETHEUS_TARGET): boolean {
  if (target.kind === 'prometheus-operator') {
    return name === ALERTMANAGER_CONFIG_FILE || name.endsWith('.prometheusrule.yaml');
  }
  return (
    name === ALERTMANAGER_FILE ||
    name.endsWith('.rules.yaml') ||
    name.endsWith('.rules.test.yaml') ||
    name.endsWith('.budget.json')
  );
}
