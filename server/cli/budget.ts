// `slactl budget <name> [paths…] [--format text|json]`
import { hasErrors } from '../lib/diagnostics.js';
import { suggest } from '../lib/diagnostics.js';
import { emitBudget } from '../compile/emit-budget.js';
import { loadProject, plansOf } from './project.js';
import { renderBudget, renderDiagnostics } from './render.js';
import type { Io } from './io.js';

export interface BudgetOptions {
  name: string;
  paths: string[];
  format: 'text' | 'json';
}

/** Prints the latency budget table of one SLA. */
export async function budgetCommand(io: Io, options: BudgetOptions): Promise<number> {
  const result = await loadProject(io, options.paths);
  const plans = plansOf(result);
  const plan = plans.find((p) => p.name === options.name);
  if (!plan) {
    if (hasErrors(result.diagnostics)) io.err(renderDiagnostics(result.diagnostics));
    const guess = suggest(
      options.name,
      plans.map((p) => p.name),
    );
    const known = plans.map((p) => p.name).join(', ') || 'none';
    io.err(
      `slactl budget: no valid SLA named "${options.name}"${guess ? ` (did you mean "${guess}"?)` : ''}; known: ${known}\n`,
    );
    return 1;
  }
  if (!plan.budget) {
    io.err(`slactl budget: SLA "${plan.name}" declares no spec.latency.budget\n`);
    return 1;
  }
  if (options.format === 'json') {
    // The same document as alerts/<name>.budget.json.
    io.out(emitBudget(plan) ?? '');
  } else {
    io.out(renderBudget(plan.name, plan.budget));
  }
  return 0;
}
