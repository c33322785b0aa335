// Real Prometheus and Alertmanager for integration tests: Debian's binaries, started on free loopback
// ports with temp data dirs, configured from JSON (YAML's superset, so nothing needs escaping), and
// stopped after. Prometheus may be seeded with exact samples at past times (promtool backfill), which
// gives tests deterministic instant queries.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';
export const PROMTOOL_BIN = '/usr/bin/promtool';
export const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';

export interface ScrapeTarget {
  job: string;
  /** `host:port` */
  target: string;
  metricsPath?: string;
  /** Sent as `Authorization: Bearer <token>`. */
  bearerToken?: string;
  /** Default: the global scrape interval. */
  intervalSeconds?: number;
}

export interface StartPrometheusOptions {
  scrape?: ScrapeTarget[];
  /** Rule files, copied into the server's folder (so a test may change its own copies and reload). */
  ruleFiles?: string[];
  /** Default 1. */
  scrapeIntervalSeconds?: number;
  /** Default 1. */
  evaluationIntervalSeconds?: number;
  /** `http://host:port` of an Alertmanager. */
  alertmanagerUrl?: string;
  /** OpenMetrics text (ending in `# EOF`) written into TSDB blocks with promtool before the start. */
  backfill?: string;
  /** Listen on this port (to come back on the same address after stop()); default a free one. */
  port?: number;
  /** Reuse this folder (its TSDB included); default a new temp folder, removed by stop(). */
  dir?: string;
}

export interface ManagedProcess {
  url: string;
  port: number;
  dir: string;
  /** The process id of the child (Prometheus or Alertmanager itself, no shell between). */
  pid: number;
  /** Sends `signal` to the child, e.g. SIGKILL for a real outage; stop() still waits for its exit. */
  kill(signal: NodeJS.Signals): void;
  /** Everything the process wrote to stdout and stderr so far. */
  logs(): string;
  /** SIGTERM, then SIGKILL after 10 s; removes the folder unless it was given. */
  stop(): Promise<void>;
}

export interface PrometheusServer extends ManagedProcess {
  /** Rule files as loaded (the copies); change them and call reload(). */
  ruleFiles: string[];
  /** POST /-/reload: re-reads the configuration and rule files. */
  reload(): Promise<void>;
}

export type AlertmanagerServer = ManagedProcess;

const READY_TIMEOUT_MS = 30_000;
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function need(bin: string, pkg: string): void {
  if (!existsSync(bin))
    throw new Error(`${bin} is missing: install Debian's ${pkg} package (apt-get install ${pkg})`);
}

async function waitReady(url: string, child: ChildProcess, logs: () => string, name: string): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `${name} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${logs()}`,
      );
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > READY_TIMEOUT_MS) {
      child.kill('SIGKILL');
      throw new Error(`${name} was not ready within ${READY_TIMEOUT_MS} ms:\n${logs()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function launch(
  name: string,
  bin: string,
  args: string[],
  port: number,
  dir: string,
  ownsDir: boolean,
): Promise<ManagedProcess> {
  const child = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const logs = () => out;
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(url, child, logs, name);
  } catch (error) {
    running.delete(child);
    if (ownsDir) rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    dir,
    // Defined once spawned: a spawn failure ends the child before it could be ready.
    pid: child.pid!,
    kill: (signal) => {
      child.kill(signal);
    },
    logs,
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(force);
        }
        running.delete(child);
        if (ownsDir) rmSync(dir, { recursive: true, force: true });
      })()),
  };
}

/** Writes OpenMetrics samples into TSDB blocks in `tsdbDir` (promtool tsdb create-blocks-from openmetrics). */
export function backfill(openMetrics: string, tsdbDir: string): void {
  need(PROMTOOL_BIN, 'prometheus');
  const text = openMetrics.endsWith('\n') ? openMetrics : `${openMetrics}\n`;
  if (!/^# EOF$/m.test(text)) throw new Error('backfill: OpenMetrics text must end with "# EOF"');
  mkdirSync(tsdbDir, { recursive: true });
  const input = path.join(path.dirname(tsdbDir), `backfill-${process.pid}-${Date.now()}.om`);
  writeFileSync(input, text);
  try {
    const result = spawnSync(PROMTOOL_BIN, ['tsdb', 'create-blocks-from', 'openmetrics', input, tsdbDir], {
      encoding: 'utf8',
    });
    if (result.status !== 0)
      throw new Error(`promtool backfill failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  } finally {
    rmSync(input, { force: true });
  }
}

