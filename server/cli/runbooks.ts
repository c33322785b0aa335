// `slactl runbooks check [--dir runbooks] [--alerts alerts] [--format text|json]`: every runbook, the
// decision tree, and how they meet the compiled alerts — unknown trigger alerts, runbooks missing for a
// failure mode, runbook_url annotations that lead nowhere, runbooks nothing ever reaches.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { allRunbookIds } from '../compile/failure-modes.js';
import { hasErrors, sortDiagnostics, suggest, type Diagnostic } from '../lib/diagnostics.js';
import { formatPath, offsetOf, positionAt, type PathSegment, type SourceDoc } from '../sla/positions.js';
import { loadRunbooks, positionInRunbook, runbookIdOf } from '../remediate/runbook.js';
import type { Runbook } from '../remediate/runbook-types.js';
import { ALERT_NAMES } from '../triage/catalog.js';
import { loadTreeFile } from '../triage/load.js';
import type { DecisionTree } from '../triage/types.js';
import { countLine, renderDiagnostics } from './render.js';
import type { Io } from './io.js';

export interface RunbooksCheckOptions {
  /** The runbooks folder, holding `<id>.md` files and decision-tree.yaml. */
  dir: string;
  /** The compiled alerts folder (`*.rules.yaml`). */
  alerts: string;
  format: 'text' | 'json';
}

/** One alerting rule of a compiled rule file, with what the check needs of it. */
export interface CompiledAlert {
  alert: string;
  /** Labels known from the rule: its static labels and its `by (…)` labels. */
  labels: Record<string, string | undefined>;
  runbookUrl?: { value: string; file: string; line: number; column: number; path: string };
}

function scalar(node: unknown): unknown {
  return isScalar(node) ? node.value : undefined;
}

function child(node: unknown, key: string): unknown {
  return isMap(node) ? node.get(key, true) : undefined;
}

/**
 * Reads the alerting rules of every `*.rules.yaml` in a folder. A missing folder yields no rules and
 * a warning: a project that has not compiled yet still gets its runbooks checked.
 */
export async function readCompiledAlerts(
  dir: string,
  cwd: string,
): Promise<{ alerts: CompiledAlert[]; diagnostics: Diagnostic[] }> {
  let names: string[];
  try {
    names = (await readdir(path.resolve(cwd, dir))).filter((n) => n.endsWith('.rules.yaml')).sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
    names = [];
  }
  const diagnostics: Diagnostic[] = [];
  if (names.length === 0) {
    diagnostics.push({
      code: 'no_alert_rules',
      severity: 'warning',
      message: `no *.rules.yaml in ${dir}: runbook_url annotations were not checked`,
      file: dir,
      path: '',
      line: 1,
      column: 1,
      hint: 'run `slactl compile` first, or point --alerts at the folder it writes',
    });
  }
  const alerts: CompiledAlert[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const text = await readFile(path.resolve(cwd, file), 'utf8');
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
    const source: SourceDoc = { file, text, doc, lines };
    if (doc.errors.length > 0) {
      const pos = positionAt(source, doc.errors[0]!.pos[0]);
      diagnostics.push({
        code: 'yaml_syntax',
        severity: 'error',
        message: `cannot read the rule file: ${doc.errors[0]!.message.split('\n')[0]}`,
        file,
        path: '',
        line: pos.line,
        column: pos.column,
        hint: 'regenerate it with `slactl compile`',
      });
      continue;
    }
    const groups = child(doc.contents, 'groups');
    if (!isSeq(groups)) continue;
    groups.items.forEach((group, g) => {
      const rules = child(group, 'rules');
      if (!isSeq(rules)) return;
      rules.items.forEach((rule, r) => {
        const alert = scalar(child(rule, 'alert'));
        if (typeof alert !== 'string') return;
        const labels: Record<string, string | undefined> = { alertname: alert };
        const labelMap = child(rule, 'labels');
        if (isMap(labelMap))
          for (const item of labelMap.items) {
            const key = scalar(item.key);
            const value = scalar(item.value);
            if (typeof key === 'string') labels[key] = typeof value === 'string' ? value : String(value);
          }
        const expr = scalar(child(rule, 'expr'));
        // Labels an aggregation keeps come from the data (`sum by (feature)`): known to exist, not their value.
        if (typeof expr === 'string')
          for (const m of expr.matchAll(/\bby\s*\(([^)]*)\)/g))
            for (const label of m[1]!.split(',').map((s) => s.trim()))
              if (label !== '' && label !== 'le' && !(label in labels)) labels[label] = undefined;
        const at: PathSegment[] = ['groups', g, 'rules', r, 'annotations', 'runbook_url'];
        const url = scalar(child(child(rule, 'annotations'), 'runbook_url'));
        const compiled: CompiledAlert = { alert, labels };
        if (typeof url === 'string') {
          const pos = positionAt(source, offsetOf(source, at));
          compiled.runbookUrl = {
            value: url,
            file,
            line: pos.line,
            column: pos.column,
            path: formatPath(at),
          };
        }
        alerts.push(compiled);
      });
    });
  }
  return { alerts, diagnostics };
}

