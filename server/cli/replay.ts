// `slactl replay --signals file.ndjson [--slas dir] [--sla name] [--step 15s] [--format text|json]`
// Runs recorded signals through an in-memory store, the collector and the evaluator on a manual clock,
// and prints the alert timeline: whether an SLA change would have fired (or stayed quiet) in a past
// incident.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SignalReader } from '../collector/derived.js';
import { IngestError } from '../collector/errors.js';
import { Collector } from '../collector/ingest.js';
import { validateSignal } from '../collector/schema.js';
import { renderValue } from '../compile/go-format.js';
import { replay, type ReplayResult, type TimedSignal } from '../evaluate/replay.js';
import type { Transition } from '../evaluate/types.js';
import { ManualClock } from '../lib/clock.js';
import { hasErrors, suggest, type Diagnostic } from '../lib/diagnostics.js';
import { formatDurationHuman, parseDuration } from '../lib/units.js';
import { openStore } from '../store/store.js';
import { UsageError, type Io } from './io.js';
import { loadCompileSettings, loadProject, plansOf } from './project.js';
import { renderDiagnostics } from './render.js';

export interface ReplayOptions {
  /** The NDJSON file of recorded signals, each with `ts`. */
  signals: string;
  /** SLA files and folders (default: slas/). */
  paths: string[];
  /** Evaluate only this SLA (all loaded SLAs still shape the collector's histogram buckets). */
  sla?: string;
  /** Evaluation interval as a duration (default 15s, the server's interval). */
  step?: string;
  format: 'text' | 'json';
  /** Settings file (default: slactl.yaml), for the runbook URLs in annotations. */
  config?: string;
}

const DEFAULT_STEP = '15s';
/** More problems than this in the signals file are counted, not listed. */
const MAX_LISTED = 50;

/** Where a recorded signal came from. */
interface Origin {
  line: number;
}

function stepMs(step: string | undefined): number {
  const parsed = parseDuration(step ?? DEFAULT_STEP);
  if (!parsed.ok) throw new UsageError(`--step: ${parsed.message}${parsed.hint ? ` (${parsed.hint})` : ''}`);
  if (parsed.value <= 0) throw new UsageError(`--step must be longer than 0, got "${step}"`);
  return parsed.value;
}

function diagnostic(file: string, line: number, code: string, message: string, field = ''): Diagnostic {
  return { code, severity: 'error', message, file, path: field, line, column: 1 };
}

/** An invalid-JSON diagnostic at the line and column V8 names ("… at position 46"). */
function jsonDiagnostic(file: string, line: number, text: string, error: unknown): Diagnostic {
  const raw = error instanceof Error ? error.message : String(error);
  const match = / (?:in JSON )?at position (\d+)(?: \(line \d+ column \d+\))?/.exec(raw);
  const out = diagnostic(
    file,
    line,
    'invalid_json',
    `invalid JSON: ${match ? raw.slice(0, match.index) : raw}`,
  );
  // The line was trimmed before parsing: count the leading blanks back in.
  if (match) out.column = Number(match[1]) + (text.length - text.trimStart().length) + 1;
  return out;
}

/** Parses the NDJSON recording: every line a signal the collector accepts, with a `ts`. */
export function parseRecording(
  text: string,
  file: string,
): { signals: Array<TimedSignal<Origin>>; diagnostics: Diagnostic[]; omitted: number } {
  const signals: Array<TimedSignal<Origin>> = [];
  const diagnostics: Diagnostic[] = [];
  let omitted = 0;
  const report = (d: Diagnostic) => {
    if (diagnostics.length < MAX_LISTED) diagnostics.push(d);
    else omitted++;
  };
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const raw = lines[i]!.trim();
    if (raw === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      report(jsonDiagnostic(file, line, lines[i]!, error));
      continue;
    }
    const result = validateSignal(value, { index: signals.length, line });
    if (!result.ok) {
      for (const problem of result.problems) {
        // The collector's messages start with "line N: "; the diagnostic carries the line already.
        const message = problem.message.replace(/^line \d+: /, '');
        report(diagnostic(file, line, 'invalid_signal', message, problem.field ?? ''));
      }
      continue;
    }
    if (result.signal.ts === undefined) {
      report({
        ...diagnostic(
          file,
          line,
          'missing_ts',
          'the signal has no "ts": a replay needs the time of every signal',
          'ts',
        ),
        hint: 'add "ts" as milliseconds since the epoch or an RFC 3339 time such as "2026-11-22T07:00:00Z"',
      });
      continue;
    }
    signals.push({ ts: result.signal.ts, signal: value, source: { line } });
  }
  return { signals, diagnostics, omitted };
}

