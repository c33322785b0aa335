// The real control plane for end-to-end tests: `slactl serve` with the demo as a child process, on a
// free loopback port with a temp data dir, restartable on the same port and data (same admin token).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../server/test-support/ports.js';
import { spawnServer, type ServerProcess } from '../../server/test-support/process.js';

export interface E2eServer {
  url: string;
  /** The login URL the banner printed (`Open the dashboard: …`). */
  loginUrl: string;
  token: string;
  port: number;
  dataDir: string;
  process: ServerProcess;
  /** Stops the server (SIGTERM) and waits until it exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data dir. */
  restart(): Promise<void>;
  /** Stops it and removes the data dir. */
  dispose(): Promise<void>;
}

/**
 * Starts `slactl serve` with the demo; evaluations every `evaluationInterval` (default 1s). `config` is
 * the text of a slactl.yaml written into the data dir's parent temp folder and passed as `--config`.
 */
export async function startE2eServer(
  options: { evaluationInterval?: string; config?: string } = {},
): Promise<E2eServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'slactl-e2e-'));
  const port = await freePort();
  const env = { SLACTL_EVALUATION_INTERVAL: options.evaluationInterval ?? '1s', SLACTL_DEMO: 'true' };
  const configArgs: string[] = [];
  if (options.config !== undefined) {
    const file = path.join(dataDir, 'slactl.yaml');
    writeFileSync(file, options.config);
    configArgs.push('--config', file);
  }
  const spawn = () => spawnServer(['--port', String(port), '--data-dir', dataDir, ...configArgs], env);
  let current = await spawn();
  const loginOf = (p: ServerProcess) => {
    const match = /Open the dashboard: (\S+)/.exec(p.stdout());
    if (!match) throw new Error(`the banner printed no login URL:\n${p.stdout()}`);
    return match[1]!;
  };
  const stop = async () => {
    if (current.child.exitCode !== null || current.child.signalCode !== null) return;
    current.child.kill('SIGTERM');
    const timer = setTimeout(() => current.child.kill('SIGKILL'), 15_000);
    await current.exited;
    clearTimeout(timer);
  };
  const server: E2eServer = {
    url: current.url,
    loginUrl: loginOf(current),
    token: current.token,
    port,
    dataDir,
    process: current,
    stop,
    restart: async () => {
      await stop();
      current = await spawn();
      server.process = current;
      if (current.url !== server.url) throw new Error(`restarted at ${current.url}, not ${server.url}`);
    },
    dispose: async () => {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}
