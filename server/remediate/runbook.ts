// Loads runbooks: `runbooks/<id>.md`, YAML front matter (id, title, triggers, actions with their guard
// rails) and the Markdown sections an on-call engineer reads. Every problem is a positioned diagnostic.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { hasErrors, sortDiagnostics, type Diagnostic, type Result } from '../lib/diagnostics.js';
import { formatPath, offsetOf, positionAt, yamlDiagnostic, type SourceDoc } from '../sla/positions.js';
import { issuesToDiagnostics } from '../sla/zod-diagnostics.js';
import { checkAction, checkAlertName, Reporter, type CheckContext } from './runbook-checks.js';
import { extractSections, splitFrontMatter } from './runbook-markdown.js';
import {
  ACTION_DEFAULTS,
  actionSchema,
  frontMatterSchema,
  headerSchema,
  triggerSchema,
  type ActionInput,
} from './runbook-schema.js';
import type { Runbook, RunbookAction, TriggerMatcher } from './runbook-types.js';

export type { CheckContext } from './runbook-checks.js';

/** A runbook file's name (as shown in diagnostics, e.g. `runbooks/stream-lag.md`) and text. */
export interface RunbookSource {
  file: string;
  text: string;
}

/** Files in a runbooks folder that are documentation, not runbooks. */
const NOT_RUNBOOKS = new Set(['readme.md', 'contributing.md', 'changelog.md']);

function toAction(input: ActionInput): RunbookAction {
  const spec: RunbookAction['spec'] =
    input.kind === 'http'
      ? {
          kind: 'http',
          target: input.target!,
          method: input.method!,
          path: input.path!,
          ...(input.body !== undefined ? { body: input.body } : {}),
        }
      : { kind: 'command', argv: input.argv! };
  const backoffMs = input.retries?.backoff ?? ACTION_DEFAULTS.retries.backoffMs;
  const auto = input.auto ?? false;
  return {
    id: input.id,
    title: input.title,
    ...(input.description !== undefined ? { description: input.description } : {}),
    spec,
    params: Object.fromEntries(
      Object.entries(input.params ?? {}).map(([name, p]) => [name, { label: p.label, pattern: p.pattern }]),
    ),
    auto,
    approval: auto ? 'none' : (input.approval ?? 'required'),
    cooldownMs: input.cooldown ?? ACTION_DEFAULTS.cooldownMs,
    maxRuns: input.maxRuns
      ? { count: input.maxRuns.count, windowMs: input.maxRuns.window }
      : { ...ACTION_DEFAULTS.maxRuns },
    timeoutMs: input.timeout ?? ACTION_DEFAULTS.timeoutMs,
    retries: {
      max: input.retries?.max ?? ACTION_DEFAULTS.retries.max,
      backoffMs,
      maxBackoffMs: input.retries?.maxBackoff ?? Math.max(backoffMs, ACTION_DEFAULTS.retries.maxBackoffMs),
    },
    ...(input.verify ? { verify: { alert: input.verify.alert, withinMs: input.verify.within } } : {}),
    ...(input.alerts !== undefined ? { alerts: [...input.alerts] } : {}),
  };
}

/** The runbook id a file name implies: `runbooks/stream-lag.md` → `stream-lag`. */
export function runbookIdOf(file: string): string {
  return path.basename(file).replace(/\.md$/i, '');
}