/** `2026-11-22T07:01:00Z` (milliseconds only when there are some). */
function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

const STATE_WORDS: Record<Transition['to'], string> = {
  pending: 'PENDING',
  firing: 'FIRING',
  resolved: 'RESOLVED',
  inactive: 'INACTIVE',
};

/** Labels worth reading on a timeline line: `sla=…` first, then what tells alerts of one rule apart. */
function subjectLabels(labels: Readonly<Record<string, string>>, metadataKeys: ReadonlySet<string>): string {
  const parts = [`sla=${labels.sla ?? ''}`];
  for (const name of Object.keys(labels).sort()) {
    if (['alertname', 'sla', 'service', 'severity'].includes(name) || metadataKeys.has(name)) continue;
    parts.push(`${name}=${labels[name]}`);
  }
  return parts.join(' ');
}

function renderTimeline(result: ReplayResult, metadataKeys: ReadonlySet<string>): string {
  const width = Math.max(0, ...result.transitions.map((t) => t.alertname.length));
  return result.transitions
    .map((t) => {
      const value = t.value === undefined ? '' : ` value=${renderValue('number', t.value)}`;
      return `${isoTime(t.at)}  ${STATE_WORDS[t.to].padEnd(8)}  ${t.alertname.padEnd(width)}  ${subjectLabels(t.labels, metadataKeys)}${value}\n`;
    })
    .join('');
}