/** Starts Prometheus with the given scrape targets, rule files and Alertmanager; resolves once ready. */
export async function startPrometheus(options: StartPrometheusOptions = {}): Promise<PrometheusServer> {
  need(PROMETHEUS_BIN, 'prometheus');
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(path.join(os.tmpdir(), 'slactl-prometheus-'));
  const tsdb = path.join(dir, 'data');
  const rulesDir = path.join(dir, 'rules');
  mkdirSync(rulesDir, { recursive: true });
  const ruleFiles = (options.ruleFiles ?? []).map((file, i) => {
    const copy = path.join(rulesDir, `${String(i).padStart(3, '0')}-${path.basename(file)}`);
    copyFileSync(file, copy);
    return copy;
  });
  if (options.backfill !== undefined) backfill(options.backfill, tsdb);
  const config = {
    global: {
      scrape_interval: `${options.scrapeIntervalSeconds ?? 1}s`,
      scrape_timeout: `${Math.min(options.scrapeIntervalSeconds ?? 1, 10)}s`,
      evaluation_interval: `${options.evaluationIntervalSeconds ?? 1}s`,
    },
    rule_files: ruleFiles,
    scrape_configs: (options.scrape ?? []).map((t) => ({
      job_name: t.job,
      metrics_path: t.metricsPath ?? '/metrics',
      ...(t.intervalSeconds === undefined
        ? {}
        : {
            scrape_interval: `${t.intervalSeconds}s`,
            scrape_timeout: `${Math.min(t.intervalSeconds, 10)}s`,
          }),
      ...(t.bearerToken === undefined
        ? {}
        : { authorization: { type: 'Bearer', credentials: t.bearerToken } }),
      static_configs: [{ targets: [t.target] }],
    })),
    ...(options.alertmanagerUrl === undefined
      ? {}
      : {
          alerting: {
            alertmanagers: [
              { static_configs: [{ targets: [new URL(options.alertmanagerUrl).host] }], api_version: 'v2' },
            ],
          },
        }),
  };
  const configFile = path.join(dir, 'prometheus.yml');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const port = options.port ?? (await freePort());
  const server = await launch(
    'prometheus',
    PROMETHEUS_BIN,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${tsdb}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
      // Backfilled blocks are far in the past: keep them, however old.
      '--storage.tsdb.retention.time=100y',
      '--log.level=warn',
    ],
    port,
    dir,
    ownsDir,
  );
  return {
    ...server,
    ruleFiles,
    reload: async () => {
      const res = await fetch(`${server.url}/-/reload`, { method: 'POST' });
      if (!res.ok) throw new Error(`prometheus reload failed: ${res.status} ${await res.text()}`);
    },
  };
}

export interface StartAlertmanagerOptions {
  /** The configuration (alertmanager.yaml's text). */
  config: string;
  /** Files the configuration refers to by relative path (e.g. the webhook's bearer token file). */
  files?: Record<string, string>;
  port?: number;
}

/** Starts Alertmanager (clustering off) with the given configuration; resolves once ready. */
export async function startAlertmanager(options: StartAlertmanagerOptions): Promise<AlertmanagerServer> {
  need(ALERTMANAGER_BIN, 'prometheus-alertmanager');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'slactl-alertmanager-'));
  for (const [name, content] of Object.entries(options.files ?? {})) {
    const file = path.join(dir, name);
    if (path.relative(dir, file).startsWith('..')) throw new Error(`file ${name} is outside the folder`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content, { mode: 0o600 });
  }
  const configFile = path.join(dir, 'alertmanager.yml');
  writeFileSync(configFile, options.config);
  const port = options.port ?? (await freePort());
  return launch(
    'alertmanager',
    ALERTMANAGER_BIN,
    [
      `--config.file=${configFile}`,
      `--storage.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    port,
    dir,
    true,
  );
}

/** An instant query; the result vector (throws on an error answer). */
export async function instantQuery(
  prometheusUrl: string,
  query: string,
  at?: number,
): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const body = new URLSearchParams({ query, ...(at === undefined ? {} : { time: String(at / 1000) }) });
  const res = await fetch(`${prometheusUrl}/api/v1/query`, { method: 'POST', body });
  const json = (await res.json()) as {
    status: string;
    error?: string;
    data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
  };
  if (json.status !== 'success' || json.data === undefined)
    throw new Error(`query ${query} failed: ${json.error ?? res.status}`);
  return json.data.result;
}

/** Prometheus' active alerts (GET /api/v1/alerts). */
export async function prometheusAlerts(
  prometheusUrl: string,
): Promise<Array<{ labels: Record<string, string>; state: string; activeAt: string; value: string }>> {
  const res = await fetch(`${prometheusUrl}/api/v1/alerts`);
  const json = (await res.json()) as {
    data: {
      alerts: Array<{ labels: Record<string, string>; state: string; activeAt: string; value: string }>;
    };
  };
  return json.data.alerts;
}