/** Parses and checks one runbook file. */
export function parseRunbook(source: RunbookSource, context: CheckContext = {}): Result<Runbook> {
  const split = splitFrontMatter(source.file, source.text);
  if (!split.ok) return { ok: false, diagnostics: [split.diagnostic] };
  const { sections, diagnostics: sectionDiagnostics } = extractSections(source.file, split.value);

  const lines = new LineCounter();
  const doc = parseDocument(split.value.frontMatter, {
    lineCounter: lines,
    uniqueKeys: true,
    prettyErrors: false,
  });
  const yamlSource: SourceDoc = { file: source.file, text: split.value.frontMatter, doc, lines };
  const report = new Reporter(yamlSource, split.value.frontMatterLine - 1);
  const fail = (): Result<Runbook> => ({
    ok: false,
    diagnostics: sortDiagnostics([...report.diagnostics, ...sectionDiagnostics]),
  });

  report.shift(doc.errors.map((e) => yamlDiagnostic(yamlSource, e, 'error')));
  report.shift(doc.warnings.map((w) => yamlDiagnostic(yamlSource, w, 'warning')));
  if (doc.errors.length > 0) return fail();
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    report.at('error', 'yaml_syntax', [], error instanceof Error ? error.message : String(error));
    return fail();
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    report.at(
      'error',
      'invalid_type',
      [],
      'the front matter must be a mapping with id, title, triggers and actions',
    );
    return fail();
  }

  const header = headerSchema.safeParse(data);
  if (!header.success)
    report.shift(issuesToDiagnostics(header.error.issues, yamlSource, frontMatterSchema, data));

  const raw = data as { id?: unknown; triggers?: unknown; actions?: unknown };
  const expectedId = runbookIdOf(source.file);
  if (typeof raw.id === 'string' && raw.id !== expectedId)
    report.at(
      'error',
      'id_mismatch',
      ['id'],
      `the id "${raw.id}" differs from the file name ${path.basename(source.file)}`,
      {
        hint: `set id: ${expectedId}, or rename the file to ${raw.id}.md`,
      },
    );

  // Triggers, one by one: known alerts, no duplicates, matcher labels the alert can carry.
  const matchers: TriggerMatcher[] = [];
  const seen = new Map<string, number>();
  const rawTriggers = Array.isArray(raw.triggers) ? (raw.triggers as unknown[]) : [];
  rawTriggers.forEach((rawTrigger, i) => {
    const written = typeof rawTrigger === 'string';
    const parsed = triggerSchema.safeParse(written ? { alert: rawTrigger } : rawTrigger);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => ({
        ...issue,
        // A bad name written as a plain string is reported at the string itself.
        path: written ? ['triggers', i] : ['triggers', i, ...issue.path],
      }));
      report.shift(issuesToDiagnostics(issues, yamlSource, frontMatterSchema, data));
      return;
    }
    const trigger = parsed.data;
    const labels = trigger.labels ?? {};
    checkAlertName(trigger.alert, written ? ['triggers', i] : ['triggers', i, 'alert'], context, report);
    const key = JSON.stringify([trigger.alert, Object.entries(labels).sort()]);
    const first = seen.get(key);
    if (first !== undefined)
      report.at('warning', 'duplicate_trigger', ['triggers', i], `the same trigger as triggers[${first}]`);
    else seen.set(key, i);
    const known = context.alertLabels?.get(trigger.alert);
    for (const label of Object.keys(labels)) {
      if (known !== undefined && !known.has(label))
        report.at(
          'error',
          'label_not_on_alert',
          ['triggers', i, 'labels', label],
          `${trigger.alert} never carries the label "${label}", so this trigger never matches`,
          { hint: `${trigger.alert} carries ${[...known].sort().join(', ')}`, atKey: true },
        );
    }
    matchers.push({ alert: trigger.alert, labels: { ...labels } });
  });
  const triggerAlerts = matchers.map((m) => m.alert);

  // Actions, one by one so one broken action does not hide the others' problems.
  const actions: RunbookAction[] = [];
  const actionIds = new Map<string, number>();
  const rawActions = Array.isArray(raw.actions) ? (raw.actions as unknown[]) : [];
  rawActions.forEach((rawAction, i) => {
    const parsed = actionSchema.safeParse(rawAction);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => ({ ...issue, path: ['actions', i, ...issue.path] }));
      report.shift(issuesToDiagnostics(issues, yamlSource, frontMatterSchema, data));
      return;
    }
    const action = parsed.data;
    const first = actionIds.get(action.id);
    if (first !== undefined)
      report.at(
        'error',
        'duplicate_action',
        ['actions', i, 'id'],
        `the action id "${action.id}" is already used by actions[${first}]`,
      );
    else actionIds.set(action.id, i);
    const before = report.diagnostics.length;
    checkAction(action, i, triggerAlerts, context, report);
    if (!hasErrors(report.diagnostics.slice(before))) actions.push(toAction(action));
  });

  const all = [...report.diagnostics, ...sectionDiagnostics];
  if (!header.success || hasErrors(all)) return fail();
  return {
    ok: true,
    value: {
      id: header.data.id,
      title: header.data.title,
      triggers: triggerAlerts,
      triggerMatchers: matchers,
      actions,
      markdown: split.value.markdown,
      sections,
      file: source.file,
    },
    diagnostics: sortDiagnostics(all),
  };
}

/** The result of checking many runbooks: the valid ones and every diagnostic. */
export interface RunbookSet {
  runbooks: Runbook[];
  diagnostics: Diagnostic[];
  /** Every file read, valid or not, with its text (for checks that point into it later). */
  sources: RunbookSource[];
}

/** Checks runbook sources (already read). */
export function checkRunbookSources(
  sources: readonly RunbookSource[],
  context: CheckContext = {},
): RunbookSet {
  const runbooks: Runbook[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const source of sources) {
    const result = parseRunbook(source, context);
    diagnostics.push(...result.diagnostics);
    if (result.ok) runbooks.push(result.value);
  }
  runbooks.sort((a, b) => a.id.localeCompare(b.id));
  return { runbooks, diagnostics: sortDiagnostics(diagnostics), sources: [...sources] };
}

/**
 * Reads every runbook in a folder (`*.md` except README.md and the like; not recursive) and checks it.
 * `dir` is resolved against `cwd` and shown in diagnostics as given; a missing folder is a diagnostic.
 */
export async function loadRunbooks(
  dir: string,
  context: CheckContext = {},
  cwd: string = process.cwd(),
): Promise<RunbookSet> {
  let names: string[];
  try {
    const entries = await readdir(path.resolve(cwd, dir), { withFileTypes: true });
    names = entries
      .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.md') && !e.name.startsWith('.'))
      .map((e) => e.name)
      .filter((name) => !NOT_RUNBOOKS.has(name.toLowerCase()))
      .sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
    return {
      runbooks: [],
      sources: [],
      diagnostics: [
        {
          code: 'file_not_found',
          severity: 'error',
          message: code === 'ENOTDIR' ? 'not a directory' : 'no such directory',
          file: dir,
          path: '',
          line: 1,
          column: 1,
        },
      ],
    };
  }
  const sources = await Promise.all(
    names.map(async (name) => {
      const file = path.join(dir, name);
      return { file, text: await readFile(path.resolve(cwd, file), 'utf8') };
    }),
  );
  return checkRunbookSources(sources, context);
}

/** The position of a front-matter path (`['id']`) in a runbook's text, for checks made after loading. */
export function positionInRunbook(
  text: string,
  file: string,
  at: Array<string | number>,
): { line: number; column: number; path: string } {
  const split = splitFrontMatter(file, text);
  if (!split.ok) return { line: 1, column: 1, path: formatPath(at) };
  const lines = new LineCounter();
  const doc = parseDocument(split.value.frontMatter, { lineCounter: lines, prettyErrors: false });
  const source: SourceDoc = { file, text: split.value.frontMatter, doc, lines };
  const pos = positionAt(source, offsetOf(source, at));
  return { line: pos.line + split.value.frontMatterLine - 1, column: pos.column, path: formatPath(at) };
}