/** The runbook id a runbook_url points at: its last path segment, without `.md`. */
export function runbookIdFromUrl(url: string): string | undefined {
  let pathname: string;
  try {
    pathname = new URL(url).pathname;
  } catch {
    return undefined;
  }
  const last = pathname
    .split('/')
    .filter((s) => s !== '')
    .pop();
  return last === undefined ? undefined : decodeURIComponent(last).replace(/\.md$/i, '');
}

/** Whether some trigger of the runbook could match the alert, given the labels known at compile time. */
function couldTrigger(runbook: Runbook, alert: CompiledAlert): boolean {
  const matchers = runbook.triggerMatchers ?? runbook.triggers.map((a) => ({ alert: a, labels: {} }));
  return matchers.some(
    (m) =>
      m.alert === alert.alert &&
      Object.entries(m.labels).every(
        // A label whose value comes from the data (undefined here) may match at run time.
        ([label, value]) => label in alert.labels && (alert.labels[label] ?? value) === value,
      ),
  );
}

interface CheckReport {
  runbooks: Runbook[];
  tree: DecisionTree | undefined;
  treeFile: string;
  diagnostics: Diagnostic[];
}

/** Loads and cross-checks runbooks, the decision tree and the compiled alerts. */
export async function checkRunbooks(options: RunbooksCheckOptions, cwd: string): Promise<CheckReport> {
  const compiled = await readCompiledAlerts(options.alerts, cwd);
  const diagnostics: Diagnostic[] = [...compiled.diagnostics];

  const alertNames = new Set<string>([...ALERT_NAMES, ...compiled.alerts.map((a) => a.alert)]);
  const alertLabels = new Map<string, Set<string>>();
  for (const a of compiled.alerts) {
    const set = alertLabels.get(a.alert) ?? new Set<string>();
    for (const label of Object.keys(a.labels)) set.add(label);
    alertLabels.set(a.alert, set);
  }
  const loaded = await loadRunbooks(options.dir, { alertNames, alertLabels }, cwd);
  diagnostics.push(...loaded.diagnostics);
  // A runbook file with errors still exists: it is reported for its errors, not as missing.
  const ids = new Set(loaded.sources.map((s) => runbookIdOf(s.file)));
  const byId = new Map(loaded.runbooks.map((r) => [r.id, r]));

  const treeFile = path.join(options.dir, 'decision-tree.yaml');
  const compiledNames = [...new Set(compiled.alerts.map((a) => a.alert))];
  const tree = await loadTreeFile(treeFile, cwd, {
    ...(compiledNames.length > 0 ? { alertNames: compiledNames } : {}),
    runbookIds: [...ids].sort(),
  });
  diagnostics.push(...tree.diagnostics);

  // Every failure mode the compiler links to has a runbook.
  for (const id of allRunbookIds()) {
    if (ids.has(id)) continue;
    diagnostics.push({
      code: 'missing_runbook',
      severity: 'error',
      message: `no runbook for failure mode "${id}": compiled alerts link to it (server/compile/failure-modes.ts)`,
      file: path.join(options.dir, `${id}.md`),
      path: '',
      line: 1,
      column: 1,
      hint: `write ${path.join(options.dir, `${id}.md`)} with front matter and ## Meaning, ## Impact, ## Diagnosis, ## Mitigation`,
    });
  }

  // Every runbook_url resolves to a runbook, and that runbook takes the alert as a trigger.
  const reported = new Set<string>();
  for (const alert of compiled.alerts) {
    const url = alert.runbookUrl;
    if (url === undefined) continue;
    const id = runbookIdFromUrl(url.value);
    if (id === undefined || !ids.has(id)) {
      const guess = id === undefined ? undefined : suggest(id, [...ids]);
      diagnostics.push({
        code: 'unresolved_runbook_url',
        severity: 'error',
        message: `${alert.alert} links to ${JSON.stringify(url.value)}, and ${options.dir}/ has no runbook ${id === undefined ? 'there' : `"${id}"`}`,
        file: url.file,
        path: url.path,
        line: url.line,
        column: url.column,
        hint:
          guess !== undefined
            ? `did you mean "${guess}"? Runbook ids come from server/compile/failure-modes.ts`
            : 'write the runbook, or recompile the alerts with `slactl compile`',
      });
      continue;
    }
    const runbook = byId.get(id);
    const key = `${id}\u0000${alert.alert}\u0000${JSON.stringify(alert.labels)}`;
    if (runbook === undefined || couldTrigger(runbook, alert) || reported.has(key)) continue;
    reported.add(key);
    const at = positionInRunbook(
      loaded.sources.find((s) => s.file === runbook.file)?.text ?? '',
      runbook.file,
      ['triggers'],
    );
    const subject = Object.entries(alert.labels)
      .filter(
        ([k, v]) => ['component', 'index', 'feature', 'consumer_group', 'slo'].includes(k) && v !== undefined,
      )
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    diagnostics.push({
      code: 'alert_not_a_trigger',
      severity: 'warning',
      message: `${alert.alert}${subject !== '' ? `{${subject}}` : ''} links to this runbook, but no trigger of it matches that alert, so its automatic actions never run for it`,
      file: runbook.file,
      path: at.path,
      line: at.line,
      column: at.column,
      hint: `add ${alert.alert} to triggers (with the labels that select it)`,
    });
  }

  // Every runbook is reached: by a trigger, or from a node of the tree.
  const fromTree = new Set(
    (tree.ok ? tree.value.nodes : []).flatMap((n) => (n.runbook !== undefined ? [n.runbook] : [])),
  );
  for (const runbook of loaded.runbooks) {
    if (runbook.triggers.length > 0 || fromTree.has(runbook.id) || !tree.ok) continue;
    const text = loaded.sources.find((s) => s.file === runbook.file)?.text ?? '';
    const at = positionInRunbook(text, runbook.file, ['id']);
    diagnostics.push({
      code: 'unreachable_runbook',
      severity: 'error',
      message: `no alert triggers runbook "${runbook.id}" and no node of ${treeFile} leads to it`,
      file: runbook.file,
      path: at.path,
      line: at.line,
      column: at.column,
      hint: `add triggers, or a node with runbook: ${runbook.id} to the decision tree`,
    });
  }

  return {
    runbooks: loaded.runbooks,
    tree: tree.ok ? tree.value : undefined,
    treeFile,
    diagnostics: sortDiagnostics(diagnostics),
  };
}

