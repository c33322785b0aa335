// The real control plane for chaos scenarios, two ways: in this process (startServer, the real clock
// and loops, a project folder of our own with runbooks and slactl.yaml, logs kept in memory), or as
// `slactl serve` child processes on one data dir (kill -9, restart, a disk of its own). Both are driven
// over real HTTP through `Api`.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { AuditEntry } from '../../server/audit/types.js';
import type { AuditVerification } from '../../server/audit/verify.js';
import { loadOperations } from '../../server/cli/operations.js';
import { DEFAULT_SETTINGS } from '../../server/compile/ir.js';
import { DEFAULT_LIMITS, type ServerConfig } from '../../server/http/config.js';
import { startServer, type RunningServer } from '../../server/main.js';
import type { ActionStatus } from '../../server/remediate/run-engine.js';
import type { RunDetail, RunView } from '../../server/remediate/views.js';
import { runSlactl, spawnServer, type ServerProcess } from '../../server/test-support/process.js';
import { REPO, repoPlans } from '../../server/test-support/server.js';

/** An answer of the API: status, parsed JSON (or undefined) and the raw text. */
export interface Answer {
  status: number;
  body: unknown;
  text: string;
  headers: Headers;
}

/** A client of one control plane's HTTP API with one token. */
export class Api {
  constructor(
    readonly url: string,
    readonly token: string,
  ) {}

  /** Any request; never throws on an HTTP status (network errors do throw). */
  async request(
    method: string,
    pathname: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<Answer> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    let payload: string | undefined;
    if (body !== undefined) {
      headers['content-type'] = contentType;
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const res = await fetch(`${this.url}${pathname}`, {
      method,
      headers,
      ...(payload !== undefined ? { body: payload } : {}),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, text, headers: res.headers };
  }

  /** GET that must answer 2xx; returns the parsed body. */
  async get<T>(pathname: string): Promise<T> {
    const answer = await this.request('GET', pathname);
    if (answer.status < 200 || answer.status > 299)
      throw new Error(`GET ${pathname} answered ${answer.status}: ${answer.text.slice(0, 500)}`);
    return answer.body as T;
  }

  /** Every run, newest first. */
  async runs(): Promise<RunView[]> {
    const out: RunView[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const page = await this.get<{ data: RunView[]; next: string | null }>(`/api/v1/runs?limit=200${query}`);
      out.push(...page.data);
      cursor = page.next;
    } while (cursor !== null);
    return out;
  }

  async run(id: string): Promise<RunDetail> {
    return (await this.get<{ data: RunDetail }>(`/api/v1/runs/${encodeURIComponent(id)}`)).data;
  }

  /** Every audit entry, oldest first. */
  async audit(): Promise<AuditEntry[]> {
    const out: AuditEntry[] = [];
    let after = 0;
    for (;;) {
      const page = await this.get<{ data: AuditEntry[]; next?: number }>(
        `/api/v1/audit?after=${after}&limit=500`,
      );
      out.push(...page.data);
      if (page.next === undefined) return out;
      after = page.next;
    }
  }

  async auditVerify(): Promise<AuditVerification> {
    return (await this.get<{ data: AuditVerification }>('/api/v1/audit/verify')).data;
  }

  async actions(): Promise<ActionStatus[]> {
    return (await this.get<{ data: ActionStatus[] }>('/api/v1/remediation/actions')).data;
  }

  /** Posts an Alertmanager notification the way Alertmanager does. */
  async deliver(notification: unknown): Promise<Answer> {
    return this.request('POST', '/api/v1/alertmanager', notification);
  }
}

/** Polls `read` until `done` holds for its value; returns that value, or throws with the last one. */
export async function waitFor<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (done(last)) return last;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A project folder: `runbooks/<id>.md` files and a `slactl.yaml`, as an operator's repository holds. */
export function writeProject(files: { runbooks: Record<string, string>; settings: string }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'slactl-chaos-project-'));
  mkdirSync(path.join(dir, 'runbooks'));
  for (const [id, text] of Object.entries(files.runbooks))
    writeFileSync(path.join(dir, 'runbooks', `${id}.md`), text);
  writeFileSync(path.join(dir, 'slactl.yaml'), files.settings);
  return dir;
}

