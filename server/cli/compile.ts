// `slactl compile [paths…] [--out alerts/] [--check] [--config slactl.yaml] [--jobs N]
//   [--target prometheus|prometheus-operator] [--namespace ns] [--label key=value]… [--webhook-secret name:key]`
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import { hasErrors, sortDiagnostics } from '../lib/diagnostics.js';
import {
  DEFAULT_WEBHOOK_SECRET,
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  labelKeyProblem,
  labelValueProblem,
  PROMETHEUS_TARGET,
  RESERVED_K8S_LABELS,
  secretKeyProblem,
  TARGET_KINDS,
  type OutputTarget,
  type SecretKeyRef,
} from '../compile/emit-operator.js';
import { isGeneratedName } from '../compile/outputs.js';
import { checkSlaSources, readSlaSources } from '../sla/load.js';
import { compileSources, parseJobs, type CompileSourcesResult } from './compile-pool.js';
import { UsageError, type Io } from './io.js';
import { displayPaths, loadCompileSettings } from './project.js';
import { countLine, renderDiagnostics } from './render.js';

export interface CompileOptions {
  paths: string[];
  out: string;
  check: boolean;
  config?: string;
  /** Threads that check and compile, the main one included (default: the available parallelism). */
  jobs?: number;
  /** What to write (default: Prometheus rule files, promtool tests, budgets and alertmanager.yaml). */
  target?: OutputTarget;
}

/** The flags of `slactl compile`, for node:util's parseArgs. */
export const COMPILE_FLAGS: NonNullable<ParseArgsConfig['options']> = {
  out: { type: 'string' },
  check: { type: 'boolean' },
  config: { type: 'string' },
  jobs: { type: 'string' },
  target: { type: 'string' },
  namespace: { type: 'string' },
  label: { type: 'string', multiple: true },
  'webhook-secret': { type: 'string' },
};

/** Parses `--label key=value`, the key and value checked as Kubernetes label keys and values. */
function parseLabel(text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq < 0) throw new UsageError(`--label must be key=value, got ${JSON.stringify(text)}`);
  const key = text.slice(0, eq);
  const value = text.slice(eq + 1);
  const keyProblem = labelKeyProblem(key);
  if (keyProblem !== undefined)
    throw new UsageError(`--label ${JSON.stringify(text)}: key ${JSON.stringify(key)} ${keyProblem}`);
  const valueProblem = labelValueProblem(value);
  if (valueProblem !== undefined)
    throw new UsageError(`--label ${JSON.stringify(text)}: value ${JSON.stringify(value)} ${valueProblem}`);
  if (RESERVED_K8S_LABELS.includes(key))
    throw new UsageError(`--label ${JSON.stringify(text)}: slactl sets ${key} itself`);
  return [key, value];
}

/** Parses `--webhook-secret name[:key]`: a Secret name and the key in it (default "token"). */
function parseSecretRef(text: string): SecretKeyRef {
  const colon = text.indexOf(':');
  const name = colon < 0 ? text : text.slice(0, colon);
  const key = colon < 0 ? DEFAULT_WEBHOOK_SECRET.key : text.slice(colon + 1);
  const nameProblem = dns1123SubdomainProblem(name);
  if (nameProblem !== undefined)
    throw new UsageError(
      `--webhook-secret ${JSON.stringify(text)}: Secret name ${JSON.stringify(name)} ${nameProblem}`,
    );
  const keyProblem = secretKeyProblem(key);
  if (keyProblem !== undefined)
    throw new UsageError(
      `--webhook-secret ${JSON.stringify(text)}: key ${JSON.stringify(key)} ${keyProblem}`,
    );
  return { name, key };
}

