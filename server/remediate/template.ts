// Filling an action's `{slot}`s from alert labels, the one place untrusted input meets a request. A
// label fills only a declared slot, only when its whole value matches the param's pattern (and the
// fixed guards of runbook-slots.ts: no control characters, bounded length, no dot segment in a path,
// no leading `-` in argv); path values are URL-encoded, body and argv values are substituted whole,
// and every value is substituted once: nothing in a value is ever read as a slot or a template.
import type { HttpActionSpec, RunbookAction } from './runbook-types.js';
import { compilePattern, valueProblem, type SlotPlace } from './runbook-slots.js';
import type { Targets } from './targets.js';

/** A rendered HTTP call: the full URL on a configured target; headers are added at call time. */
export interface RenderedHttp {
  kind: 'http';
  target: string;
  method: HttpActionSpec['method'];
  url: string;
  body?: unknown;
}

/** A rendered program call: argv[0] is the configured program, never a slot. */
export interface RenderedCommand {
  kind: 'command';
  argv: string[];
}

export type RenderedAction = RenderedHttp | RenderedCommand;

export interface SlotProblem {
  /** The param (`index`) and the label that fills it (`index`). */
  param: string;
  label: string;
  message: string;
}

export type RenderResult =
  | { ok: true; value: RenderedAction; params: Record<string, string> }
  | {
      ok: false;
      /** `template_rejected` (labels), `unknown_target`, `command_not_allowed`, `invalid_action`. */
      code: string;
      message: string;
      problems: SlotProblem[];
    };

const SLOT = /\{([a-z_][a-z0-9_]*)\}/g;
const WHOLE_SLOT = /^\{([a-z_][a-z0-9_]*)\}$/;

/** Declared params used in a string (slots naming no param are literal text). */
function slotsIn(text: string, params: RunbookAction['params']): string[] {
  return [...text.matchAll(SLOT)].map((m) => m[1]!).filter((name) => Object.hasOwn(params, name));
}

/** Where each declared param is used, so the guards of each place apply. */
function placesOf(action: RunbookAction): Map<string, Set<SlotPlace>> {
  const places = new Map<string, Set<SlotPlace>>();
  const add = (name: string, place: SlotPlace) => {
    let set = places.get(name);
    if (set === undefined) places.set(name, (set = new Set()));
    set.add(place);
  };
  const spec = action.spec;
  if (spec.kind === 'http') {
    for (const name of slotsIn(spec.path, action.params)) add(name, 'path');
    walkStrings(spec.body, (s) => {
      for (const name of slotsIn(s, action.params)) add(name, 'body');
    });
  } else {
    for (const arg of spec.argv) for (const name of slotsIn(arg, action.params)) add(name, 'argv');
  }
  return places;
}

function walkStrings(value: unknown, visit: (s: string) => void): void {
  if (typeof value === 'string') visit(value);
  else if (Array.isArray(value)) for (const item of value) walkStrings(item, visit);
  else if (value !== null && typeof value === 'object')
    for (const item of Object.values(value)) walkStrings(item, visit);
}

/** Checks every used param against the alert's labels; the values, or why they cannot be used. */
export function fillParams(
  action: RunbookAction,
  labels: Readonly<Record<string, string>>,
): { ok: true; values: Record<string, string> } | { ok: false; problems: SlotProblem[] } {
  const values: Record<string, string> = {};
  const problems: SlotProblem[] = [];
  for (const [param, places] of placesOf(action)) {
    const spec = action.params[param]!;
    const value = Object.hasOwn(labels, spec.label) ? labels[spec.label] : undefined;
    if (value === undefined) {
      problems.push({ param, label: spec.label, message: `the alert has no label ${spec.label}` });
      continue;
    }
    let pattern: RegExp;
    try {
      pattern = compilePattern(spec.pattern);
    } catch (error) {
      problems.push({
        param,
        label: spec.label,
        message: `the param's pattern does not compile: ${(error as Error).message}`,
      });
      continue;
    }
    const problem = valueProblem(value, pattern, places);
    if (problem !== undefined) {
      problems.push({
        param,
        label: spec.label,
        message: `label ${spec.label} (${describe(value)}) ${problem}`,
      });
      continue;
    }
    values[param] = value;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, values };
}

/** A value described for a message: its length and an escaped start, never raw control characters. */
function describe(value: string): string {
  const cut = value.length > 32 ? `${value.slice(0, 32)}…` : value;
  return `${JSON.stringify(cut)}, ${value.length} characters`;
}