/** One line of the server's log (pino JSON). */
export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface InProcessPlane {
  server: RunningServer;
  api: Api;
  dataDir: string;
  /** Every log line at info and above. */
  logs: LogLine[];
  /** Log lines at error or fatal level. */
  errors(): LogLine[];
  stop(): Promise<void>;
}

/**
 * Starts the control plane in this process on the real clock with its loops running, serving the
 * project's runbooks and `remediation:` settings and the repo's SLAs, on loopback with a temp data dir.
 */
export async function startInProcess(projectDir: string): Promise<InProcessPlane> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'slactl-chaos-data-'));
  const plans = await repoPlans();
  const ops = await loadOperations({ cwd: projectDir, plans, settingsFile: 'slactl.yaml' });
  const problems = ops.diagnostics.filter((d) => d.severity === 'error');
  if (problems.length > 0) throw new Error(`the chaos project does not load: ${JSON.stringify(problems)}`);
  const logs: LogLine[] = [];
  const log = pino(
    { level: 'info', base: { service: 'slactl' } },
    { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) },
  );
  const config: ServerConfig = {
    host: '127.0.0.1',
    port: 0,
    dataDir,
    slas: path.join(REPO, 'slas'),
    demo: false,
    evaluationIntervalMs: 1_000,
    retentionMs: 35 * 86_400_000,
    publicMetrics: false,
    logLevel: 'info',
    limits: DEFAULT_LIMITS,
  };
  const server = await startServer({
    config,
    plans,
    compileSettings: DEFAULT_SETTINGS,
    runbooks: ops.runbooks,
    remediationBaseDir: ops.remediationBaseDir,
    ...(ops.tree ? { tree: ops.tree } : {}),
    ...(ops.remediation ? { remediation: ops.remediation } : {}),
    log,
  });
  let stopped = false;
  return {
    server,
    api: new Api(server.url, server.admin?.token ?? ''),
    dataDir,
    logs,
    errors: () => logs.filter((l) => l.level >= 50),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** `slactl serve` as a child process over a data dir, restartable on the same data. */
export interface ChildPlane {
  api: Api;
  process: ServerProcess;
  /** kill -9; resolves once the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM and wait (graceful: drains, flushes, closes the store). */
  stop(): Promise<void>;
}

/**
 * Spawns `slactl serve` (the built CLI in dist/, as users run it) with the demo off, evaluations every
 * second, the data dir and a slactl.yaml of the scenario's.
 */
export async function spawnPlane(dataDir: string, configFile: string): Promise<ChildPlane> {
  const proc = await spawnServer(['--data-dir', dataDir, '--config', configFile], {
    SLACTL_DEMO: 'false',
    SLACTL_EVALUATION_INTERVAL: '1s',
  });
  const gone = () => proc.child.exitCode !== null || proc.child.signalCode !== null;
  return {
    api: new Api(proc.url, proc.token),
    process: proc,
    kill9: async () => {
      if (!gone()) proc.child.kill('SIGKILL');
      await proc.exited;
    },
    stop: async () => {
      if (gone()) return;
      proc.child.kill('SIGTERM');
      const force = setTimeout(() => proc.child.kill('SIGKILL'), 15_000);
      await proc.exited;
      clearTimeout(force);
    },
  };
}

/** `slactl audit verify --format json` over a data dir: the CLI an operator runs, as a child process. */
export async function auditVerifyCli(dataDir: string): Promise<{ code: number | null; result: unknown }> {
  const { code, stdout, stderr } = await runSlactl([
    'audit',
    'verify',
    '--data-dir',
    dataDir,
    '--format',
    'json',
  ]);
  let result: unknown;
  try {
    result = JSON.parse(stdout);
  } catch {
    result = { unparsable: stdout, stderr };
  }
  return { code, result };
}