/** Reads the target flags; the Kubernetes ones are refused with the plain Prometheus target. */
function parseTarget(values: Record<string, unknown>): OutputTarget {
  const kind = values.target ?? 'prometheus';
  if (typeof kind !== 'string' || !(TARGET_KINDS as readonly string[]).includes(kind))
    throw new UsageError(`--target must be one of ${TARGET_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  const labels = (values.label as string[] | undefined) ?? [];
  const namespace = values.namespace as string | undefined;
  const secret = values['webhook-secret'] as string | undefined;
  if (kind === 'prometheus') {
    const given = [
      namespace === undefined ? undefined : '--namespace',
      labels.length === 0 ? undefined : '--label',
      secret === undefined ? undefined : '--webhook-secret',
    ].filter((f) => f !== undefined);
    if (given.length > 0)
      throw new UsageError(`${given.join(', ')} only apply to --target prometheus-operator`);
    return PROMETHEUS_TARGET;
  }
  if (namespace !== undefined) {
    const problem = dns1123LabelProblem(namespace);
    if (problem !== undefined) throw new UsageError(`--namespace ${JSON.stringify(namespace)} ${problem}`);
  }
  const parsed: Record<string, string> = {};
  for (const text of labels) {
    const [key, value] = parseLabel(text);
    if (key in parsed) throw new UsageError(`--label ${key} is given twice`);
    parsed[key] = value;
  }
  return {
    kind: 'prometheus-operator',
    ...(namespace === undefined ? {} : { namespace }),
    labels: parsed,
    webhookSecret: secret === undefined ? DEFAULT_WEBHOOK_SECRET : parseSecretRef(secret),
  };
}

/** Turns parsed `slactl compile` flags into options; a bad flag is a UsageError naming it. */
export function compileOptionsFrom(values: Record<string, unknown>, positionals: string[]): CompileOptions {
  return {
    paths: positionals,
    out: typeof values.out === 'string' ? values.out : 'alerts',
    check: values.check === true,
    ...(typeof values.config === 'string' ? { config: values.config } : {}),
    ...(typeof values.jobs === 'string' ? { jobs: parseJobs(values.jobs) } : {}),
    target: parseTarget(values),
  };
}

/** The command that rewrites the folder, with the target's flags, for the --check message. */
function recompileCommand(target: OutputTarget, shownDir: string): string {
  const flags: string[] = [];
  if (target.kind === 'prometheus-operator') {
    flags.push('--target prometheus-operator');
    if (target.namespace !== undefined) flags.push(`--namespace ${target.namespace}`);
    for (const key of Object.keys(target.labels).sort()) flags.push(`--label ${key}=${target.labels[key]}`);
    const { name, key } = target.webhookSecret;
    if (name !== DEFAULT_WEBHOOK_SECRET.name || key !== DEFAULT_WEBHOOK_SECRET.key)
      flags.push(`--webhook-secret ${name}:${key}`);
  }
  return ['slactl compile', ...flags, `--out ${shownDir}`].join(' ');
}

// Files are read and written synchronously: thousands of small files go about four times faster so than
// through the thread pool, and the command has nothing else to do meanwhile.
function readIfExists(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function listGenerated(dir: string, target: OutputTarget): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((name) => isGeneratedName(name, target)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Compiles SLAs into the output folder, or with --check reports every stale or missing file. */
export async function compileCommand(io: Io, options: CompileOptions): Promise<number> {
  const target = options.target ?? PROMETHEUS_TARGET;
  const settings = await loadCompileSettings(io, options.config);
  if (!settings.ok) {
    io.err(renderDiagnostics(settings.diagnostics));
    return 1;
  }
  const { sources, missing } = await readSlaSources(displayPaths(io, options.paths), io.cwd);
  // A missing path fails the command: check the files that are there, for their diagnostics, and stop.
  const { load, outputs }: Omit<CompileSourcesResult, 'threads'> =
    missing.length > 0
      ? { load: checkSlaSources(sources), outputs: undefined }
      : await compileSources(sources, settings.settings, {
          target,
          ...(options.jobs === undefined ? {} : { jobs: options.jobs }),
        });
  const diagnostics = sortDiagnostics([...missing, ...load.diagnostics, ...(outputs?.diagnostics ?? [])]);
  if (outputs === undefined || hasErrors(diagnostics)) {
    io.err(renderDiagnostics(diagnostics));
    io.err(`nothing written: ${countLine(diagnostics)}\n`);
    return 1;
  }
  io.err(renderDiagnostics(diagnostics));
  for (const warning of outputs.warnings) io.err(`warning: ${warning}\n`);

  const outDir = path.resolve(io.cwd, options.out);
  const shownDir = path.relative(io.cwd, outDir) || '.';
  const existing = await listGenerated(outDir, target);
  const extra = existing.filter((name) => !outputs.files.has(name));

  if (options.check) {
    const problems: string[] = [];
    for (const [name, content] of outputs.files) {
      const current = readIfExists(path.join(outDir, name));
      if (current === undefined) problems.push(`missing: ${path.join(shownDir, name)}`);
      else if (!current.equals(content)) problems.push(`stale:   ${path.join(shownDir, name)}`);
    }
    for (const name of extra) problems.push(`orphan:  ${path.join(shownDir, name)} (no SLA compiles to it)`);
    if (problems.length > 0) {
      io.err(
        `${problems.join('\n')}\n${shownDir}/ is out of date with the SLAs: run \`${recompileCommand(target, shownDir)}\` and commit the result\n`,
      );
      return 1;
    }
    io.out(`${shownDir}/ is up to date (${outputs.files.size} files)\n`);
    return 0;
  }

  await mkdir(outDir, { recursive: true });
  let written = 0;
  for (const [name, content] of outputs.files) {
    const file = path.join(outDir, name);
    if (readIfExists(file)?.equals(content) === true) continue;
    // Write beside the target and rename, so a reader never sees half a file.
    const temp = path.join(outDir, `.${name}.${process.pid}.tmp`);
    writeFileSync(temp, content);
    renameSync(temp, file);
    written++;
  }
  for (const name of extra) await rm(path.join(outDir, name));
  const removed = extra.length > 0 ? `, removed ${extra.length} orphaned` : '';
  io.out(
    `compiled ${load.slas.length} SLA${load.slas.length === 1 ? '' : 's'} into ${shownDir}/: ${written} written, ${outputs.files.size - written} unchanged${removed}\n`,
  );
  return 0;
}
