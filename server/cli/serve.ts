// `slactl serve` (what `npm start` runs): loads the SLAs and settings, starts the control plane and
// prints where to find it, then runs until SIGTERM/SIGINT and shuts down gracefully.
import path from 'node:path';
import { formatDiagnostic, hasErrors } from '../lib/diagnostics.js';
import { loadSettings } from '../sla/settings.js';
import { ConfigError, resolveServerConfig, type ServeFlags } from '../http/config.js';
import { startServer, StartupError, type RunningServer } from '../main.js';
import type { Io } from './io.js';
import { DEFAULT_CONFIG_FILE, loadCompileSettings, plansOf } from './project.js';
import { loadSlaFiles } from '../sla/load.js';
import { loadOperations, operationsFailed } from './operations.js';

export interface ServeOptions {
  flags: ServeFlags;
  config?: string;
  env?: NodeJS.ProcessEnv;
  /** Resolves when the process should stop (SIGTERM/SIGINT in production). */
  untilStopped?: (server: RunningServer) => Promise<void>;
}

function waitForSignal(io: Io): (server: RunningServer) => Promise<void> {
  return (server) =>
    new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        io.err(`slactl: ${signal} received, draining and stopping\n`);
        process.off('SIGTERM', onTerm);
        process.off('SIGINT', onInt);
        server.close().then(resolve, (error: unknown) => {
          io.err(`slactl: shutdown failed: ${(error as Error).message}\n`);
          resolve();
        });
      };
      const onTerm = () => stop('SIGTERM');
      const onInt = () => stop('SIGINT');
      process.on('SIGTERM', onTerm);
      process.on('SIGINT', onInt);
    });
}

export async function serveCommand(io: Io, options: ServeOptions): Promise<number> {
  const configFile = options.config ?? DEFAULT_CONFIG_FILE;
  const settings = await loadSettings(path.resolve(io.cwd, configFile));
  if (!settings.ok) {
    for (const d of settings.diagnostics) io.err(`${formatDiagnostic({ ...d, file: configFile })}\n`);
    return 1;
  }
  let config;
  try {
    config = resolveServerConfig({
      settings: settings.value,
      env: options.env ?? process.env,
      flags: options.flags,
      cwd: io.cwd,
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) io.err(`slactl: ${problem}\n`);
    return 2;
  }
  const compile = await loadCompileSettings(io, options.config);
  if (!compile.ok) {
    for (const d of compile.diagnostics) io.err(`${formatDiagnostic(d)}\n`);
    return 1;
  }
  const slaPath = path.relative(io.cwd, config.slas) || '.';
  const loaded = await loadSlaFiles([slaPath], io.cwd);
  for (const d of loaded.diagnostics) io.err(`${formatDiagnostic(d)}\n`);
  if (hasErrors(loaded.diagnostics)) {
    io.err(`slactl: not starting: fix the SLA errors above (slactl validate ${slaPath})\n`);
    return 1;
  }

  const plans = plansOf(loaded);
  const ops = await loadOperations({ cwd: io.cwd, plans, settingsFile: configFile });
  for (const d of ops.diagnostics) io.err(`${formatDiagnostic(d)}\n`);
  if (operationsFailed(ops)) {
    io.err('slactl: not starting: fix the runbook and settings errors above (slactl runbooks check)\n');
    return 1;
  }
  for (const note of ops.notes) io.err(`slactl: ${note}\n`);

  let server: RunningServer;
  try {
    server = await startServer({
      config,
      plans,
      compileSettings: compile.settings,
      runbooks: ops.runbooks,
      remediationBaseDir: ops.remediationBaseDir,
      ...(ops.tree ? { tree: ops.tree } : {}),
      ...(ops.remediation ? { remediation: ops.remediation } : {}),
    });
  } catch (error) {
    if (error instanceof StartupError) {
      io.err(`slactl: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const lines = [
    '',
    `  slactl control plane is running at ${server.url}`,
    `  SLAs: ${plans.length} from ${slaPath} · runbooks: ${ops.runbooks.length} · triage: ${ops.tree ? 'on' : 'off'} · store: ${path.relative(io.cwd, config.dataDir) || '.'} · demo: ${config.demo ? 'on' : 'off'}`,
    config.prometheus
      ? `  Data source: Prometheus at ${config.prometheus.url} (its alerts reach remediation through Alertmanager)`
      : '  Data source: the embedded evaluator',
  ];
  if (server.admin) {
    lines.push(
      `  Open the dashboard: ${server.url}/login?token=${server.admin.token}`,
      `  Admin token (${server.admin.created ? 'created' : 'kept'} in ${path.relative(io.cwd, server.admin.file)}): ${server.admin.token}`,
    );
  } else {
    lines.push('  Use one of your API tokens (slactl token list).');
  }
  if (config.host !== '127.0.0.1' && config.host !== 'localhost' && config.host !== '::1')
    lines.push(`  WARNING: listening on ${config.host}, reachable from other machines.`);
  io.out(`${lines.join('\n')}\n\n`);
  await (options.untilStopped ?? waitForSignal(io))(server);
  return 0;
}