/** Replays recorded signals through the evaluator and prints the alert timeline. */
export async function replayCommand(io: Io, options: ReplayOptions): Promise<number> {
  const step = stepMs(options.step);
  if (options.signals === '') throw new UsageError('replay needs --signals <file.ndjson>');

  const settings = await loadCompileSettings(io, options.config);
  if (!settings.ok) {
    io.err(renderDiagnostics(settings.diagnostics));
    return 1;
  }
  const project = await loadProject(io, options.paths);
  if (hasErrors(project.diagnostics)) {
    io.err(renderDiagnostics(project.diagnostics));
    io.err('nothing replayed: the SLAs have errors\n');
    return 1;
  }
  io.err(renderDiagnostics(project.diagnostics));
  const plans = plansOf(project);
  let selected = plans;
  if (options.sla !== undefined) {
    selected = plans.filter((p) => p.name === options.sla);
    if (selected.length === 0) {
      const names = plans.map((p) => p.name);
      const guess = suggest(options.sla, names);
      io.err(
        `slactl replay: no valid SLA named "${options.sla}"${guess ? ` (did you mean "${guess}"?)` : ''}; known: ${names.join(', ') || 'none'}\n`,
      );
      return 1;
    }
  }
  if (selected.length === 0) {
    io.err('slactl replay: no SLAs to evaluate\n');
    return 1;
  }

  const file = path.relative(io.cwd, path.resolve(io.cwd, options.signals)) || options.signals;
  let text: string;
  try {
    text = await readFile(path.resolve(io.cwd, options.signals), 'utf8');
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    const why =
      err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.message;
    io.err(`slactl replay: cannot read ${file}: ${why}\n`);
    return 1;
  }
  const recording = parseRecording(text, file);
  if (recording.diagnostics.length > 0) {
    io.err(renderDiagnostics(recording.diagnostics));
    const more = recording.omitted > 0 ? ` (and ${recording.omitted} more problems)` : '';
    io.err(`nothing replayed: ${file} has invalid signals${more}\n`);
    return 1;
  }
  if (recording.signals.length === 0) {
    io.err(`slactl replay: ${file} holds no signals\n`);
    return 1;
  }

  const first = recording.signals.reduce((min, s) => Math.min(min, s.ts), Infinity);
  const clock = new ManualClock(first);
  const store = openStore({ path: ':memory:' });
  let result: ReplayResult;
  try {
    const collector = new Collector({ store, clock, plans });
    const reader = new SignalReader(store);
    try {
      result = replay(
        recording.signals,
        {
          plans: selected,
          settings: settings.settings,
          store,
          reader,
          ingest: (batch, at) => {
            clock.set(at);
            try {
              collector.ingestSignals(batch.map((s) => s.signal));
            } catch (error) {
              throw new ReplayIngestError(error, batch);
            }
          },
        },
        { stepMs: step },
      );
    } catch (error) {
      if (!(error instanceof ReplayIngestError)) throw error;
      io.err(renderDiagnostics(error.diagnostics(file)));
      io.err(`replay stopped: the collector rejected signals of ${file}\n`);
      return 1;
    }
  } finally {
    store.close();
  }

  for (const e of result.errors) io.err(`error: evaluating ${e.sla} at ${isoTime(e.at)}: ${e.message}\n`);
  const names = selected.map((p) => p.name);
  if (options.format === 'json') {
    const report = {
      signals: recording.signals.length,
      file,
      slas: names,
      stepMs: step,
      start: isoTime(result.start),
      end: isoTime(result.end),
      steps: result.steps,
      transitions: result.transitions.map((t) => ({ time: isoTime(t.at), ...t })),
      active: result.active,
      errors: result.errors,
    };
    io.out(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const metadataKeys = new Set(selected.flatMap((p) => Object.keys(p.labels)));
    io.out(
      `replayed ${recording.signals.length} signal${recording.signals.length === 1 ? '' : 's'} from ${file}, ` +
        `${isoTime(result.start)} to ${isoTime(result.end)} every ${formatDurationHuman(step)}, against ${names.join(', ')}\n\n`,
    );
    io.out(
      result.transitions.length === 0 ? 'no alert changed state\n' : renderTimeline(result, metadataKeys),
    );
    const firing = result.active.filter((a) => a.state === 'firing');
    const fired = result.transitions.filter((t) => t.to === 'firing').length;
    io.out(
      `\n${fired} alert${fired === 1 ? '' : 's'} fired; ${firing.length} still firing at the end` +
        (firing.length > 0
          ? `: ${firing.map((a) => `${a.alertname} (${subjectLabels(a.labels, metadataKeys)})`).join(', ')}`
          : '') +
        '\n',
    );
  }
  return result.errors.length > 0 ? 1 : 0;
}

/** A collector rejection during replay, with the recorded lines of the batch it rejected. */
class ReplayIngestError extends Error {
  constructor(
    override readonly cause: unknown,
    readonly batch: ReadonlyArray<TimedSignal<Origin>>,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }

  diagnostics(file: string): Diagnostic[] {
    const first = this.batch[0]?.source.line ?? 1;
    if (!(this.cause instanceof IngestError)) {
      return [diagnostic(file, first, 'ingest_failed', this.message)];
    }
    const problems = this.cause.problems.length > 0 ? this.cause.problems : [{ message: this.cause.message }];
    return problems.map((p) => {
      const line = p.index !== undefined ? (this.batch[p.index]?.source.line ?? first) : first;
      const message = p.message.replace(/^(?:signals\[\d+\]\.?|line \d+: )/, '').replace(/^: /, '');
      return diagnostic(
        file,
        line,
        this.cause instanceof IngestError ? this.cause.code : 'ingest_failed',
        message,
        p.field ?? '',
      );
    });
  }
}
