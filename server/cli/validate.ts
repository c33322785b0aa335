// `slactl validate [paths…] [--format text|json]`
import { hasErrors } from '../lib/diagnostics.js';
import { formatDuration } from '../lib/units.js';
import { plansOf, loadProject } from './project.js';
import { countLine, renderDiagnostics } from './render.js';
import type { Io } from './io.js';

export interface ValidateOptions {
  paths: string[];
  format: 'text' | 'json';
}

/** Validates SLA files; exit code 1 on any error, 0 otherwise (warnings included). */
export async function validateCommand(io: Io, options: ValidateOptions): Promise<number> {
  const result = await loadProject(io, options.paths);
  const plans = plansOf(result);
  const failed = hasErrors(result.diagnostics);
  if (options.format === 'json') {
    const report = {
      ok: !failed,
      files: result.files,
      slas: plans.map((plan) => ({
        name: plan.name,
        file: plan.source.file,
        line: plan.source.line,
        service: plan.service,
        objectives: plan.objectives.map((o) => ({ slo: o.slo, target: o.target })),
        ...(plan.budget
          ? {
              budget: {
                p99Ms: plan.budget.p99Ms,
                totalMs: plan.budget.totalMs,
                headroomMs: plan.budget.headroomMs,
              },
            }
          : {}),
      })),
      errors: result.diagnostics.filter((d) => d.severity === 'error').length,
      warnings: result.diagnostics.filter((d) => d.severity === 'warning').length,
      diagnostics: result.diagnostics,
    };
    io.out(`${JSON.stringify(report, null, 2)}\n`);
    return failed ? 1 : 0;
  }
  io.out(renderDiagnostics(result.diagnostics));
  for (const plan of plans) {
    const budget = plan.budget
      ? `, latency budget ${formatDuration(plan.budget.totalMs)} of the ${formatDuration(plan.budget.p99Ms)} p99 (${formatDuration(plan.budget.headroomMs)} headroom)`
      : '';
    const rules = plan.objectives.reduce((n, o) => n + o.tiers.length, 0) + plan.thresholds.length;
    io.out(`ok ${plan.name} (${plan.source.file}): ${rules} alert rules${budget}\n`);
  }
  const slaCount = `${result.files.length} file${result.files.length === 1 ? '' : 's'}, ${plans.length} valid SLA${plans.length === 1 ? '' : 's'}`;
  io.out(`${slaCount}: ${countLine(result.diagnostics)}\n`);
  return failed ? 1 : 0;
}
