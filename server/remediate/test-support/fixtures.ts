// Runbooks, alerts and a wired-up engine for remediation tests: a real store (SQLite), a real HTTP
// target on loopback, a manual clock, and an audit sink that records what it is given.
import type { AuditEntry, AuditRecord, AuditSink } from '../../audit/types.js';
import { ManualClock } from '../../lib/clock.js';
import { RunRows } from '../../store/runs-rows.js';
import { openStore, type Store } from '../../store/store.js';
import type { InboundAlert } from '../alertmanager.js';
import { AlertReceiver, type ReceiverOptions } from '../receiver.js';
import { RunEngine, type EngineLog, type RunEngineOptions, type RunEvent } from '../run-engine.js';
import type { Runbook, RunbookAction } from '../runbook-types.js';
import { parseRemediationConfig, Targets, type RemediationConfig } from '../targets.js';
import { TargetServer } from './target-server.js';

export const T0 = Date.UTC(2026, 10, 22, 6, 0, 0);
export const SECRET = 'sk-live-0f3b9c2e7d1a4b6c8e0f2a4c6e8b0d2f';
export const INDEX_PATTERN = '^[a-z0-9][a-z0-9_-]{0,62}$';

/** The labels of a recall alert about one index. */
export function recallLabels(
  index = 'products-v3',
  extra: Record<string, string> = {},
): Record<string, string> {
  return { alertname: 'VectorRecallBelowTarget', sla: 'search-rag', index, severity: 'critical', ...extra };
}

/** An HTTP action compacting the alert's index on target `search-admin`. */
export function compactAction(overrides: Partial<RunbookAction> = {}): RunbookAction {
  return {
    id: 'compact-index',
    title: 'Compact the vector index',
    description: 'Merges segments and purges tombstones.',
    spec: {
      kind: 'http',
      target: 'search-admin',
      method: 'POST',
      path: '/indexes/{index}/compact',
      body: { index: '{index}', mode: 'full' },
    },
    params: { index: { label: 'index', pattern: INDEX_PATTERN } },
    auto: true,
    approval: 'none',
    cooldownMs: 0,
    maxRuns: { count: 100, windowMs: 3_600_000 },
    timeoutMs: 2_000,
    retries: { max: 2, backoffMs: 1_000, maxBackoffMs: 8_000 },
    verify: { alert: 'VectorRecallBelowTarget', withinMs: 600_000 },
    ...overrides,
  };
}

/** The action without a verification step. */
export function noVerify(action: RunbookAction): RunbookAction {
  const rest = { ...action };
  delete rest.verify;
  return rest;
}

export function runbookOf(actions: RunbookAction[], overrides: Partial<Runbook> = {}): Runbook {
  return {
    id: 'vector-index-degradation',
    title: 'Vector index degradation',
    triggers: ['VectorRecallBelowTarget'],
    actions,
    markdown: '',
    sections: { meaning: '', impact: '', diagnosis: '', mitigation: '' },
    file: 'runbooks/vector-index-degradation.md',
    ...overrides,
  };
}

/** The remediation config of the tests: one target on the loopback server, its token from the env. */
export function targetConfig(
  targetUrl: string,
  extra: Partial<Record<string, unknown>> = {},
): RemediationConfig {
  const parsed = parseRemediationConfig({
    allowHosts: ['127.0.0.1'],
    targets: {
      'search-admin': {
        url: `${targetUrl}/admin`,
        headers: { Authorization: { env: 'SEARCH_ADMIN_TOKEN', prefix: 'Bearer ' }, 'X-Team': 'search' },
      },
    },
    ...extra,
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.value;
}

/** An audit sink that keeps what it is given (checking it is JSON, as the real log requires). */
export class RecordingAudit implements AuditSink {
  readonly entries: AuditEntry[] = [];
  /** When set, the record goes here first (a real audit log); a throw refuses the record. */
  inner: AuditSink | undefined;

  append(record: AuditRecord): AuditEntry {
    this.inner?.append(record);
    const copy = JSON.parse(JSON.stringify(record)) as AuditRecord;
    const entry: AuditEntry = {
      ...copy,
      seq: this.entries.length + 1,
      at: 0,
      prevHash: '0'.repeat(64),
      hash: '0'.repeat(64),
      signature: '',
    };
    this.entries.push(entry);
    return entry;
  }

  kinds(subject?: string): string[] {
    return this.entries.filter((e) => subject === undefined || e.subject === subject).map((e) => e.kind);
  }
}

/** A logger that keeps every line, to check none carries a secret. */
export function recordingLog(): EngineLog & { lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (obj: object, msg: string) => {
    lines.push(
      `${level} ${msg} ${JSON.stringify(obj, (_k, v: unknown) => (v instanceof Error ? v.message : v))}`,
    );
  };
  return { lines, info: keep('info'), warn: keep('warn'), error: keep('error') };
}

export function firing(labels: Record<string, string>, startsAt: number): InboundAlert {
  return { status: 'firing', labels, annotations: {}, startsAt };
}

export function resolved(
  labels: Record<string, string>,
  startsAt: number,
  endsAt = startsAt + 60_000,
): InboundAlert {
  return { status: 'resolved', labels, annotations: {}, startsAt, endsAt };
}

export interface Harness {
  store: Store;
  rows: RunRows;
  clock: ManualClock;
  audit: RecordingAudit;
  log: EngineLog & { lines: string[] };
  targets: Targets;
  engine: RunEngine;
  receiver: AlertReceiver;
  events: RunEvent[];
  target: TargetServer;
  /** A new engine and receiver over the same store, as after a restart. */
  restart(): void;
  close(): Promise<void>;
}

export interface HarnessOptions {
  runbooks?: Runbook[];
  config?: (targetUrl: string) => RemediationConfig;
  engine?: RunEngineOptions;
  receiver?: ReceiverOptions;
  env?: NodeJS.ProcessEnv;
  /** Database file; default in memory. */
  path?: string;
  isFiring?: (alertname: string, labels: Readonly<Record<string, string>>) => boolean;
  /** A real audit sink over the harness's store, fed everything the recording sink sees. */
  auditFor?: (store: Store, clock: ManualClock) => AuditSink;
}

/** A store, a target server, an engine and a receiver, wired as the server wires them. */
export async function harness(options: HarnessOptions = {}): Promise<Harness> {
  const target = await TargetServer.start();
  const store = openStore({ path: options.path ?? ':memory:' });
  const rows = new RunRows(store);
  const clock = new ManualClock(T0);
  const audit = new RecordingAudit();
  audit.inner = options.auditFor?.(store, clock);
  const log = recordingLog();
  const config = options.config?.(target.url) ?? targetConfig(target.url);
  const targets = new Targets(config, {
    env: options.env ?? { SEARCH_ADMIN_TOKEN: SECRET, PATH: process.env.PATH },
  });
  const events: RunEvent[] = [];
  const build = () => {
    const engine = new RunEngine(
      {
        rows,
        runbooks: options.runbooks ?? [runbookOf([compactAction()])],
        targets,
        audit,
        clock,
        log,
        publish: (e) => events.push(e),
        ...(options.isFiring !== undefined ? { isFiring: options.isFiring } : {}),
      },
      options.engine,
    );
    const receiver = new AlertReceiver({ rows, engine, audit, clock }, options.receiver);
    return { engine, receiver };
  };
  const h: Harness = {
    store,
    rows,
    clock,
    audit,
    log,
    targets,
    events,
    target,
    ...build(),
    restart() {
      Object.assign(h, build());
    },
    async close() {
      await h.engine.stop();
      store.close();
      await target.close();
    },
  };
  return h;
}
