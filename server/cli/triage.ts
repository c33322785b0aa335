// `slactl triage [--sla <name>] [--url <base>] [--token <t>] [--format text|json]`: asks the running
// server to walk the incident decision tree (GET /api/v1/triage) and prints the path with its evidence.
import { formatDuration, formatNumber } from '../lib/units.js';
import type { EvidenceView, TriageStepView, TriageView } from '../triage/view.js';
import { UsageError, type Io } from './io.js';

export const DEFAULT_URL = 'http://127.0.0.1:8080';
const TIMEOUT_MS = 10_000;

export interface TriageOptions {
  /** One SLA; absent: every SLA the server evaluates. */
  sla?: string;
  /** Base URL of the control plane. */
  url: string;
  /** Bearer token with the read scope; absent: SLACTL_TOKEN from `env`. */
  token?: string;
  format: 'text' | 'json';
}

export interface TriageDeps {
  fetch?: typeof fetch;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

/** A failure talking to the server, printed as one line. */
class RemoteError extends Error {
  override name = 'RemoteError';
}

function baseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--url must be an http(s) URL such as ${DEFAULT_URL}, got ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`--url must be an http(s) URL, got ${JSON.stringify(text)}`);
  if (url.username !== '' || url.password !== '')
    throw new UsageError('--url must not hold credentials: pass the token with --token or SLACTL_TOKEN');
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  url.search = '';
  url.hash = '';
  return url;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Calls a read route and returns its JSON body, or throws a RemoteError that names the cause. */
