// Cross-field checks of one runbook action: the fields its kind needs, `{slot}`s against declared params,
// patterns that really guard what they fill, and guard rails (approval, verify) that contradict each other.
import type { Diagnostic, Severity } from '../lib/diagnostics.js';
import { suggest } from '../lib/diagnostics.js';
import {
  formatPath,
  nodeAt,
  offsetInScalar,
  offsetOf,
  positionAt,
  type PathSegment,
  type SourceDoc,
} from '../sla/positions.js';
import type { ActionInput } from './runbook-schema.js';
import {
  acceptedDotSegment,
  acceptedOption,
  compilePattern,
  isShell,
  patternProblem,
  slotsIn,
  wholeSlot,
  type SlotPlace,
} from './runbook-slots.js';

/** What the checks know about the world outside the file. */
export interface CheckContext {
  /** Known alert names; when absent, alert names are not checked. */
  alertNames?: ReadonlySet<string>;
  /** Labels each alert can carry; when absent (or the alert is missing), labels are not checked. */
  alertLabels?: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Reports diagnostics at paths of one front-matter document, shifted to the file's lines. */
export class Reporter {
  readonly diagnostics: Diagnostic[] = [];
  constructor(
    readonly source: SourceDoc,
    private readonly lineOffset: number,
  ) {}

  /** Adds a diagnostic at a path (its value, or its key with `atKey`), or at an offset inside a scalar. */
  at(
    severity: Severity,
    code: string,
    path: readonly PathSegment[],
    message: string,
    options: { hint?: string | undefined; atKey?: boolean; inScalar?: number } = {},
  ): void {
    const offset =
      options.inScalar !== undefined
        ? offsetInScalar(this.source, nodeAt(this.source, path), options.inScalar)
        : offsetOf(this.source, path, options.atKey ?? false);
    const pos = positionAt(this.source, offset);
    this.diagnostics.push({
      code,
      severity,
      message,
      file: this.source.file,
      path: formatPath(path),
      line: pos.line + this.lineOffset,
      column: pos.column,
      ...(options.hint !== undefined ? { hint: options.hint } : {}),
    });
  }

  /** Shifts diagnostics made against the front matter alone to the file's lines. */
  shift(diagnostics: readonly Diagnostic[]): void {
    for (const d of diagnostics) this.diagnostics.push({ ...d, line: d.line + this.lineOffset });
  }
}

/** One use of a slot in an action. */
interface SlotUse {
  name: string;
  place: SlotPlace;
  path: PathSegment[];
  offset: number;
}

/** Collects slot uses, reporting slots that are malformed or only part of an argv element or body value. */
function slotUses(
  action: ActionInput,
  base: PathSegment[],
  report: Reporter,
): { uses: SlotUse[]; mentioned: Set<string> } {
  const uses: SlotUse[] = [];
  // Names in malformed or partial slots: reported once, not again as an unused param.
  const mentioned = new Set<string>();
  if (action.path !== undefined) {
    for (const slot of slotsIn(action.path)) {
      if (!slot.valid) {
        mentioned.add(slot.name);
        report.at('error', 'invalid_slot', [...base, 'path'], `"{${slot.name}}" is not a valid slot`, {
          hint: 'param names are lower snake_case: {consumer_group}',
          inScalar: slot.offset,
        });
      } else {
        uses.push({ name: slot.name, place: 'path', path: [...base, 'path'], offset: slot.offset });
      }
    }
  }
  const visit = (value: unknown, path: PathSegment[]): void => {
    if (typeof value === 'string') {
      const whole = wholeSlot(value);
      if (whole !== undefined) {
        uses.push({ name: whole, place: 'body', path, offset: 0 });
        return;
      }
      for (const slot of slotsIn(value)) {
        mentioned.add(slot.name);
        report.at(
          'error',
          'partial_slot',
          path,
          `"{${slot.name}}" is part of a longer string; a body slot must be the whole value`,
          { hint: `write the value as "{${slot.name}}" alone`, inScalar: slot.offset },
        );
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => visit(item, [...path, i]));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) visit(item, [...path, key]);
    }
  };
  if (action.body !== undefined) visit(action.body, [...base, 'body']);
  action.argv?.forEach((arg, i) => {
    const path = [...base, 'argv', i];
    const whole = wholeSlot(arg);
    if (whole !== undefined) {
      uses.push({ name: whole, place: 'argv', path, offset: 0 });
      return;
    }
    for (const slot of slotsIn(arg)) {
      mentioned.add(slot.name);
      report.at(
        'error',
        'partial_slot',
        path,
        `"{${slot.name}}" is part of the argument ${JSON.stringify(arg)}; a slot must be a whole argument`,
        {
          hint: `split it: ${JSON.stringify(arg.slice(0, slot.offset))}, "{${slot.name}}" as separate arguments, or let the program read a flag and a value`,
          inScalar: slot.offset,
        },
      );
    }
  });
  return { uses, mentioned };
}