/** Replaces whole-slot strings in a JSON body; strings that merely contain a slot are refused. */
function fillBody(
  value: unknown,
  values: Record<string, string>,
  params: RunbookAction['params'],
  bad: string[],
): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE_SLOT.exec(value)?.[1];
    if (whole !== undefined && Object.hasOwn(params, whole)) return values[whole];
    if (slotsIn(value, params).length > 0) bad.push(value);
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => fillBody(item, values, params, bad));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = fillBody(v, values, params, bad);
    return out;
  }
  return value;
}

/**
 * Renders an action for an alert's labels against the configured targets: the exact request (or argv)
 * a run would make, or why it cannot be made. Never throws on bad labels.
 */
export function renderAction(
  action: RunbookAction,
  labels: Readonly<Record<string, string>>,
  targets: Targets,
): RenderResult {
  const filled = fillParams(action, labels);
  if (!filled.ok) {
    return {
      ok: false,
      code: 'template_rejected',
      message: `the alert's labels cannot fill action ${action.id}: ${filled.problems.map((p) => p.message).join('; ')}`,
      problems: filled.problems,
    };
  }
  const values = filled.values;
  const spec = action.spec;
  if (spec.kind === 'command') {
    const program = spec.argv[0];
    if (program === undefined || !targets.programAllowed(program)) {
      return {
        ok: false,
        code: 'command_not_allowed',
        message: `program ${JSON.stringify(program ?? '')} is not in remediation.commands.allow`,
        problems: [],
      };
    }
    const argv: string[] = [program];
    for (const arg of spec.argv.slice(1)) {
      const whole = WHOLE_SLOT.exec(arg)?.[1];
      if (whole !== undefined && Object.hasOwn(action.params, whole)) {
        argv.push(values[whole]!);
      } else if (slotsIn(arg, action.params).length > 0) {
        return invalid(action, `argument ${JSON.stringify(arg)} has a slot that is not the whole argument`);
      } else {
        argv.push(arg);
      }
    }
    return { ok: true, value: { kind: 'command', argv }, params: values };
  }

  const target = targets.target(spec.target);
  if (target === undefined) {
    return {
      ok: false,
      code: 'unknown_target',
      message: `target ${spec.target} is not configured in remediation.targets`,
      problems: [],
    };
  }
  const filledPath = spec.path.replace(SLOT, (text, name: string) =>
    Object.hasOwn(values, name) ? encodeURIComponent(values[name]!) : text,
  );
  const url = joinUrl(target.base, filledPath);
  if (url === undefined) {
    return invalid(
      action,
      `path ${JSON.stringify(spec.path)} does not stay under ${target.base.href} once filled`,
    );
  }
  if (!targets.hostAllowed(url.hostname)) {
    return {
      ok: false,
      code: 'host_not_allowed',
      message: `host ${url.hostname} is not in remediation.allowHosts`,
      problems: [],
    };
  }
  const rendered: RenderedHttp = { kind: 'http', target: spec.target, method: spec.method, url: url.href };
  if (spec.body !== undefined) {
    const bad: string[] = [];
    rendered.body = fillBody(spec.body, values, action.params, bad);
    if (bad.length > 0) {
      return invalid(action, `body string ${JSON.stringify(bad[0])} has a slot that is not the whole value`);
    }
  }
  return { ok: true, value: rendered, params: values };
}

function invalid(action: RunbookAction, message: string): RenderResult {
  return { ok: false, code: 'invalid_action', message: `action ${action.id}: ${message}`, problems: [] };
}

/**
 * The target's base URL followed by `filledPath`; undefined when the result would leave the base (a
 * different origin, a path outside the base path) or when URL parsing would rewrite the path (dot
 * segments, backslashes): what is sent must be exactly what was rendered.
 */
export function joinUrl(base: URL, filledPath: string): URL | undefined {
  const basePath = base.pathname.replace(/\/+$/, '');
  const relative = filledPath.startsWith('/') ? filledPath : `/${filledPath}`;
  const [pathPart, ...rest] = relative.split('?');
  const query = rest.length > 0 ? `?${rest.join('?')}` : '';
  if (pathPart!.includes('\\') || pathPart!.includes('#') || query.includes('#')) return undefined;
  const wanted = `${basePath}${pathPart}`;
  let url: URL;
  try {
    url = new URL(`${base.origin}${wanted}${query}`);
  } catch {
    return undefined;
  }
  if (url.origin !== base.origin) return undefined;
  if (url.pathname !== wanted) return undefined;
  if (basePath !== '' && !url.pathname.startsWith(`${basePath}/`)) return undefined;
  return url;
}