async function getJson(
  base: URL,
  route: string,
  token: string | undefined,
  deps: Required<Pick<TriageDeps, 'fetch' | 'timeoutMs'>>,
): Promise<unknown> {
  const url = new URL(route, base);
  let response: Response;
  try {
    response = await deps.fetch(url, {
      headers: {
        Accept: 'application/json',
        ...(token !== undefined ? { Authorization: `Bearer ${token}` } : {}),
      },
      signal: AbortSignal.timeout(deps.timeoutMs),
      redirect: 'error',
    });
  } catch (error) {
    const err = error as Error & { cause?: { code?: string } };
    if (err.name === 'TimeoutError')
      throw new RemoteError(`no answer from ${base.origin} within ${formatDuration(deps.timeoutMs)}`);
    const cause = err.cause?.code ?? err.message;
    throw new RemoteError(`cannot reach ${base.origin} (${cause}); is \`slactl serve\` running there?`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new RemoteError(
      `${url.pathname} answered ${response.status} without JSON; is ${base.origin} slactl?`,
    );
  }
  if (!response.ok) {
    const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    const message = typeof error?.message === 'string' ? error.message : `HTTP ${response.status}`;
    const code = typeof error?.code === 'string' ? ` ${error.code}` : '';
    let hint = '';
    if (response.status === 401)
      hint =
        token === undefined
          ? '\n  pass --token or set SLACTL_TOKEN (create one: slactl token create --name cli --scopes read)'
          : '\n  the token is unknown or revoked';
    if (response.status === 403) hint = '\n  the token needs the read scope';
    throw new RemoteError(`${response.status}${code}: ${message}${hint}`);
  }
  return body;
}

function isTriageView(value: unknown): value is TriageView {
  const v = value as Partial<TriageView> | null;
  return (
    v !== null &&
    typeof v === 'object' &&
    typeof v.sla === 'string' &&
    typeof v.summary === 'string' &&
    Array.isArray(v.path) &&
    Array.isArray(v.others)
  );
}

/** Asks the server for the triage of one SLA, or of every SLA, and prints it. */
export async function triageCommand(io: Io, options: TriageOptions, deps: TriageDeps = {}): Promise<number> {
  const base = baseUrl(options.url);
  const env = deps.env ?? process.env;
  const token = options.token ?? (env.SLACTL_TOKEN === '' ? undefined : env.SLACTL_TOKEN);
  if (options.sla !== undefined && options.sla === '') throw new UsageError('--sla needs an SLA name');
  const call = { fetch: deps.fetch ?? fetch, timeoutMs: deps.timeoutMs ?? TIMEOUT_MS };
  if (token !== undefined && base.protocol === 'http:' && !LOOPBACK.has(base.hostname))
    io.err(`slactl triage: warning: sending the token over plain http to ${base.host}\n`);
  try {
    let names: string[];
    if (options.sla !== undefined) {
      names = [options.sla];
    } else {
      const body = (await getJson(base, 'api/v1/slas', token, call)) as { data?: Array<{ name?: unknown }> };
      if (!Array.isArray(body.data)) throw new RemoteError('api/v1/slas answered an unexpected shape');
      names = body.data.map((s) => s.name).filter((n): n is string => typeof n === 'string');
    }
    const views: TriageView[] = [];
    for (const name of names) {
      const body = (await getJson(base, `api/v1/triage?sla=${encodeURIComponent(name)}`, token, call)) as {
        data?: unknown;
      };
      if (!isTriageView(body.data)) throw new RemoteError('api/v1/triage answered an unexpected shape');
      views.push(body.data);
    }
    if (options.format === 'json') {
      io.out(`${JSON.stringify(options.sla !== undefined ? views[0] : views)}\n`);
      return 0;
    }
    if (views.length === 0) io.out('the server evaluates no SLA\n');
    // Without --sla, quiet SLAs take one line each so the ones that need attention stand out.
    const quiet = (v: TriageView): boolean =>
      options.sla === undefined && v.outcome === 'no_match' && v.health === 'ok';
    io.out(views.map((v) => (quiet(v) ? `${v.sla}: ${v.summary}\n` : renderTriage(v))).join('\n'));
    return 0;
  } catch (error) {
    if (error instanceof RemoteError) {
      io.err(`slactl triage: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

const sig = (value: number): string => formatNumber(Number(value.toPrecision(3)));

/** A value in its unit, for people: `48.8ms`, `5m30s`, `96.7%`, `14.4×`. */
export function formatValue(value: number, unit: EvidenceView['unit']): string {
  switch (unit) {
    case 'ms':
      return value >= 1000 ? formatValue(value / 1000, 'seconds') : `${sig(value)}ms`;
    case 'seconds':
      if (value < 1) return `${sig(value * 1000)}ms`;
      if (value < 60) return `${sig(value)}s`;
      return formatDuration(Math.round(value) * 1000);
    case 'ratio':
      return `${sig(value * 100)}%`;
    case 'burn':
      return `${sig(value)}×`;
    case 'messages':
      return `${Math.round(value)} messages`;
    case 'flag':
      return value > 0 ? 'yes' : 'no';
    case 'number':
      return sig(value);
  }
}

function elapsed(fromIso: string, toIso: string): string {
  const ms = Date.parse(toIso) - Date.parse(fromIso);
  if (!Number.isFinite(ms) || ms < 0) return '';
  return ms < 1000 ? ' (just now)' : ` (for ${formatDuration(Math.floor(ms / 1000) * 1000)})`;
}

function evidenceLine(e: EvidenceView, evaluatedAt: string): string {
  const mark = e.context ? 'info' : e.matched ? 'yes ' : e.state === 'pending' ? 'wait' : 'no  ';
  const subject = Object.entries(e.subject)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  let text = `${mark}  ${e.source} ${e.name}${subject === '' ? '' : `{${subject}}`}`;
  const parts: string[] = [];
  if (e.source === 'alert' && e.state !== 'inactive' && e.state !== undefined && e.since !== undefined)
    parts.push(`${e.state} since ${e.since}${elapsed(e.since, evaluatedAt)}`);
  if (e.value !== undefined) {
    const value = formatValue(e.value, e.unit);
    if (e.threshold !== undefined && e.op !== undefined && e.unit !== 'flag')
      parts.push(`${value} (limit ${e.op} ${formatValue(e.threshold, e.unit)})`);
    else parts.push(value);
  } else if (e.threshold !== undefined && e.op !== undefined && e.unit !== 'flag') {
    parts.push(`limit ${e.op} ${formatValue(e.threshold, e.unit)}`);
  }
  if (e.note !== undefined) parts.push(e.note);
  if (parts.length > 0) text += `: ${parts.join('; ')}`;
  return text;
}

function stepLines(step: TriageStepView, evaluatedAt: string): string[] {
  const indent = '  '.repeat(step.depth);
  const answer = step.matched ? 'yes' : 'no';
  const end = step.terminal ? ` => runbook ${step.runbook ?? '(none): escalate'}` : '';
  return [
    `${indent}${step.node}: ${step.question} ${answer}${end}`,
    ...step.evidence.map((e) => `${indent}    ${evidenceLine(e, evaluatedAt)}`),
  ];
}

/** The triage of one SLA as an indented tree: each question, its answer and its evidence. */
export function renderTriage(view: TriageView): string {
  const lines = [
    `${view.sla} (service ${view.service}): ${view.health}, evaluated ${view.evaluatedAt}; ` +
      `alerts ${view.alerts.firing} firing, ${view.alerts.pending} pending`,
  ];
  if (view.error !== undefined) lines.push(`last evaluation failed: ${view.error}`);
  lines.push('');
  for (const step of view.path) lines.push(...stepLines(step, view.evaluatedAt));
  lines.push('');
  lines.push(`Answer: ${view.summary}`);
  if (view.others.length > 0) {
    lines.push('Also matching:');
    for (const other of view.others)
      lines.push(`  ${other.node} => runbook ${other.runbook ?? '(none)'}  (via ${other.path.join(' > ')})`);
  }
  return `${lines.join('\n')}\n`;
}
