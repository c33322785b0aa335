// Loading what every command needs: SLA files, settings, plans.
import path from 'node:path';
import type { Diagnostic } from '../lib/diagnostics.js';
import { DEFAULT_SETTINGS, type CompileSettings, type SlaPlan } from '../compile/ir.js';
import { buildPlan } from '../compile/plan.js';
import { loadSlaFiles, type LoadResult } from '../sla/load.js';
import { loadSettings } from '../sla/settings.js';
import type { Io } from './io.js';

export const DEFAULT_SLA_PATHS = ['slas'];
export const DEFAULT_CONFIG_FILE = 'slactl.yaml';

/** Paths as given, resolved against the working directory but displayed relative to it. */
export function displayPaths(io: Io, paths: readonly string[]): string[] {
  return (paths.length > 0 ? paths : DEFAULT_SLA_PATHS).map(
    (p) => path.relative(io.cwd, path.resolve(io.cwd, p)) || '.',
  );
}

/** Loads SLA files relative to the working directory, reporting paths the way the user wrote them. */
export async function loadProject(io: Io, paths: readonly string[]): Promise<LoadResult> {
  return loadSlaFiles(displayPaths(io, paths), io.cwd);
}

/** Compile settings from slactl.yaml merged over the defaults. */
export async function loadCompileSettings(
  io: Io,
  configFile: string | undefined,
): Promise<{ ok: true; settings: CompileSettings } | { ok: false; diagnostics: Diagnostic[] }> {
  const file = configFile ?? DEFAULT_CONFIG_FILE;
  const result = await loadSettings(path.resolve(io.cwd, file));
  if (!result.ok) {
    return { ok: false, diagnostics: result.diagnostics.map((d) => ({ ...d, file })) };
  }
  const compile = result.value.compile ?? {};
  return {
    ok: true,
    settings: {
      runbookBaseUrl: compile.runbookBaseUrl ?? DEFAULT_SETTINGS.runbookBaseUrl,
      alertmanager: {
        webhookUrl: compile.alertmanager?.webhookUrl ?? DEFAULT_SETTINGS.alertmanager.webhookUrl,
        tokenFile: compile.alertmanager?.tokenFile ?? DEFAULT_SETTINGS.alertmanager.tokenFile,
      },
    },
  };
}

/** Plans of every valid SLA. */
export function plansOf(result: LoadResult): SlaPlan[] {
  return result.slas.map(buildPlan);
}