function checkKindFields(action: ActionInput, base: PathSegment[], report: Reporter): void {
  const missing = (field: string, hint: string): void =>
    report.at('error', 'missing_field', base, `a ${action.kind} action needs "${field}"`, { hint });
  const notAllowed = (field: keyof ActionInput): void => {
    if (action[field] === undefined) return;
    report.at('error', 'field_not_allowed', [...base, field], `a ${action.kind} action has no "${field}"`, {
      hint:
        action.kind === 'http'
          ? 'http actions take target, method, path and body; argv belongs to kind: command'
          : 'command actions take argv; target, method, path and body belong to kind: http',
      atKey: true,
    });
  };
  if (action.kind === 'http') {
    if (action.target === undefined)
      missing('target', 'name a target configured in slactl.yaml remediation.targets, e.g. target: demo');
    if (action.method === undefined) missing('method', 'method: POST');
    if (action.path === undefined)
      missing('path', 'the path under the target, e.g. /indexes/{index}/compact');
    notAllowed('argv');
    if (action.path !== undefined) checkPath(action.path, [...base, 'path'], report);
    if (action.method === 'GET' && action.body !== undefined)
      report.at('error', 'body_not_allowed', [...base, 'body'], 'a GET request carries no body', {
        hint: 'use POST, or put the values in the path',
        atKey: true,
      });
  } else {
    if (action.argv === undefined) missing('argv', 'argv: [kubectl, scale, …], one element per argument');
    for (const field of ['target', 'method', 'path', 'body'] as const) notAllowed(field);
    const program = action.argv?.[0];
    if (program !== undefined) {
      if (wholeSlot(program) !== undefined || slotsIn(program).length > 0)
        report.at(
          'error',
          'program_from_param',
          [...base, 'argv', 0],
          'the program to run comes from an alert label',
          {
            hint: 'the program is fixed in the runbook; labels may only fill its arguments',
          },
        );
      else if (!program.startsWith('/'))
        report.at(
          'error',
          'relative_program',
          [...base, 'argv', 0],
          `${JSON.stringify(program)} is not an absolute path, so it depends on whatever PATH the server runs with`,
          {
            hint: `write the full path (e.g. /usr/local/bin/${program.split('/').pop() ?? program}) and add it to remediation.commands.allow`,
          },
        );
      else if (isShell(program))
        report.at(
          'error',
          'shell_not_allowed',
          [...base, 'argv', 0],
          `${program} runs a shell, where a filled slot could inject commands`,
          {
            hint: 'run the program directly, one argv element per argument',
          },
        );
    }
  }
}