/** Runs `slactl runbooks check`; exit code 1 on any error, 0 otherwise (warnings included). */
export async function runbooksCheckCommand(io: Io, options: RunbooksCheckOptions): Promise<number> {
  const report = await checkRunbooks(options, io.cwd);
  const failed = hasErrors(report.diagnostics);
  if (options.format === 'json') {
    const out = {
      ok: !failed,
      runbooks: report.runbooks.map((r) => ({
        id: r.id,
        file: r.file,
        title: r.title,
        triggers: r.triggerMatchers ?? r.triggers.map((alert) => ({ alert, labels: {} })),
        actions: r.actions.map((a) => ({
          id: a.id,
          kind: a.spec.kind,
          ...(a.spec.kind === 'http' ? { target: a.spec.target } : { program: a.spec.argv[0] }),
          auto: a.auto,
          approval: a.approval,
          ...(a.verify ? { verify: a.verify } : {}),
        })),
      })),
      tree: report.tree ? { file: report.tree.file, nodes: report.tree.nodes.length } : null,
      errors: report.diagnostics.filter((d) => d.severity === 'error').length,
      warnings: report.diagnostics.filter((d) => d.severity === 'warning').length,
      diagnostics: report.diagnostics,
    };
    io.out(`${JSON.stringify(out, null, 2)}\n`);
    return failed ? 1 : 0;
  }
  io.out(renderDiagnostics(report.diagnostics));
  const actions = report.runbooks.reduce((n, r) => n + r.actions.length, 0);
  const auto = report.runbooks.reduce((n, r) => n + r.actions.filter((a) => a.auto).length, 0);
  const tree = report.tree
    ? `decision tree ${report.treeFile} (${report.tree.nodes.length} nodes)`
    : `no valid decision tree`;
  io.out(
    `${report.runbooks.length} valid runbook${report.runbooks.length === 1 ? '' : 's'} (${actions} actions, ${auto} automatic), ${tree}: ${countLine(report.diagnostics)}\n`,
  );
  return failed ? 1 : 0;
}
