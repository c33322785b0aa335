// `slactl diff --base <git-ref> [paths…] [--format markdown|json]`
import { hasErrors } from '../lib/diagnostics.js';
import { diffSnapshots, type Snapshot } from '../compile/diff.js';
import { diffToMarkdown } from '../compile/diff-markdown.js';
import { emitRules } from '../compile/emit-rules.js';
import type { CompileSettings } from '../compile/ir.js';
import { buildPlan } from '../compile/plan.js';
import { checkSlaSources, type LoadResult } from '../sla/load.js';
import { GitError, slaSourcesAt } from './git.js';
import { displayPaths, loadCompileSettings, loadProject } from './project.js';
import { renderDiagnostics } from './render.js';
import type { Io } from './io.js';

export interface DiffOptions {
  base: string;
  paths: string[];
  format: 'markdown' | 'json';
  config?: string;
}

function snapshot(result: LoadResult, settings: CompileSettings): Snapshot {
  const plans = result.slas.map(buildPlan);
  return { plans, rules: new Map(plans.map((plan) => [plan.name, emitRules(plan, settings)])) };
}

/** Prints the SLA changes between a git ref and the working tree. */
export async function diffCommand(io: Io, options: DiffOptions): Promise<number> {
  const settings = await loadCompileSettings(io, options.config);
  if (!settings.ok) {
    io.err(renderDiagnostics(settings.diagnostics));
    return 1;
  }
  const paths = displayPaths(io, options.paths);
  let baseSources;
  try {
    baseSources = await slaSourcesAt(io.cwd, options.base, paths);
  } catch (error) {
    if (error instanceof GitError) {
      io.err(`slactl diff: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const base = checkSlaSources(baseSources);
  const head = await loadProject(io, options.paths);
  if (hasErrors(head.diagnostics)) {
    io.err(renderDiagnostics(head.diagnostics));
    io.err('slactl diff: the working tree has invalid SLAs; fix them first (see `slactl validate`)\n');
    return 1;
  }
  const baseErrors = base.diagnostics.filter((d) => d.severity === 'error');
  const report = diffSnapshots(snapshot(base, settings.settings), snapshot(head, settings.settings));
  if (options.format === 'json') {
    io.out(`${JSON.stringify({ base: options.base, ...report, baseErrors }, null, 2)}\n`);
  } else {
    let text = diffToMarkdown(report, options.base);
    if (baseErrors.length > 0) {
      text += `\n> ${baseErrors.length} error(s) in the SLAs at ${options.base}; SLAs that did not validate there count as added.\n`;
    }
    io.out(text);
  }
  return 0;
}