function checkPath(path: string, at: PathSegment[], report: Reporter): void {
  let problem: string | undefined;
  if (!path.startsWith('/')) problem = 'must start with /';
  else if (path.startsWith('//')) problem = 'must not start with // (it would name another host)';
  else if (/[\s#\\]/.test(path)) problem = 'must not contain whitespace, # or \\';
  else if (/(^|\/)\.\.?(\/|$|\?)/.test(path)) problem = 'must not contain . or .. segments';
  else if (/[{}]/.test(path.replace(/\{[A-Za-z_][A-Za-z0-9_-]*\}/g, '')))
    problem = 'has a { or } outside a {slot}';
  if (problem !== undefined)
    report.at('error', 'invalid_path', at, `the path ${JSON.stringify(path)} ${problem}`, {
      hint: 'a path under the target, e.g. /api/v1/indexes/{index}/compact',
    });
}

/** Checks one schema-valid action, reporting what its fields say together that none says alone. */
export function checkAction(
  action: ActionInput,
  index: number,
  triggerAlerts: readonly string[],
  context: CheckContext,
  report: Reporter,
): void {
  const base: PathSegment[] = ['actions', index];
  checkKindFields(action, base, report);

  // Slots against params.
  const { uses, mentioned } = slotUses(action, base, report);
  const params = action.params ?? {};
  const declared = Object.keys(params);
  for (const use of uses) {
    if (params[use.name] === undefined) {
      const guess = suggest(use.name, declared);
      report.at('error', 'undeclared_param', use.path, `the slot {${use.name}} has no param`, {
        hint:
          guess !== undefined
            ? `did you mean {${guess}}?`
            : `declare it: params: { ${use.name}: { label: ${use.name}, pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' } }`,
        inScalar: use.offset,
      });
    }
  }
  const used = new Set(uses.map((u) => u.name));
  for (const [name, param] of Object.entries(params)) {
    const at = [...base, 'params', name];
    if (!used.has(name) && !mentioned.has(name))
      report.at('error', 'unused_param', at, `the param "${name}" fills no slot`, {
        hint: `use it as {${name}} in ${action.kind === 'http' ? 'the path or body' : 'argv'}, or remove it`,
        atKey: true,
      });
    const problem = patternProblem(param.pattern);
    if (problem !== undefined) {
      report.at('error', problem.code, [...at, 'pattern'], problem.message, { hint: problem.hint });
      continue;
    }
    const pattern = compilePattern(param.pattern);
    const places = new Set(uses.filter((u) => u.name === name).map((u) => u.place));
    if (pattern.test(''))
      report.at('error', 'pattern_accepts_empty', [...at, 'pattern'], 'the pattern accepts an empty value', {
        hint: 'require at least one character: + instead of *',
      });
    const option = places.has('argv') ? acceptedOption(pattern) : undefined;
    if (option !== undefined)
      report.at(
        'error',
        'option_injection',
        [...at, 'pattern'],
        `the pattern accepts ${JSON.stringify(option)}, which the program would read as an option`,
        { hint: 'make the first character a letter or digit: ^[a-z0-9][a-z0-9_-]*$' },
      );
    const dots = places.has('path') ? acceptedDotSegment(pattern) : undefined;
    if (dots !== undefined)
      report.at(
        'error',
        'path_traversal',
        [...at, 'pattern'],
        `the pattern accepts ${JSON.stringify(dots)}, a path segment that climbs out of the path`,
        { hint: 'make the first character a letter or digit: ^[a-z0-9][a-z0-9_.-]*$' },
      );
  }

  // Which alerts the action answers, and whether they carry the labels its params read.
  const answers = action.alerts ?? [...new Set(triggerAlerts)];
  action.alerts?.forEach((alert, i) => {
    if (!triggerAlerts.includes(alert))
      report.at(
        'error',
        'unknown_trigger',
        [...base, 'alerts', i],
        `${alert} is not a trigger of this runbook`,
        {
          hint:
            triggerAlerts.length > 0
              ? `triggers: ${[...new Set(triggerAlerts)].join(', ')}`
              : 'add it to triggers',
        },
      );
  });
  if (context.alertLabels !== undefined) {
    for (const [name, param] of Object.entries(params)) {
      const without = answers.filter((alert) => {
        const labels = context.alertLabels!.get(alert);
        return labels !== undefined && !labels.has(param.label);
      });
      if (without.length > 0)
        report.at(
          'warning',
          'label_not_on_alert',
          [...base, 'params', name, 'label'],
          `${without.join(', ')} never carr${without.length === 1 ? 'ies' : 'y'} the label "${param.label}", so the action cannot run for ${without.length === 1 ? 'it' : 'them'}`,
          { hint: 'restrict the action with alerts: [...] to the triggers that carry the label' },
        );
    }
  }

  // Guard rails.
  if (action.auto === true && action.approval === 'required')
    report.at(
      'error',
      'conflicting_approval',
      [...base, 'approval'],
      'auto: true runs without approval, but approval is required',
      {
        hint: 'remove approval: required to let it run on trigger, or set auto: false to have a person approve it',
        atKey: true,
      },
    );
  if (action.auto === true && action.verify === undefined)
    report.at(
      'warning',
      'auto_without_verify',
      [...base, 'auto'],
      'an automatic action without verify never escalates when it does not help',
      {
        hint: 'add verify: { alert: <the alert that must resolve>, within: 10m }',
        atKey: true,
      },
    );
  if (action.auto === true && triggerAlerts.length === 0)
    report.at(
      'warning',
      'auto_without_trigger',
      [...base, 'auto'],
      'the runbook has no triggers, so this automatic action never starts on its own',
      {
        atKey: true,
      },
    );
  const backoff = action.retries?.backoff;
  const maxBackoff = action.retries?.maxBackoff;
  if (backoff !== undefined && maxBackoff !== undefined && maxBackoff < backoff)
    report.at(
      'error',
      'out_of_range',
      [...base, 'retries', 'maxBackoff'],
      'maxBackoff is shorter than backoff',
    );
  if (action.verify !== undefined)
    checkAlertName(action.verify.alert, [...base, 'verify', 'alert'], context, report);
}

/** Reports an alert name that the compiler never emits. */
export function checkAlertName(
  alert: string,
  path: PathSegment[],
  context: CheckContext,
  report: Reporter,
): void {
  if (context.alertNames === undefined || context.alertNames.has(alert)) return;
  const guess = suggest(alert, [...context.alertNames]);
  report.at('error', 'unknown_alert', path, `${alert} is not an alert slactl compiles`, {
    hint:
      guess !== undefined ? `did you mean ${guess}?` : `alerts: ${[...context.alertNames].sort().join(', ')}`,
  });
}
