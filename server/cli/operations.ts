// What the control plane needs besides SLAs to act on alerts: the incident decision tree, the runbooks
// and the remediation settings of slactl.yaml, loaded and checked together with positioned errors.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { SlaPlan } from '../compile/ir.js';
import type { Diagnostic } from '../lib/diagnostics.js';
import { hasErrors } from '../lib/diagnostics.js';
import type { Runbook } from '../remediate/runbook-types.js';
import { loadRunbooks } from '../remediate/runbook.js';
import { parseRemediationSettings, type RemediationConfig } from '../remediate/targets.js';
import { ALERT_NAMES, planAlertNames } from '../triage/catalog.js';
import { loadTreeFile } from '../triage/load.js';
import type { DecisionTree } from '../triage/types.js';

export interface Operations {
  tree?: DecisionTree;
  runbooks: Runbook[];
  remediation?: RemediationConfig;
  /** Where relative secret files in `remediation` are read from. */
  remediationBaseDir: string;
  diagnostics: Diagnostic[];
  /** Notes for the operator (a missing runbooks folder), not errors. */
  notes: string[];
}

/**
 * Loads `<runbooksDir>/decision-tree.yaml`, `<runbooksDir>/*.md` and the `remediation:` section of the
 * settings file. A project without a runbooks folder serves without triage and remediation.
 */
export async function loadOperations(options: {
  cwd: string;
  plans: readonly SlaPlan[];
  runbooksDir?: string;
  settingsFile?: string;
}): Promise<Operations> {
  const { cwd, plans } = options;
  const runbooksDir = options.runbooksDir ?? 'runbooks';
  const settingsFile = options.settingsFile ?? 'slactl.yaml';
  const settingsPath = path.resolve(cwd, settingsFile);
  const ops: Operations = {
    runbooks: [],
    remediationBaseDir: path.dirname(settingsPath),
    diagnostics: [],
    notes: [],
  };
  if (existsSync(settingsPath)) {
    const parsed = parseRemediationSettings(settingsFile, readFileSync(settingsPath, 'utf8'));
    if (parsed.ok) ops.remediation = parsed.value;
    else ops.diagnostics.push(...parsed.diagnostics);
  }
  if (!existsSync(path.resolve(cwd, runbooksDir))) {
    ops.notes.push(`no ${runbooksDir}/ folder: serving without triage and remediation`);
    return ops;
  }
  const alertNames = new Set<string>([...ALERT_NAMES, ...planAlertNames(plans)]);
  const loaded = await loadRunbooks(runbooksDir, { alertNames }, cwd);
  ops.diagnostics.push(...loaded.diagnostics);
  ops.runbooks = loaded.runbooks;
  const treeFile = path.join(runbooksDir, 'decision-tree.yaml');
  if (existsSync(path.resolve(cwd, treeFile))) {
    const tree = await loadTreeFile(treeFile, cwd, {
      alertNames: planAlertNames(plans),
      runbookIds: loaded.runbooks.map((r) => r.id),
    });
    ops.diagnostics.push(...(tree.ok ? (tree.diagnostics ?? []) : tree.diagnostics));
    if (tree.ok) ops.tree = tree.value;
  } else {
    ops.notes.push(`no ${treeFile}: serving without triage`);
  }
  return ops;
}

/** True when the operations cannot be served as loaded. */
export function operationsFailed(ops: Operations): boolean {
  return hasErrors(ops.diagnostics);
}
