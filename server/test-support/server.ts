// Starting a real control plane in-process for integration tests: a temp data dir, the repo's SLAs,
// a manual clock and no background loops, so a test decides when time passes and evaluations run.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { DEFAULT_SETTINGS, type SlaPlan } from '../compile/ir.js';
import { buildPlan } from '../compile/plan.js';
import { ManualClock } from '../lib/clock.js';
import { loadSlaFiles } from '../sla/load.js';
import { DEFAULT_LIMITS, type ServerConfig } from '../http/config.js';
import { startServer, type RunningServer } from '../main.js';
import { loadOperations } from '../cli/operations.js';

export const REPO = path.resolve(import.meta.dirname, '../..');

export async function repoPlans(): Promise<SlaPlan[]> {
  const loaded = await loadSlaFiles(['slas'], REPO);
  return loaded.slas.map(buildPlan);
}

export interface TestServer {
  server: RunningServer;
  clock: ManualClock;
  dataDir: string;
  token: string;
  url: string;
  /** fetch with the admin token unless headers say otherwise. */
  api(pathname: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  stop(): Promise<void>;
}

export async function startTestServer(
  options: {
    demo?: boolean;
    config?: Partial<ServerConfig>;
    startMs?: number;
    dataDir?: string;
    /** Default: silent. */
    log?: Logger;
  } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'slactl-server-'));
  const clock = new ManualClock(options.startMs ?? Date.UTC(2026, 10, 22, 6, 0, 0));
  const config: ServerConfig = {
    host: '127.0.0.1',
    port: 0,
    dataDir,
    slas: path.join(REPO, 'slas'),
    demo: options.demo ?? false,
    evaluationIntervalMs: 15_000,
    retentionMs: 35 * 86_400_000,
    publicMetrics: false,
    logLevel: 'silent',
    limits: DEFAULT_LIMITS,
    ...options.config,
  };
  const plans = await repoPlans();
  // The repo's decision tree and runbooks (slactl.yaml has no remediation section: the demo target is
  // defined by the server itself).
  const ops = await loadOperations({ cwd: REPO, plans, settingsFile: 'slactl.yaml' });
  if (ops.diagnostics.some((d) => d.severity === 'error'))
    throw new Error(`the repo's runbooks do not load: ${JSON.stringify(ops.diagnostics)}`);
  const server = await startServer({
    config,
    plans,
    runbooks: ops.runbooks,
    remediationBaseDir: ops.remediationBaseDir,
    ...(ops.tree ? { tree: ops.tree } : {}),
    ...(ops.remediation ? { remediation: ops.remediation } : {}),
    compileSettings: DEFAULT_SETTINGS,
    clock,
    log: options.log ?? pino({ level: 'silent' }),
    loops: false,
    demoSeed: 7,
  });
  const token = server.admin?.token ?? '';
  return {
    server,
    clock,
    dataDir,
    token,
    url: server.url,
    api: (pathname, init = {}) => {
      const { token: override, ...rest } = init;
      const headers = new Headers(rest.headers);
      const use = override === undefined ? token : override;
      if (use !== null && !headers.has('authorization')) headers.set('authorization', `Bearer ${use}`);
      return fetch(`${server.url}${pathname}`, { ...rest, headers });
    },
    stop: async () => {
      await server.close();
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
